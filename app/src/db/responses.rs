//! Storing responses: sealed while pending, released in batches of at least k.

use crate::domain::{ResponseContent, Submission};
use crate::seal::{random_id, SealKey};
use chrono::{DateTime, Datelike, Utc};
use rand::seq::SliceRandom;
use serde_json::json;
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::collections::{BTreeMap, HashSet};

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

/// Digna releases at most this many stations' pending responses in one transaction,
/// between two batches (see `server/src/api/responses.rs`): about a millisecond of work,
/// so that a submission arriving meanwhile waits for no more than that. The ingest
/// ceiling releases the same. (At 1,000/s over 100 stations, one station a release gave
/// the ceiling a p99 of 15–16 ms; two, 20–28 ms; four, 25–28 ms; eight, 36–44 ms.)
pub const RELEASE_STATIONS: usize = 1;

/// A valid submission waiting to be stored: its station, the ISO week (in the station's
/// timezone) a release it completes is labelled with, and the answers.
#[derive(Clone, Debug)]
pub struct Pending {
    pub station_id: i64,
    pub iso_week: String,
    pub submission: Submission,
}

/// A station with at least k pending responses, to be released under `iso_week` (the
/// ISO week, in the station's timezone, of the newest submission that made it due).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    pub station_id: i64,
    pub iso_week: String,
}

/// The stations waiting for their release, oldest first, each once (with the newest
/// week it was given): Digna's writer and the ingest ceiling release them
/// [`RELEASE_STATIONS`] at a time.
#[derive(Clone, Debug, Default)]
pub struct DueQueue(std::collections::VecDeque<Due>);

impl DueQueue {
    pub fn add(&mut self, due: impl IntoIterator<Item = Due>) {
        for station in due {
            match self.0.iter_mut().find(|d| d.station_id == station.station_id) {
                Some(waiting) => waiting.iso_week = station.iso_week,
                None => self.0.push_back(station),
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The next [`RELEASE_STATIONS`] stations (fewer if fewer wait), taken off the queue.
    pub fn next_chunk(&mut self) -> Vec<Due> {
        let n = self.0.len().min(RELEASE_STATIONS);
        self.0.drain(..n).collect()
    }
}

/// Takes what has queued, at most [`MAX_BATCH`], into `jobs`, as Digna's writer and the
/// ingest ceiling take submissions: it waits for a first one only when no release is
/// due, so that submissions go first and releases fill the gaps. False once every sender
/// is gone and nothing is due (nothing more will come).
pub async fn take_queued<T>(queue: &mut tokio::sync::mpsc::Receiver<T>, jobs: &mut Vec<T>, due: &DueQueue) -> bool {
    if due.is_empty() {
        return queue.recv_many(jobs, MAX_BATCH).await > 0;
    }
    while jobs.len() < MAX_BATCH {
        let Ok(job) = queue.try_recv() else { break };
        jobs.push(job);
    }
    true
}

/// What storing a batch did: one outcome per submission, in order, and the stations it
/// left with at least k pending responses, for [`release`].
#[derive(Clone, Debug, Default)]
pub struct Stored {
    pub outcomes: Vec<Outcome>,
    pub due: Vec<Due>,
}

/// Stores a batch of valid submissions in one transaction (group commit: one durable
/// write for all of them), each exactly once, sealed, and says which stations the batch
/// left with at least `k` pending responses: their release is [`release`]'s, in a
/// transaction of its own, so that acknowledging a submission never waits for it. A
/// submission whose client id came before, in an earlier batch or earlier in this one, is
/// a [`Outcome::Replay`] and stores nothing. On error nothing of the batch is stored.
///
/// Every kind of row is written by one statement for the whole batch (the rows travel
/// as one JSON array, read back with `json_each`): each statement is a round trip to
/// the connection's thread, which costs more than the write itself.
pub async fn submit_batch(
    pool: &SqlitePool,
    key: &SealKey,
    batch: &[Pending],
    k: usize,
) -> Result<Stored, sqlx::Error> {
    if batch.is_empty() {
        return Ok(Stored::default());
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
    // Station → the ISO week of its newest submission in the batch.
    let mut touched: BTreeMap<i64, &str> = BTreeMap::new();
    for (pending, key_hash) in batch.iter().zip(&key_hashes) {
        // The first copy of a fresh key is stored; a later copy is a replay.
        if !fresh.remove(key_hash) {
            outcomes.push(Outcome::Replay);
            continue;
        }
        let id = random_id();
        let plaintext = serde_json::to_vec(pending.submission.content()).map_err(|e| sqlx::Error::Encode(e.into()))?;
        let sealed = key.seal(&seal_context(pending.station_id, &id), &plaintext);
        rows.push(json!([hex(&id), pending.station_id, hex(&sealed)]));
        touched.insert(pending.station_id, &pending.iso_week);
        outcomes.push(Outcome::Stored);
    }
    let mut due = Vec::new();
    if !rows.is_empty() {
        let rows = json_array(rows)?;
        sqlx::query!(
            "INSERT INTO pending_responses (id, station_id, sealed)
             SELECT unhex(value ->> 0), value ->> 1, unhex(value ->> 2) FROM json_each(?)",
            rows
        )
        .execute(&mut *tx)
        .await?;
        let stations = json_array(touched.keys())?;
        let counts = sqlx::query!(
            r#"SELECT station_id AS "station_id!: i64", COUNT(*) AS "n!: i64" FROM pending_responses
               WHERE station_id IN (SELECT value FROM json_each(?)) GROUP BY station_id"#,
            stations
        )
        .fetch_all(&mut *tx)
        .await?;
        due = counts
            .into_iter()
            .filter(|c| c.n >= k as i64)
            .filter_map(|c| {
                let week = touched.get(&c.station_id)?;
                Some(Due { station_id: c.station_id, iso_week: week.to_string() })
            })
            .collect();
    }
    tx.commit().await?;
    Ok(Stored { outcomes, due })
}

/// Releases the pending responses of the stations `due`, in one transaction: each
/// station that still has at least `k` pending responses that open is released whole,
/// under its ISO week. Returns how many responses were released.
pub async fn release(pool: &SqlitePool, key: &SealKey, due: &[Due], k: usize) -> Result<usize, sqlx::Error> {
    if due.is_empty() {
        return Ok(0);
    }
    // It reads before it writes: an immediate transaction takes the write lock first, so
    // a write committed meanwhile by another connection cannot make its snapshot stale.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let released = release_pending(&mut tx, key, due, k).await?;
    tx.commit().await?;
    Ok(released)
}

/// [`submit_batch`], then the [`release`] of every station it made due, all at once:
/// for tests, where nothing waits for an answer. (Digna's writer and the ingest ceiling
/// release one station at a time between batches, through a [`DueQueue`].)
pub async fn submit_and_release(
    pool: &SqlitePool,
    key: &SealKey,
    batch: &[Pending],
    k: usize,
) -> Result<Vec<Outcome>, sqlx::Error> {
    let stored = submit_batch(pool, key, batch, k).await?;
    release(pool, key, &stored.due, k).await?;
    Ok(stored.outcomes)
}

/// Every station with at least `k` pending responses, with the ISO week it is released
/// under if released now: what a restart finds left to release (the server stopped
/// between storing a batch and its release, or `k` was lowered).
pub async fn due_stations(pool: &SqlitePool, k: usize, now: DateTime<Utc>) -> Result<Vec<Due>, sqlx::Error> {
    let k = k as i64;
    let rows = sqlx::query!(
        r#"SELECT s.id AS "station_id!: i64", s.timezone FROM stations s
           WHERE (SELECT COUNT(*) FROM pending_responses p WHERE p.station_id = s.id) >= ?
           ORDER BY s.id"#,
        k
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| Due { station_id: r.station_id, iso_week: iso_week_label(now, &r.timezone) }).collect())
}

/// What a pending response's seal is bound to: its station and its id, so a sealed
/// record moved to another row or station does not open.
pub fn seal_context(station_id: i64, id: &[u8]) -> Vec<u8> {
    let mut ctx = station_id.to_be_bytes().to_vec();
    ctx.extend_from_slice(id);
    ctx
}

/// Lower-case hex: blobs travel inside JSON arrays as hex, and `unhex` turns them back.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[usize::from(b >> 4)] as char, DIGITS[usize::from(b & 15)] as char]).collect()
}

/// Rows (or values) as one JSON array, bound as one parameter.
fn json_array<T: serde::Serialize>(items: impl IntoIterator<Item = T>) -> Result<String, sqlx::Error> {
    serde_json::to_string(&items.into_iter().collect::<Vec<T>>()).map_err(|e| sqlx::Error::Encode(e.into()))
}

/// Opens every pending response of the stations `due` and releases each station's
/// together, if at least `k` of them open. Returns how many were released.
async fn release_pending(
    tx: &mut Transaction<'_, Sqlite>,
    key: &SealKey,
    due: &[Due],
    k: usize,
) -> Result<usize, sqlx::Error> {
    let stations = json_array(due.iter().map(|d| d.station_id))?;
    let rows = sqlx::query!(
        r#"SELECT id, station_id AS "station_id!: i64", sealed FROM pending_responses
           WHERE station_id IN (SELECT value FROM json_each(?))"#,
        stations
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut opened: BTreeMap<i64, Vec<(Vec<u8>, ResponseContent)>> = BTreeMap::new();
    let (mut unreadable, mut refused) = (0usize, 0usize);
    for row in rows {
        let Some(plain) = key.open(&seal_context(row.station_id, &row.id), &row.sealed) else {
            unreadable += 1;
            continue;
        };
        // Parsed, not trusted: content that breaks a rule of the domain types stays sealed.
        match serde_json::from_slice::<ResponseContent>(&plain) {
            Ok(c) => opened.entry(row.station_id).or_default().push((row.id, c)),
            Err(_) => refused += 1,
        }
    }
    if unreadable > 0 {
        // Sealed under another key (a lost or replaced key file): leave them, never guess.
        tracing::error!(unreadable, "pending responses cannot be opened with the current seal key");
    }
    if refused > 0 {
        // Opened, but not something this server seals (corrupted, or written by hand):
        // leave them too. The reason is not logged: it could quote an answer.
        tracing::error!(refused, "pending responses opened but hold invalid content; left pending");
    }
    let mut released = Vec::new();
    let mut groups = Vec::new();
    for Due { station_id, iso_week } in due {
        let Some(responses) = opened.remove(station_id).filter(|r| r.len() >= k) else { continue };
        let (ids, contents): (Vec<_>, Vec<_>) = responses.into_iter().unzip();
        released.extend(ids.iter().map(|id| hex(id)));
        groups.push((*station_id, iso_week.as_str(), contents));
    }
    write_released_groups(tx, groups).await?;
    let count = released.len();
    if !released.is_empty() {
        let released = json_array(released)?;
        sqlx::query!("DELETE FROM pending_responses WHERE id IN (SELECT unhex(value) FROM json_each(?))", released)
            .execute(&mut **tx)
            .await?;
    }
    Ok(count)
}

/// Writes released responses as plain rows, in random order, under one ISO week, and
/// adds them to the roll-ups. Used by the demo seed and tests; the release itself writes
/// every due station at once (`write_released_groups`).
pub async fn write_released(
    tx: &mut Transaction<'_, Sqlite>,
    station_id: i64,
    iso_week: &str,
    contents: Vec<ResponseContent>,
) -> Result<(), sqlx::Error> {
    write_released_groups(tx, vec![(station_id, iso_week, contents)]).await
}

/// Writes the released responses of several stations, each group under its station and
/// ISO week, in random order within a group, and adds them to the roll-ups: one statement
/// per kind of row for all groups, since each statement is a round trip to SQLite's
/// thread.
pub async fn write_released_groups(
    tx: &mut Transaction<'_, Sqlite>,
    groups: Vec<(i64, &str, Vec<ResponseContent>)>,
) -> Result<(), sqlx::Error> {
    // Station, ISO week, survey version, language, respondent, age band, suspect.
    type Dims = (i64, String, i64, String, String, String, bool);
    let mut response_counts: BTreeMap<Dims, i64> = BTreeMap::new();
    let mut answer_counts: BTreeMap<(Dims, String, String), i64> = BTreeMap::new();
    let mut responses = Vec::new();
    let mut answers = Vec::new();
    for (station_id, iso_week, mut contents) in groups {
        contents.shuffle(&mut rand::rngs::OsRng);
        for content in &contents {
            let id = hex(&random_id());
            let language = content.language().code();
            let (respondent, age_band, suspect) = (content.respondent(), content.age_band(), content.suspect());
            responses.push(json!([
                id,
                station_id,
                content.survey_version(),
                iso_week,
                language,
                respondent,
                age_band,
                suspect
            ]));
            let dims: Dims = (
                station_id,
                iso_week.to_string(),
                content.survey_version(),
                language.to_string(),
                respondent.unwrap_or_default().to_string(),
                age_band.unwrap_or_default().to_string(),
                suspect,
            );
            *response_counts.entry(dims.clone()).or_default() += 1;
            for (question, answer) in content.care_answers() {
                for value in answer.stored_values() {
                    answers.push(json!([id, question, value]));
                    *answer_counts.entry((dims.clone(), question.to_string(), value)).or_default() += 1;
                }
            }
        }
    }
    if responses.is_empty() {
        return Ok(());
    }
    let responses = json_array(responses)?;
    sqlx::query!(
        "INSERT INTO responses (id, station_id, survey_version, iso_week, language, respondent, age_band, suspect)
         SELECT unhex(value ->> 0), value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7
         FROM json_each(?)",
        responses
    )
    .execute(&mut **tx)
    .await?;
    if !answers.is_empty() {
        let answers = json_array(answers)?;
        sqlx::query!(
            "INSERT INTO answers (response_id, question_key, value)
             SELECT unhex(value ->> 0), value ->> 1, value ->> 2 FROM json_each(?)",
            answers
        )
        .execute(&mut **tx)
        .await?;
    }
    let response_counts = json_array(response_counts.into_iter().map(
        |((station, week, version, language, respondent, age_band, suspect), n)| {
            json!([station, week, version, language, respondent, age_band, suspect, n])
        },
    ))?;
    sqlx::query!(
        "INSERT INTO response_rollups (station_id, iso_week, survey_version, language, respondent, age_band, suspect, responses)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7
         FROM json_each(?) WHERE true
         ON CONFLICT DO UPDATE SET responses = responses + excluded.responses",
        response_counts
    )
    .execute(&mut **tx)
    .await?;
    if !answer_counts.is_empty() {
        let answer_counts = json_array(answer_counts.into_iter().map(
            |(((station, week, version, language, respondent, age_band, suspect), question, value), n)| {
                json!([station, week, version, language, respondent, age_band, suspect, question, value, n])
            },
        ))?;
        sqlx::query!(
            "INSERT INTO answer_rollups (station_id, iso_week, survey_version, language, respondent, age_band, suspect, question_key, value, answers)
             SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8, value ->> 9
             FROM json_each(?) WHERE true
             ON CONFLICT DO UPDATE SET answers = answers + excluded.answers",
            answer_counts
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

    fn due(station_id: i64, week: &str) -> Due {
        Due { station_id, iso_week: week.to_string() }
    }

    #[test]
    fn stations_wait_for_release_once_each_oldest_first_a_few_at_a_time() {
        let mut queue = DueQueue::default();
        queue.add((1..=6).map(|s| due(s, "2026-W48")));
        // Due again before its release: one place in the queue, the newest week.
        queue.add([due(2, "2026-W49"), due(7, "2026-W49")]);
        let mut released = Vec::new();
        while !queue.is_empty() {
            let chunk = queue.next_chunk();
            assert!(!chunk.is_empty() && chunk.len() <= RELEASE_STATIONS, "{chunk:?}");
            released.extend(chunk);
        }
        let expected = [(1, 48), (2, 49), (3, 48), (4, 48), (5, 48), (6, 48), (7, 49)];
        assert_eq!(released, expected.map(|(s, w)| due(s, &format!("2026-W{w}"))).to_vec());
        assert!(queue.next_chunk().is_empty());
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
