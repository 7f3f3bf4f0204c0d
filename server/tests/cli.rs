//! The `digna` command line, run as a user would, against a temporary database.

use std::process::{Command, Output};

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        Cli { dir: tempfile::tempdir().expect("temp dir") }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_digna"))
            .args(args)
            .env("DATABASE_URL", format!("sqlite://{}", self.dir.path().join("digna.db").display()))
            .env_remove("DIGNA_KEY_FILE")
            .env_remove("DIGNA_RELEASE_K")
            .output()
            .expect("digna runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("utf-8")
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "{args:?} should fail");
        String::from_utf8(out.stderr).expect("utf-8")
    }
}

#[test]
fn add_a_station_and_enroll_a_tablet() {
    let cli = Cli::new();
    let out = cli.ok(&["station", "add", "--code", "LIM-09", "--name", "Comisaría de Comas", "--region", "Lima Norte"]);
    assert!(out.contains("LIM-09"), "{out}");
    let db = cli.dir.path().join("digna.db");
    let audit = Command::new("sqlite3")
        .arg(&db)
        .arg("SELECT action || ' ' || target || ' ' || actor FROM admin_audit")
        .output()
        .unwrap();
    let audit = String::from_utf8(audit.stdout).unwrap();
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
    let db = cli.dir.path().join("digna.db");
    Command::new("sqlite3").arg(&db).arg("UPDATE stations SET active = 0 WHERE code = 'LIM-09'").output().unwrap();
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
fn seed_demo_once() {
    let cli = Cli::new();
    let out = cli.ok(&["seed-demo"]);
    assert!(out.contains("2 stations in 2 regions"), "{out}");
    assert!(out.contains("supervisora@digna.demo") && out.contains("demo-supervisora"), "{out}");
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
}

#[test]
fn export_writes_a_zip_and_refuses_bad_arguments_precisely() {
    let cli = Cli::new();
    cli.ok(&["seed-demo"]);
    let out = cli.dir.path().join("demo.zip");
    let out_s = out.to_str().unwrap();
    let today = std::process::Command::new("date").arg("+%Y-%m-%d").output().unwrap();
    let today = String::from_utf8(today.stdout).unwrap().trim().to_string();
    let printed =
        cli.ok(&["export", "--out", out_s, "--region", "Lima Centro", "--from", "2000-01-01", "--to", &today]);
    assert!(printed.contains("Exported") && printed.contains("SHA-256 of the ZIP"), "{printed}");
    assert!(std::fs::metadata(&out).unwrap().len() > 1000);
    for (args, expected) in [
        (vec!["--from", "2026-13-01", "--to", "2026-12-31"], "--from"),
        (vec!["--from", "2026-05-01", "--to", "2026-01-31"], "is after"),
        (vec!["--from", "2026-01-01", "--to", "2026-01-31", "--station", "NOPE-9"], "no station has code"),
        (vec!["--from", "2026-01-01", "--to", "2026-01-31", "--region", "Atlantis"], "no station is in region"),
        (vec!["--from", "2026-01-01", "--to", "2026-01-31", "--format", "pdf"], "not a format"),
        (vec!["--from", "2026-01-01", "--to", "2026-01-31", "--unit", "day"], "not a unit"),
        (vec!["--from", "2026-01-01", "--to", "2026-01-31", "--version", "7"], "not published"),
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
    let args = |eps: &'static str| {
        vec!["export", "open-data", "--out", out_s, "--from", "2026-01-01", "--to", "2026-02-28", "--epsilon", eps]
    };
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
        .env("DATABASE_URL", format!("sqlite://{}", cli.dir.path().join("digna.db").display()))
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
    ] {
        let out = cli.ok(&args);
        assert!(out.contains("Usage:"), "{args:?}: {out}");
    }
}

#[test]
fn serve_speaks_https_when_given_a_certificate() {
    let cli = Cli::new();
    let (cert, key) = (cli.dir.path().join("cert.pem"), cli.dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));

    let mut server = Command::new(env!("CARGO_BIN_EXE_digna"))
        .args(["serve", "--tls-cert"])
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .env("DATABASE_URL", format!("sqlite://{}", cli.dir.path().join("digna.db").display()))
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("digna serve starts");
    let mut stderr = std::io::BufReader::new(server.stderr.take().expect("stderr"));
    let mut line = String::new();
    let port = loop {
        line.clear();
        let n = std::io::BufRead::read_line(&mut stderr, &mut line).expect("read log");
        assert!(n > 0, "the server stopped before listening");
        if let Some(rest) = line.split("https://127.0.0.1:").nth(1) {
            break rest.split_whitespace().next().expect("a port").to_string();
        }
    };
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
    let cookie = headers.lines().find(|l| l.starts_with("set-cookie: digna_staff=")).unwrap_or_default().to_string();
    assert!(cookie.contains("; secure") && cookie.contains("httponly"), "{headers}");

    let err = cli.fails(&["serve", "--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"]);
    assert!(err.contains("cannot load the TLS certificate"), "{err}");
    let err = cli.fails(&["serve", "--tls-cert", "/nonexistent.pem"]);
    assert!(err.contains("--tls-key"), "{err}");
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
    app::seal::SealKey::load_or_create(&cli.dir.path().join("digna.key")).unwrap();
    let printed = cli.ok(&["backup", "--out", out.to_str().unwrap()]);
    assert!(printed.contains("integrity check: ok") && printed.contains("stations: 1"), "{printed}");
    assert!(out.is_file() && out.with_extension("key").is_file());
    let err = cli.fails(&["backup", "--out", out.to_str().unwrap()]);
    assert!(err.contains("already exists"), "{err}");

    let audit = |what: &str| {
        let out = Command::new("sqlite3")
            .arg(cli.dir.path().join("digna.db"))
            .arg("SELECT group_concat(action, ' ') FROM admin_audit")
            .output()
            .unwrap();
        let actions = String::from_utf8(out.stdout).unwrap();
        assert!(actions.contains(what), "{what} is audited: {actions}");
    };
    audit("backup");
    let checked = cli.ok(&["restore", "--from", out.to_str().unwrap(), "--check"]);
    assert!(checked.contains("nothing was changed"), "{checked}");
    let err = cli.fails(&["restore", "--from", out.to_str().unwrap()]);
    assert!(err.contains("--force"), "the live database is never overwritten silently: {err}");
    let restored = cli.ok(&["restore", "--from", out.to_str().unwrap(), "--force"]);
    assert!(restored.contains("Restored."), "{restored}");
    audit("restore");
}

#[test]
fn seed_demo_at_scale_writes_exactly_the_released_responses_asked_for_and_their_rollups() {
    let cli = Cli::new();
    let sql = |q: &str| -> String {
        let out = Command::new("sqlite3").arg(cli.dir.path().join("digna.db")).arg(q).output().unwrap();
        assert!(out.status.success(), "{q}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
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
        sql("SELECT COUNT(*) FROM (SELECT 1 FROM responses GROUP BY station_id, iso_week HAVING COUNT(*) >= 5)"),
        "200"
    );
    // The roll-ups are exactly a GROUP BY over the raw rows, both ways.
    let responses = "SELECT station_id, iso_week, survey_version, language, COALESCE(respondent, ''),
                            COALESCE(age_band, ''), suspect, COUNT(*)
                     FROM responses GROUP BY 1, 2, 3, 4, 5, 6, 7";
    let response_rollups = "SELECT station_id, iso_week, survey_version, language, respondent, age_band, suspect,
                                   responses FROM response_rollups";
    let answers = "SELECT r.station_id, r.iso_week, r.survey_version, r.language, COALESCE(r.respondent, ''),
                          COALESCE(r.age_band, ''), r.suspect, a.question_key, a.value, COUNT(*)
                   FROM responses r JOIN answers a ON a.response_id = r.id GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9";
    let answer_rollups = "SELECT station_id, iso_week, survey_version, language, respondent, age_band, suspect,
                                 question_key, value, answers FROM answer_rollups";
    for (a, b) in [
        (responses, response_rollups),
        (response_rollups, responses),
        (answers, answer_rollups),
        (answer_rollups, answers),
    ] {
        assert_eq!(sql(&format!("SELECT COUNT(*) FROM ({a} EXCEPT {b})")), "0", "{a}\nEXCEPT\n{b}");
    }
    // Realistic: regions, languages, profiles skipped, faces declined, several picks.
    assert!(sql("SELECT COUNT(DISTINCT region) FROM stations").parse::<i64>().unwrap() >= 10);
    assert!(sql("SELECT COUNT(DISTINCT language) FROM responses").parse::<i64>().unwrap() >= 3);
    assert_ne!(sql("SELECT COUNT(*) FROM responses WHERE respondent IS NULL"), "0");
    assert_ne!(sql("SELECT COUNT(*) FROM answers WHERE value = 'rather_not'"), "0");
    assert_ne!(
        sql("SELECT COUNT(*) FROM (SELECT 1 FROM answers WHERE question_key = 'improve' GROUP BY response_id HAVING COUNT(*) > 1)"),
        "0"
    );
    let indexes = sql(
        "SELECT MIN(i), MAX(i) FROM (SELECT station_id, 100.0 * SUM(CAST(value AS INTEGER) - 1) / (3 * COUNT(*)) AS i
                       FROM answers a JOIN responses r ON r.id = a.response_id
                       WHERE value IN ('1', '2', '3', '4') GROUP BY station_id)",
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
