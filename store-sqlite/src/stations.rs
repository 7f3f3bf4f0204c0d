use domain::{KioskSettings, Name, StationCode};
use sqlx::SqlitePool;
pub use store::stations::{NetworkCounts, PinAttempt, StaffPinState, Station};

/// Adds a station; `Ok(None)` if its code is taken. Its pending responses are released
/// every night at a random minute between 01:00 and 04:59 of its timezone
/// (`db::release::Schedule`).
pub async fn insert(
    conn: &mut sqlx::SqliteConnection,
    code: &StationCode,
    name: &Name,
    region: &Name,
    timezone: &str,
) -> Result<Option<i64>, crate::Error> {
    let (code, name, region) = (code.as_ref(), name.as_ref(), region.as_ref());
    let row = sqlx::query_scalar!(
        "INSERT INTO stations (code, name, region, timezone, release_minute) VALUES (?, ?, ?, ?, 60 + abs(random() % 240))
         ON CONFLICT (code) DO NOTHING RETURNING id",
        code,
        name,
        region,
        timezone
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row)
}

macro_rules! station_from_row {
    ($r:expr) => {{
        let r = $r;
        Station {
            id: r.id,
            code: r.code,
            name: r.name,
            region: r.region,
            timezone: r.timezone,
            active: r.active != 0,
            settings: KioskSettings {
                inactivity_s: r.inactivity_s as u32,
                inactivity_grace_s: r.inactivity_grace_s as u32,
                min_duration_s: r.min_duration_s as u32,
                min_gap_s: r.min_gap_s as u32,
            },
            staff_pin_set: r.staff_pin_set != 0,
        }
    }};
}

pub async fn by_code(pool: &SqlitePool, code: &str) -> Result<Option<Station>, crate::Error> {
    let row = sqlx::query!(
        r#"SELECT id AS "id!", code, name, region, timezone, active, inactivity_s, inactivity_grace_s,
                  min_duration_s, min_gap_s, staff_pin_hash IS NOT NULL AS "staff_pin_set!: i64"
           FROM stations WHERE code = ?"#,
        code
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| station_from_row!(r)))
}

pub async fn by_id(pool: &SqlitePool, id: i64) -> Result<Option<Station>, crate::Error> {
    let row = sqlx::query!(
        r#"SELECT id AS "id!", code, name, region, timezone, active, inactivity_s, inactivity_grace_s,
                  min_duration_s, min_gap_s, staff_pin_hash IS NOT NULL AS "staff_pin_set!: i64"
           FROM stations WHERE id = ?"#,
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| station_from_row!(r)))
}

/// Replaces a station's kiosk settings.
pub async fn set_settings(conn: &mut sqlx::SqliteConnection, id: i64, s: &KioskSettings) -> Result<(), crate::Error> {
    sqlx::query!(
        "UPDATE stations SET inactivity_s = ?, inactivity_grace_s = ?, min_duration_s = ?, min_gap_s = ? WHERE id = ?",
        s.inactivity_s,
        s.inactivity_grace_s,
        s.min_duration_s,
        s.min_gap_s,
        id
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets the hash of a station's staff PIN and clears any lock.
pub async fn set_staff_pin_hash(conn: &mut sqlx::SqliteConnection, id: i64, hash: &str) -> Result<(), crate::Error> {
    sqlx::query!(
        "UPDATE stations SET staff_pin_hash = ?, staff_pin_failures = 0, staff_pin_locked_until = 0 WHERE id = ?",
        hash,
        id
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes a station's staff PIN (the tablets' staff panel stays closed until a new one
/// is set) and clears any lock.
pub async fn clear_staff_pin(conn: &mut sqlx::SqliteConnection, id: i64) -> Result<(), crate::Error> {
    sqlx::query!(
        "UPDATE stations SET staff_pin_hash = NULL, staff_pin_failures = 0, staff_pin_locked_until = 0 WHERE id = ?",
        id
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn network_counts(pool: &SqlitePool) -> Result<NetworkCounts, crate::Error> {
    let r = sqlx::query!(
        r#"SELECT (SELECT COUNT(*) FROM stations WHERE active = 1) AS "stations!: i64",
                  (SELECT COUNT(*) FROM tablets t JOIN stations s ON s.id = t.station_id
                    WHERE t.revoked = 0 AND s.active = 1) AS "tablets!: i64",
                  (SELECT COALESCE(SUM(responses), 0) FROM response_rollups) AS "released!: i64""#
    )
    .fetch_one(pool)
    .await?;
    Ok(NetworkCounts { active_stations: r.stations, active_tablets: r.tablets, released_responses: r.released })
}

pub async fn staff_pin_state(pool: &SqlitePool, id: i64) -> Result<Option<StaffPinState>, crate::Error> {
    let row = sqlx::query!(
        "SELECT staff_pin_hash, staff_pin_failures, staff_pin_locked_until FROM stations WHERE id = ?",
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
pub async fn list_all(pool: &SqlitePool) -> Result<Vec<Station>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT id AS "id!", code, name, region, timezone, active, inactivity_s, inactivity_grace_s,
                  min_duration_s, min_gap_s, staff_pin_hash IS NOT NULL AS "staff_pin_set!: i64"
           FROM stations ORDER BY region, code"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| station_from_row!(r)).collect())
}

/// Renames a station, moves it to a region or timezone, or (de)activates it. A
/// deactivated station's tablets stop accepting answers; its history stays.
pub async fn update(
    conn: &mut sqlx::SqliteConnection,
    id: i64,
    name: &Name,
    region: &Name,
    timezone: &str,
    active: bool,
) -> Result<bool, crate::Error> {
    let (name, region, active) = (name.as_ref(), region.as_ref(), i64::from(active));
    let done = sqlx::query!(
        "UPDATE stations SET name = ?, region = ?, timezone = ?, active = ? WHERE id = ?",
        name,
        region,
        timezone,
        active,
        id
    )
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
