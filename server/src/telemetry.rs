//! Logging. No line is ever written per submission (its timestamp would date a visit):
//! submissions are counted, and the counts are logged periodically.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber: `RUST_LOG` (default `info`), written by `writer`.
pub fn init<W>(writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let base = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into());
    init_with(&base, std::io::IsTerminal::is_terminal(&std::io::stderr()), writer);
}

/// Installs the global subscriber at level `base` (tests capture every level this way).
pub fn init_with<W>(base: &str, ansi: bool, writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter(base))
        .with_writer(writer)
        .with_ansi(ansi)
        .with_target(false)
        .try_init();
}

/// `base` (such as `info` or `debug`), with the libraries that would log per request or
/// per statement held at `warn` whatever `base` says: such lines would date visits.
pub fn filter(base: &str) -> EnvFilter {
    let mut filter = EnvFilter::try_new(base).unwrap_or_else(|_| EnvFilter::new("info"));
    for quiet in [
        "sqlx=warn",
        "hyper=warn",
        "hyper_util=warn",
        "h2=warn",
        "tower=warn",
        "tower_http=warn",
        "axum=warn",
        "reqwest=warn",
    ] {
        filter = filter.add_directive(quiet.parse().expect("a valid directive"));
    }
    filter
}

/// Submission counts since the last report.
#[derive(Default, Debug)]
pub struct Counters {
    pub stored: AtomicU64,
    pub replayed: AtomicU64,
    pub refused: AtomicU64,
    /// Submissions the server failed to store (a 500): counted, and the last cause kept
    /// for the report, never a line per request.
    pub failed: AtomicU64,
    last_failure: std::sync::Mutex<Option<String>>,
}

impl Counters {
    pub fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a submission the server failed to store, keeping its cause for the report.
    pub fn fail(&self, cause: String) {
        Counters::add(&self.failed);
        *self.last_failure.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(cause);
    }

    /// Logs and resets the counts, if any: one line, and one more with the last failure's
    /// cause when something failed.
    pub fn report(&self) {
        let stored = self.stored.swap(0, Ordering::Relaxed);
        let replayed = self.replayed.swap(0, Ordering::Relaxed);
        let refused = self.refused.swap(0, Ordering::Relaxed);
        let failed = self.failed.swap(0, Ordering::Relaxed);
        if stored + replayed + refused + failed > 0 {
            tracing::info!(stored, replayed, refused, failed, "submissions since the last report");
        }
        let cause = self.last_failure.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(cause) = cause.filter(|_| failed > 0) {
            tracing::error!(failed, last = %cause, "submissions failed since the last report");
        }
    }
}

/// The shortest report interval: a report's time, over a shorter one, would date visits.
pub const MIN_REPORT_INTERVAL: Duration = Duration::from_secs(3600);

/// How often submission counts are logged: `DIGNA_REPORT_SECONDS`, one hour by default
/// and at the least.
fn report_interval(setting: Option<&str>) -> Duration {
    let secs = setting.and_then(|v| v.trim().parse().ok()).unwrap_or(3600u64);
    Duration::from_secs(secs).max(MIN_REPORT_INTERVAL)
}

pub fn spawn_periodic_report(counters: Arc<Counters>) {
    let every = report_interval(std::env::var("DIGNA_REPORT_SECONDS").ok().as_deref());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            counters.report();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_come_an_hour_apart_at_the_least() {
        assert_eq!(report_interval(None), MIN_REPORT_INTERVAL);
        for short in ["1", "60", "3599", "0", "soon"] {
            assert_eq!(report_interval(Some(short)), MIN_REPORT_INTERVAL, "{short}");
        }
        assert_eq!(report_interval(Some("7200")), Duration::from_secs(7200));
    }
}
