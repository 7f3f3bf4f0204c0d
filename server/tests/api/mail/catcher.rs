//! The tests' SMTP server: aiosmtpd, run by `tests/support/mailcatcher.py`, and what it
//! received.

use serde_json::Value;
use server::notify::mail::{MailSettings, Security};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A real SMTP server on 127.0.0.1, writing what it accepts as JSON into its directory.
pub struct MailCatcher {
    child: Child,
    pub dir: tempfile::TempDir,
    pub port: u16,
}

impl MailCatcher {
    pub fn start() -> MailCatcher {
        MailCatcher::start_with(&[])
    }

    /// With the catcher's options: `--starttls CERT KEY`, `--tls CERT KEY`, `--auth USER PASSWORD`.
    pub fn start_with(options: &[&std::ffi::OsStr]) -> MailCatcher {
        let python = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tools/venv/bin/python"));
        assert!(
            python.exists(),
            "{} is missing: run scripts/install-tools.sh --test (it installs aiosmtpd)",
            python.display()
        );
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new(python)
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/mailcatcher.py"))
            .arg(port.to_string())
            .arg(dir.path())
            .args(options)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the mail catcher starts");
        let mut ready = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.as_mut().unwrap()), &mut ready).unwrap();
        assert_eq!(ready.trim(), "ready", "the mail catcher listens");
        MailCatcher { child, dir, port }
    }

    /// Settings that send to this server, without TLS (it runs on the same machine).
    pub fn settings(&self) -> MailSettings {
        MailSettings {
            host: "127.0.0.1".into(),
            port: self.port,
            security: Security::None,
            from: "Digna <digna@digna.test>".parse().unwrap(),
            credentials: None,
            ca_file: None,
            public_url: "https://digna.test".into(),
        }
    }

    /// What it accepted, oldest first.
    pub fn received(&self) -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files.iter().map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()).collect()
    }

    /// Makes it answer the next `n` messages with a temporary refusal.
    pub fn refuse_next(&self, n: u32) {
        std::fs::write(self.dir.path().join("refuse"), n.to_string()).unwrap();
    }
}

impl Drop for MailCatcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The decoded text of a message's first part of `content_type`.
pub fn part<'a>(message: &'a Value, content_type: &str) -> &'a str {
    message["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["type"] == content_type)
        .and_then(|p| p["text"].as_str())
        .unwrap_or_else(|| panic!("no {content_type} part: {message}"))
}

pub fn header<'a>(message: &'a Value, name: &str) -> &'a str {
    message["headers"][name].as_str().unwrap_or_else(|| panic!("no {name} header: {}", message["headers"]))
}
