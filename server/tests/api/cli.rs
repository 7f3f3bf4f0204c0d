//! The `digna` command line, run as a user would, against a temporary database.

use crate::files::open_to_others;
use crate::helpers::{on_postgres, AppHandle};
use chrono::Datelike;
use std::process::{Command, Output};

mod backup;
mod seed;

pub(crate) struct Cli {
    pub(crate) dir: tempfile::TempDir,
    /// The database the commands run on: an SQLite file in `dir`, or a fresh PostgreSQL
    /// database (`DIGNA_TEST_BACKEND=postgres`).
    pub(crate) url: String,
}

impl Cli {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = if crate::helpers::on_postgres() {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(crate::helpers::database())
        } else {
            format!("sqlite://{}", dir.path().join("digna.db").display())
        };
        Cli { dir, url }
    }

    /// `digna` on this database, with its key file beside it and the default k.
    pub(crate) fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_digna"));
        command
            .env("DATABASE_URL", &self.url)
            // Beside the SQLite file, as by default; PostgreSQL has no file to sit beside.
            .env("DIGNA_KEY_FILE", self.dir.path().join("digna.key"))
            .env_remove("DIGNA_RELEASE_K");
        command
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("digna runs")
    }

    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("utf-8")
    }

    pub(crate) fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "{args:?} should fail");
        String::from_utf8(out.stderr).expect("utf-8")
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        if crate::helpers::on_postgres() {
            crate::helpers::drop_database(&self.url);
        }
    }
}

impl Cli {
    /// What `q` prints in the database's own shell (`sqlite3` or `psql`, values split by
    /// `|`, rows by lines).
    pub(crate) fn sql(&self, q: &str) -> String {
        let out = if crate::helpers::on_postgres() {
            Command::new("psql")
                .args(["-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-d", &self.url, "-c", q])
                .output()
                .unwrap()
        } else {
            // Waits for a lock rather than failing: the last connection of a closed pool
            // may still be checkpointing.
            Command::new("sqlite3")
                .args(["-cmd", ".timeout 10000"])
                .arg(self.dir.path().join("digna.db"))
                .arg(q)
                .output()
                .unwrap()
        };
        assert!(out.status.success(), "{q}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// Runs `f` in this process against the same database, as the running server would
    /// write to it (`db` calls the store's functions with `store_fn!`).
    pub(crate) fn with_db<F: std::future::Future>(&self, f: impl FnOnce(AppHandle) -> F) -> F::Output {
        let url = self.url.clone();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let db = server::Db::open(&url).await.expect("the database opens");
            f(AppHandle { db }).await
        })
    }
}

/// Whether `text` names one of `counts` as a number of its own (digits between
/// non-alphanumeric characters: `schema version: 13` does not name 3).
fn names_a_count(text: &str, counts: &[i64]) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric()).any(|word| counts.iter().any(|n| word == n.to_string()))
}

/// Stores `n` alike answers at the station coded `code`, pending, as the server stores
/// them; returns the station's id.
async fn store_alike(
    app: &AppHandle,
    key: &server::privacy::seal::SealKey,
    survey: &domain::Survey,
    code: &str,
    n: usize,
) -> i64 {
    let station = crate::store_fn!(app, stations::by_code(pool, code)).unwrap().expect("station");
    let batch: Vec<_> = (0..n)
        .map(|_| {
            let body = serde_json::json!({
                "id": uuid::Uuid::new_v4().to_string(), "survey_version": 1, "language": "es",
                "answers": {"respect": 4, "waiting_time": "15-30", "respondent": "self"}
            });
            let body = domain::SubmissionBody::from_json(body).unwrap();
            server::privacy::ingest::Pending {
                station_id: station.id,
                iso_week: domain::time::calendar::iso_week_label(chrono::Utc::now(), "America/Lima"),
                submission: domain::Submission::parse(&body, survey).unwrap(),
            }
        })
        .collect();
    server::privacy::ingest::submit_batch(&app.db, key, &batch).await.unwrap();
    station.id
}

/// Waits for the server's "listening on SCHEME://127.0.0.1:PORT" line; returns the port
/// and its log, to keep open while it runs.
fn listening_port(
    server: &mut std::process::Child,
    scheme: &str,
) -> (String, std::io::BufReader<std::process::ChildStderr>) {
    let mut stderr = std::io::BufReader::new(server.stderr.take().expect("stderr"));
    let mut line = String::new();
    let needle = format!("{scheme}://127.0.0.1:");
    loop {
        line.clear();
        let n = std::io::BufRead::read_line(&mut stderr, &mut line).expect("read log");
        assert!(n > 0, "the server stopped before listening");
        if let Some(rest) = line.split(&needle).nth(1) {
            return (rest.split_whitespace().next().expect("a port").to_string(), stderr);
        }
    }
}

#[test]
fn add_a_station_and_enroll_a_tablet() {
    let cli = Cli::new();
    let out = cli.ok(&["station", "add", "--code", "LIM-09", "--name", "Comisaría de Comas", "--region", "Lima Norte"]);
    assert!(out.contains("LIM-09"), "{out}");
    let audit = cli.sql("SELECT action || ' ' || target || ' ' || actor FROM admin_audit");
    assert!(audit.starts_with("station.create LIM-09 command line"), "the command line writes the same audit: {audit}");
    let err = cli.fails(&["station", "add", "--code", "LIM-09", "--name", "Otra", "--region", "Lima Norte"]);
    assert!(err.contains("already exists"), "{err}");
    let err = cli.fails(&["station", "add", "--code", "lim 9", "--name", "X", "--region", "Y"]);
    assert!(err.contains("station code"), "{err}");
    let err =
        cli.fails(&["station", "add", "--code", "LIM-10", "--name", "X", "--region", "Y", "--timezone", "Mars/Base"]);
    assert!(err.contains("unknown timezone"), "{err}");

    let out = cli.ok(&["tablet", "enroll", "--station", "LIM-09"]);
    let code = out.lines().last().expect("a last line");
    assert_eq!(code.len(), 9, "the code alone on the last line: {out}");
    assert_eq!(&code[4..5], "-");
    let err = cli.fails(&["tablet", "enroll", "--station", "NOPE"]);
    assert!(err.contains("no station"), "{err}");
    // A deactivated station gets no new tablet, as in the admin console.
    cli.sql("UPDATE stations SET active = FALSE WHERE code = 'LIM-09'");
    let err = cli.fails(&["tablet", "enroll", "--station", "LIM-09"]);
    assert!(err.contains("deactivated"), "{err}");
}

#[test]
fn languages_are_enabled_only_when_complete() {
    let cli = Cli::new();
    let out = cli.ok(&["language", "enable", "qu"]);
    assert!(out.contains("Runasimi"), "{out}");
    let err = cli.fails(&["language", "enable", "fr"]);
    assert!(err.contains("unknown language"), "{err}");
    let out = cli.ok(&["language", "disable", "qu"]);
    assert!(out.contains("not offered"), "{out}");
}

#[test]
fn a_language_the_current_survey_lacks_texts_in_is_refused_and_nothing_changes() {
    use domain::{Language, ReviewState};
    use store::survey::{DraftStart, Edit, Publication, TextWrite};
    let cli = Cli::new();
    cli.ok(&["language", "disable", "ay"]);
    // Version 2 is published without Aymara texts for `respect` (it need not have them:
    // Aymara is not offered), so Aymara is incomplete in the current survey.
    cli.with_db(|app| async move {
        assert_eq!(
            crate::store_fn!(app, survey::start_draft(conn)).unwrap(),
            DraftStart::Started { draft: 2, from: 1 }
        );
        let blank = TextWrite {
            question_key: "respect".into(),
            choice_key: String::new(),
            language: Language::Ay,
            text: String::new(),
            child_text: String::new(),
            review: ReviewState::NeedsReview,
        };
        assert_eq!(crate::store_fn!(app, survey::write_texts(conn, 2, &[blank])).unwrap(), Edit::Done);
        assert!(matches!(crate::store_fn!(app, survey::publish(conn, 2)).unwrap(), Publication::Published { .. }));
        app.db.close().await;
    });
    let state = || {
        cli.sql(if on_postgres() {
            "SELECT string_agg(code || '=' || enabled::int, ' ' ORDER BY code) FROM languages"
        } else {
            "SELECT group_concat(code || '=' || enabled, ' ') FROM languages ORDER BY code"
        })
    };
    let audit = || cli.sql("SELECT COUNT(*) || ' ' || COALESCE(MAX(id), 0) FROM admin_audit");
    let (languages, audited) = (state(), audit());
    assert!(languages.contains("ay=0"), "{languages}");

    let err = cli.fails(&["language", "enable", "ay"]);
    assert!(err.contains("Aymar aru (ay) cannot be offered"), "{err}");
    assert!(err.contains("version 2") && err.contains("respect — text"), "names what is missing: {err}");
    assert_eq!(state(), languages, "no language changed");
    assert_eq!(audit(), audited, "nothing audited");
    // A complete language still is offered.
    let out = cli.ok(&["language", "enable", "qu"]);
    assert!(out.contains("now offered"), "{out}");
}

#[test]
fn bare_digna_serves() {
    let cli = Cli::new();
    let mut server = Command::new(env!("CARGO_BIN_EXE_digna"))
        .env("DATABASE_URL", &cli.url)
        .env("DIGNA_KEY_FILE", cli.dir.path().join("digna.key"))
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .env_remove("DIGNA_TLS_CERT")
        .env_remove("DIGNA_TLS_KEY")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("digna starts");
    let (port, _log) = listening_port(&mut server, "http");
    let status = Command::new("curl")
        .args(["-s", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}"])
        .arg(format!("http://127.0.0.1:{port}/api/v1/openapi.json"))
        .output()
        .expect("curl runs");
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(String::from_utf8_lossy(&status.stdout), "200", "`digna` alone serves the API");
}

#[test]
fn staff_accounts_are_created_and_reset_from_the_command_line() {
    let cli = Cli::new();
    cli.ok(&["station", "add", "--code", "LIM-01", "--name", "Comisaría", "--region", "Lima Centro"]);
    let out = cli.ok(&["user", "create", "--email", "Jefa@Digna.pe", "--role", "admin"]);
    assert!(out.contains("jefa@digna.pe") && out.contains("two-step"), "{out}");
    let password = out.lines().last().expect("the password on the last line");
    assert!(password.len() >= 16, "a strong generated password: {out}");

    let out = cli.ok(&["user", "create", "--email", "ana@digna.pe", "--role", "supervisor", "--station", "LIM-01"]);
    assert!(out.contains("supervisor"), "{out}");
    let err = cli.fails(&["user", "create", "--email", "ana@digna.pe", "--role", "supervisor"]);
    assert!(err.contains("already exists"), "{err}");
    let err = cli.fails(&["user", "create", "--email", "bea@digna.pe", "--role", "boss"]);
    assert!(err.contains("--role") && err.contains("not a role"), "{err}");
    let err = cli.fails(&["user", "create", "--email", "no-at-sign", "--role", "supervisor"]);
    assert!(err.contains("--email"), "{err}");
    let err = cli.fails(&["user", "create", "--email", "bea@digna.pe", "--role", "supervisor", "--station", "NOPE-1"]);
    assert!(err.contains("no station has code NOPE-1"), "{err}");
    let err = cli.fails(&["user", "create", "--email", "bea@digna.pe", "--role", "admin", "--station", "LIM-01"]);
    assert!(err.contains("every station"), "{err}");

    let out = cli.ok(&["user", "reset-password", "--email", "ana@digna.pe"]);
    let new_password = out.lines().last().unwrap();
    assert!(new_password.len() >= 16 && new_password != password, "{out}");
    let err = cli.fails(&["user", "reset-password", "--email", "nadie@digna.pe"]);
    assert!(err.contains("no account"), "{err}");

    // Two-step verification turned off (a lost phone, a restore under another key file).
    cli.sql("UPDATE users SET totp_secret = 'sealed:x' WHERE email = 'jefa@digna.pe'");
    let zero_byte = if on_postgres() { "'\\x00'::bytea" } else { "x'00'" };
    cli.sql(&format!(
        "INSERT INTO recovery_codes (user_id, code_hash) SELECT id, {zero_byte} FROM users WHERE email = 'jefa@digna.pe'"
    ));
    let out = cli.ok(&["user", "reset-two-factor", "--email", "jefa@digna.pe"]);
    assert!(out.contains("off for jefa@digna.pe"), "{out}");
    let row = cli.sql("SELECT COALESCE(totp_secret, 'none'), session_epoch, (SELECT COUNT(*) FROM recovery_codes) FROM users WHERE email = 'jefa@digna.pe'");
    assert_eq!(row.trim(), "none|1|0");
    let err = cli.fails(&["user", "reset-two-factor", "--email", "nadie@digna.pe"]);
    assert!(err.contains("no account"), "{err}");
}

#[test]
fn export_writes_a_zip_and_refuses_bad_arguments_precisely() {
    let cli = Cli::new();
    cli.ok(&["seed-demo"]);
    let out = cli.dir.path().join("demo.zip");
    let out_s = out.to_str().unwrap();
    let today = chrono::Utc::now().date_naive();
    let year_ago = (today - chrono::Duration::days(365)).to_string();
    let today = today.to_string();
    let printed = cli.ok(&["export", "--out", out_s, "--region", "Lima Centro", "--from", &year_ago, "--to", &today]);
    assert!(printed.contains("Exported") && printed.contains("SHA-256 of the ZIP"), "{printed}");
    assert!(std::fs::metadata(&out).unwrap().len() > 1000);
    for (args, expected) in [
        (vec!["--from", "2026-13-01", "--to", "2026-12-31"], "--from"),
        (vec!["--from", "2026-05-01", "--to", "2026-01-31"], "is after"),
        (vec!["--from", &year_ago, "--to", &today, "--station", "NOPE-9"], "no station has code"),
        (vec!["--from", &year_ago, "--to", &today, "--region", "Atlantis"], "no station is in region"),
        (vec!["--from", &year_ago, "--to", &today, "--format", "pdf"], "not a format"),
        (vec!["--from", &year_ago, "--to", &today, "--unit", "day"], "not a unit"),
        (vec!["--from", &year_ago, "--to", &today, "--version", "7"], "not published"),
        (vec!["--from", "2000-01-01", "--to", &today], "at most 60 months"),
        (vec!["--from", "+262143-01-01", "--to", "+262143-12-31"], "--from"),
        (vec!["--from", &today, "--to", "9999-12-31"], "at most 60 months"),
        (vec!["--from", "2001-01-01", "--to", "2001-12-31"], "before the first answers were released"),
    ] {
        let mut all = vec!["export", "--out", out_s];
        all.extend(args);
        let err = cli.fails(&all);
        assert!(err.contains(expected), "{all:?}: {err}");
    }
}

#[test]
fn open_data_spends_its_budget_and_the_cap_refuses() {
    let cli = Cli::new();
    cli.ok(&["seed-demo"]);
    let out = cli.dir.path().join("open.zip");
    let out_s = out.to_str().unwrap();
    // The month before this one and this one: the demo's last weeks.
    let today = chrono::Utc::now().date_naive();
    let from = (today.with_day(1).unwrap() - chrono::Duration::days(1)).with_day(1).unwrap().to_string();
    let to = today.to_string();
    let args =
        |eps: &'static str| vec!["export", "open-data", "--out", out_s, "--from", &from, "--to", &to, "--epsilon", eps];
    let printed = cli.ok(&args("2.5"));
    assert!(printed.contains("ε = 2.5") && printed.contains("δ = 0"), "{printed}");
    let err = cli.fails(&args("1"));
    assert!(err.contains("cap of 3"), "{err}");
    cli.ok(&args("0.5"));
    let err = cli.fails(&args("0"));
    assert!(err.contains("--epsilon"), "{err}");
    let err = cli.fails(&["export", "--out", out_s]);
    assert!(err.contains("--from"), "{err}");
}

#[test]
fn a_password_from_standard_input_must_be_long_enough() {
    use std::io::Write;
    let cli = Cli::new();
    let mut child = Command::new(env!("CARGO_BIN_EXE_digna"))
        .args(["user", "create", "--email", "ana@digna.pe", "--role", "supervisor", "--password-stdin"])
        .env("DATABASE_URL", &cli.url)
        .env("DIGNA_KEY_FILE", cli.dir.path().join("digna.key"))
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("digna runs");
    child.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12 characters"));
}

#[test]
fn every_command_has_help() {
    let cli = Cli::new();
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["seed-demo", "--help"],
        vec!["station", "add", "--help"],
        vec!["tablet", "enroll", "--help"],
        vec!["language", "enable", "--help"],
        vec!["language", "disable", "--help"],
        vec!["user", "create", "--help"],
        vec!["user", "reset-password", "--help"],
        vec!["export", "--help"],
        vec!["export", "open-data", "--help"],
        vec!["release", "--help"],
        vec!["station", "set", "--help"],
    ] {
        let out = cli.ok(&args);
        assert!(out.contains("Usage:"), "{args:?}: {out}");
    }
}

#[test]
fn serve_speaks_https_when_given_a_certificate() {
    let cli = Cli::new();
    let (cert, key) = crate::helpers::self_signed_certificate(cli.dir.path());

    let mut server = Command::new(env!("CARGO_BIN_EXE_digna"))
        .args(["serve", "--tls-cert"])
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .env("DATABASE_URL", &cli.url)
        .env("DIGNA_KEY_FILE", cli.dir.path().join("digna.key"))
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("digna serve starts");
    let (port, _log) = listening_port(&mut server, "https");
    let curl = |scheme: &str| {
        Command::new("curl")
            .args(["-sk", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}"])
            .arg(format!("{scheme}://127.0.0.1:{port}/api/v1/openapi.json"))
            .output()
            .expect("curl runs")
    };
    let https = curl("https");
    let plain = curl("http");
    // Under HTTPS the staff session cookie is Secure.
    let signin = Command::new("curl")
        .args(["-sk", "--max-time", "10", "-o", "/dev/null", "-D", "-"])
        .arg(format!("https://127.0.0.1:{port}/signin"))
        .output()
        .expect("curl runs");
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(String::from_utf8_lossy(&https.stdout), "200", "HTTPS answers");
    assert_ne!(String::from_utf8_lossy(&plain.stdout), "200", "plain HTTP does not");
    let headers = String::from_utf8_lossy(&signin.stdout).to_lowercase();
    // (The sign-in page's own token cookie: a session is made only at sign-in.)
    let cookie = headers.lines().find(|l| l.starts_with("set-cookie: digna_signin=")).unwrap_or_default().to_string();
    assert!(cookie.contains("; secure") && cookie.contains("httponly"), "{headers}");
    assert!(headers.contains("strict-transport-security: max-age="), "HTTPS is kept to: {headers}");

    let err = cli.fails(&["serve", "--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"]);
    assert!(err.contains("cannot load the TLS certificate"), "{err}");
    let err = cli.fails(&["serve", "--tls-cert", "/nonexistent.pem"]);
    assert!(err.contains("--tls-key"), "{err}");
}

#[cfg(unix)]
#[test]
fn every_file_digna_writes_is_its_owners_only() {
    let cli = Cli::new();
    cli.ok(&["seed-demo"]);
    // The key, as the server makes it at its first start.
    let _ = server::privacy::seal::SealKey::load_or_create(&cli.dir.path().join("digna.key")).unwrap();
    cli.ok(&["recovery-key", "new"]);
    let out = cli.dir.path().join("backups").join("copy.db");
    cli.ok(&["backup", "--out", out.to_str().unwrap()]);
    let zip = cli.dir.path().join("exports").join("all.zip");
    std::fs::create_dir_all(zip.parent().unwrap()).ok();
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let first = format!("{month}-01");
    let _ = cli.run(&["export", "--out", zip.to_str().unwrap(), "--from", &first, "--to", &first]);
    assert!(out.is_file() && !out.with_extension("key").exists(), "a backup writes no key file");
    let open = open_to_others(cli.dir.path());
    // The test's own temporary folder and the exports folder it made are not Digna's.
    let open: Vec<_> =
        open.into_iter().filter(|f| !f.starts_with(&format!("{} ", zip.parent().unwrap().display()))).collect();
    assert!(open.is_empty(), "readable by others: {open:?}");
}
