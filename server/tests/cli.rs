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
    let out = cli.ok(&["seed-demo"]);
    assert!(out.contains("already has stations"), "a second run adds nothing: {out}");
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
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(String::from_utf8_lossy(&https.stdout), "200", "HTTPS answers");
    assert_ne!(String::from_utf8_lossy(&plain.stdout), "200", "plain HTTP does not");

    let err = cli.fails(&["serve", "--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"]);
    assert!(err.contains("cannot load the TLS certificate"), "{err}");
    let err = cli.fails(&["serve", "--tls-cert", "/nonexistent.pem"]);
    assert!(err.contains("--tls-key"), "{err}");
}
