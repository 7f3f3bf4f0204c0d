//! Retention, inspection and checks of what the database holds.

use chrono::NaiveDate;
use std::future::Future;

/// What a database file holds, as a backup check reports it. Pending responses are never
/// counted (issue 2).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contents {
    /// `PRAGMA integrity_check`'s verdict: `ok` or the first problems found.
    pub integrity: String,
    pub stations: i64,
    /// Released responses, already public in the roll-ups.
    pub responses: i64,
    /// The newest migration applied to it.
    pub schema_version: i64,
}

/// A pending sealed record: (station id, id, sealed record).
pub type PendingRecord = (i64, Vec<u8>, Vec<u8>);

/// Retention, inspection and checks of what the database holds.
pub trait Maintenance {
    /// Deletes released responses (and their answers) labelled with a week before `cutoff`.
    /// The roll-ups the dashboards read are kept. Returns how many responses went.
    fn purge_responses_before(
        &self,
        cutoff: &str,
        audit: impl FnOnce(&u64) -> Option<crate::audit::Entry> + Send,
    ) -> impl Future<Output = Result<u64, crate::Error>> + Send;

    /// The Monday of the first week any response was released under (from the roll-ups,
    /// which retention keeps, or the rows); `None` before the first release.
    fn first_release_day(&self) -> impl Future<Output = Result<Option<NaiveDate>, crate::Error>> + Send;

    /// How many released responses carry a week before `cutoff` (what a purge would delete).
    fn responses_before(&self, cutoff: &str) -> impl Future<Output = Result<i64, crate::Error>> + Send;

    /// Checks a database (a backup, or the live one): its integrity and what it holds.
    fn inspect(&self) -> impl Future<Output = Result<Contents, crate::Error>> + Send;

    /// What a database holds, for a seed that fills only an empty one: stations, released
    /// responses, and whether any response waits for release (never how many).
    fn holdings(&self) -> impl Future<Output = Result<(i64, i64, bool), crate::Error>> + Send;

    /// How many response and answer roll-up rows the stations `ids` have.
    fn rollup_rows(&self, ids: &[i64]) -> impl Future<Output = Result<(i64, i64), crate::Error>> + Send;

    /// Every pending record of a database: (station, id, sealed).
    fn pending_records(&self) -> impl Future<Output = Result<Vec<PendingRecord>, crate::Error>> + Send;

    /// Makes the sealed records that releases deleted unreadable in the database's own
    /// files. SQLite overwrites what it deletes (`secure_delete`), so this does nothing
    /// there; PostgreSQL keeps a deleted row in its table until the table is rewritten,
    /// and this rewrites the pending records' table. Called after releases that deleted
    /// records.
    fn scrub_deleted(&self) -> impl Future<Output = Result<(), crate::Error>> + Send;
}
