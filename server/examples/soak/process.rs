//! The server under the soak: `digna serve` started, killed with SIGKILL and restarted on
//! the same port and data, and its command line against the same database.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// The server process, killed and restarted on the same port and data.
pub struct Server {
    pub digna: PathBuf,
    pub env: Vec<(String, String)>,
    pub url: String,
    pub child: Mutex<Option<Child>>,
    pub starts: AtomicUsize,
}

impl Server {
    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.digna);
        cmd.envs(self.env.iter().map(|(k, v)| (k, v))).env_remove("DIGNA_TRUSTED_PROXIES");
        cmd
    }

    /// Runs `digna ARGS` (the command line, against the same database); its output.
    pub fn cli(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = self.command().args(args).stdin(Stdio::null()).output()?;
        anyhow::ensure!(out.status.success(), "digna {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        Ok(String::from_utf8(out.stdout)?)
    }

    pub async fn start(&self) -> anyhow::Result<()> {
        let child = self.command().arg("serve").stdin(Stdio::null()).stdout(Stdio::null()).spawn()?;
        *self.child.lock().expect("not poisoned") = Some(child);
        self.starts.fetch_add(1, Ordering::Relaxed);
        let probe = reqwest::Client::new();
        for _ in 0..600 {
            if probe.get(format!("{}/api/v1/openapi.json", self.url)).send().await.is_ok_and(|r| r.status() == 200) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("the server did not start within 30 s")
    }

    /// SIGKILL (what `Child::kill` sends on Unix), then reaps it.
    pub fn kill(&self) {
        if let Some(mut child) = self.child.lock().expect("not poisoned").take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// A clean stop (SIGTERM), so that the checks read a closed database.
    pub fn stop(&self) {
        if let Some(mut child) = self.child.lock().expect("not poisoned").take() {
            // SAFETY: signalling our own child by its pid.
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            let _ = child.wait();
        }
    }
}
