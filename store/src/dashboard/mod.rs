//! The dashboards' figures, summed from the released roll-ups into the domain's tallies.

use domain::{
    CompareColumn, CompareGroup, DashboardFilters, IsoWeek, OverviewRow, StationLabel, StationReport, WeekPoint, K,
};
use std::future::Future;

pub mod pages;

/// How far, in points, a station's index may fall from the previous period before the
/// overview flags it.
pub const DEFAULT_DROP_THRESHOLD: f64 = 10.0;

/// The dashboards' figures, summed from the released roll-ups into the domain's tallies.
pub trait Dashboards {
    /// One line per station of `station_ids` (by region, then code), stations without
    /// responses included. `flagged` when the index fell by more than `drop_threshold`
    /// points from the previous period.
    fn overview(
        &self,
        station_ids: &[i64],
        filters: &DashboardFilters,
        k: K,
        drop_threshold: f64,
    ) -> impl Future<Output = Result<Vec<OverviewRow>, crate::Error>> + Send;

    /// A station's page; `None` if there is no such station.
    fn station_report(
        &self,
        station_id: i64,
        filters: &DashboardFilters,
        k: K,
    ) -> impl Future<Output = Result<Option<StationReport>, crate::Error>> + Send;

    /// One column per group, in the order given. A station with too few responses to show
    /// its own figures is left out of every group (see [`CompareColumn`]).
    fn compare(
        &self,
        groups: &[CompareGroup],
        filters: &DashboardFilters,
        k: K,
    ) -> impl Future<Output = Result<Vec<CompareColumn>, crate::Error>> + Send;

    /// The stations of `ids` that exist, by region, then code.
    ///
    /// As one JSON row: the driver hands rows over one at a time (a microsecond or more
    /// each), and an overview names a thousand stations.
    fn stations(&self, ids: &[i64]) -> impl Future<Output = Result<Vec<StationLabel>, crate::Error>> + Send;

    /// A station's dignity index per ISO week from `from` to `to` (both included), under one
    /// survey version or all of them, suspect responses left out. Only weeks with released
    /// responses appear: a week without a release is absent, never a zero.
    ///
    /// Not suppressed: for the command line and tests. Pages use [`station_report`].
    fn weekly_index(
        &self,
        station_id: i64,
        from: &IsoWeek,
        to: &IsoWeek,
        survey_version: Option<i64>,
    ) -> impl Future<Output = Result<Vec<WeekPoint>, crate::Error>> + Send;

    /// How often each value was given to one question at a station from `from` to `to`, by
    /// value: ("1", n) … ("4", n), ("rather_not", n), or a choice key. Suspect responses are
    /// left out.
    ///
    /// Not suppressed: for the command line and tests. Pages use [`station_report`].
    fn question_distribution(
        &self,
        station_id: i64,
        from: &IsoWeek,
        to: &IsoWeek,
        question_key: &str,
    ) -> impl Future<Output = Result<Vec<(String, i64)>, crate::Error>> + Send;
}
