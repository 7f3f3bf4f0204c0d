//! Stubs, replaced area by area.
#![allow(unused_imports)]
#![allow(unused_variables)]

use super::PgStore;
use domain::{
    CompareColumn, CompareGroup, DashboardFilters, IsoWeek, OverviewRow, StationLabel, StationReport, WeekPoint, K,
};
use store::dashboard::*;

impl store::Dashboards for PgStore {
    async fn overview(
        &self,
        station_ids: &[i64],
        filters: &DashboardFilters,
        k: K,
        drop_threshold: f64,
    ) -> Result<Vec<OverviewRow>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn station_report(
        &self,
        station_id: i64,
        filters: &DashboardFilters,
        k: K,
    ) -> Result<Option<StationReport>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn compare(
        &self,
        groups: &[CompareGroup],
        filters: &DashboardFilters,
        k: K,
    ) -> Result<Vec<CompareColumn>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn stations(&self, ids: &[i64]) -> Result<Vec<StationLabel>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn weekly_index(
        &self,
        station_id: i64,
        from: &IsoWeek,
        to: &IsoWeek,
        survey_version: Option<i64>,
    ) -> Result<Vec<WeekPoint>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn question_distribution(
        &self,
        station_id: i64,
        from: &IsoWeek,
        to: &IsoWeek,
        question_key: &str,
    ) -> Result<Vec<(String, i64)>, store::Error> {
        todo!("PostgreSQL")
    }
}
