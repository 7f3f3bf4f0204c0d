//! `store::dashboard`, on whichever database the server runs.

use super::Db;
use domain::{
    CompareColumn, CompareGroup, DashboardFilters, IsoWeek, OverviewRow, StationLabel, StationReport, WeekPoint, K,
};

impl store::Dashboards for Db {
    async fn overview(
        &self,
        station_ids: &[i64],
        filters: &DashboardFilters,
        k: K,
        drop_threshold: f64,
    ) -> Result<Vec<OverviewRow>, store::Error> {
        dispatch!(self, |inner| store::Dashboards::overview(inner, station_ids, filters, k, drop_threshold))
    }

    async fn station_report(
        &self,
        station_id: i64,
        filters: &DashboardFilters,
        k: K,
    ) -> Result<Option<StationReport>, store::Error> {
        dispatch!(self, |inner| store::Dashboards::station_report(inner, station_id, filters, k))
    }

    async fn compare(
        &self,
        groups: &[CompareGroup],
        filters: &DashboardFilters,
        k: K,
    ) -> Result<Vec<CompareColumn>, store::Error> {
        dispatch!(self, |inner| store::Dashboards::compare(inner, groups, filters, k))
    }

    async fn stations(&self, ids: &[i64]) -> Result<Vec<StationLabel>, store::Error> {
        dispatch!(self, |inner| store::Dashboards::stations(inner, ids))
    }

    async fn weekly_index(
        &self,
        station_id: i64,
        from: &IsoWeek,
        to: &IsoWeek,
        survey_version: Option<i64>,
    ) -> Result<Vec<WeekPoint>, store::Error> {
        dispatch!(self, |inner| store::Dashboards::weekly_index(inner, station_id, from, to, survey_version))
    }

    async fn question_distribution(
        &self,
        station_id: i64,
        from: &IsoWeek,
        to: &IsoWeek,
        question_key: &str,
    ) -> Result<Vec<(String, i64)>, store::Error> {
        dispatch!(self, |inner| store::Dashboards::question_distribution(inner, station_id, from, to, question_key))
    }
}
