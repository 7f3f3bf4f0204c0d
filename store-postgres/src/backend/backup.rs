use super::PgStore;
use store::backup::*;

impl store::Backups for PgStore {
    async fn recovery_recipient(&self) -> Result<Option<String>, store::Error> {
        Ok(crate::backup::recovery_recipient(&self.pool).await?)
    }

    async fn set_recovery_recipient(
        &self,
        recipient: &str,
        audit: impl FnOnce(&Option<String>) -> Option<store::audit::Entry> + Send,
    ) -> Result<Option<String>, store::Error> {
        audited_with!(self, audit, |conn| crate::backup::set_recovery_recipient(conn, recipient))
    }

    async fn pending_rows_after(&self, after: &[u8], limit: i64) -> Result<Vec<PendingRow>, store::Error> {
        Ok(crate::backup::pending_rows_after(&self.pool, after, limit).await?)
    }

    async fn replace_sealed(&self, rows: &[(Vec<u8>, Vec<u8>)]) -> Result<(), store::Error> {
        Ok(crate::backup::replace_sealed(&self.pool, rows).await?)
    }

    async fn drop_pending(&self) -> Result<i64, store::Error> {
        Ok(crate::backup::drop_pending(&self.pool).await?)
    }
}
