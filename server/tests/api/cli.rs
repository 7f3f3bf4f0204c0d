//! The `digna` command line, run as a user would, against a temporary database.

use crate::files::open_to_others;
use crate::helpers::{on_postgres, AppHandle};
use chrono::Datelike;
use std::process::{Command, Output};

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
fn seed_demo_once() {
    let cli = Cli::new();
    let out = cli.ok(&["seed-demo"]);
    assert!(out.contains("2 stations in 2 regions"), "{out}");
    assert!(out.contains("supervisora@digna.demo") && out.contains("demo-supervisora"), "{out}");
    // What a newcomer's first run shows: two stations in two regions, one enrolled tablet,
    // a few hundred released responses over about twelve weeks, with their roll-ups.
    assert_eq!(cli.sql("SELECT COUNT(*) || ' ' || COUNT(DISTINCT region) FROM stations"), "2 2");
    assert_eq!(
        cli.sql("SELECT COUNT(*) FROM tablets t JOIN stations s ON s.id = t.station_id WHERE NOT t.revoked"),
        "1",
        "one enrolled demo tablet"
    );
    let released: i64 = cli.sql("SELECT COUNT(*) FROM responses").parse().unwrap();
    assert!((150..=1000).contains(&released), "a few hundred responses: {released}");
    assert_eq!(cli.sql("SELECT SUM(responses) FROM response_rollups"), released.to_string());
    assert_eq!(cli.sql("SELECT COUNT(*) FROM pending_responses"), "0", "released, none pending");
    let weeks: i64 = cli.sql("SELECT COUNT(DISTINCT iso_week) FROM responses").parse().unwrap();
    assert!((10..=13).contains(&weeks), "spread over about 12 ISO weeks: {weeks}");
    let stations_with_data = cli.sql("SELECT COUNT(DISTINCT station_id) FROM responses");
    assert_eq!(stations_with_data, "2", "both stations have responses");
    // Released as a scheduled release would: every combination of what staff could
    // observe appears at least k = 5 times in each station's week.
    let smallest: i64 = cli
        .sql(
            "SELECT MIN(n) FROM (SELECT COUNT(*) AS n FROM responses r
             LEFT JOIN answers w ON w.response_id = r.id AND w.question_key = 'waiting_time'
             GROUP BY r.station_id, r.iso_week, r.survey_version, r.language, r.respondent, r.age_band, r.suspect, w.value)
             AS combinations",
        )
        .parse()
        .unwrap();
    assert!(smallest >= 5, "a combination of the demo data holds {smallest} responses");
    let out = cli.ok(&["seed-demo"]);
    assert!(out.contains("already has stations"), "a second run adds nothing: {out}");
    assert!(!out.contains("Demo accounts added"), "{out}");
    assert!(out.contains("supervisora@digna.demo"), "the accounts are listed every time: {out}");
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

/// The secret `digna recovery-key new` printed (the line that starts AGE-SECRET-KEY-1).
fn printed_secret(printed: &str) -> String {
    printed.lines().map(str::trim).find(|l| l.starts_with("AGE-SECRET-KEY-1")).expect("the secret is printed").into()
}

#[test]
fn backup_and_restore_from_the_command_line() {
    let cli = Cli::new();
    cli.ok(&["station", "add", "--code", "LIM-09", "--name", "Comisaría de Comas", "--region", "Lima Norte"]);
    let out = cli.dir.path().join("backups").join("copy.db");
    let err = cli.fails(&["backup", "--out", out.to_str().unwrap()]);
    assert!(err.contains("cannot read the seal key"), "no key yet (the server creates it): {err}");
    assert!(!out.exists());
    // The key the server creates at its first start.
    let key = server::privacy::seal::SealKey::load_or_create(&cli.dir.path().join("digna.key")).unwrap();
    let err = cli.fails(&["backup", "--out", out.to_str().unwrap()]);
    assert!(err.contains("digna recovery-key new"), "no recovery key yet: {err}");
    assert!(!out.exists());
    let made = cli.ok(&["recovery-key", "new"]);
    let secret = printed_secret(&made);
    assert!(made.contains("paper"), "{made}");
    assert!(!cli.sql("SELECT recipient FROM recovery_key").contains("SECRET"), "only the public half is stored");
    let err = cli.fails(&["recovery-key", "new"]);
    assert!(err.contains("--replace"), "a recovery key is never replaced unasked: {err}");
    // Answers as the server stores them: five released at LIM-09, and six pending (four
    // at LIM-10, two at LIM-11) that no output and no audit line may count.
    let counts = [6, 4];
    for code in ["LIM-10", "LIM-11"] {
        cli.ok(&["station", "add", "--code", code, "--name", "Comisaría", "--region", "Lima Sur"]);
    }
    cli.with_db(|app| async move {
        let survey = crate::store_fn!(app, survey::load(pool, 1)).unwrap().expect("survey version 1");
        for (code, n) in [("LIM-09", 5), ("LIM-10", 4), ("LIM-11", 2)] {
            let station = store_alike(&app, &key, &survey, code, n).await;
            let rule = server::privacy::release::ReleaseRule { k: domain::K::new(5), hold_weeks: 0 };
            server::privacy::release::release_station(&app.db, &key, station, chrono::Utc::now(), rule, None, None)
                .await
                .unwrap();
        }
        app.db.close().await;
    });
    assert_eq!(cli.sql("SELECT COUNT(*) FROM pending_responses"), "6");
    let printed = cli.ok(&["backup", "--out", out.to_str().unwrap()]);
    assert!(printed.contains("integrity check: ok") && printed.contains("stations: 3"), "{printed}");
    assert!(printed.contains("released responses: 5"), "{printed}");
    assert!(printed.contains("sealed to the recovery key only"), "{printed}");
    assert!(!names_a_count(&printed, &counts), "the output counts pending responses: {printed}");
    assert!(out.is_file() && !out.with_extension("key").exists(), "no key file beside a backup");
    let err = cli.fails(&["backup", "--out", out.to_str().unwrap()]);
    assert!(err.contains("already exists"), "{err}");

    let audit = |what: &str| {
        let actions = cli.sql("SELECT action FROM admin_audit").replace('\n', " ");
        assert!(actions.contains(what), "{what} is audited: {actions}");
    };
    audit("backup");
    audit("recovery key made");
    // No audit line (shown with its time at /admin/audit) counts pending responses.
    let audit_uncounted = || {
        let details = cli.sql("SELECT action || ': ' || detail FROM admin_audit");
        assert!(!names_a_count(&details, &counts), "an audit line counts pending responses: {details}");
        details
    };
    let details = audit_uncounted();
    assert!(details.contains("backup: backup made; 5 released responses"), "{details}");
    let secret_file = cli.dir.path().join("paper.txt");
    std::fs::write(&secret_file, format!("# typed from paper\n{secret}\n")).unwrap();
    let with_secret = ["--recovery-key-file", secret_file.to_str().unwrap()];
    let checked = cli.ok(&[&["restore", "--from", out.to_str().unwrap(), "--check"][..], &with_secret].concat());
    assert!(checked.contains("nothing was changed") && checked.contains("every one opens"), "{checked}");
    assert!(!names_a_count(&checked, &counts), "{checked}");
    if on_postgres() {
        // PostgreSQL takes a restore only into a new, empty database (as after createdb).
        let err = cli.fails(&[&["restore", "--from", out.to_str().unwrap()][..], &with_secret].concat());
        assert!(err.contains("empty database"), "the live database is never overwritten: {err}");
        let err = cli.fails(&["restore", "--from", out.to_str().unwrap(), "--force"]);
        assert!(err.contains("--force is for SQLite"), "{err}");
        // Without the secret: the released data only.
        let lost = Cli::new();
        let restored = lost.ok(&["restore", "--from", out.to_str().unwrap()]);
        assert!(restored.contains("Restored.") && restored.contains("NOT RECOVERED"), "{restored}");
        assert!(restored.contains("2 station"), "{restored}");
        assert!(!names_a_count(&restored, &counts), "{restored}");
        assert_eq!(lost.sql("SELECT COUNT(*) FROM pending_responses"), "0");
        assert_eq!(lost.sql("SELECT COUNT(*) FROM responses"), "5");
        // With it: every pending response comes back.
        let found = Cli::new();
        let restored = found.ok(&[&["restore", "--from", out.to_str().unwrap()][..], &with_secret].concat());
        assert!(restored.contains("every one recovered"), "{restored}");
        assert!(!names_a_count(&restored, &counts), "{restored}");
        assert_eq!(found.sql("SELECT COUNT(*) FROM pending_responses"), "6", "the pending responses came back");
        let details = found.sql("SELECT action || ': ' || detail FROM admin_audit");
        assert!(details.contains("restore: "), "the restore is audited: {details}");
        assert!(!names_a_count(&details, &counts), "an audit line counts pending responses: {details}");
        return;
    }
    let err = cli.fails(&[&["restore", "--from", out.to_str().unwrap()][..], &with_secret].concat());
    assert!(err.contains("--force"), "the live database is never overwritten silently: {err}");
    // Without the secret (standard input is no terminal here): the released data only.
    let restored = cli.ok(&["restore", "--from", out.to_str().unwrap(), "--force"]);
    assert!(restored.contains("Restored.") && restored.contains("NOT RECOVERED"), "{restored}");
    assert!(restored.contains("2 station"), "{restored}");
    assert!(!names_a_count(&restored, &counts), "{restored}");
    assert_eq!(cli.sql("SELECT COUNT(*) FROM pending_responses"), "0");
    assert_eq!(cli.sql("SELECT COUNT(*) FROM responses"), "5");
    // With it: every pending response comes back.
    let restored = cli.ok(&[&["restore", "--from", out.to_str().unwrap(), "--force"][..], &with_secret].concat());
    assert!(restored.contains("every one recovered"), "{restored}");
    assert!(!names_a_count(&restored, &counts), "{restored}");
    audit("restore");
    audit_uncounted();
    assert_eq!(cli.sql("SELECT COUNT(*) FROM pending_responses"), "6", "the pending responses came back");
    let err =
        cli.fails(&["restore", "--from", out.to_str().unwrap(), "--check", "--recovery-key-file", "/nonexistent"]);
    assert!(err.contains("cannot read the recovery key file"), "{err}");
}

#[test]
fn key_rotation_keeps_the_previous_key_until_every_tablet_has_delivered() {
    let cli = Cli::new();
    cli.ok(&["station", "add", "--code", "LIM-09", "--name", "Comisaría de Comas", "--region", "Lima Norte"]);
    let err = cli.fails(&["key", "rotate"]);
    assert!(err.contains("cannot read the key file"), "{err}");
    let path = cli.dir.path().join("digna.key");
    let old = server::privacy::seal::SealKey::load_or_create(&path).unwrap().box_public_key();
    let printed = cli.ok(&["key", "rotate"]);
    let new = server::privacy::seal::SealKey::load(&path).unwrap();
    assert_ne!(new.box_public_key(), old);
    assert!(new.previous_box_replaced().is_some(), "the previous secret is kept");
    assert!(printed.contains("--finish"), "{printed}");
    let err = cli.fails(&["key", "rotate"]);
    assert!(err.contains("--finish"), "{err}");
    // A tablet enrolled today has not delivered on a later day: its queue may hold
    // answers sealed to the old key.
    cli.with_db(|app| async move {
        let station = crate::store_fn!(app, stations::by_code(pool, "LIM-09")).unwrap().unwrap();
        let token = server::auth::secret_hash("token");
        crate::store_fn!(app, tablets::insert_with_token(pool, station.id, &token)).unwrap();
        app.db.close().await;
    });
    let err = cli.fails(&["key", "rotate", "--finish"]);
    assert!(err.contains("have delivered nothing since the rotation") && err.contains("LIM-09"), "{err}");
    assert!(server::privacy::seal::SealKey::load(&path).unwrap().previous_box_replaced().is_some());
    cli.ok(&["key", "rotate", "--finish", "--force"]);
    let finished = server::privacy::seal::SealKey::load(&path).unwrap();
    assert_eq!(finished.previous_box_replaced(), None, "the previous secret is destroyed");
    assert_eq!(finished.box_public_key(), new.box_public_key());
    let actions = cli.sql("SELECT action FROM admin_audit").replace('\n', " ");
    assert!(actions.contains("key rotate") && actions.contains("key rotate finished"), "{actions}");
    assert!(cli.ok(&["key", "rotate", "--finish"]).contains("No rotation to finish"));
}

#[test]
fn seed_demo_at_scale_writes_exactly_the_released_responses_asked_for_and_their_rollups() {
    let cli = Cli::new();
    let sql = |q: &str| cli.sql(q);
    let args = ["seed-demo", "--responses", "2000", "--stations", "20", "--weeks", "10", "--seed", "11"];
    let out = cli.ok(&args);
    assert!(out.contains("2000 released responses") && out.contains("20 stations"), "{out}");
    assert_eq!(sql("SELECT COUNT(*) FROM responses"), "2000");
    assert_eq!(sql("SELECT SUM(responses) FROM response_rollups"), "2000");
    assert_eq!(sql("SELECT COUNT(*) FROM pending_responses"), "0", "released data only");
    assert_eq!(sql("SELECT COUNT(*) FROM answers"), sql("SELECT SUM(answers) FROM answer_rollups"));
    // Every station has at least k (5) responses in each of the 10 weeks.
    assert_eq!(sql("SELECT COUNT(*) FROM stations"), "20");
    assert_eq!(
        sql("SELECT COUNT(*) FROM (SELECT 1 FROM responses GROUP BY station_id, iso_week HAVING COUNT(*) >= 5) AS w"),
        "200"
    );
    // The roll-ups are exactly a GROUP BY over the raw rows, both ways.
    for (a, b) in store::conformance::ROLLUP_CHECKS {
        assert_eq!(sql(&format!("SELECT COUNT(*) FROM ({a} EXCEPT {b}) AS differing")), "0", "{a}\nEXCEPT\n{b}");
    }
    // Realistic: regions, languages, profiles skipped, faces declined, several picks.
    assert!(sql("SELECT COUNT(DISTINCT region) FROM stations").parse::<i64>().unwrap() >= 10);
    assert!(sql("SELECT COUNT(DISTINCT language) FROM responses").parse::<i64>().unwrap() >= 3);
    assert_ne!(sql("SELECT COUNT(*) FROM responses WHERE respondent IS NULL"), "0");
    assert_ne!(sql("SELECT COUNT(*) FROM answers WHERE value = 'rather_not'"), "0");
    assert_ne!(
        sql("SELECT COUNT(*) FROM (SELECT 1 FROM answers WHERE question_key = 'improve' GROUP BY response_id HAVING COUNT(*) > 1) AS m"),
        "0"
    );
    let indexes = sql(
        "SELECT MIN(i), MAX(i) FROM (SELECT station_id, 100.0 * SUM(CAST(value AS INTEGER) - 1) / (3 * COUNT(*)) AS i
                       FROM answers a JOIN responses r ON r.id = a.response_id
                       WHERE value IN ('1', '2', '3', '4') GROUP BY station_id) AS by_station",
    );
    let (low, high) = indexes.split_once('|').unwrap();
    assert!(high.parse::<f64>().unwrap() - low.parse::<f64>().unwrap() > 10.0, "stations differ: {indexes}");

    // A database with data is refused unless --add says so.
    let err = cli.fails(&args);
    assert!(err.contains("not empty") && err.contains("--add"), "{err}");
    let mut more = args.to_vec();
    more.push("--add");
    cli.ok(&more);
    assert_eq!(sql("SELECT COUNT(*) FROM responses"), "4000");
    assert_eq!(sql("SELECT COUNT(*) FROM stations"), "40");
    // Too few responses for k in every week of every station.
    let err = Cli::new().fails(&["seed-demo", "--responses", "999", "--stations", "20", "--weeks", "10"]);
    assert!(err.contains("too few") && err.contains("1000"), "{err}");
    let err = Cli::new().fails(&["seed-demo", "--stations", "20"]);
    assert!(err.contains("--responses"), "{err}");
}

#[test]
fn release_runs_now_and_prints_pools_never_responses() {
    let cli = Cli::new();
    for code in ["LIM-01", "LIM-02"] {
        cli.ok(&["station", "add", "--code", code, "--name", "Comisaría", "--region", "Lima Sur"]);
    }
    let key = server::privacy::seal::SealKey::load_or_create(&cli.dir.path().join("digna.key")).unwrap();
    // Seven alike at LIM-01, three at LIM-02: stored and pending, as the server stores them.
    cli.with_db(|app| async move {
        let survey = crate::store_fn!(app, survey::load(pool, 1)).unwrap().expect("survey version 1");
        for (code, n) in [("LIM-01", 7), ("LIM-02", 3)] {
            store_alike(&app, &key, &survey, code, n).await;
        }
        app.db.close().await;
    });
    let out = cli.ok(&["release", "--station", "LIM-01"]);
    assert_eq!(out.trim(), "LIM-01: 1 pool released (0 with detail withheld for privacy)");
    assert_eq!(cli.sql("SELECT COUNT(*) FROM responses"), "7");
    let out = cli.ok(&["release"]);
    assert!(out.contains("LIM-01: nothing released") && out.contains("LIM-02: nothing released"), "{out}");
    assert!(out.contains("LIM-02: nothing released; some responses wait"), "{out}");
    assert!(!names_a_count(&out, &[3, 7]), "the output counts responses: {out}");
    let err = cli.fails(&["release", "--station", "NOPE-1"]);
    assert!(err.contains("no station has code"), "{err}");

    // The schedule: a time of the station's night, daily or weekly.
    let out = cli.ok(&["station", "set", "LIM-02", "--release-at", "03:17", "--release-every", "weekly"]);
    assert!(out.contains("every Monday at 03:17"), "{out}");
    assert_eq!(
        cli.sql("SELECT release_minute || ' ' || release_every_days FROM stations WHERE code = 'LIM-02'"),
        "197 7"
    );
    let minute: i64 = cli.sql("SELECT release_minute FROM stations WHERE code = 'LIM-01'").parse().unwrap();
    assert!((60..300).contains(&minute), "a random minute between 01:00 and 04:59: {minute}");
    for (args, says) in [
        (["--release-at", "25:00"], "HH:MM"),
        (["--release-at", "3:17"], "HH:MM"),
        (["--release-every", "hourly"], "daily or weekly"),
    ] {
        let mut all = vec!["station", "set", "LIM-02"];
        all.extend(args);
        let err = cli.fails(&all);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(
        cli.sql("SELECT release_minute || ' ' || release_every_days FROM stations WHERE code = 'LIM-02'"),
        "197 7"
    );
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
