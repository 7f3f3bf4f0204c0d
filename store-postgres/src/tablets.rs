//! Tablets: enrolment, tokens, deliveries and the staff PIN's attempts.

use super::stations::{self, Station};
use chrono::{DateTime, NaiveDate, Utc};
use domain::time::calendar::{days_since, local_day};
use sqlx::{PgConnection, PgPool};
pub use store::tablets::{enrolled_day, SilentTablet, StationTablet, TokenTablet};

/// Adds a tablet at a station under the hash of its token, without an enrollment (the
/// demo data's tablet, the load test's). Returns its id.
pub async fn insert_with_token<'e>(
    conn: impl sqlx::PgExecutor<'e>,
    station_id: i64,
    token_hash: &[u8],
) -> Result<i64, crate::Error> {
    let id = sqlx::query_scalar!(
        "INSERT INTO tablets (station_id, token_hash) VALUES ($1, $2) RETURNING id",
        station_id,
        token_hash
    )
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Stores the hash of a new one-time enrollment code for a station.
pub async fn insert_enrollment_code(
    conn: &mut PgConnection,
    station_id: i64,
    code_hash: &[u8],
    expires_at: i64,
) -> Result<(), crate::Error> {
    sqlx::query!(
        "INSERT INTO enrollment_codes (code_hash, station_id, expires_at) VALUES ($1, $2, $3)",
        code_hash,
        station_id,
        expires_at
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Spends an unused, unexpired enrollment code and enrolls a tablet under `token_hash`,
/// in one write transaction. `None` if the code is unknown, used or expired.
pub async fn redeem_enrollment_code(
    pool: &PgPool,
    code_hash: &[u8],
    token_hash: &[u8],
    now: i64,
) -> Result<Option<Station>, crate::Error> {
    let mut tx = crate::begin_write(pool).await?;
    let station_id = sqlx::query_scalar!(
        "UPDATE enrollment_codes SET used = TRUE
         WHERE code_hash = $1 AND NOT used AND expires_at > $2
         RETURNING station_id",
        code_hash,
        now
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(station_id) = station_id else {
        return Ok(None);
    };
    sqlx::query!("INSERT INTO tablets (station_id, token_hash) VALUES ($1, $2)", station_id, token_hash)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    stations::by_id(pool, station_id).await
}

/// The enrolled, unrevoked tablet holding this token, with its station.
pub async fn tablet_of_token(pool: &PgPool, token_hash: &[u8]) -> Result<Option<TokenTablet>, crate::Error> {
    // One round trip: every submission asks this before anything else.
    let row = sqlx::query!(
        r#"SELECT t.id AS tablet_id, t.last_delivery_day, s.id, s.code, s.name, s.region, s.timezone, s.active,
                  s.inactivity_s, s.inactivity_grace_s, s.min_duration_s, s.min_gap_s,
                  s.staff_pin_hash IS NOT NULL AS "staff_pin_set!"
           FROM tablets t JOIN stations s ON s.id = t.station_id
           WHERE t.token_hash = $1 AND NOT t.revoked"#,
        token_hash
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let (id, last_delivery_day) = (row.tablet_id, row.last_delivery_day.clone());
    Ok(Some(TokenTablet { id, station: station_from_row!(row), last_delivery_day }))
}

/// The station of the enrolled, unrevoked tablet holding this token.
pub async fn station_of_token(pool: &PgPool, token_hash: &[u8]) -> Result<Option<Station>, crate::Error> {
    Ok(tablet_of_token(pool, token_hash).await?.map(|t| t.station))
}

/// Records the day (`YYYY-MM-DD`, in the station's timezone) a tablet delivered answers.
/// Writes only when the day changes, so most deliveries write nothing here.
pub async fn record_delivery_day<'e>(
    conn: impl sqlx::PgExecutor<'e>,
    tablet_id: i64,
    day: &str,
) -> Result<(), crate::Error> {
    sqlx::query!(
        "UPDATE tablets SET last_delivery_day = $1 WHERE id = $2 AND last_delivery_day IS DISTINCT FROM $1",
        day,
        tablet_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A station's tablets, newest first.
pub async fn list_for_station(pool: &PgPool, station_id: i64) -> Result<Vec<StationTablet>, crate::Error> {
    let rows = sqlx::query!(
        "SELECT id, created_at, last_delivery_day, revoked FROM tablets WHERE station_id = $1 ORDER BY id DESC",
        station_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| StationTablet {
            id: r.id,
            enrolled_at: r.created_at,
            last_delivery_day: r.last_delivery_day,
            revoked: r.revoked,
        })
        .collect())
}

/// Revokes one tablet of a station at once: its next request is refused. `false` if it
/// is not a tablet of that station or was already revoked.
pub async fn revoke_at_station(conn: &mut PgConnection, station_id: i64, tablet_id: i64) -> Result<bool, crate::Error> {
    let done = sqlx::query!(
        "UPDATE tablets SET revoked = TRUE WHERE id = $1 AND station_id = $2 AND NOT revoked",
        tablet_id,
        station_id
    )
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Active tablets at active stations whose last delivery (or enrollment, if none) was
/// more than `days` days ago in their station's timezone, the longest silent first.
pub async fn silent(pool: &PgPool, days: i64, now: DateTime<Utc>) -> Result<Vec<SilentTablet>, crate::Error> {
    let rows = sqlx::query!(
        "SELECT t.id, t.created_at, t.last_delivery_day, s.code, s.name, s.timezone
         FROM tablets t JOIN stations s ON s.id = t.station_id
         WHERE NOT t.revoked AND s.active"
    )
    .fetch_all(pool)
    .await?;
    let mut silent: Vec<SilentTablet> = rows
        .into_iter()
        .filter_map(|r| {
            let delivered = r.last_delivery_day.as_deref().and_then(|d| d.parse::<NaiveDate>().ok());
            let last_day = delivered.or_else(|| enrolled_day(&r.created_at, &r.timezone))?;
            let since = days_since(last_day, local_day(now, &r.timezone));
            (since > days).then(|| SilentTablet {
                id: r.id,
                station_code: r.code,
                station_name: r.name,
                last_day,
                ever_delivered: delivered.is_some(),
                days: since,
            })
        })
        .collect();
    silent.sort_by(|a, b| b.days.cmp(&a.days).then_with(|| a.station_code.cmp(&b.station_code)).then(a.id.cmp(&b.id)));
    Ok(silent)
}

/// Revokes every tablet holding this token (used by tests).
pub async fn revoke(pool: &PgPool, token_hash: &[u8]) -> Result<u64, crate::Error> {
    let done =
        sqlx::query!("UPDATE tablets SET revoked = TRUE WHERE token_hash = $1", token_hash).execute(pool).await?;
    Ok(done.rows_affected())
}

/// Reserves one staff PIN attempt at tablet `id`, in one write transaction, before the
/// (slow) check: unless the tablet's panel is locked, the attempt counts as a wrong PIN
/// at once, and the `limit`-th in a row locks this tablet's panel for `lock_seconds`,
/// doubled for every lock since the last right PIN (at most 32 times). However many
/// guesses arrive together, at most `limit` are checked per lock: the reservation is one
/// statement on the tablet's row, inside the transaction holding [`crate::WRITER_LOCK`],
/// so concurrent attempts (on any server) are counted one after the other, and neither a
/// staff PIN change nor another writer comes between the reservation and its report.
/// Other tablets of the station are not locked. `None` when there is no such tablet.
pub async fn reserve_pin_attempt(
    pool: &PgPool,
    id: i64,
    limit: i64,
    now: i64,
    lock_seconds: i64,
) -> Result<Option<super::stations::PinAttempt>, crate::Error> {
    use super::stations::PinAttempt;
    let mut tx = crate::begin_write(pool).await?;
    let reserved = sqlx::query!(
        r#"UPDATE tablets t
           SET pin_failures = CASE WHEN t.pin_failures + 1 >= $1 THEN 0 ELSE t.pin_failures + 1 END,
               pin_locked_until = CASE WHEN t.pin_failures + 1 >= $1
                                       THEN $2 + $3 * (1::BIGINT << LEAST(t.pin_locks, 5)::INTEGER)
                                       ELSE t.pin_locked_until END,
               pin_locks = CASE WHEN t.pin_failures + 1 >= $1 THEN t.pin_locks + 1 ELSE t.pin_locks END
           FROM stations s
           WHERE t.id = $4 AND t.pin_locked_until <= $2
             AND s.id = t.station_id AND s.staff_pin_hash IS NOT NULL
           RETURNING s.staff_pin_hash AS "hash!", t.pin_locked_until AS "locked_until""#,
        limit,
        now,
        lock_seconds,
        id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let attempt = match reserved {
        Some(r) => Some(PinAttempt::Check { hash: r.hash, locks: r.locked_until > now }),
        // Nothing reserved: say why (a report only; nothing is checked on this path).
        None => sqlx::query!(
            r#"SELECT s.staff_pin_hash AS "hash?", t.pin_locked_until AS "locked_until"
               FROM tablets t JOIN stations s ON s.id = t.station_id WHERE t.id = $1"#,
            id
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| match r.hash {
            None => PinAttempt::NoPin,
            Some(_) => PinAttempt::Locked { until: r.locked_until },
        }),
    };
    tx.commit().await?;
    Ok(attempt)
}

/// Until when tablet `id`'s staff panel is locked (Unix seconds; 0 when it is not).
pub async fn pin_locked_until(pool: &PgPool, id: i64) -> Result<Option<i64>, crate::Error> {
    Ok(sqlx::query_scalar!("SELECT pin_locked_until FROM tablets WHERE id = $1", id).fetch_optional(pool).await?)
}

/// A right PIN at tablet `id`: its count, lock and lock history are cleared.
pub async fn clear_pin_failures(pool: &PgPool, id: i64) -> Result<(), crate::Error> {
    sqlx::query!("UPDATE tablets SET pin_failures = 0, pin_locked_until = 0, pin_locks = 0 WHERE id = $1", id)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stations::PinAttempt;
    use chrono::TimeZone;

    #[test]
    fn the_delivery_day_is_the_station_s_calendar_day() {
        // 03:00 UTC on Monday is still Sunday evening in Lima.
        let t = Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap();
        assert_eq!(local_day(t, "America/Lima").to_string(), "2026-11-29");
        assert_eq!(local_day(t, "UTC").to_string(), "2026-11-30");
        assert_eq!(local_day(t, "Nowhere/Else").to_string(), "2026-11-30", "an unknown zone falls back to UTC");
        assert_eq!(
            enrolled_day("2026-11-30T03:00:00Z", "America/Lima").map(|d| d.to_string()).as_deref(),
            Some("2026-11-29")
        );
        assert_eq!(enrolled_day("garbage", "America/Lima"), None);
    }

    /// A station with a staff PIN and one tablet; the tablet's id.
    async fn tablet(pool: &PgPool) -> i64 {
        let station = sqlx::query_scalar!(
            "INSERT INTO stations (code, name, region, staff_pin_hash) VALUES ('LIM-01', 'n', 'r', 'hash') RETURNING id"
        )
        .fetch_one(pool)
        .await
        .unwrap();
        insert_with_token(pool, station, &[7; 32]).await.unwrap()
    }

    #[tokio::test]
    async fn the_limit_th_wrong_pin_locks_the_panel_twice_as_long_each_time() {
        let pool = crate::testing::pool().await;
        let id = tablet(&pool).await;
        let (now, lock) = (1_800_000_000, 60);
        for _ in 0..2 {
            let attempt = reserve_pin_attempt(&pool, id, 3, now, lock).await.unwrap();
            assert_eq!(attempt, Some(PinAttempt::Check { hash: "hash".into(), locks: false }));
        }
        let third = reserve_pin_attempt(&pool, id, 3, now, lock).await.unwrap();
        assert_eq!(third, Some(PinAttempt::Check { hash: "hash".into(), locks: true }), "the third locks");
        assert_eq!(
            reserve_pin_attempt(&pool, id, 3, now, lock).await.unwrap(),
            Some(PinAttempt::Locked { until: now + 60 })
        );
        assert_eq!(pin_locked_until(&pool, id).await.unwrap(), Some(now + 60));
        let later = now + 60;
        for _ in 0..3 {
            reserve_pin_attempt(&pool, id, 3, later, lock).await.unwrap();
        }
        assert_eq!(
            pin_locked_until(&pool, id).await.unwrap(),
            Some(later + 120),
            "the second lock lasts twice as long"
        );
        clear_pin_failures(&pool, id).await.unwrap();
        assert_eq!(pin_locked_until(&pool, id).await.unwrap(), Some(0), "a right PIN clears the lock");
        assert_eq!(reserve_pin_attempt(&pool, 999, 3, now, lock).await.unwrap(), None, "no such tablet");
        sqlx::query!("UPDATE stations SET staff_pin_hash = NULL").execute(&pool).await.unwrap();
        assert_eq!(reserve_pin_attempt(&pool, id, 3, now, lock).await.unwrap(), Some(PinAttempt::NoPin));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn guesses_arriving_together_are_checked_at_most_limit_times() {
        let pool = crate::testing::pool().await;
        let id = tablet(&pool).await;
        let guesses = (0..24).map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { reserve_pin_attempt(&pool, id, 5, 1_800_000_000, 60).await.unwrap() })
        });
        let mut checked = 0;
        for guess in guesses.collect::<Vec<_>>() {
            if let Some(PinAttempt::Check { .. }) = guess.await.unwrap() {
                checked += 1;
            }
        }
        assert_eq!(checked, 5, "one lock's worth of guesses, however many arrive at once");
    }
}
