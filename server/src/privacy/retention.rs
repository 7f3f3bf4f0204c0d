//! Retention: released responses older than the set period (default 5 years) are purged
//! once a day; the roll-ups the dashboards read stay. Every purge is audited.

use store::audit::Entry;
use store::settings;
use store::{Maintenance, NetworkSettings};

/// Years kept unless an administrator sets otherwise.
pub const DEFAULT_YEARS: i64 = 5;
/// The range an administrator may choose.
pub const YEARS: std::ops::RangeInclusive<i64> = 1..=50;
/// Who the audit log names for the daily purge.
pub const AUTOMATIC: &str = "Digna (automatic)";

/// The retention period in years, as set.
pub async fn years(db: &crate::Db) -> Result<i64, store::Error> {
    let y = NetworkSettings::get_i64(db, settings::RETENTION_YEARS, DEFAULT_YEARS).await?;
    Ok(if YEARS.contains(&y) { y } else { DEFAULT_YEARS })
}

/// The first ISO week kept today.
pub async fn cutoff(db: &crate::Db) -> Result<String, store::Error> {
    Ok(domain::time::calendar::retention_cutoff(chrono::Utc::now().date_naive(), years(db).await?))
}

/// Purges released responses labelled before the cutoff and audits the purge (when it
/// deleted anything). Returns how many responses went.
pub async fn purge(db: &crate::Db, actor: &str) -> Result<u64, store::Error> {
    let (years, cutoff) = (years(db).await?, cutoff(db).await?);
    let audit = |purged: &u64| {
        let detail = format!("{purged} responses labelled before {cutoff} (retention {years} years); roll-ups kept");
        (*purged > 0).then(|| Entry::new(actor, "retention.purge", "responses", detail))
    };
    Maintenance::purge_responses_before(db, &cutoff, audit).await
}

/// Purges a minute after start (not in the way of starting up) and then every day.
pub fn spawn_daily(db: crate::Db) {
    tokio::spawn(async move {
        let day = std::time::Duration::from_secs(24 * 3600);
        let first = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut every = tokio::time::interval_at(first, day);
        loop {
            every.tick().await;
            match purge(&db, AUTOMATIC).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "retention purge"),
                Err(e) => tracing::warn!("retention purge failed: {e}"),
            }
        }
    });
}
