use super::SqliteStore;
use chrono::NaiveDate;
use store::maintenance::*;

impl store::Maintenance for SqliteStore {
    /// Nothing to do: the database is opened with `secure_delete`, which overwrites
    /// what a release deletes as it deletes it.
    async fn scrub_deleted(&self) -> Result<(), store::Error> {
        Ok(())
    }

    async fn purge_responses_before(
        &self,
        cutoff: &str,
        audit: impl FnOnce(&u64) -> Option<store::audit::Entry> + Send,
    ) -> Result<u64, store::Error> {
        audited_with!(self, audit, |conn| crate::maintenance::purge_responses_before(conn, cutoff))
    }

    async fn first_release_day(&self) -> Result<Option<NaiveDate>, store::Error> {
        Ok(crate::maintenance::first_release_day(&self.pool).await?)
    }

    async fn responses_before(&self, cutoff: &str) -> Result<i64, store::Error> {
        Ok(crate::maintenance::responses_before(&self.pool, cutoff).await?)
    }

    async fn inspect(&self) -> Result<Contents, store::Error> {
        Ok(crate::maintenance::inspect(&self.pool).await?)
    }

    async fn holdings(&self) -> Result<(i64, i64, bool), store::Error> {
        Ok(crate::maintenance::holdings(&self.pool).await?)
    }

    async fn rollup_rows(&self, ids: &[i64]) -> Result<(i64, i64), store::Error> {
        Ok(crate::maintenance::rollup_rows(&self.pool, ids).await?)
    }

    async fn pending_records(&self) -> Result<Vec<PendingRecord>, store::Error> {
        Ok(crate::maintenance::pending_records(&self.pool).await?)
    }
}
