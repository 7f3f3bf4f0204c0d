//! Releasing pending responses, as the store sees it: one station's pending records and
//! what it needs to decide, handed to the privacy pipeline (`server::privacy::release`),
//! which decides what is released; its decision written in the same transaction. Also
//! the stations' release schedules.

use super::responses::{hex, json_array};
use chrono::{DateTime, Datelike, TimeZone, Utc, Weekday};
use domain::privacy::release::ReleasedRow;
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::collections::BTreeMap;

/// What a release of one station decides on.
#[derive(Debug)]
pub struct PendingSet {
    /// The station's timezone (its ISO weeks are local).
    pub timezone: String,
    /// Its pending records: (id, sealed record).
    pub records: Vec<(Vec<u8>, Vec<u8>)>,
    /// Per published survey version, its observable questions in the order a release
    /// withholds them (the last one of the survey first).
    pub observable: BTreeMap<i64, Vec<String>>,
}

/// What a release decided: rows to write under one ISO week (each with its random id,
/// in the order given), and the pending records they came from, to delete.
#[derive(Debug, Default)]
pub struct ReleaseWrite {
    pub iso_week: String,
    pub rows: Vec<(Vec<u8>, ReleasedRow)>,
    pub released: Vec<Vec<u8>>,
}

/// Releases what station `station_id` has pending, in one transaction (BEGIN
/// IMMEDIATE, so nothing written meanwhile can make its snapshot stale): `decide` is
/// given the pending records and says what to write; applied whole or not at all. With
/// `next_at`, the station's next scheduled release moves to it in the same transaction,
/// so a scheduled release is done exactly once. `None` if there is no such station.
pub async fn release_station<T>(
    pool: &SqlitePool,
    station_id: i64,
    next_at: Option<i64>,
    decide: impl FnOnce(PendingSet) -> (ReleaseWrite, T),
) -> Result<Option<T>, crate::Error> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let Some(timezone) =
        sqlx::query_scalar!("SELECT timezone FROM stations WHERE id = ?", station_id).fetch_optional(&mut *tx).await?
    else {
        return Ok(None);
    };
    let records = sqlx::query!("SELECT id, sealed FROM pending_responses WHERE station_id = ?", station_id)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| (r.id, r.sealed))
        .collect();
    let observable = observable_questions(&mut tx).await?;
    let (write, summary) = decide(PendingSet { timezone, records, observable });
    write_released_rows(&mut tx, station_id, &write.iso_week, &write.rows).await?;
    if !write.released.is_empty() {
        let released = json_array(write.released.iter().map(|id| hex(id)))?;
        sqlx::query!("DELETE FROM pending_responses WHERE id IN (SELECT unhex(value) FROM json_each(?))", released)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(next_at) = next_at {
        set_next_release(&mut *tx, station_id, next_at).await?;
    }
    tx.commit().await?;
    Ok(Some(summary))
}

/// Per published survey version, its observable questions in the order a release
/// withholds them (the last one of the survey first).
async fn observable_questions(tx: &mut Transaction<'_, Sqlite>) -> Result<BTreeMap<i64, Vec<String>>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT survey_version AS "version!: i64", key FROM questions WHERE observable = 1
           ORDER BY survey_version, position DESC"#
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut out: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for r in rows {
        out.entry(r.version).or_default().push(r.key);
    }
    Ok(out)
}

/// A station's release schedule: a minute of the local day, every day or every week.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Minutes after local midnight.
    pub minute: u32,
    /// 1 (every night) or 7 (the night to Monday).
    pub every_days: u32,
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let every = if self.every_days == 7 { "every Monday" } else { "every day" };
        write!(f, "{every} at {:02}:{:02}", self.minute / 60, self.minute % 60)
    }
}

impl Schedule {
    /// `current` with a new time of day (`HH:MM`) and frequency (`daily` or `weekly`),
    /// either or both.
    pub fn parse(at: Option<&str>, every: Option<&str>, current: Schedule) -> Result<Schedule, String> {
        let mut schedule = current;
        if let Some(at) = at {
            let parsed = at.trim().split_once(':').and_then(|(h, m)| {
                let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
                (h < 24 && m < 60 && at.trim().len() == 5).then_some(h * 60 + m)
            });
            schedule.minute =
                parsed.ok_or_else(|| format!("--release-at must be a time HH:MM, such as 03:17, not {at:?}"))?;
        }
        if let Some(every) = every {
            schedule.every_days = match every.trim() {
                "daily" => 1,
                "weekly" => 7,
                other => return Err(format!("--release-every must be daily or weekly, not {other:?}")),
            };
        }
        Ok(schedule)
    }

    /// The first scheduled release strictly after `now`, in the station's timezone (UTC
    /// if it is unknown). A local time that does not exist (a clock moved forward) is
    /// taken an hour later.
    pub fn next_after(self, now: DateTime<Utc>, timezone: &str) -> DateTime<Utc> {
        let tz: chrono_tz::Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
        let local_today = now.with_timezone(&tz).date_naive();
        let (h, m) = (self.minute / 60 % 24, self.minute % 60);
        (0..=8)
            .filter_map(|days| {
                let date = local_today + chrono::Duration::days(days);
                if self.every_days == 7 && date.weekday() != Weekday::Mon {
                    return None;
                }
                let at = date.and_hms_opt(h, m, 0)?;
                let local = tz
                    .from_local_datetime(&at)
                    .earliest()
                    .or_else(|| tz.from_local_datetime(&(at + chrono::Duration::hours(1))).earliest())?;
                Some(local.with_timezone(&Utc))
            })
            .find(|t| *t > now)
            .unwrap_or(now + chrono::Duration::days(1))
    }
}

/// A station as the scheduler sees it.
#[derive(Clone, Debug)]
pub struct ScheduledStation {
    pub id: i64,
    pub code: String,
    pub timezone: String,
    pub schedule: Schedule,
    /// Unix seconds of its next release; `None` until the scheduler first sees it.
    pub next_at: Option<i64>,
}

/// Every station with its schedule, by code.
pub async fn scheduled_stations(pool: &SqlitePool) -> Result<Vec<ScheduledStation>, crate::Error> {
    scheduled(pool, None).await
}

/// One station with its schedule; `None` if there is no such station.
pub async fn scheduled_station(pool: &SqlitePool, station_id: i64) -> Result<Option<ScheduledStation>, crate::Error> {
    Ok(scheduled(pool, Some(station_id)).await?.pop())
}

/// Every station with its schedule, by code, or only the one with id `only`.
async fn scheduled(pool: &SqlitePool, only: Option<i64>) -> Result<Vec<ScheduledStation>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT s.id AS "id!: i64", s.code, s.timezone, s.release_minute AS "minute!: i64",
                  s.release_every_days AS "every!: i64", r.next_at AS "next_at?: i64"
           FROM stations s LEFT JOIN release_schedule r ON r.station_id = s.id
           WHERE ?1 IS NULL OR s.id = ?1 ORDER BY s.code"#,
        only
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ScheduledStation {
            id: r.id,
            code: r.code,
            timezone: r.timezone,
            schedule: Schedule { minute: r.minute.clamp(0, 1439) as u32, every_days: if r.every == 7 { 7 } else { 1 } },
            next_at: r.next_at,
        })
        .collect())
}

/// Sets a station's next release (the scheduler, the first time it sees a station; a
/// release, in its own transaction).
pub async fn set_next_release<'e>(
    conn: impl sqlx::SqliteExecutor<'e>,
    station_id: i64,
    next_at: i64,
) -> Result<(), crate::Error> {
    sqlx::query!(
        "INSERT INTO release_schedule (station_id, next_at) VALUES (?, ?)
         ON CONFLICT (station_id) DO UPDATE SET next_at = excluded.next_at",
        station_id,
        next_at
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Changes a station's schedule; its next release is worked out again.
pub async fn set_schedule(pool: &SqlitePool, station_id: i64, schedule: Schedule) -> Result<(), crate::Error> {
    let (minute, every) = (i64::from(schedule.minute), i64::from(schedule.every_days));
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "UPDATE stations SET release_minute = ?, release_every_days = ? WHERE id = ?",
        minute,
        every,
        station_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("DELETE FROM release_schedule WHERE station_id = ?", station_id).execute(&mut *tx).await?;
    Ok(tx.commit().await?)
}

/// Writes one station's released rows under one ISO week, in the order given and under
/// the ids given (random, and shuffled, by the privacy pipeline), and adds them to the
/// roll-ups: one statement per kind of row, since each statement is a round trip to
/// SQLite's thread.
pub async fn write_released_rows(
    tx: &mut Transaction<'_, Sqlite>,
    station_id: i64,
    iso_week: &str,
    rows: &[(Vec<u8>, ReleasedRow)],
) -> Result<(), crate::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    // Survey version, language, respondent, age band, suspect: borrowed from the rows,
    // and serialized as tuples (JSON arrays), since a release may write many thousands.
    type Dims<'a> = (i64, &'a str, &'a str, &'a str, bool);
    let mut response_counts: BTreeMap<Dims<'_>, i64> = BTreeMap::new();
    let mut answer_counts: BTreeMap<(Dims<'_>, &str, &str), i64> = BTreeMap::new();
    let mut responses = Vec::with_capacity(rows.len());
    let mut answers = Vec::new();
    let ids: Vec<String> = rows.iter().map(|(id, _)| hex(id)).collect();
    for (id, (_, row)) in ids.iter().zip(rows) {
        let dims: Dims<'_> = (
            row.survey_version,
            &row.language,
            row.respondent.as_deref().unwrap_or_default(),
            row.age_band.as_deref().unwrap_or_default(),
            row.suspect,
        );
        *response_counts.entry(dims).or_default() += 1;
        for (question, value) in &row.answers {
            answers.push((id, question, value));
            *answer_counts.entry((dims, question, value)).or_default() += 1;
        }
        responses.push((
            id,
            station_id,
            row.survey_version,
            iso_week,
            &row.language,
            &row.respondent,
            &row.age_band,
            row.suspect,
        ));
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
    let response_counts =
        json_array(response_counts.into_iter().map(|((version, language, respondent, age_band, suspect), n)| {
            (station_id, iso_week, version, language, respondent, age_band, suspect, n)
        }))?;
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
            |(((version, language, respondent, age_band, suspect), question, value), n)| {
                (station_id, iso_week, version, language, respondent, age_band, suspect, question, value, n)
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
