//! Releasing pending responses as the store sees it, and the stations' release schedules.

use crate::notifications::{AlertRule, Outgoing};
use chrono::{DateTime, Datelike, TimeZone, Utc, Weekday};
use domain::privacy::release::ReleasedRow;
use domain::{DashboardFilters, OverviewRow, K};
use std::collections::BTreeMap;
use std::future::Future;

/// What a release of one station decides on.
#[derive(Debug)]
pub struct PendingSet {
    /// The station's timezone (its ISO weeks are local).
    pub timezone: String,
    /// Its pending records: (id, sealed record).
    pub records: Vec<(Vec<u8>, Vec<u8>)>,
    /// Per published survey version, its observable questions in the order a release
    /// withholds them (the last one of the survey first).
    pub observable: BTreeMap<i64, Vec<String>>,
}

/// What a release decided: rows to write under one ISO week (each with its random id,
/// in the order given), and the pending records they came from, to delete.
#[derive(Debug, Default)]
pub struct ReleaseWrite {
    pub iso_week: String,
    pub rows: Vec<(Vec<u8>, ReleasedRow)>,
    pub released: Vec<Vec<u8>>,
}

/// An alert that a release judges in its own transaction, from the station's line of the
/// overview as the release leaves it: the messages it raises are queued with the release,
/// or not at all, and nothing but a release raises them.
pub struct Watch<'a> {
    /// What its episodes are called (`station.index_fell`).
    pub kind: &'a str,
    /// The overview's period.
    pub filters: DashboardFilters,
    /// The overview's k.
    pub k: K,
    /// The overview's flag: a fall of more than this many points.
    pub drop_threshold: f64,
    /// Unix seconds: when the messages are queued.
    pub now: i64,
    /// Given the station's overview line and its alert rule: `None` when the station is
    /// not flagged (its episode, if one is open, ends), or the messages that open an
    /// episode (none when nobody may hear of it: no episode opens).
    #[allow(clippy::type_complexity)]
    pub judge: Box<dyn FnOnce(&OverviewRow, AlertRule) -> Option<Vec<Outgoing>> + Send + 'a>,
}

/// What [`Releases::release_station`] did.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome<T> {
    /// What `decide` said.
    pub decided: T,
    /// The release opened an episode of its [`Watch`] and queued its messages.
    pub alerted: bool,
}

/// A station's release schedule: a minute of the local day, every day or every week.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Minutes after local midnight.
    pub minute: u32,
    /// 1 (every night) or 7 (the night to Monday).
    pub every_days: u32,
}

impl Schedule {
    /// `current` with a new time of day (`HH:MM`) and frequency (`daily` or `weekly`),
    /// either or both.
    pub fn parse(at: Option<&str>, every: Option<&str>, current: Schedule) -> Result<Schedule, String> {
        let mut schedule = current;
        if let Some(at) = at {
            let parsed = at.trim().split_once(':').and_then(|(h, m)| {
                let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
                (h < 24 && m < 60 && at.trim().len() == 5).then_some(h * 60 + m)
            });
            schedule.minute =
                parsed.ok_or_else(|| format!("--release-at must be a time HH:MM, such as 03:17, not {at:?}"))?;
        }
        if let Some(every) = every {
            schedule.every_days = match every.trim() {
                "daily" => 1,
                "weekly" => 7,
                other => return Err(format!("--release-every must be daily or weekly, not {other:?}")),
            };
        }
        Ok(schedule)
    }

    /// The first scheduled release strictly after `now`, in the station's timezone (UTC
    /// if it is unknown). A local time that does not exist (a clock moved forward) is
    /// taken an hour later.
    pub fn next_after(self, now: DateTime<Utc>, timezone: &str) -> DateTime<Utc> {
        let tz: chrono_tz::Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
        let local_today = now.with_timezone(&tz).date_naive();
        let (h, m) = (self.minute / 60 % 24, self.minute % 60);
        (0..=8)
            .filter_map(|days| {
                let date = local_today + chrono::Duration::days(days);
                if self.every_days == 7 && date.weekday() != Weekday::Mon {
                    return None;
                }
                let at = date.and_hms_opt(h, m, 0)?;
                let local = tz
                    .from_local_datetime(&at)
                    .earliest()
                    .or_else(|| tz.from_local_datetime(&(at + chrono::Duration::hours(1))).earliest())?;
                Some(local.with_timezone(&Utc))
            })
            .find(|t| *t > now)
            .unwrap_or(now + chrono::Duration::days(1))
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let every = if self.every_days == 7 { "every Monday" } else { "every day" };
        write!(f, "{every} at {:02}:{:02}", self.minute / 60, self.minute % 60)
    }
}

/// A station as the scheduler sees it.
#[derive(Clone, Debug)]
pub struct ScheduledStation {
    pub id: i64,
    pub code: String,
    pub timezone: String,
    pub schedule: Schedule,
    /// Unix seconds of its next release; `None` until the scheduler first sees it.
    pub next_at: Option<i64>,
}

/// One station's released rows of one ISO week, each under its random id, as
/// [`Releases::write_released`] writes them: (station id, ISO week, rows).
pub type ReleasedWeek = (i64, String, Vec<(Vec<u8>, ReleasedRow)>);

/// Releasing pending responses as the store sees it, and the stations' release schedules.
pub trait Releases {
    /// Releases what station `station_id` has pending, in one write transaction that
    /// nothing written meanwhile can make stale: `decide` is given the pending records and
    /// says what to write; applied whole or not at all. With `next_at`, the station's next
    /// scheduled release moves to it in the same transaction, so a scheduled release is
    /// done exactly once, however many schedulers (on however many servers) find it due:
    /// when the schedule, read in the transaction, already stands at `next_at` or later,
    /// the release was done meanwhile, `decide` is not called and the answer is `None`.
    /// `None` too if there is no such station. With `watch`, the station's alert is judged
    /// on the roll-ups as the release leaves them, and its episode opened (with its
    /// messages) or ended, in the same transaction.
    fn release_station<T: Send>(
        &self,
        station_id: i64,
        next_at: Option<i64>,
        decide: impl FnOnce(PendingSet) -> (ReleaseWrite, T) + Send,
        watch: Option<Watch<'_>>,
    ) -> impl Future<Output = Result<Option<Outcome<T>>, crate::Error>> + Send;

    /// Sets a station's next release (the scheduler, the first time it sees a station).
    fn set_next_release(&self, station_id: i64, next_at: i64) -> impl Future<Output = Result<(), crate::Error>> + Send;

    /// Writes released rows as a release writes them, each (station id, ISO week, rows
    /// under their random ids, in the order given), added to the roll-ups, all in one
    /// transaction (the demo seed and tests, whose data is made to satisfy the rule).
    fn write_released(&self, weeks: &[ReleasedWeek]) -> impl Future<Output = Result<(), crate::Error>> + Send;

    /// Every station with its schedule, by code.
    fn scheduled_stations(&self) -> impl Future<Output = Result<Vec<ScheduledStation>, crate::Error>> + Send;

    /// One station with its schedule; `None` if there is no such station.
    fn scheduled_station(
        &self,
        station_id: i64,
    ) -> impl Future<Output = Result<Option<ScheduledStation>, crate::Error>> + Send;

    /// Changes a station's schedule; its next release is worked out again.
    fn set_schedule(
        &self,
        station_id: i64,
        schedule: Schedule,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<(), crate::Error>> + Send;
}
