//! The servers under the soak: each `digna serve` started, killed with SIGKILL and
//! restarted on its own port and the same database, and the command line against that
//! database. One server on SQLite; on PostgreSQL, several sharing the database and the
//! key file, as behind a load balancer.

use rand::Rng;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Every server on the database.
pub struct Servers(pub Vec<Arc<Server>>);

impl Servers {
    /// `n` servers of `digna` on `database_url` and `key_file`, each on a free port.
    pub fn new(digna: &Path, database_url: &str, key_file: &Path, n: usize) -> anyhow::Result<Self> {
        let mut servers = Vec::with_capacity(n);
        for _ in 0..n {
            let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            let env = vec![
                ("DATABASE_URL".into(), database_url.to_string()),
                ("DIGNA_KEY_FILE".into(), key_file.display().to_string()),
                ("LEPTOS_SITE_ADDR".into(), format!("127.0.0.1:{port}")),
                ("LEPTOS_SITE_ROOT".into(), "target/site".into()),
                ("LEPTOS_OUTPUT_NAME".into(), "digna".into()),
                ("RUST_LOG".into(), "warn".into()),
            ];
            servers.push(Arc::new(Server {
                digna: digna.to_path_buf(),
                env,
                url: format!("http://127.0.0.1:{port}"),
                child: Mutex::new(None),
                starts: AtomicUsize::new(0),
            }));
        }
        Ok(Self(servers))
    }

    /// The first server, whose environment the command line runs in.
    pub fn first(&self) -> &Arc<Server> {
        &self.0[0]
    }

    /// Starts every server, one after the other: the first migrates a fresh database and
    /// makes the key file, which the others then share.
    pub async fn start(&self) -> anyhow::Result<()> {
        for server in &self.0 {
            server.start().await?;
        }
        Ok(())
    }

    /// Starts every server at once (on a database already migrated).
    pub async fn start_together(&self) -> anyhow::Result<()> {
        futures_util::future::try_join_all(self.0.iter().map(|s| s.start())).await?;
        Ok(())
    }

    pub fn kill(&self) {
        self.0.iter().for_each(|s| s.kill());
    }

    pub fn stop(&self) {
        self.0.iter().for_each(|s| s.stop());
    }

    pub fn starts(&self) -> usize {
        self.0.iter().map(|s| s.starts.load(Ordering::Relaxed)).sum()
    }

    /// A server chosen at random. With one server the generator is not drawn from, so
    /// that a seed gives the single server's soak the kills it always gave.
    pub fn pick(&self, rng: &mut impl Rng) -> usize {
        if self.0.len() == 1 {
            0
        } else {
            rng.gen_range(0..self.0.len())
        }
    }
}

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
