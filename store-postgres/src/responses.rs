//! Storing responses: each exactly once, as the sealed record of one size the privacy
//! pipeline made of it (`server::privacy::pending`), until its release (`release`).
//! This module stores bytes; it never opens them.

pub use store::responses::{Outcome, SealedPending, MAX_BATCH};

use sqlx::PgPool;
use std::collections::HashSet;

/// Stores a batch of sealed submissions in one transaction (group commit: one durable
/// write for all of them), each exactly once. A submission whose client id came before,
/// in an earlier batch, earlier in this one, or in a batch another server is storing at
/// the same moment, is a [`Outcome::Replay`] and stores nothing. On error nothing of the
/// batch is stored. Nothing is released here: releases run on a schedule (`release`), so
/// that no arrival ever triggers one.
///
/// Exactly once rests on the unique `submission_keys.key_hash`, not on the writer lock,
/// which this does not take: a key being stored by another transaction makes this one
/// wait for it, then conflict (a replay) if it committed. Keys are inserted in their own
/// (keyed hash, so random) order, which keeps two batches sharing keys from deadlocking;
/// records are inserted in the order of their random ids, not of arrival. A release
/// running meanwhile deletes only the records it read, so it neither misses nor doubles
/// one of these.
///
/// The whole batch is one statement (the rows travel as arrays, read back with
/// `UNNEST`), so one round trip and its own transaction: the keys that were fresh and the
/// records stored with them commit together or not at all.
pub async fn submit_batch(pool: &PgPool, batch: &[SealedPending]) -> Result<Vec<Outcome>, crate::Error> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    // The first copy of a key in the batch may be stored; a later copy is a replay.
    let mut seen = HashSet::new();
    let mut first: Vec<&SealedPending> = batch.iter().filter(|p| seen.insert(p.key_hash.as_slice())).collect();
    first.sort_unstable_by(|a, b| a.key_hash.cmp(&b.key_hash));
    let keys: Vec<&[u8]> = first.iter().map(|p| p.key_hash.as_slice()).collect();
    let ids: Vec<&[u8]> = first.iter().map(|p| p.id.as_slice()).collect();
    let stations: Vec<i64> = first.iter().map(|p| p.station_id).collect();
    let sealed: Vec<&[u8]> = first.iter().map(|p| p.sealed.as_slice()).collect();
    let stored: HashSet<Vec<u8>> = sqlx::query_scalar!(
        "WITH fresh AS (
             INSERT INTO submission_keys (key_hash)
             SELECT key_hash FROM UNNEST($1::BYTEA[]) WITH ORDINALITY AS k (key_hash, n) ORDER BY n
             ON CONFLICT DO NOTHING RETURNING key_hash)
         INSERT INTO pending_responses (id, station_id, sealed)
         SELECT p.id, p.station_id, p.sealed
         FROM UNNEST($1::BYTEA[], $2::BYTEA[], $3::BIGINT[], $4::BYTEA[]) AS p (key_hash, id, station_id, sealed)
         JOIN fresh ON fresh.key_hash = p.key_hash
         ORDER BY p.id
         RETURNING id",
        &keys as _,
        &ids as _,
        &stations,
        &sealed as _
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .collect();
    let mut first_copy = HashSet::new();
    Ok(batch
        .iter()
        .map(|p| {
            if first_copy.insert(p.key_hash.as_slice()) && stored.contains(&p.id) {
                Outcome::Stored
            } else {
                Outcome::Replay
            }
        })
        .collect())
}

/// Whether a station has responses waiting for release (never how many).
pub async fn has_pending(pool: &PgPool, station_id: i64) -> Result<bool, crate::Error> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM pending_responses WHERE station_id = $1) AS "e!""#,
        station_id
    )
    .fetch_one(pool)
    .await?)
}

/// Released responses of a station (for the command line and tests).
pub async fn released_count(pool: &PgPool, station_id: i64) -> Result<i64, crate::Error> {
    Ok(sqlx::query_scalar!(
        r#"SELECT COALESCE(SUM(responses), 0)::BIGINT AS "n!" FROM response_rollups WHERE station_id = $1"#,
        station_id
    )
    .fetch_one(pool)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(station_id: i64, keys: impl Iterator<Item = u8>) -> Vec<SealedPending> {
        keys.map(|k| SealedPending { key_hash: vec![k; 32], station_id, id: vec![k; 16], sealed: vec![k; 64] })
            .collect()
    }

    /// Two servers storing batches that share keys, in opposite orders, at once: neither
    /// deadlocks nor fails, and each key is stored by exactly one of them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batches_sharing_keys_at_once_store_each_once() {
        let pool = crate::testing::pool().await;
        let station =
            sqlx::query_scalar!("INSERT INTO stations (code, name, region) VALUES ('LIM-01', 'n', 'r') RETURNING id")
                .fetch_one(&pool)
                .await
                .unwrap();
        for round in 0..8u8 {
            let keys = round * 30..round * 30 + 30;
            let forward = batch(station, keys.clone());
            let backward = batch(station, keys.rev());
            let (a, b) = {
                let (p, q) = (pool.clone(), pool.clone());
                let a = tokio::spawn(async move { submit_batch(&p, &forward).await });
                let b = tokio::spawn(async move { submit_batch(&q, &backward).await });
                (a.await.unwrap().unwrap(), b.await.unwrap().unwrap())
            };
            let stored = a.iter().chain(&b).filter(|o| **o == Outcome::Stored).count();
            assert_eq!(stored, 30, "round {round}: each key stored once");
        }
        let held =
            sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!" FROM pending_responses"#).fetch_one(&pool).await.unwrap();
        assert_eq!(held, 240);
        assert!(has_pending(&pool, station).await.unwrap());
        assert_eq!(released_count(&pool, station).await.unwrap(), 0);
    }
}
