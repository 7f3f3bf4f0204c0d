//! Storing responses: each exactly once, as the sealed record of one size the privacy
//! pipeline made of it (`server::privacy::pending`), until its release (`db::release`).
//! This module stores bytes; it never opens them.

pub use store::responses::{Outcome, SealedPending, MAX_BATCH};

use serde_json::json;
use sqlx::SqlitePool;
use std::collections::HashSet;

/// Stores a batch of sealed submissions in one transaction (group commit: one durable
/// write for all of them), each exactly once. A
/// submission whose client id came before, in an earlier batch or earlier in this one,
/// is a [`Outcome::Replay`] and stores nothing. On error nothing of the batch is stored.
/// Nothing is released here: releases run on a schedule (`db::release`), so that no
/// arrival ever triggers one.
///
/// Every kind of row is written by one statement for the whole batch: each statement is
/// a round trip to the connection's thread, which costs more than the write itself. The
/// small values travel as one JSON array (read back with `json_each`); the sealed
/// records, 8 KiB each, as one blob of them end to end, which each row cuts its own from
/// (`substr` counts bytes in a blob): as hex inside the JSON they cost the writer more
/// to encode and SQLite more to parse than their write.
pub async fn submit_batch(pool: &SqlitePool, batch: &[SealedPending]) -> Result<Vec<Outcome>, crate::Error> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let keys = json_array(batch.iter().map(|p| hex(&p.key_hash)))?;
    let mut tx = pool.begin().await?;
    // Writing first takes the write lock at once, so concurrent writers queue on the busy
    // timeout instead of failing on a stale read snapshot. A key given twice in the batch
    // is inserted (and returned) once.
    let mut fresh: HashSet<Vec<u8>> = sqlx::query_scalar!(
        r#"INSERT INTO submission_keys (key_hash) SELECT unhex(value) FROM json_each(?) WHERE true
           ON CONFLICT DO NOTHING RETURNING key_hash AS "key_hash!: Vec<u8>""#,
        keys
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut rows = Vec::with_capacity(batch.len());
    let mut sealed = Vec::with_capacity(batch.iter().map(|p| p.sealed.len()).sum());
    for pending in batch {
        // The first copy of a fresh key is stored; a later copy is a replay.
        if !fresh.remove(&pending.key_hash) {
            outcomes.push(Outcome::Replay);
            continue;
        }
        // Where its record starts in the blob (1-based, as `substr` counts) and its length.
        rows.push(json!([hex(&pending.id), pending.station_id, sealed.len() + 1, pending.sealed.len()]));
        sealed.extend_from_slice(&pending.sealed);
        outcomes.push(Outcome::Stored);
    }
    if !rows.is_empty() {
        let rows = json_array(rows)?;
        sqlx::query!(
            "INSERT INTO pending_responses (id, station_id, sealed)
             SELECT unhex(value ->> 0), value ->> 1, substr(?2, value ->> 2, value ->> 3) FROM json_each(?1)",
            rows,
            sealed
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// Blobs travel inside JSON arrays as lower-case hex, and `unhex` turns them back.
pub(crate) use domain::hex;

/// Rows (or values) as one JSON array, bound as one parameter.
pub(crate) fn json_array<T: serde::Serialize>(items: impl IntoIterator<Item = T>) -> Result<String, crate::Error> {
    Ok(serde_json::to_string(&items.into_iter().collect::<Vec<T>>()).map_err(|e| sqlx::Error::Encode(e.into()))?)
}

/// Whether a station has responses waiting for release (never how many).
pub async fn has_pending(pool: &SqlitePool, station_id: i64) -> Result<bool, crate::Error> {
    let n = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM pending_responses WHERE station_id = ?) AS "e!: bool""#,
        station_id
    )
    .fetch_one(pool)
    .await?;
    Ok(n)
}

/// Released responses of a station (for the command line and tests).
pub async fn released_count(pool: &SqlitePool, station_id: i64) -> Result<i64, crate::Error> {
    Ok(sqlx::query_scalar!(
        r#"SELECT COALESCE(SUM(responses), 0) AS "n!: i64" FROM response_rollups WHERE station_id = ?"#,
        station_id
    )
    .fetch_one(pool)
    .await?)
}
