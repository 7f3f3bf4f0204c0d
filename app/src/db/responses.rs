//! Storing responses: sealed while pending, released in batches of at least k.

use crate::domain::{ResponseContent, Submission};
use crate::seal::{random_id, SealKey};
use chrono::{DateTime, Datelike, Utc};
use rand::seq::SliceRandom;
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::collections::BTreeMap;

/// What became of a submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// First delivery: stored (pending, or released with its batch).
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
/// timezone) a release it completes is labelled with, and the answers.
#[derive(Clone, Debug)]
pub struct Pending {
    pub station_id: i64,
    pub iso_week: String,
    pub submission: Submission,
}

/// Stores a batch of valid submissions in one transaction (group commit: one durable
/// write for all of them), each exactly once, sealed, and releases every station the
/// batch touched that then has at least `k` pending responses. Returns one outcome per
/// submission, in order: a submission whose client id came before, in an earlier batch
/// or earlier in this one, is a [`Outcome::Replay`] and stores nothing. On error nothing
/// of the batch is stored.
pub async fn submit_batch(
    pool: &SqlitePool,
    key: &SealKey,
    batch: &[Pending],
    k: usize,
) -> Result<Vec<Outcome>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    // Station → the ISO week of its newest submission in the batch.
    let mut touched: BTreeMap<i64, &str> = BTreeMap::new();
    for pending in batch {
        let key_hash = key.client_key_hash(&pending.submission.id);
        // Writing first takes the write lock at once, so concurrent writers queue on
        // the busy timeout instead of failing on a stale read snapshot.
        let fresh = sqlx::query!("INSERT INTO submission_keys (key_hash) VALUES (?) ON CONFLICT DO NOTHING", key_hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if fresh == 0 {
            outcomes.push(Outcome::Replay);
            continue;
        }
        let id = random_id();
        let plaintext = serde_json::to_vec(&pending.submission.content).map_err(|e| sqlx::Error::Encode(e.into()))?;
        let sealed = key.seal(&seal_context(pending.station_id, &id), &plaintext);
        sqlx::query!(
            "INSERT INTO pending_responses (id, station_id, sealed) VALUES (?, ?, ?)",
            id,
            pending.station_id,
            sealed
        )
        .execute(&mut *tx)
        .await?;
        touched.insert(pending.station_id, &pending.iso_week);
        outcomes.push(Outcome::Stored);
    }
    for (station_id, iso_week) in touched {
        let pending = sqlx::query_scalar!(
            r#"SELECT COUNT(*) AS "n!: i64" FROM pending_responses WHERE station_id = ?"#,
            station_id
        )
        .fetch_one(&mut *tx)
        .await?;
        if pending >= k as i64 {
            release_pending(&mut tx, key, station_id, iso_week, k).await?;
        }
    }
    tx.commit().await?;
    Ok(outcomes)
}

pub(crate) fn seal_context(station_id: i64, id: &[u8]) -> Vec<u8> {
    let mut ctx = station_id.to_be_bytes().to_vec();
    ctx.extend_from_slice(id);
    ctx
}

/// Opens every pending response of a station and releases them together.
async fn release_pending(
    tx: &mut Transaction<'_, Sqlite>,
    key: &SealKey,
    station_id: i64,
    iso_week: &str,
    k: usize,
) -> Result<(), sqlx::Error> {
    let rows = sqlx::query!("SELECT id, sealed FROM pending_responses WHERE station_id = ?", station_id)
        .fetch_all(&mut **tx)
        .await?;
    let mut opened = Vec::with_capacity(rows.len());
    let mut unreadable = 0usize;
    for row in rows {
        let content = key
            .open(&seal_context(station_id, &row.id), &row.sealed)
            .and_then(|plain| serde_json::from_slice::<ResponseContent>(&plain).ok());
        match content {
            Some(c) => opened.push((row.id, c)),
            None => unreadable += 1,
        }
    }
    if unreadable > 0 {
        // Sealed under another key (a lost or replaced key file): leave them, never guess.
        tracing::error!(unreadable, "pending responses cannot be opened with the current seal key");
    }
    if opened.len() < k {
        return Ok(());
    }
    for (id, _) in &opened {
        sqlx::query!("DELETE FROM pending_responses WHERE id = ?", id).execute(&mut **tx).await?;
    }
    write_released(tx, station_id, iso_week, opened.into_iter().map(|(_, c)| c).collect()).await
}

/// Writes released responses as plain rows, in random order, under one ISO week, and
/// adds them to the roll-ups. Used by the release and by the demo seed.
pub async fn write_released(
    tx: &mut Transaction<'_, Sqlite>,
    station_id: i64,
    iso_week: &str,
    mut contents: Vec<ResponseContent>,
) -> Result<(), sqlx::Error> {
    contents.shuffle(&mut rand::rngs::OsRng);
    type Dims = (i64, String, String, String, bool);
    let mut response_counts: BTreeMap<Dims, i64> = BTreeMap::new();
    let mut answer_counts: BTreeMap<(Dims, String, String), i64> = BTreeMap::new();
    for content in &contents {
        let id = random_id();
        let language = content.language.code();
        let (respondent, age_band, suspect) = (content.respondent(), content.age_band(), content.suspect);
        sqlx::query!(
            "INSERT INTO responses (id, station_id, survey_version, iso_week, language, respondent, age_band, suspect)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            id,
            station_id,
            content.survey_version,
            iso_week,
            language,
            respondent,
            age_band,
            suspect
        )
        .execute(&mut **tx)
        .await?;
        let dims: Dims = (
            content.survey_version,
            language.to_string(),
            respondent.unwrap_or_default().to_string(),
            age_band.unwrap_or_default().to_string(),
            suspect,
        );
        *response_counts.entry(dims.clone()).or_default() += 1;
        for (question, answer) in content.care_answers() {
            for value in answer.stored_values() {
                sqlx::query!(
                    "INSERT INTO answers (response_id, question_key, value) VALUES (?, ?, ?)",
                    id,
                    question,
                    value
                )
                .execute(&mut **tx)
                .await?;
                *answer_counts.entry((dims.clone(), question.clone(), value)).or_default() += 1;
            }
        }
    }
    for ((version, language, respondent, age_band, suspect), n) in response_counts {
        sqlx::query!(
            "INSERT INTO response_rollups (station_id, iso_week, survey_version, language, respondent, age_band, suspect, responses)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT DO UPDATE SET responses = responses + excluded.responses",
            station_id,
            iso_week,
            version,
            language,
            respondent,
            age_band,
            suspect,
            n
        )
        .execute(&mut **tx)
        .await?;
    }
    for (((version, language, respondent, age_band, suspect), question, value), n) in answer_counts {
        sqlx::query!(
            "INSERT INTO answer_rollups (station_id, iso_week, survey_version, language, respondent, age_band, suspect, question_key, value, answers)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT DO UPDATE SET answers = answers + excluded.answers",
            station_id,
            iso_week,
            version,
            language,
            respondent,
            age_band,
            suspect,
            question,
            value,
            n
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
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
