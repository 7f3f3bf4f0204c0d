//! Keeping the database: purging old raw responses (the roll-ups stay) and checking a
//! backup copy before it is trusted.

pub use store::maintenance::Contents;

use chrono::NaiveDate;
use sqlx::SqlitePool;

/// Deletes released responses (and their answers) labelled with a week before `cutoff`.
/// The roll-ups the dashboards read are kept. Returns how many responses went.
pub async fn purge_responses_before(conn: &mut sqlx::SqliteConnection, cutoff: &str) -> Result<u64, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    sqlx::query!("DELETE FROM answers WHERE response_id IN (SELECT id FROM responses WHERE iso_week < ?)", cutoff)
        .execute(&mut *tx)
        .await?;
    let done = sqlx::query!("DELETE FROM responses WHERE iso_week < ?", cutoff).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// The Monday of the first week any response was released under (from the roll-ups,
/// which retention keeps, or the rows); `None` before the first release.
pub async fn first_release_day(pool: &SqlitePool) -> Result<Option<NaiveDate>, crate::Error> {
    let week = sqlx::query_scalar!(
        r#"SELECT MIN(week) AS "week?: String" FROM (
             SELECT MIN(iso_week) AS week FROM response_rollups UNION ALL SELECT MIN(iso_week) FROM responses)"#
    )
    .fetch_one(pool)
    .await?;
    Ok(week.as_deref().and_then(domain::time::calendar::iso_week_monday))
}

/// How many released responses carry a week before `cutoff` (what a purge would delete).
pub async fn responses_before(pool: &SqlitePool, cutoff: &str) -> Result<i64, crate::Error> {
    Ok(sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM responses WHERE iso_week < ?"#, cutoff)
        .fetch_one(pool)
        .await?)
}

/// Checks a database (a backup, or the live one): its integrity and what it holds.
pub async fn inspect(pool: &SqlitePool) -> Result<Contents, crate::Error> {
    let problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(pool).await?;
    let integrity = problems.join("; ");
    let stations = sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM stations"#).fetch_one(pool).await?;
    let responses = sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM responses"#).fetch_one(pool).await?;
    let schema_version: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations").fetch_one(pool).await?;
    Ok(Contents { integrity, stations, responses, schema_version })
}

/// What a database holds, for a seed that fills only an empty one: stations, released
/// responses, and whether any response waits for release (never how many).
pub async fn holdings(pool: &SqlitePool) -> Result<(i64, i64, bool), crate::Error> {
    let held = sqlx::query!(
        r#"SELECT (SELECT COUNT(*) FROM stations) AS "stations!: i64",
                  (SELECT COUNT(*) FROM responses) AS "responses!: i64",
                  EXISTS (SELECT 1 FROM pending_responses) AS "pending!: bool""#
    )
    .fetch_one(pool)
    .await?;
    Ok((held.stations, held.responses, held.pending))
}

/// How many response and answer roll-up rows the stations `ids` have.
pub async fn rollup_rows(pool: &SqlitePool, ids: &[i64]) -> Result<(i64, i64), crate::Error> {
    let ids = serde_json::to_string(ids).map_err(|e| sqlx::Error::Encode(e.into()))?;
    let rows = sqlx::query!(
        r#"SELECT (SELECT COUNT(*) FROM response_rollups WHERE station_id IN (SELECT value FROM json_each(?1)))
                      AS "responses!: i64",
                  (SELECT COUNT(*) FROM answer_rollups WHERE station_id IN (SELECT value FROM json_each(?1)))
                      AS "answers!: i64""#,
        ids
    )
    .fetch_one(pool)
    .await?;
    Ok((rows.responses, rows.answers))
}

/// Every pending record of a database: (station, id, sealed).
pub async fn pending_records(pool: &SqlitePool) -> Result<Vec<(i64, Vec<u8>, Vec<u8>)>, crate::Error> {
    let rows = sqlx::query!("SELECT id, station_id, sealed FROM pending_responses").fetch_all(pool).await?;
    Ok(rows.into_iter().map(|r| (r.station_id, r.id, r.sealed)).collect())
}

/// Writes a consistent copy of the live database to `out` while it keeps serving:
/// `VACUUM INTO` reads one snapshot, so writes that land meanwhile are either wholly in
/// the copy or wholly outside it.
pub async fn vacuum_into(pool: &SqlitePool, out: &str) -> Result<(), crate::Error> {
    // A statement with no result columns that sqlx's macros cannot describe.
    sqlx::query("VACUUM INTO ?").bind(out).execute(pool).await?;
    Ok(())
}
