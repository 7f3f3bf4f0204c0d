//! Stubs, replaced area by area.
#![allow(unused_imports)]
#![allow(unused_variables)]

use super::PgStore;
use store::backup::*;

impl store::Backups for PgStore {
    async fn recovery_recipient(&self) -> Result<Option<String>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn set_recovery_recipient(
        &self,
        recipient: &str,
        audit: impl FnOnce(&Option<String>) -> Option<store::audit::Entry> + Send,
    ) -> Result<Option<String>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn pending_rows_after(&self, after: &[u8], limit: i64) -> Result<Vec<PendingRow>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn replace_sealed(&self, rows: &[(Vec<u8>, Vec<u8>)]) -> Result<(), store::Error> {
        todo!("PostgreSQL")
    }

    async fn drop_pending(&self) -> Result<i64, store::Error> {
        todo!("PostgreSQL")
    }
}
