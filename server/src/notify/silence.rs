//! Tablets that stopped delivering: each silent tablet (no delivery for the console's
//! "silent after" days while it and its station are active) is announced once per
//! episode to every endpoint of its station's region and every account that chose these
//! alerts and sees the station, and again only after it delivered. The check runs on a
//! schedule, reads only the day a tablet last delivered, and names the tablet and its
//! station, never a visitor.

use super::audience::Audience;
use super::messages::{Silence, StationRef, TabletRef};
use chrono::{DateTime, Utc};
use domain::SilentTabletDays;
use std::collections::HashMap;
use store::notifications::Topic;
use store::settings::SILENT_TABLET_DAYS;
use store::{NetworkSettings, Notifications, Stations, Tablets};

/// What a message about a silent tablet is called (its `type` and `Digna-Event`).
pub const KIND: &str = "tablet.silent";

/// Opens an episode for every newly silent tablet, queueing its messages with it, and
/// closes the episodes of tablets that delivered again. Returns the episodes opened.
/// Several servers may run it at once: each episode opens once. Accounts hear of it by
/// e-mail only if `mail` is on.
pub async fn check(db: &crate::Db, mail: bool, now: DateTime<Utc>) -> Result<usize, store::Error> {
    let days = NetworkSettings::get_i64(db, SILENT_TABLET_DAYS, SilentTabletDays::DEFAULT).await?;
    let silent = Tablets::silent(db, days, now).await?;
    let audience = Audience::load(db, mail).await?;
    let mut stations: HashMap<String, Option<StationRef>> = HashMap::new();
    let mut opened = 0;
    for tablet in &silent {
        if !stations.contains_key(&tablet.station_code) {
            let station = Stations::by_code(db, &tablet.station_code).await?.map(|s| StationRef {
                id: s.id,
                code: s.code.clone(),
                name: s.name.clone(),
                region: s.region.clone(),
            });
            stations.insert(tablet.station_code.clone(), station);
        }
        let Some(station) = stations[&tablet.station_code].clone() else { continue };
        let since = tablet.last_day.to_string();
        let body = Silence {
            kind: KIND.into(),
            station_page: format!("/admin/stations/{}", station.code),
            station: station.clone(),
            tablet: TabletRef { id: tablet.id, label: format!("Tableta {}", tablet.id) },
            last_delivery_day: tablet.ever_delivered.then(|| since.clone()),
            enrolled_day: (!tablet.ever_delivered).then(|| since.clone()),
            silent_days: tablet.days,
            silent_after_days: days,
        };
        let body = serde_json::to_string(&body).expect("a message serializes");
        let key = format!("{KIND}:{}:{since}", tablet.id);
        let messages = audience.messages(KIND, Topic::Silence, (station.id, &station.region), &key, &body);
        // Nobody to tell: no episode either, so that an endpoint added later hears of it.
        if messages.is_empty() {
            continue;
        }
        if Notifications::open_episode(db, KIND, tablet.id, &since, &messages, now.timestamp()).await? {
            opened += 1;
        }
    }
    let still: Vec<i64> = silent.iter().map(|t| t.id).collect();
    Notifications::close_episodes(db, KIND, &still).await?;
    Ok(opened)
}
