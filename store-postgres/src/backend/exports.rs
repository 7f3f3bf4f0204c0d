//! Stubs, replaced area by area.
#![allow(unused_imports)]
#![allow(unused_variables)]

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
        todo!("PostgreSQL")
    }

    async fn open_readers(
        &self,
        selection: &Selection,
        n: usize,
    ) -> Result<(Vec<Self::Reader>, Vec<(i64, String, String)>, i64), store::Error> {
        todo!("PostgreSQL")
    }

    async fn insert_audit(&self, a: &Audit) -> Result<i64, store::Error> {
        todo!("PostgreSQL")
    }

    async fn list_audit(&self, limit: i64) -> Result<Vec<Audit>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn region_week_counts(
        &self,
        station_ids: &[i64],
        weeks: &[String],
        survey_version: i64,
    ) -> Result<Vec<(String, String, i64)>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn region_week_answers(
        &self,
        station_ids: &[i64],
        weeks: &[String],
        survey_version: i64,
    ) -> Result<Vec<RegionWeekAnswer>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn privacy_spent(&self, regions: &[String], months: &[String]) -> Result<Vec<Spent>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn privacy_ledger(&self) -> Result<Vec<Spent>, store::Error> {
        todo!("PostgreSQL")
    }
}
