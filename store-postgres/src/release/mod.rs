//! Releasing pending responses, as the store sees it: one station's pending records and
//! what it needs to decide, handed to the privacy pipeline (`server::privacy::release`),
//! which decides what is released; its decision written in the same transaction. Also
//! the stations' release schedules.

pub use store::release::{Outcome, PendingSet, ReleaseWrite, Schedule, ScheduledStation, Watch};

mod rows;

pub use rows::{write_released_rows, write_released_weeks};

use sqlx::{PgConnection, PgPool};
use std::collections::BTreeMap;

/// Releases what station `station_id` has pending, in one transaction holding the writer
/// lock ([`crate::WRITER_LOCK`]), so that no other release, on this server or another,
/// runs between its reads and its writes: `decide` is given the pending records and says
/// what to write; applied whole or not at all. Only the records `decide` names are
/// deleted, so a submission stored meanwhile (which does not take the lock) stays pending.
///
/// With `next_at`, the station's next scheduled release moves to it in the same
/// transaction, so a scheduled release is done exactly once: when the schedule, read
/// again under the lock, already stands at `next_at` or later, the release was done
/// meanwhile (by another server's scheduler) and nothing is done, `decide` is not called
/// and the answer is `None`. `None` too if there is no such station.
pub async fn release_station<T>(
    pool: &PgPool,
    station_id: i64,
    next_at: Option<i64>,
    decide: impl FnOnce(PendingSet) -> (ReleaseWrite, T),
    watch: Option<Watch<'_>>,
) -> Result<Option<Outcome<T>>, crate::Error> {
    let mut tx = crate::begin_write(pool).await?;
    let Some(station) = sqlx::query!(
        r#"SELECT s.timezone, r.next_at AS "next_at?"
           FROM stations s LEFT JOIN release_schedule r ON r.station_id = s.id WHERE s.id = $1"#,
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
    // By id (random), not in the table's physical order, which follows arrival.
    let records =
        sqlx::query!("SELECT id, sealed FROM pending_responses WHERE station_id = $1 ORDER BY id", station_id)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|r| (r.id, r.sealed))
            .collect();
    let observable = observable_questions(&mut tx).await?;
    let (write, summary) = decide(PendingSet { timezone: station.timezone, records, observable });
    write_released_rows(&mut tx, station_id, &write.iso_week, &write.rows).await?;
    if !write.released.is_empty() {
        sqlx::query!(
            "DELETE FROM pending_responses WHERE station_id = $1 AND id = ANY($2::BYTEA[])",
            station_id,
            &write.released
        )
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
async fn observable_questions(conn: &mut PgConnection) -> Result<BTreeMap<i64, Vec<String>>, crate::Error> {
    let rows = sqlx::query!(
        "SELECT survey_version, key FROM questions WHERE observable ORDER BY survey_version, position DESC"
    )
    .fetch_all(conn)
    .await?;
    let mut out: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for r in rows {
        out.entry(r.survey_version).or_default().push(r.key);
    }
    Ok(out)
}

/// Every station with its schedule, by code.
pub async fn scheduled_stations(pool: &PgPool) -> Result<Vec<ScheduledStation>, crate::Error> {
    scheduled(pool, None).await
}

/// One station with its schedule; `None` if there is no such station.
pub async fn scheduled_station(pool: &PgPool, station_id: i64) -> Result<Option<ScheduledStation>, crate::Error> {
    Ok(scheduled(pool, Some(station_id)).await?.pop())
}

/// Every station with its schedule, by code, or only the one with id `only`.
async fn scheduled(pool: &PgPool, only: Option<i64>) -> Result<Vec<ScheduledStation>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT s.id, s.code, s.timezone, s.release_minute AS minute, s.release_every_days AS every,
                  r.next_at AS "next_at?"
           FROM stations s LEFT JOIN release_schedule r ON r.station_id = s.id
           WHERE $1::BIGINT IS NULL OR s.id = $1 ORDER BY s.code"#,
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
    conn: impl sqlx::PgExecutor<'e>,
    station_id: i64,
    next_at: i64,
) -> Result<(), crate::Error> {
    sqlx::query!(
        "INSERT INTO release_schedule (station_id, next_at) VALUES ($1, $2)
         ON CONFLICT (station_id) DO UPDATE SET next_at = excluded.next_at",
        station_id,
        next_at
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Changes a station's schedule; its next release is worked out again.
pub async fn set_schedule(conn: &mut PgConnection, station_id: i64, schedule: Schedule) -> Result<(), crate::Error> {
    let (minute, every) = (i64::from(schedule.minute), i64::from(schedule.every_days));
    let mut tx = crate::write_tx(&mut *conn).await?;
    sqlx::query!(
        "UPDATE stations SET release_minute = $1, release_every_days = $2 WHERE id = $3",
        minute,
        every,
        station_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("DELETE FROM release_schedule WHERE station_id = $1", station_id).execute(&mut *tx).await?;
    Ok(tx.commit().await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::responses::{submit_batch, SealedPending};
    use domain::privacy::release::ReleasedRow;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    async fn station(pool: &PgPool) -> i64 {
        sqlx::query_scalar!("INSERT INTO stations (code, name, region) VALUES ('LIM-01', 'n', 'r') RETURNING id")
            .fetch_one(pool)
            .await
            .unwrap()
    }

    /// Submissions `from..to` to station `station_id`.
    async fn submit(pool: &PgPool, station_id: i64, from: u8, to: u8) {
        let batch: Vec<_> = (from..to)
            .map(|i| SealedPending { key_hash: vec![i; 32], station_id, id: vec![i; 16], sealed: vec![i; 64] })
            .collect();
        submit_batch(pool, &batch).await.unwrap();
    }

    async fn pending(pool: &PgPool) -> i64 {
        sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!" FROM pending_responses"#).fetch_one(pool).await.unwrap()
    }

    fn row(language: &str, respondent: Option<&str>, suspect: bool, answers: &[(&str, &str)]) -> ReleasedRow {
        ReleasedRow {
            survey_version: 1,
            language: language.into(),
            respondent: respondent.map(Into::into),
            age_band: None,
            suspect,
            answers: answers.iter().map(|(q, v)| (q.to_string(), v.to_string())).collect(),
        }
    }

    /// A decision releasing every record handed, one row each; how many it was handed.
    fn everything(set: PendingSet) -> (ReleaseWrite, usize) {
        let released: Vec<Vec<u8>> = set.records.into_iter().map(|(id, _)| id).collect();
        let rows = released.iter().map(|id| (id.clone(), row("es", None, false, &[("respect", "4")]))).collect();
        let handed = released.len();
        (ReleaseWrite { iso_week: "2026-W49".into(), rows, released }, handed)
    }

    fn decided<T>(outcome: Result<Option<Outcome<T>>, crate::Error>) -> Option<T> {
        outcome.unwrap().map(|o| o.decided)
    }

    #[tokio::test]
    async fn a_scheduled_release_already_done_elsewhere_does_nothing() {
        let pool = crate::testing::pool().await;
        let id = station(&pool).await;
        submit(&pool, id, 0, 3).await;
        set_next_release(&pool, id, 100).await.unwrap();
        let first = |set: PendingSet| {
            let observable = set.observable.get(&1).cloned().unwrap_or_default();
            assert_eq!(observable, ["age_band", "respondent", "waiting_time"], "the last of the survey first");
            everything(set)
        };
        assert_eq!(decided(release_station(&pool, id, Some(200), first, None).await), Some(3));
        // Arrived after the release: the same scheduled release, run again by a scheduler
        // that read the schedule before it moved, must not release them.
        submit(&pool, id, 3, 5).await;
        let again =
            release_station(&pool, id, Some(200), |_| -> (ReleaseWrite, usize) { panic!("released twice") }, None);
        assert_eq!(decided(again.await), None, "done elsewhere: nothing done");
        assert_eq!(pending(&pool).await, 2);
        assert_eq!(scheduled_station(&pool, id).await.unwrap().unwrap().next_at, Some(200));
        // By hand, and at the next scheduled time, releases run.
        assert_eq!(decided(release_station(&pool, id, None, everything, None).await), Some(2));
        submit(&pool, id, 5, 6).await;
        assert_eq!(decided(release_station(&pool, id, Some(300), everything, None).await), Some(1));
        assert_eq!(pending(&pool).await, 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_schedulers_finding_a_release_due_at_once_run_it_once() {
        let pool = crate::testing::pool().await;
        let id = station(&pool).await;
        submit(&pool, id, 0, 5).await;
        set_next_release(&pool, id, 100).await.unwrap();
        let decided = Arc::new(AtomicUsize::new(0));
        let release = || {
            let (pool, decided) = (pool.clone(), decided.clone());
            tokio::spawn(async move {
                release_station(
                    &pool,
                    id,
                    Some(200),
                    move |set| {
                        decided.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(100));
                        everything(set)
                    },
                    None,
                )
                .await
                .map(|o| o.map(|o| o.decided))
            })
        };
        let (a, b) = (release(), release());
        let (a, b) = (a.await.unwrap().unwrap(), b.await.unwrap().unwrap());
        assert_eq!(decided.load(Ordering::SeqCst), 1, "one release decided");
        assert_eq!(a.or(b), Some(5), "{a:?} {b:?}");
        assert!(a.is_none() || b.is_none());
    }

    #[tokio::test]
    async fn released_rows_are_written_in_the_order_given_and_rolled_up() {
        let pool = crate::testing::pool().await;
        let id = station(&pool).await;
        let ids: Vec<Vec<u8>> = [9u8, 3, 7, 1, 5, 8, 2].iter().map(|i| vec![*i; 16]).collect();
        let kinds = [
            row("es", None, false, &[("respect", "4"), ("overall", "2"), ("improve", "privacy")]),
            row("qu", Some("child"), false, &[("respect", "1")]),
            row("es", None, true, &[("respect", "3")]),
            row("es", Some("self"), false, &[]),
        ];
        let rows: Vec<_> = ids.iter().enumerate().map(|(i, id)| (id.clone(), kinds[i % kinds.len()].clone())).collect();
        let mut tx = crate::begin_write(&pool).await.unwrap();
        write_released_rows(&mut tx, id, "2026-W48", &rows).await.unwrap();
        write_released_rows(&mut tx, id, "2026-W49", &rows[..0]).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = crate::begin_write(&pool).await.unwrap();
        let more: Vec<_> = rows.iter().map(|(id, row)| ([id.as_slice(), b"+"].concat(), row.clone())).collect();
        write_released_rows(&mut tx, id, "2026-W48", &more).await.unwrap();
        tx.commit().await.unwrap();
        let written: Vec<Vec<u8>> =
            sqlx::query_scalar!("SELECT id FROM responses ORDER BY ctid").fetch_all(&pool).await.unwrap();
        let given: Vec<Vec<u8>> = rows.iter().chain(&more).map(|(id, _)| id.clone()).collect();
        assert_eq!(written, given, "the heap holds them in the order given");
        let nulls = sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!" FROM responses WHERE respondent IS NULL"#)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(nulls, 8, "no respondent stays NULL");
        for (a, b) in store::conformance::ROLLUP_CHECKS {
            let differ: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ({a} EXCEPT {b}) AS d"))
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(differ, 0, "the roll-ups equal the rows: {a} EXCEPT {b}");
        }
        let counted = crate::responses::released_count(&pool, id).await.unwrap();
        assert_eq!(counted, 14);
    }
}
