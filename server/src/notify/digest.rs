//! The weekly digest: on the weekday and at the hour each account chose, in her timezone,
//! the overview of the stations she may see (the page's default period, the same figures,
//! hidden where the overview hides them), queued once per week under a key of its day.
//! A server that was down at that hour sends it later the same day; two servers queue it
//! once.

use super::audience::Audience;
use super::messages::{Digest, Period, StationFigures};
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use domain::DashboardFilters;
use store::dashboard::DEFAULT_DROP_THRESHOLD;
use store::notifications::{Outgoing, Recipient, Subscription, Topic};
use store::{Dashboards, Notifications};

/// What the digest is called (its `type`).
pub const KIND: &str = "digest.weekly";

/// How long after its time a digest is still sent (a server down at that hour).
const LATE: i64 = 24 * 3600;

/// The latest moment at or before `now` that is her weekday and hour in her timezone
/// (Lima if hers is unknown).
pub fn last_slot(s: &Subscription, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let tz: chrono_tz::Tz = s.timezone.parse().unwrap_or(chrono_tz::America::Lima);
    let local = now.with_timezone(&tz);
    let back = (i64::from(local.weekday().number_from_monday()) - i64::from(s.digest_weekday)).rem_euclid(7);
    let day = local.date_naive() - Duration::days(back);
    let at = |day: chrono::NaiveDate| {
        let time = day.and_hms_opt(u32::from(s.digest_hour), 0, 0)?;
        // An hour a clock change skips is taken as the hour after it.
        tz.from_local_datetime(&time)
            .earliest()
            .or_else(|| tz.from_local_datetime(&(time + Duration::hours(1))).earliest())
            .map(|t| t.with_timezone(&Utc))
    };
    match at(day)? {
        slot if slot <= now => Some(slot),
        _ => at(day - Duration::days(7)),
    }
}

/// The ISO week, in her timezone, of `slot`.
fn local_week(s: &Subscription, slot: DateTime<Utc>) -> String {
    domain::time::calendar::iso_week_label(slot, &s.timezone)
}

/// Queues the digest of every account whose time has come (within a day), once per week.
/// Returns how many were queued.
pub async fn check(db: &crate::Db, k: domain::K, mail: bool, now: DateTime<Utc>) -> Result<usize, store::Error> {
    if !mail {
        return Ok(0);
    }
    let audience = Audience::load(db, true).await?;
    let filters = DashboardFilters::last_weeks(domain::time::calendar::dashboards_week(now));
    let mut queued = 0;
    for reader in audience.readers(Topic::Digest) {
        let Some(slot) = last_slot(&reader.subscription, now) else { continue };
        if (now - slot).num_seconds() >= LATE {
            continue;
        }
        let mut stations: Vec<i64> = reader.visible.iter().copied().collect();
        stations.sort_unstable();
        let body = body(db, k, &stations, &filters).await?;
        let message = Outgoing {
            // Her week, not her hour: changing her day or hour never brings a second one.
            idempotency_key: format!("{KIND}:{}:{}", reader.account_id, local_week(&reader.subscription, slot)),
            to: Recipient::Account(reader.account_id),
            kind: KIND.into(),
            body: serde_json::to_string(&body).expect("a message serializes"),
        };
        queued += Notifications::enqueue(db, &[message], now.timestamp()).await? as usize;
    }
    Ok(queued)
}

/// The digest of `stations` over `filters`: the overview's lines, as the overview shows
/// them.
pub async fn body(
    db: &crate::Db,
    k: domain::K,
    stations: &[i64],
    filters: &DashboardFilters,
) -> Result<Digest, store::Error> {
    let rows = Dashboards::overview(db, stations, filters, k, DEFAULT_DROP_THRESHOLD).await?;
    Ok(Digest {
        kind: KIND.into(),
        period: Period { from: filters.from().to_string(), to: filters.to().to_string() },
        k: k.get(),
        weeks: filters.weeks().iter().map(ToString::to_string).collect(),
        stations: rows.iter().map(StationFigures::of).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_slot_is_her_weekday_and_hour_in_her_timezone() {
        // Friday 17:00 in Lima is 22:00 UTC.
        let s = Subscription { digest_weekday: 5, digest_hour: 17, ..Subscription::default() };
        assert_eq!(last_slot(&s, at("2026-12-11T22:00:00Z")), Some(at("2026-12-11T22:00:00Z")));
        assert_eq!(last_slot(&s, at("2026-12-12T21:59:00Z")), Some(at("2026-12-11T22:00:00Z")));
        // A minute before: last week's.
        assert_eq!(last_slot(&s, at("2026-12-11T21:59:00Z")), Some(at("2026-12-04T22:00:00Z")));
        let madrid = Subscription { timezone: "Europe/Madrid".into(), ..s.clone() };
        assert_eq!(last_slot(&madrid, at("2026-12-11T16:30:00Z")), Some(at("2026-12-11T16:00:00Z")));
        let unknown = Subscription { timezone: "Mars/Olympus".into(), ..s };
        assert_eq!(last_slot(&unknown, at("2026-12-11T22:00:00Z")), Some(at("2026-12-11T22:00:00Z")));
    }
}
