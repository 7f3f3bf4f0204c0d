//! Tablets that stopped delivering: each silent tablet (no delivery for the console's
//! "silent after" days while it and its station are active) is announced once per
//! episode to every endpoint of its station's region, and again only after it delivered.
//! The check runs on a schedule, reads only the day a tablet last delivered, and names
//! the tablet and its station, never a visitor.

use chrono::{DateTime, Utc};
use domain::SilentTabletDays;
use serde_json::json;
use std::collections::HashMap;
use store::notifications::Outgoing;
use store::settings::SILENT_TABLET_DAYS;
use store::{NetworkSettings, Notifications, Stations, Tablets};

/// What a message about a silent tablet is called (its `type` and `Digna-Event`).
pub const KIND: &str = "tablet.silent";

/// Opens an episode for every newly silent tablet, queueing its messages with it, and
/// closes the episodes of tablets that delivered again. Returns the episodes opened.
/// Several servers may run it at once: each episode opens once.
pub async fn check(db: &crate::Db, now: DateTime<Utc>) -> Result<usize, store::Error> {
    let days = NetworkSettings::get_i64(db, SILENT_TABLET_DAYS, SilentTabletDays::DEFAULT).await?;
    let silent = Tablets::silent(db, days, now).await?;
    let endpoints = Notifications::endpoints(db).await?;
    let mut regions: HashMap<String, Option<String>> = HashMap::new();
    let mut opened = 0;
    for tablet in &silent {
        if !regions.contains_key(&tablet.station_code) {
            let region = Stations::by_code(db, &tablet.station_code).await?.map(|s| s.region);
            regions.insert(tablet.station_code.clone(), region);
        }
        let Some(region) = regions[&tablet.station_code].as_deref() else { continue };
        let since = tablet.last_day.to_string();
        let body = json!({
            "type": KIND,
            "station": {"code": tablet.station_code, "name": tablet.station_name, "region": region},
            "tablet": {"id": tablet.id, "label": format!("Tableta {}", tablet.id)},
            "last_delivery_day": tablet.ever_delivered.then(|| since.clone()),
            "enrolled_day": (!tablet.ever_delivered).then(|| since.clone()),
            "silent_days": tablet.days,
            "silent_after_days": days,
            "station_page": format!("/admin/stations/{}", tablet.station_code),
        })
        .to_string();
        let messages: Vec<Outgoing> = endpoints
            .iter()
            .filter(|e| e.region.as_deref().is_none_or(|r| r == region))
            .map(|e| Outgoing {
                idempotency_key: format!("{KIND}:{}:{since}:{}", tablet.id, e.id),
                endpoint_id: e.id,
                kind: KIND.into(),
                body: body.clone(),
            })
            .collect();
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
