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
/// Every kind of row is written by one statement for the whole batch (the rows travel
/// as arrays, read back with `UNNEST`): each statement is a round trip to the server.
pub async fn submit_batch(pool: &PgPool, batch: &[SealedPending]) -> Result<Vec<Outcome>, crate::Error> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let mut keys: Vec<&[u8]> = batch.iter().map(|p| p.key_hash.as_slice()).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut tx = pool.begin().await?;
    let mut fresh: HashSet<Vec<u8>> = sqlx::query_scalar!(
        "INSERT INTO submission_keys (key_hash)
         SELECT key_hash FROM UNNEST($1::BYTEA[]) AS k (key_hash) ORDER BY key_hash
         ON CONFLICT DO NOTHING RETURNING key_hash",
        &keys as _
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    let mut outcomes = Vec::with_capacity(batch.len());
    let (mut ids, mut stations, mut sealed) = (Vec::new(), Vec::new(), Vec::new());
    for pending in batch {
        // The first copy of a fresh key is stored; a later copy is a replay.
        if !fresh.remove(&pending.key_hash) {
            outcomes.push(Outcome::Replay);
            continue;
        }
        ids.push(pending.id.as_slice());
        stations.push(pending.station_id);
        sealed.push(pending.sealed.as_slice());
        outcomes.push(Outcome::Stored);
    }
    if !ids.is_empty() {
        sqlx::query!(
            "INSERT INTO pending_responses (id, station_id, sealed)
             SELECT id, station_id, sealed FROM UNNEST($1::BYTEA[], $2::BIGINT[], $3::BYTEA[]) AS p (id, station_id, sealed)
             ORDER BY id",
            &ids as _,
            &stations,
            &sealed as _
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(outcomes)
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
