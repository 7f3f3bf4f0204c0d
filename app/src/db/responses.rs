//! Storing responses: each exactly once, sealed in a fixed-size record while it waits
//! for its release (`db::release`).

use crate::seal::{random_id, SealKey};
use chrono::{DateTime, Datelike, Utc};
use domain::frame::{self, FrameError, PENDING_FRAME};
use domain::{ResponseContent, Submission};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::SqlitePool;
use std::collections::HashSet;

/// What became of a submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// First delivery: stored, pending until its station's next release.
    Stored,
    /// The same client id came before: nothing new was stored.
    Replay,
}

/// The ISO week (`2026-W48`) of `now` in the station's timezone; UTC if the zone is unknown.
pub fn iso_week_label(now: DateTime<Utc>, timezone: &str) -> String {
    let week = match timezone.parse::<chrono_tz::Tz>() {
        Ok(tz) => now.with_timezone(&tz).iso_week(),
        Err(_) => now.iso_week(),
    };
    format!("{:04}-W{:02}", week.year(), week.week())
}

/// Digna stores at most this many submissions in one transaction (group commit: see
/// `server/src/api/responses.rs`). The ingest ceiling (`bench/ingest.sh`) batches the same.
pub const MAX_BATCH: usize = 64;

/// A valid submission waiting to be stored: its station, the ISO week (in the station's
/// timezone) it arrived in, sealed with it so that a release knows how long it has
/// waited, and the answers.
#[derive(Clone, Debug)]
pub struct Pending {
    pub station_id: i64,
    pub iso_week: String,
    pub submission: Submission,
}

/// Stores a batch of valid submissions in one transaction (group commit: one durable
/// write for all of them), each exactly once, sealed in a fixed-size record. A
/// submission whose client id came before, in an earlier batch or earlier in this one,
/// is a [`Outcome::Replay`] and stores nothing. On error nothing of the batch is stored.
/// Nothing is released here: releases run on a schedule (`db::release`), so that no
/// arrival ever triggers one.
///
/// Every kind of row is written by one statement for the whole batch (the rows travel
/// as one JSON array, read back with `json_each`): each statement is a round trip to
/// the connection's thread, which costs more than the write itself.
pub async fn submit_batch(pool: &SqlitePool, key: &SealKey, batch: &[Pending]) -> Result<Vec<Outcome>, sqlx::Error> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let key_hashes: Vec<Vec<u8>> = batch.iter().map(|p| key.client_key_hash(p.submission.id())).collect();
    let keys = json_array(key_hashes.iter().map(|h| hex(h)))?;
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
    for (pending, key_hash) in batch.iter().zip(&key_hashes) {
        // The first copy of a fresh key is stored; a later copy is a replay.
        if !fresh.remove(key_hash) {
            outcomes.push(Outcome::Replay);
            continue;
        }
        let id = random_id();
        let sealed = seal_pending(key, pending.station_id, &id, pending.submission.content(), &pending.iso_week)
            .map_err(|e| sqlx::Error::Encode(e.into()))?;
        rows.push(json!([hex(&id), pending.station_id, hex(&sealed)]));
        outcomes.push(Outcome::Stored);
    }
    if !rows.is_empty() {
        let rows = json_array(rows)?;
        sqlx::query!(
            "INSERT INTO pending_responses (id, station_id, sealed)
             SELECT unhex(value ->> 0), value ->> 1, unhex(value ->> 2) FROM json_each(?)",
            rows
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// What a pending response seals: what she said, and the ISO week it arrived in.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PendingRecord<'a> {
    content: std::borrow::Cow<'a, ResponseContent>,
    received_week: String,
}

/// Seals a pending response in a record of [`PENDING_FRAME`] bytes, whatever its
/// answers, bound to its station and id: a copy of the database cannot tell one
/// visitor's record from another's by its length.
pub fn seal_pending(
    key: &SealKey,
    station_id: i64,
    id: &[u8],
    content: &ResponseContent,
    received_week: &str,
) -> Result<Vec<u8>, FrameError> {
    let record = PendingRecord { content: std::borrow::Cow::Borrowed(content), received_week: received_week.into() };
    let json = serde_json::to_vec(&record).expect("a record always serializes");
    Ok(key.seal(&seal_context(station_id, id), &frame::pad(&json, PENDING_FRAME)?))
}

/// Whether `content` fits the pending record's frame, as [`seal_pending`] will need: a
/// submission that does not is refused before it is queued, never sealed at another size.
pub fn fits_pending_frame(content: &ResponseContent, received_week: &str) -> Result<(), FrameError> {
    let record = PendingRecord { content: std::borrow::Cow::Borrowed(content), received_week: received_week.into() };
    let len = serde_json::to_vec(&record).expect("a record always serializes").len();
    match len <= frame::capacity(PENDING_FRAME) {
        true => Ok(()),
        false => Err(FrameError::TooLarge { len, max: frame::capacity(PENDING_FRAME) }),
    }
}

/// A pending record, opened.
#[derive(Debug)]
pub enum OpenedPending {
    /// What she said, and the week it arrived in (`None` for a record sealed before the
    /// week was sealed with it).
    Opened { content: ResponseContent, received_week: Option<String> },
    /// It does not open with this key (another key, or moved to another row).
    Unreadable,
    /// It opens, but does not hold what this server seals: never trusted.
    Invalid,
}

/// Opens a pending record sealed by [`seal_pending`], or by an earlier release (the
/// bare content, unframed).
pub fn open_pending(key: &SealKey, station_id: i64, id: &[u8], sealed: &[u8]) -> OpenedPending {
    let Some(plain) = key.open(&seal_context(station_id, id), sealed) else {
        return OpenedPending::Unreadable;
    };
    read_pending(&plain)
}

/// A pending record's plaintext, once opened, read: [`OpenedPending::Opened`] or
/// [`OpenedPending::Invalid`].
pub fn read_pending(plain: &[u8]) -> OpenedPending {
    let framed = plain.first() == Some(&0);
    let Ok(json) = frame::unpad(plain) else {
        return OpenedPending::Invalid;
    };
    // Parsed, not trusted: content that breaks a rule of the domain types stays sealed.
    if framed {
        match serde_json::from_slice::<PendingRecord>(json) {
            Ok(r) if iso_week_monday(&r.received_week).is_some() => {
                OpenedPending::Opened { content: r.content.into_owned(), received_week: Some(r.received_week) }
            }
            _ => OpenedPending::Invalid,
        }
    } else {
        match serde_json::from_slice::<ResponseContent>(json) {
            Ok(content) => OpenedPending::Opened { content, received_week: None },
            Err(_) => OpenedPending::Invalid,
        }
    }
}

/// The Monday that starts an ISO week label (`2026-W48`); `None` for a label that is not
/// one ([`domain::IsoWeek`]'s rules).
pub fn iso_week_monday(week: &str) -> Option<chrono::NaiveDate> {
    let week = domain::IsoWeek::parse(week).ok()?;
    chrono::NaiveDate::from_isoywd_opt(i32::from(week.year()), u32::from(week.week()), chrono::Weekday::Mon)
}

/// What a pending response's seal is bound to: its station and its id, so a sealed
/// record moved to another row or station does not open.
pub fn seal_context(station_id: i64, id: &[u8]) -> Vec<u8> {
    let mut ctx = station_id.to_be_bytes().to_vec();
    ctx.extend_from_slice(id);
    ctx
}

/// Blobs travel inside JSON arrays as lower-case hex, and `unhex` turns them back.
pub(crate) use domain::hex;

/// Rows (or values) as one JSON array, bound as one parameter.
pub(crate) fn json_array<T: serde::Serialize>(items: impl IntoIterator<Item = T>) -> Result<String, sqlx::Error> {
    serde_json::to_string(&items.into_iter().collect::<Vec<T>>()).map_err(|e| sqlx::Error::Encode(e.into()))
}

/// Whether a station has responses waiting for release (never how many).
pub async fn has_pending(pool: &SqlitePool, station_id: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM pending_responses WHERE station_id = ?) AS "e!: bool""#,
        station_id
    )
    .fetch_one(pool)
    .await?;
    Ok(n)
}

/// Released responses of a station (for the command line and tests).
pub async fn released_count(pool: &SqlitePool, station_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT COALESCE(SUM(responses), 0) AS "n!: i64" FROM response_rollups WHERE station_id = ?"#,
        station_id
    )
    .fetch_one(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn content(answers: usize) -> ResponseContent {
        let answers: serde_json::Map<String, serde_json::Value> =
            (0..answers).map(|i| (format!("question_{i}"), json!({"Choice": "a-long-choice-key"}))).collect();
        serde_json::from_value(json!({"survey_version": 1, "language": "es", "answers": answers})).unwrap()
    }

    #[test]
    fn every_pending_record_seals_to_one_size_and_what_does_not_fit_is_refused() {
        let key = SealKey::from_master(&[3; 32]);
        let sizes: HashSet<usize> = [0, 1, 40]
            .into_iter()
            .map(|n| {
                assert!(fits_pending_frame(&content(n), "2026-W49").is_ok());
                seal_pending(&key, 1, &[7; 16], &content(n), "2026-W49").unwrap().len()
            })
            .collect();
        assert_eq!(sizes.into_iter().collect::<Vec<_>>(), [24 + PENDING_FRAME + 16]);
        let huge = content(400);
        assert!(matches!(fits_pending_frame(&huge, "2026-W49"), Err(FrameError::TooLarge { .. })));
        assert!(seal_pending(&key, 1, &[7; 16], &huge, "2026-W49").is_err());
        // What was sealed opens, with its week; a record from before frames opens too.
        let sealed = seal_pending(&key, 1, &[7; 16], &content(2), "2026-W49").unwrap();
        match open_pending(&key, 1, &[7; 16], &sealed) {
            OpenedPending::Opened { content: c, received_week } => {
                assert_eq!((c, received_week.as_deref()), (content(2), Some("2026-W49")))
            }
            other => panic!("{other:?}"),
        }
        let old = key.seal(&seal_context(1, &[8; 16]), &serde_json::to_vec(&content(1)).unwrap());
        assert!(matches!(open_pending(&key, 1, &[8; 16], &old), OpenedPending::Opened { received_week: None, .. }));
        assert!(matches!(open_pending(&key, 2, &[8; 16], &old), OpenedPending::Unreadable), "bound to its station");
    }

    #[test]
    fn iso_week_follows_the_station_timezone() {
        // Monday 2026-11-30 03:00 UTC is still Sunday 2026-11-29 22:00 in Lima (week 48).
        let t = Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap();
        assert_eq!(iso_week_label(t, "America/Lima"), "2026-W48");
        assert_eq!(iso_week_label(t, "UTC"), "2026-W49");
        // ISO years differ from calendar years around New Year.
        let t = Utc.with_ymd_and_hms(2027, 1, 1, 12, 0, 0).unwrap();
        assert_eq!(iso_week_label(t, "America/Lima"), "2026-W53");
    }
}
