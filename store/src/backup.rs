//! What a backup reads and rewrites: the recovery key's recipient and the pending sealed rows.

use std::future::Future;

/// A pending row as stored: its id, station and sealed record.
#[derive(Clone, Debug)]
pub struct PendingRow {
    pub id: Vec<u8>,
    pub station_id: i64,
    pub sealed: Vec<u8>,
}

/// What a backup reads and rewrites: the recovery key's recipient and the pending sealed rows.
pub trait Backups {
    /// The offline recovery key's public half (`age1…`), if an administrator made one.
    fn recovery_recipient(&self) -> impl Future<Output = Result<Option<String>, crate::Error>> + Send;

    /// Stores the recovery key's public half, replacing the one before (returned).
    fn set_recovery_recipient(
        &self,
        recipient: &str,
        audit: impl FnOnce(&Option<String>) -> Option<crate::audit::Entry> + Send,
    ) -> impl Future<Output = Result<Option<String>, crate::Error>> + Send;

    /// Up to `limit` pending rows whose id comes after `after`, in id order (an id order
    /// is random: it orders nothing about the visits). Pages through a copy without
    /// holding every record in memory.
    fn pending_rows_after(
        &self,
        after: &[u8],
        limit: i64,
    ) -> impl Future<Output = Result<Vec<PendingRow>, crate::Error>> + Send;

    /// Replaces the sealed records of these rows (same ids), in one transaction.
    fn replace_sealed(&self, rows: &[(Vec<u8>, Vec<u8>)]) -> impl Future<Output = Result<(), crate::Error>> + Send;

    /// Deletes every pending row; returns how many stations had some (never how many rows).
    fn drop_pending(&self) -> impl Future<Output = Result<i64, crate::Error>> + Send;
}
