//! What a message says, as the JSON a webhook receives and the facts an e-mail is written
//! from: one type per kind. Figures are the dashboards' own (`null` where a dashboard
//! hides one for being about fewer than k responses); nothing here is about a visitor.

use domain::{OverviewRow, Shown};
use serde::{Deserialize, Serialize};

/// A station, as messages name it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StationRef {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub region: String,
}

/// A tablet stopped delivering (`tablet.silent`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    #[serde(rename = "type")]
    pub kind: String,
    pub station: StationRef,
    pub tablet: TabletRef,
    /// The last day it delivered, if it ever did.
    pub last_delivery_day: Option<String>,
    /// The day it was enrolled, if it never delivered.
    pub enrolled_day: Option<String>,
    pub silent_days: i64,
    pub silent_after_days: i64,
    /// The station's page in the console, from the site's root.
    pub station_page: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TabletRef {
    pub id: i64,
    pub label: String,
}

/// The dashboard period a figure is about: ISO weeks, both included.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Period {
    pub from: String,
    pub to: String,
}

/// One station's figures, as the overview shows them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StationFigures {
    pub station: StationRef,
    pub responses: Option<i64>,
    pub index: Option<f64>,
    pub previous_index: Option<f64>,
    pub change: Option<f64>,
    pub flagged: bool,
    /// The index per week of the period; `null` for a week without a release or hidden.
    pub trend: Vec<Option<f64>>,
}

impl StationFigures {
    pub fn of(row: &OverviewRow) -> StationFigures {
        StationFigures {
            station: StationRef {
                id: row.station.id,
                code: row.station.code.clone(),
                name: row.station.name.clone(),
                region: row.station.region.clone(),
            },
            responses: row.responses.value(),
            index: row.index.value(),
            previous_index: row.previous_index.value(),
            change: row.change.value(),
            flagged: row.flagged,
            trend: row.trend.clone(),
        }
    }
}

/// A figure back as the dashboards hold it.
pub fn shown<T>(figure: Option<T>) -> Shown<T> {
    match figure {
        Some(v) => Shown::Value(v),
        None => Shown::Suppressed,
    }
}

/// A station's index fell (`station.index_fell`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndexFell {
    #[serde(rename = "type")]
    pub kind: String,
    pub period: Period,
    /// Figures about fewer responses than this are `null`.
    pub k: u32,
    #[serde(flatten)]
    pub figures: StationFigures,
    /// The station's rule: the points it may fall, and its floor if it has one.
    pub threshold_points: f64,
    pub floor: Option<i64>,
    /// Why: it fell by more than `threshold_points`, or is below `floor` (or both).
    pub fell: bool,
    pub below_floor: bool,
    pub station_page: String,
}

/// The weekly digest (`digest.weekly`, to accounts only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    #[serde(rename = "type")]
    pub kind: String,
    pub period: Period,
    pub k: u32,
    /// The weeks of the period, in order, that each station's trend follows.
    pub weeks: Vec<String>,
    /// The overview's lines for her stations, in its order.
    pub stations: Vec<StationFigures>,
}

/// A station's scheduled release has not run (`station.release_overdue`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReleaseOverdue {
    #[serde(rename = "type")]
    pub kind: String,
    pub station: StationRef,
    /// When it was due (UTC, RFC 3339).
    pub due_at: String,
    pub overdue_hours: i64,
    pub station_page: String,
}
