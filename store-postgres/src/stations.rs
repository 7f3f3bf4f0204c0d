//! Stations: their kiosk settings and staff PIN.

use domain::{KioskSettings, Name, StationCode};
use sqlx::{PgConnection, PgPool};
pub use store::stations::{NetworkCounts, PinAttempt, StaffPinState, Station};

/// Adds a station; `Ok(None)` if its code is taken. Its pending responses are released
/// every night at a random minute between 01:00 and 04:59 of its timezone
/// (`db::release::Schedule`).
pub async fn insert(
    conn: &mut PgConnection,
    code: &StationCode,
    name: &Name,
    region: &Name,
    timezone: &str,
) -> Result<Option<i64>, crate::Error> {
    let row = sqlx::query_scalar!(
        "INSERT INTO stations (code, name, region, timezone, release_minute)
         VALUES ($1, $2, $3, $4, 60 + floor(random() * 240)::BIGINT)
         ON CONFLICT (code) DO NOTHING RETURNING id",
        code.as_ref(),
        name.as_ref(),
        region.as_ref(),
        timezone
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row)
}

macro_rules! station_from_row {
    ($r:expr) => {{
        let r = $r;
        $crate::stations::Station {
            id: r.id,
            code: r.code,
            name: r.name,
            region: r.region,
            timezone: r.timezone,
            active: r.active,
            settings: domain::KioskSettings {
                inactivity_s: $crate::stations::seconds(r.inactivity_s)?,
                inactivity_grace_s: $crate::stations::seconds(r.inactivity_grace_s)?,
                min_duration_s: $crate::stations::seconds(r.min_duration_s)?,
                min_gap_s: $crate::stations::seconds(r.min_gap_s)?,
            },
            staff_pin_set: r.staff_pin_set,
        }
    }};
}

/// A kiosk setting as stored (the schema keeps each within its bounds).
pub(crate) fn seconds(stored: i64) -> Result<u32, crate::Error> {
    u32::try_from(stored).map_err(|_| crate::Error::Corrupt(format!("a kiosk setting of {stored} seconds")))
}

pub async fn by_code(pool: &PgPool, code: &str) -> Result<Option<Station>, crate::Error> {
    let row = sqlx::query!(
        r#"SELECT id, code, name, region, timezone, active, inactivity_s, inactivity_grace_s,
                  min_duration_s, min_gap_s, staff_pin_hash IS NOT NULL AS "staff_pin_set!"
           FROM stations WHERE code = $1"#,
        code
    )
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some(r) => Some(station_from_row!(r)),
        None => None,
    })
}

pub async fn by_id(pool: &PgPool, id: i64) -> Result<Option<Station>, crate::Error> {
    let row = sqlx::query!(
        r#"SELECT id, code, name, region, timezone, active, inactivity_s, inactivity_grace_s,
                  min_duration_s, min_gap_s, staff_pin_hash IS NOT NULL AS "staff_pin_set!"
           FROM stations WHERE id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some(r) => Some(station_from_row!(r)),
        None => None,
    })
}

/// Replaces a station's kiosk settings.
pub async fn set_settings(conn: &mut PgConnection, id: i64, s: &KioskSettings) -> Result<(), crate::Error> {
    sqlx::query!(
        "UPDATE stations SET inactivity_s = $1, inactivity_grace_s = $2, min_duration_s = $3, min_gap_s = $4
         WHERE id = $5",
        i64::from(s.inactivity_s),
        i64::from(s.inactivity_grace_s),
        i64::from(s.min_duration_s),
        i64::from(s.min_gap_s),
        id
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets the hash of a station's staff PIN and clears any lock.
pub async fn set_staff_pin_hash(conn: &mut PgConnection, id: i64, hash: &str) -> Result<(), crate::Error> {
    sqlx::query!(
        "UPDATE stations SET staff_pin_hash = $1, staff_pin_failures = 0, staff_pin_locked_until = 0 WHERE id = $2",
        hash,
        id
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes a station's staff PIN (the tablets' staff panel stays closed until a new one
/// is set) and clears any lock.
pub async fn clear_staff_pin(conn: &mut PgConnection, id: i64) -> Result<(), crate::Error> {
    sqlx::query!(
        "UPDATE stations SET staff_pin_hash = NULL, staff_pin_failures = 0, staff_pin_locked_until = 0 WHERE id = $1",
        id
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The network at a glance; the released responses are counted from the roll-ups.
pub async fn network_counts(pool: &PgPool) -> Result<NetworkCounts, crate::Error> {
    let r = sqlx::query!(
        r#"SELECT (SELECT COUNT(*) FROM stations WHERE active) AS "stations!",
                  (SELECT COUNT(*) FROM tablets t JOIN stations s ON s.id = t.station_id
                    WHERE NOT t.revoked AND s.active) AS "tablets!",
                  (SELECT COALESCE(SUM(responses), 0)::BIGINT FROM response_rollups) AS "released!""#
    )
    .fetch_one(pool)
    .await?;
    Ok(NetworkCounts { active_stations: r.stations, active_tablets: r.tablets, released_responses: r.released })
}

/// A station's staff PIN hash and its (station-wide) lock state; `None` when there is no
/// such station.
pub async fn staff_pin_state(pool: &PgPool, id: i64) -> Result<Option<StaffPinState>, crate::Error> {
    let row = sqlx::query!(
        "SELECT staff_pin_hash, staff_pin_failures, staff_pin_locked_until FROM stations WHERE id = $1",
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| StaffPinState {
        hash: r.staff_pin_hash,
        failures: r.staff_pin_failures,
        locked_until: r.staff_pin_locked_until,
    }))
}

/// Every station, active or not, by region and code.
pub async fn list_all(pool: &PgPool) -> Result<Vec<Station>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, code, name, region, timezone, active, inactivity_s, inactivity_grace_s,
                  min_duration_s, min_gap_s, staff_pin_hash IS NOT NULL AS "staff_pin_set!"
           FROM stations ORDER BY region, code"#
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| Ok(station_from_row!(r))).collect()
}

/// Renames a station, moves it to a region or timezone, or (de)activates it. A
/// deactivated station's tablets stop accepting answers; its history stays.
pub async fn update(
    conn: &mut PgConnection,
    id: i64,
    name: &Name,
    region: &Name,
    timezone: &str,
    active: bool,
) -> Result<bool, crate::Error> {
    let done = sqlx::query!(
        "UPDATE stations SET name = $1, region = $2, timezone = $3, active = $4 WHERE id = $5",
        name.as_ref(),
        region.as_ref(),
        timezone,
        active,
        id
    )
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
