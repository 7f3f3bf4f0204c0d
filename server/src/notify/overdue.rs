//! Stations whose scheduled release has not run: a release that fails is tried again at
//! every pass of the scheduler and its time stays in the past, so a station whose next
//! release is more than [`GRACE_SECONDS`] overdue has stopped publishing (its answers wait
//! sealed, and its dashboards stand still). Announced once per episode, as a silence
//! alert, to the endpoints of its region and the accounts that chose silence alerts and
//! see it; a later failure after a release that ran is a new episode. It reads only the
//! schedule, never what is pending.

use super::audience::Audience;
use super::messages::{ReleaseOverdue, StationRef};
use chrono::{DateTime, Utc};
use store::notifications::Topic;
use store::{Notifications, Releases, Stations};

/// What a message about an overdue release is called.
pub const KIND: &str = "station.release_overdue";

/// How long past its time a release may still be running or retried before it is
/// announced: a few passes of the scheduler.
pub const GRACE_SECONDS: i64 = 2 * 3600;

/// Opens an episode for every station whose release is overdue, queueing its messages
/// with it, and closes the others'. Returns the episodes opened.
pub async fn check(db: &crate::Db, mail: bool, now: DateTime<Utc>) -> Result<usize, store::Error> {
    let overdue: Vec<_> = Releases::scheduled_stations(db)
        .await?
        .into_iter()
        .filter_map(|s| s.next_at.filter(|at| now.timestamp() - at > GRACE_SECONDS).map(|at| (s, at)))
        .collect();
    let audience = if overdue.is_empty() { None } else { Some(Audience::load(db, mail).await?) };
    let mut opened = 0;
    for (scheduled, due_at) in &overdue {
        let Some(station) = Stations::by_code(db, &scheduled.code).await? else { continue };
        if !station.active {
            continue;
        }
        let due = DateTime::from_timestamp(*due_at, 0).unwrap_or(now);
        let body = ReleaseOverdue {
            kind: KIND.into(),
            station: StationRef {
                id: station.id,
                code: station.code.clone(),
                name: station.name.clone(),
                region: station.region.clone(),
            },
            due_at: due.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            overdue_hours: (now - due).num_hours(),
            station_page: format!("/admin/stations/{}", station.code),
        };
        let body = serde_json::to_string(&body).expect("a message serializes");
        let key = format!("{KIND}:{}:{due_at}", station.id);
        let audience = audience.as_ref().expect("loaded when a release is overdue");
        let messages = audience.messages(KIND, Topic::Silence, (station.id, &station.region), &key, &body);
        if messages.is_empty() {
            continue;
        }
        if Notifications::open_episode(db, KIND, station.id, &due_at.to_string(), &messages, now.timestamp()).await? {
            opened += 1;
        }
    }
    let still: Vec<i64> = overdue.iter().map(|(s, _)| s.id).collect();
    Notifications::close_episodes(db, KIND, &still).await?;
    Ok(opened)
}
