//! Scheduled releases: each station's pending responses are released at a minute of its
//! night (a station setting), never when one arrives, so that a release is a whole
//! period's pools rather than "the last k visitors". `digna release` runs one at once.

use app::db::release::{release_station, scheduled_stations, set_next_release, ReleaseRule, Released};
use app::seal::SealKey;
use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use std::sync::Arc;

/// How often the scheduler looks for a release due: a release runs within this of its
/// minute.
const TICK: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs every release due at `now`, one station per transaction, each moving the
/// station's next release on in the same transaction; a station seen for the first time
/// gets its next release. Returns the stations released, by code. A station whose
/// release fails keeps its schedule (it is tried again at the next tick) and does not
/// stop the others.
pub async fn run_due(
    pool: &SqlitePool,
    key: &SealKey,
    rule: ReleaseRule,
    now: DateTime<Utc>,
) -> Result<Vec<(String, Released)>, sqlx::Error> {
    let mut done = Vec::new();
    for station in scheduled_stations(pool).await? {
        let next = station.schedule.next_after(now, &station.timezone).timestamp();
        match station.next_at {
            None => set_next_release(pool, station.id, next).await?,
            Some(at) if at <= now.timestamp() => {
                match release_station(pool, key, station.id, now, rule, Some(next)).await {
                    Ok(released) => done.push((station.code, released)),
                    // Not the station's code: nothing in a log line says which station
                    // had answers waiting.
                    Err(e) => tracing::error!(error = %e, "a scheduled release failed; it is tried again"),
                }
            }
            Some(_) => {}
        }
    }
    Ok(done)
}

/// Releases now, outside the schedule (`digna release`): every station, or the one
/// coded `station`. The schedule is left as it is. `None` if there is no such station.
pub async fn run_now(
    pool: &SqlitePool,
    key: &SealKey,
    rule: ReleaseRule,
    station: Option<&str>,
) -> Result<Option<Vec<(String, Released)>>, sqlx::Error> {
    let now = Utc::now();
    let stations: Vec<_> =
        scheduled_stations(pool).await?.into_iter().filter(|s| station.is_none_or(|c| c == s.code)).collect();
    if stations.is_empty() && station.is_some() {
        return Ok(None);
    }
    let mut done = Vec::new();
    for s in stations {
        done.push((s.code, release_station(pool, key, s.id, now, rule, None).await?));
    }
    Ok(Some(done))
}

/// Runs [`run_due`] at start (a release due while Digna was stopped runs now) and every
/// [`TICK`] after.
pub fn spawn_scheduler(pool: SqlitePool, key: Arc<SealKey>, rule: ReleaseRule) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(TICK);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(e) = run_due(&pool, &key, rule, Utc::now()).await {
                tracing::error!(error = %e, "the release scheduler could not read the schedule");
            }
        }
    });
}

/// One line per station for `digna release`: counts of pools, never of responses.
pub fn describe(code: &str, released: &Released) -> String {
    let waiting = if released.waiting { "; some responses wait for a later release" } else { "" };
    match released.pools {
        0 => format!("{code}: nothing released{waiting}"),
        n => format!(
            "{code}: {n} pool{} released ({} with detail withheld for privacy){waiting}",
            if n == 1 { "" } else { "s" },
            released.generalized_pools
        ),
    }
}
