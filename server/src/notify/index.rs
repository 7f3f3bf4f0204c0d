//! Stations whose dignity index fell: by default the overview's flag, exactly as the
//! overview shows it (the page's default period, the last 12 ISO weeks, against the 12
//! before, from the released roll-ups, with every figure about fewer than k hidden), or a
//! fall of the station's own number of points, or an index below its own floor (its
//! [`AlertRule`], set on its admin page); a hidden figure never raises one. Announced once per
//! episode to the endpoints of the station's region and the accounts that chose these
//! alerts and see the station, and again only after it recovered. The roll-ups change
//! only at a scheduled release, so a message's time says nothing about a visit; its
//! figures are the overview's to the digit.

use super::audience::Audience;
use super::messages::{IndexFell, Period, StationFigures};
use chrono::{DateTime, Utc};
use domain::{DashboardFilters, IsoWeek};
use std::collections::HashMap;
use store::dashboard::DEFAULT_DROP_THRESHOLD;
use store::notifications::{AlertRule, Topic};
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
    let rules: HashMap<i64, AlertRule> = Notifications::alert_rules(db).await?.into_iter().collect();
    let mut opened = 0;
    let mut still = Vec::new();
    for row in &rows {
        let rule = rules.get(&row.station.id).copied().unwrap_or_default();
        let fell = row.change.value().is_some_and(|c| c < -(rule.drop_points as f64));
        let below_floor = rule.floor.is_some_and(|floor| row.index.value().is_some_and(|i| i < floor as f64));
        if !(fell || below_floor) {
            continue;
        }
        still.push(row.station.id);
        let body = IndexFell {
            kind: KIND.into(),
            period: Period { from: filters.from().to_string(), to: filters.to().to_string() },
            k: k.get(),
            figures: StationFigures::of(row),
            threshold_points: rule.drop_points as f64,
            floor: rule.floor,
            fell,
            below_floor,
            station_page: format!("/dashboard/station/{}", row.station.code),
        };
        let body = serde_json::to_string(&body).expect("a message serializes");
        // The moment too: a station that recovers and falls again within a week (daily
        // releases) opens a new episode whose messages must not collide with the last's.
        let key = format!("{KIND}:{}:{this_week}:{}", row.station.id, now.timestamp());
        let messages = audience.messages(KIND, Topic::Index, (row.station.id, &row.station.region), &key, &body);
        if messages.is_empty() {
            continue;
        }
        // One episode while it stays low, whatever the week.
        if Notifications::open_episode(db, KIND, row.station.id, "", &messages, now.timestamp()).await? {
            opened += 1;
        }
    }
    Notifications::close_episodes(db, KIND, &still).await?;
    Ok(opened)
}
