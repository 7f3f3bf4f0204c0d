use super::PgStore;
use store::exports::*;

impl store::Exports for PgStore {
    type Reader = crate::exports::Reader;

    async fn record_release<E: Send>(
        &self,
        audit: &Audit,
        regions: &[String],
        months: &[String],
        epsilon: &str,
        refuse: impl FnOnce(&[Spent]) -> Option<E> + Send,
    ) -> Result<Result<i64, E>, store::Error> {
        Ok(crate::exports::record_release(&self.pool, audit, regions, months, epsilon, refuse).await?)
    }

    async fn open_readers(
        &self,
        selection: &Selection,
        n: usize,
    ) -> Result<(Vec<Self::Reader>, Vec<(i64, String, String)>, i64), store::Error> {
        Ok(crate::exports::open_readers(&self.pool, selection, n).await?)
    }

    async fn insert_audit(&self, a: &Audit) -> Result<i64, store::Error> {
        Ok(crate::exports::insert_audit(&self.pool, a).await?)
    }

    async fn list_audit(&self, limit: i64) -> Result<Vec<Audit>, store::Error> {
        Ok(crate::exports::list_audit(&self.pool, limit).await?)
    }

    async fn region_week_counts(
        &self,
        station_ids: &[i64],
        weeks: &[String],
        survey_version: i64,
    ) -> Result<Vec<(String, String, i64)>, store::Error> {
        Ok(crate::exports::region_week_counts(&self.pool, station_ids, weeks, survey_version).await?)
    }

    async fn region_week_answers(
        &self,
        station_ids: &[i64],
        weeks: &[String],
        survey_version: i64,
    ) -> Result<Vec<RegionWeekAnswer>, store::Error> {
        Ok(crate::exports::region_week_answers(&self.pool, station_ids, weeks, survey_version).await?)
    }

    async fn privacy_spent(&self, regions: &[String], months: &[String]) -> Result<Vec<Spent>, store::Error> {
        Ok(crate::exports::privacy_spent(&self.pool, regions, months).await?)
    }

    async fn privacy_ledger(&self) -> Result<Vec<Spent>, store::Error> {
        Ok(crate::exports::privacy_ledger(&self.pool).await?)
    }
}

impl store::exports::ExportReader for crate::exports::Reader {
    async fn page(&mut self, after: &[u8], upto: &[u8], limit: i64) -> Result<Page, store::Error> {
        Ok(crate::exports::page(&mut self.tx, &self.bound, after, upto, limit).await?)
    }
}
