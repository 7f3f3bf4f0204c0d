//! Submissions: sealed pending responses stored exactly once.

use std::future::Future;

/// What became of a submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// First delivery: stored, pending until its station's next release.
    Stored,
    /// The same client id came before: nothing new was stored.
    Replay,
}

/// Digna stores at most this many submissions in one transaction (group commit: see
/// `server/src/api/responses.rs`). The ingest ceiling (`bench/ingest.sh`) batches the same.
pub const MAX_BATCH: usize = 64;

/// A submission ready to be stored: the keyed hash of its client id (what makes a retry
/// a replay), its station, and its record, sealed under a random id.
#[derive(Clone, Debug)]
pub struct SealedPending {
    pub key_hash: Vec<u8>,
    pub station_id: i64,
    pub id: Vec<u8>,
    pub sealed: Vec<u8>,
}

/// Submissions: sealed pending responses stored exactly once.
pub trait Responses {
    /// Stores a batch of sealed submissions in one transaction (group commit: one durable
    /// write for all of them), each exactly once. A
    /// submission whose client id came before, in an earlier batch or earlier in this one,
    /// is a [`Outcome::Replay`] and stores nothing. On error nothing of the batch is stored.
    /// Nothing is released here: releases run on a schedule (`db::release`), so that no
    /// arrival ever triggers one.
    ///
    /// Every kind of row is written by one statement for the whole batch (the rows travel
    /// as one JSON array, read back with `json_each`): each statement is a round trip to
    /// the connection's thread, which costs more than the write itself.
    fn submit_batch(&self, batch: &[SealedPending]) -> impl Future<Output = Result<Vec<Outcome>, crate::Error>> + Send;

    /// Whether a station has responses waiting for release (never how many).
    fn has_pending(&self, station_id: i64) -> impl Future<Output = Result<bool, crate::Error>> + Send;

    /// Released responses of a station (for the command line and tests).
    fn released_count(&self, station_id: i64) -> impl Future<Output = Result<i64, crate::Error>> + Send;
}
