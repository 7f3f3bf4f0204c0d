//! Releases: each station's pending responses are released at a minute of its night (a
//! station setting), never when one arrives, so that a release is a whole period's pools
//! rather than "the last k visitors"; `digna release` runs one at once. What a release
//! publishes is decided here: the records are opened, planned as k-anonymous pools
//! (`domain::privacy::release`), shuffled and given random ids, and the store writes the
//! decision in the transaction that read them (`store::Releases::release_station`). The
//! same transaction judges the station's index alert on the roll-ups it leaves
//! ([`crate::notify::index`]), so that an alert is raised by a release and nothing else.

use super::pending::{open_pending, OpenedPending};
use super::seal::{random_id, SealKey};
use crate::notify::index::Watcher;
use chrono::{DateTime, Utc};
use domain::privacy::release::{candidate, generalized, plan, released_row, ReleasedRow};
use domain::time::calendar::{dashboards_week, iso_week_label, whole_weeks};
use domain::ResponseContent;
use rand::seq::SliceRandom;
use std::collections::BTreeSet;
use std::sync::Arc;
use store::release::{PendingSet, ReleaseWrite};
use store::Releases;

/// What a release needs to know besides the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReleaseRule {
    /// Every combination of quasi-identifiers a release writes appears at least k times.
    pub k: domain::K,
    /// How many weeks a response may wait for a release that keeps all its detail; after
    /// that it is released with what the rule allows.
    pub hold_weeks: u32,
}

/// What one station's release did, as counts of pools (the groups of at least k rows
/// that share every released quasi-identifier), never of responses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Released {
    /// Pools written.
    pub pools: usize,
    /// Pools written with some detail withheld.
    pub generalized_pools: usize,
    /// Whether responses still wait (never how many).
    pub waiting: bool,
    /// The release found the station's index fallen and queued its alert.
    pub alerted: bool,
}

/// Releases what station `station_id` has pending, whole or not at all (see
/// [`store::Releases::release_station`]); with `next_at`, its next scheduled release
/// moves on in the same transaction. Rows are labelled with the ISO week of `now` in the
/// station's timezone. With `watcher`, the station's index alert is judged in the same
/// transaction, over the dashboards' period at `now`.
pub async fn release_station(
    db: &crate::Db,
    key: &SealKey,
    station_id: i64,
    now: DateTime<Utc>,
    rule: ReleaseRule,
    next_at: Option<i64>,
    watcher: Option<&Watcher>,
) -> Result<Released, store::Error> {
    let watch = watcher.map(|w| w.watch(dashboards_week(now), now));
    let decide = |set| decide(key, station_id, now, rule, set);
    let outcome = store::Releases::release_station(db, station_id, next_at, decide, watch).await?;
    Ok(outcome.map(|o| Released { alerted: o.alerted, ..o.decided }).unwrap_or_default())
}

/// What one station's release publishes: the records that open, planned as k-anonymous
/// pools; what cannot be released yet stays pending.
fn decide(
    key: &SealKey,
    station_id: i64,
    now: DateTime<Utc>,
    rule: ReleaseRule,
    set: PendingSet,
) -> (ReleaseWrite, Released) {
    let week = iso_week_label(now, &set.timezone);
    let (mut opened, mut unreadable, mut refused) = (Vec::new(), 0usize, 0usize);
    for (id, sealed) in set.records {
        match open_pending(key, station_id, &id, &sealed) {
            OpenedPending::Opened { content, received_week } => {
                // Records sealed before the week was sealed with them have waited long enough.
                let held = received_week.as_deref().is_none_or(|w| whole_weeks(w, &week) >= rule.hold_weeks);
                opened.push((id, content, held));
            }
            OpenedPending::Unreadable => unreadable += 1,
            OpenedPending::Invalid => refused += 1,
        }
    }
    if unreadable > 0 {
        // Sealed under another key (a lost or replaced key file): leave them, never guess.
        tracing::error!(unreadable, "pending responses cannot be opened with the current seal key");
    }
    if refused > 0 {
        // Opened, but not something this server seals (corrupted, or written by hand):
        // leave them too. The reason is not logged: it could quote an answer.
        tracing::error!(refused, "pending responses opened but hold invalid content; left pending");
    }
    let none = Vec::new();
    let observable_of = |c: &ResponseContent| set.observable.get(&c.survey_version()).unwrap_or(&none);
    let candidates: Vec<_> = opened.iter().map(|(_, c, held)| candidate(c, observable_of(c), *held)).collect();
    let decisions = plan(&candidates, rule.k);
    let mut released = Vec::new();
    let mut rows = Vec::new();
    let mut pools = BTreeSet::new();
    for (((id, content, _), decision), candidate) in opened.iter().zip(&decisions).zip(&candidates) {
        if let Some(withheld) = *decision {
            released.push(id.clone());
            rows.push(released_row(content, observable_of(content), withheld));
            pools.insert((candidate.pool, generalized(&candidate.quasi, withheld), withheld > 0));
        }
    }
    let waiting = released.len() < opened.len() || unreadable + refused > 0;
    let summary = Released {
        pools: pools.len(),
        generalized_pools: pools.iter().filter(|(_, _, generalized)| *generalized).count(),
        waiting,
        alerted: false,
    };
    (ReleaseWrite { iso_week: week, rows: unordered(rows), released }, summary)
}

/// Released rows as they are written: in random order, each under a random id, so that
/// neither a row's place nor its id dates a visit.
pub fn unordered(mut rows: Vec<ReleasedRow>) -> Vec<(Vec<u8>, ReleasedRow)> {
    rows.shuffle(&mut rand::rngs::OsRng);
    rows.into_iter().map(|row| (random_id(), row)).collect()
}

/// Writes released responses without withholding anything, in random order under random
/// ids (the demo seed and tests, whose data is made to satisfy the rule).
pub async fn write_released(
    db: &crate::Db,
    station_id: i64,
    iso_week: &str,
    contents: Vec<ResponseContent>,
) -> Result<(), store::Error> {
    let rows = contents.iter().map(|c| released_row(c, &[], 0)).collect();
    db.write_released(&[(station_id, iso_week.to_string(), unordered(rows))]).await
}

/// How often the scheduler looks for a release due: a release runs within this of its
/// minute.
const TICK: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs every release due at `now`, one station per transaction, each moving the
/// station's next release on and judging its index alert in the same transaction (the
/// accounts that may hear of it by e-mail only if `mail` is on); a station seen for the
/// first time gets its next release. Returns the stations released, by code. A station
/// whose release fails keeps its schedule (it is tried again at the next tick) and does
/// not stop the others.
pub async fn run_due(
    db: &crate::Db,
    key: &SealKey,
    rule: ReleaseRule,
    now: DateTime<Utc>,
    mail: bool,
) -> Result<Vec<(String, Released)>, store::Error> {
    let mut done = Vec::new();
    let mut watcher = None;
    for station in db.scheduled_stations().await? {
        let next = station.schedule.next_after(now, &station.timezone).timestamp();
        match station.next_at {
            None => db.set_next_release(station.id, next).await?,
            Some(at) if at <= now.timestamp() => {
                if watcher.is_none() {
                    watcher = Some(Watcher::load(db, rule.k, mail).await?);
                }
                match release_station(db, key, station.id, now, rule, Some(next), watcher.as_ref()).await {
                    Ok(released) => done.push((station.code, released)),
                    // Not the station's code: nothing in a log line says which station
                    // had answers waiting.
                    Err(e) => tracing::error!(error = %e, "a scheduled release failed; it is tried again"),
                }
            }
            Some(_) => {}
        }
    }
    scrub_if_released(db, &done).await;
    Ok(done)
}

/// After releases that deleted sealed records, has the store make them unreadable in its
/// files ([`store::Maintenance::scrub_deleted`]); a failure is logged, and tried again
/// after the next release.
async fn scrub_if_released(db: &crate::Db, done: &[(String, Released)]) {
    if done.iter().any(|(_, released)| released.pools > 0) {
        if let Err(e) = store::Maintenance::scrub_deleted(db).await {
            tracing::error!(error = %e, "the released records' table could not be rewritten");
        }
    }
}

/// Releases now, outside the schedule (`digna release`): every station, or the one
/// coded `station`, each judging its index alert as a scheduled release does. The
/// schedule is left as it is. `None` if there is no such station.
pub async fn run_now(
    db: &crate::Db,
    key: &SealKey,
    rule: ReleaseRule,
    station: Option<&str>,
    mail: bool,
) -> Result<Option<Vec<(String, Released)>>, store::Error> {
    let now = Utc::now();
    let stations: Vec<_> =
        db.scheduled_stations().await?.into_iter().filter(|s| station.is_none_or(|c| c == s.code)).collect();
    if stations.is_empty() && station.is_some() {
        return Ok(None);
    }
    let watcher = Watcher::load(db, rule.k, mail).await?;
    let mut done = Vec::new();
    for s in stations {
        done.push((s.code, release_station(db, key, s.id, now, rule, None, Some(&watcher)).await?));
    }
    scrub_if_released(db, &done).await;
    Ok(Some(done))
}

/// Runs [`run_due`] at start (a release due while Digna was stopped runs now) and every
/// [`TICK`] after.
pub fn spawn_scheduler(db: crate::Db, key: Arc<SealKey>, rule: ReleaseRule, mail: bool) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(TICK);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(e) = run_due(&db, &key, rule, Utc::now(), mail).await {
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
