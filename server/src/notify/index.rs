//! Stations whose dignity index fell: the overview's flag, exactly as the overview shows
//! it (the page's default period, the last 12 ISO weeks, against the 12 before, from the
//! released roll-ups, with every figure about fewer than k hidden), announced once per
//! episode to the endpoints of the station's region and the accounts that chose these
//! alerts and see the station, and again only after it recovered. The roll-ups change
//! only at a scheduled release, so a message's time says nothing about a visit; its
//! figures are the overview's to the digit.

use super::audience::Audience;
use super::messages::{IndexFell, Period, StationFigures};
use chrono::{DateTime, Utc};
use domain::{DashboardFilters, IsoWeek};
use store::dashboard::DEFAULT_DROP_THRESHOLD;
use store::notifications::Topic;
use store::{Dashboards, Notifications, Stations};

/// What a message about a falling index is called.
pub const KIND: &str = "station.index_fell";

/// Opens an episode for every newly flagged station of the network, over the period
/// ending with `this_week`, queueing its messages with it, and closes the episodes of
/// stations no longer flagged. Returns the episodes opened.
pub async fn check(
    db: &crate::Db,
    k: domain::K,
    mail: bool,
    this_week: IsoWeek,
    now: DateTime<Utc>,
) -> Result<usize, store::Error> {
    let audience = Audience::load(db, mail).await?;
    let stations: Vec<i64> = Stations::list_all(db).await?.into_iter().filter(|s| s.active).map(|s| s.id).collect();
    let filters = DashboardFilters::last_weeks(this_week);
    let rows = Dashboards::overview(db, &stations, &filters, k, DEFAULT_DROP_THRESHOLD).await?;
    let mut opened = 0;
    for row in rows.iter().filter(|r| r.flagged) {
        let body = IndexFell {
            kind: KIND.into(),
            period: Period { from: filters.from().to_string(), to: filters.to().to_string() },
            k: k.get(),
            figures: StationFigures::of(row),
            threshold_points: DEFAULT_DROP_THRESHOLD,
            station_page: format!("/dashboard/station/{}", row.station.code),
        };
        let body = serde_json::to_string(&body).expect("a message serializes");
        let key = format!("{KIND}:{}:{this_week}", row.station.id);
        let messages = audience.messages(KIND, Topic::Index, (row.station.id, &row.station.region), &key, &body);
        if messages.is_empty() {
            continue;
        }
        // One episode while it stays flagged, whatever the week.
        if Notifications::open_episode(db, KIND, row.station.id, "", &messages, now.timestamp()).await? {
            opened += 1;
        }
    }
    let still: Vec<i64> = rows.iter().filter(|r| r.flagged).map(|r| r.station.id).collect();
    Notifications::close_episodes(db, KIND, &still).await?;
    Ok(opened)
}
