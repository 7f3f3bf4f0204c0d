//! Stations whose dignity index fell: by default the overview's flag, exactly as the
//! overview shows it (the page's default period, the last 12 ISO weeks, against the 12
//! before, from the released roll-ups, with every figure about fewer than k hidden), or a
//! fall of the station's own number of points, or an index below its own floor (its
//! [`AlertRule`], set on its admin page); a hidden figure never raises one.
//!
//! Judged by each release of a station, in the release's own transaction, on the roll-ups
//! as it leaves them ([`store::release::Watch`]): the messages are queued with the release
//! that raised them, or not at all, and nothing else raises them, so a message's time
//! says nothing about a visit. Announced once per episode to the endpoints of the
//! station's region and the accounts that chose these alerts and see the station, and
//! again only after a release found it recovered; its figures are the overview's to the
//! digit.

use super::audience::Audience;
use super::messages::{IndexFell, Period, StationFigures};
use chrono::{DateTime, Utc};
use domain::{DashboardFilters, IsoWeek, OverviewRow};
use std::collections::HashSet;
use store::dashboard::DEFAULT_DROP_THRESHOLD;
use store::notifications::{AlertRule, Outgoing, Topic};
use store::release::Watch;
use store::Stations;

/// What a message about a falling index is called.
pub const KIND: &str = "station.index_fell";

/// Who hears of a station's fall, read once for the releases of one scheduler tick.
pub struct Watcher {
    audience: Audience,
    /// Stations that are open: an alert about a closed one is never raised (and ends).
    active: HashSet<i64>,
    k: domain::K,
}

impl Watcher {
    /// The endpoints, the accounts that chose index alerts (if `mail` is on) and the open
    /// stations, for a release's k.
    pub async fn load(db: &crate::Db, k: domain::K, mail: bool) -> Result<Watcher, store::Error> {
        let audience = Audience::load(db, mail).await?;
        let active = Stations::list_all(db).await?.into_iter().filter(|s| s.active).map(|s| s.id).collect();
        Ok(Watcher { audience, active, k })
    }

    /// What a release at `now` judges: the overview's period ending with `this_week` (the
    /// dashboards' week at `now`, [`domain::time::calendar::dashboards_week`]).
    pub fn watch(&self, this_week: IsoWeek, now: DateTime<Utc>) -> Watch<'_> {
        let filters = DashboardFilters::last_weeks(this_week);
        Watch {
            kind: KIND,
            filters: filters.clone(),
            k: self.k,
            drop_threshold: DEFAULT_DROP_THRESHOLD,
            now: now.timestamp(),
            judge: Box::new(move |row, rule| self.judge(row, rule, &filters, this_week, now)),
        }
    }

    /// `None` when the station is not flagged by its rule (or closed), else the messages
    /// of its episode.
    fn judge(
        &self,
        row: &OverviewRow,
        rule: AlertRule,
        filters: &DashboardFilters,
        this_week: IsoWeek,
        now: DateTime<Utc>,
    ) -> Option<Vec<Outgoing>> {
        let fell = row.change.value().is_some_and(|c| c < -(rule.drop_points as f64));
        let below_floor = rule.floor.is_some_and(|floor| row.index.value().is_some_and(|i| i < floor as f64));
        if !(fell || below_floor) || !self.active.contains(&row.station.id) {
            return None;
        }
        let body = IndexFell {
            kind: KIND.into(),
            period: Period { from: filters.from().to_string(), to: filters.to().to_string() },
            k: self.k.get(),
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
        Some(self.audience.messages(KIND, Topic::Index, (row.station.id, &row.station.region), &key, &body))
    }
}
