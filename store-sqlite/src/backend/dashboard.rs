use super::SqliteStore;
use domain::{
    CompareColumn, CompareGroup, DashboardFilters, IsoWeek, OverviewRow, StationLabel, StationReport, WeekPoint, K,
};

impl store::Dashboards for SqliteStore {
    async fn overview(
        &self,
        station_ids: &[i64],
        filters: &DashboardFilters,
        k: K,
        drop_threshold: f64,
    ) -> Result<Vec<OverviewRow>, store::Error> {
        Ok(crate::dashboard::overview(&self.pool, station_ids, filters, k, drop_threshold).await?)
    }

    async fn station_report(
        &self,
        station_id: i64,
        filters: &DashboardFilters,
        k: K,
    ) -> Result<Option<StationReport>, store::Error> {
        Ok(crate::dashboard::station_report(&self.pool, station_id, filters, k).await?)
    }

    async fn compare(
        &self,
        groups: &[CompareGroup],
        filters: &DashboardFilters,
        k: K,
    ) -> Result<Vec<CompareColumn>, store::Error> {
        Ok(crate::dashboard::compare(&self.pool, groups, filters, k).await?)
    }

    async fn stations(&self, ids: &[i64]) -> Result<Vec<StationLabel>, store::Error> {
        Ok(crate::dashboard::stations(&mut *self.pool.acquire().await.map_err(crate::Error::from)?, ids).await?)
    }

    async fn weekly_index(
        &self,
        station_id: i64,
        from: &IsoWeek,
        to: &IsoWeek,
        survey_version: Option<i64>,
    ) -> Result<Vec<WeekPoint>, store::Error> {
        Ok(crate::dashboard::weekly_index(&self.pool, station_id, from, to, survey_version).await?)
    }

    async fn question_distribution(
        &self,
        station_id: i64,
        from: &IsoWeek,
        to: &IsoWeek,
        question_key: &str,
    ) -> Result<Vec<(String, i64)>, store::Error> {
        Ok(crate::dashboard::question_distribution(&self.pool, station_id, from, to, question_key).await?)
    }
}
