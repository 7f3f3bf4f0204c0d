//! Releasing pending responses, as the store sees it: one station's pending records and
//! what it needs to decide, handed to the privacy pipeline (`server::privacy::release`),
//! which decides what is released; its decision written in the same transaction. Also
//! the stations' release schedules.

pub use store::release::{Outcome, PendingSet, ReleaseWrite, Schedule, ScheduledStation, Watch};

use super::responses::{hex, json_array};
use domain::privacy::release::{ReleasedRow, RollupCell};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::collections::BTreeMap;

/// Releases what station `station_id` has pending, in one transaction (BEGIN
/// IMMEDIATE, so nothing written meanwhile can make its snapshot stale): `decide` is
/// given the pending records and says what to write; applied whole or not at all. With
/// `next_at`, the station's next scheduled release moves to it in the same transaction,
/// so a scheduled release is done exactly once: when the schedule, read in the
/// transaction, already stands at `next_at` or later, the release was done meanwhile and
/// nothing is done (`decide` is not called) and the answer is `None`. `None` too if there
/// is no such station.
pub async fn release_station<T>(
    pool: &SqlitePool,
    station_id: i64,
    next_at: Option<i64>,
    decide: impl FnOnce(PendingSet) -> (ReleaseWrite, T),
    watch: Option<Watch<'_>>,
) -> Result<Option<Outcome<T>>, crate::Error> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let Some(station) = sqlx::query!(
        r#"SELECT s.timezone, r.next_at AS "next_at?: i64"
           FROM stations s LEFT JOIN release_schedule r ON r.station_id = s.id WHERE s.id = ?"#,
        station_id
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    if let (Some(next_at), Some(scheduled)) = (next_at, station.next_at) {
        if scheduled >= next_at {
            return Ok(None);
        }
    }
    let timezone = station.timezone;
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
    let alerted = match watch {
        Some(watch) => crate::notifications::judge(&mut tx, station_id, watch).await?,
        None => false,
    };
    if let Some(next_at) = next_at {
        set_next_release(&mut *tx, station_id, next_at).await?;
    }
    tx.commit().await?;
    Ok(Some(Outcome { decided: summary, alerted }))
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
pub async fn set_schedule(
    conn: &mut sqlx::SqliteConnection,
    station_id: i64,
    schedule: Schedule,
) -> Result<(), crate::Error> {
    let (minute, every) = (i64::from(schedule.minute), i64::from(schedule.every_days));
    let mut tx = crate::write_tx(&mut *conn).await?;
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
    // Each roll-up key borrowed from the rows, and serialized as a tuple (a JSON array),
    // since a release may write many thousands.
    let mut response_counts: BTreeMap<RollupCell<'_>, i64> = BTreeMap::new();
    let mut answer_counts: BTreeMap<(RollupCell<'_>, &str, &str), i64> = BTreeMap::new();
    let mut responses = Vec::with_capacity(rows.len());
    let mut answers = Vec::new();
    let ids: Vec<String> = rows.iter().map(|(id, _)| hex(id)).collect();
    for (id, (_, row)) in ids.iter().zip(rows) {
        let dims = row.rollup_cell();
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
