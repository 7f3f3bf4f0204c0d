//! Stubs, replaced area by area.
#![allow(unused_imports)]
#![allow(unused_variables)]

use super::PgStore;
use chrono::NaiveDate;
use store::maintenance::*;

impl store::Maintenance for PgStore {
    async fn purge_responses_before(
        &self,
        cutoff: &str,
        audit: impl FnOnce(&u64) -> Option<store::audit::Entry> + Send,
    ) -> Result<u64, store::Error> {
        todo!("PostgreSQL")
    }

    async fn first_release_day(&self) -> Result<Option<NaiveDate>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn responses_before(&self, cutoff: &str) -> Result<i64, store::Error> {
        todo!("PostgreSQL")
    }

    async fn inspect(&self) -> Result<Contents, store::Error> {
        todo!("PostgreSQL")
    }

    async fn holdings(&self) -> Result<(i64, i64, bool), store::Error> {
        todo!("PostgreSQL")
    }

    async fn rollup_rows(&self, ids: &[i64]) -> Result<(i64, i64), store::Error> {
        todo!("PostgreSQL")
    }

    async fn pending_records(&self) -> Result<Vec<PendingRecord>, store::Error> {
        todo!("PostgreSQL")
    }
}
