//! `store::backup`, on whichever database the server runs.

use super::Db;
use store::backup::*;

impl store::Backups for Db {
    async fn recovery_recipient(&self) -> Result<Option<String>, store::Error> {
        dispatch!(self, |inner| store::Backups::recovery_recipient(inner))
    }

    async fn set_recovery_recipient(
        &self,
        recipient: &str,
        audit: impl FnOnce(&Option<String>) -> Option<store::audit::Entry> + Send,
    ) -> Result<Option<String>, store::Error> {
        dispatch!(self, |inner| store::Backups::set_recovery_recipient(inner, recipient, audit))
    }

    async fn pending_rows_after(&self, after: &[u8], limit: i64) -> Result<Vec<PendingRow>, store::Error> {
        dispatch!(self, |inner| store::Backups::pending_rows_after(inner, after, limit))
    }

    async fn replace_sealed(&self, rows: &[(Vec<u8>, Vec<u8>)]) -> Result<(), store::Error> {
        dispatch!(self, |inner| store::Backups::replace_sealed(inner, rows))
    }

    async fn drop_pending(&self) -> Result<i64, store::Error> {
        dispatch!(self, |inner| store::Backups::drop_pending(inner))
    }
}
