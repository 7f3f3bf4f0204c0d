use super::stations::{self, Station};
use sqlx::SqlitePool;

/// Stores the hash of a new one-time enrollment code for a station.
pub async fn insert_enrollment_code(
    pool: &SqlitePool,
    station_id: i64,
    code_hash: &[u8],
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO enrollment_codes (code_hash, station_id, expires_at) VALUES (?, ?, ?)",
        code_hash,
        station_id,
        expires_at
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Spends an unused, unexpired enrollment code and enrolls a tablet under `token_hash`,
/// in one transaction. `None` if the code is unknown, used or expired.
pub async fn redeem_enrollment_code(
    pool: &SqlitePool,
    code_hash: &[u8],
    token_hash: &[u8],
    now: i64,
) -> Result<Option<Station>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let station_id = sqlx::query_scalar!(
        "UPDATE enrollment_codes SET used = 1
         WHERE code_hash = ? AND used = 0 AND expires_at > ?
         RETURNING station_id",
        code_hash,
        now
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(station_id) = station_id else {
        return Ok(None);
    };
    sqlx::query!("INSERT INTO tablets (station_id, token_hash) VALUES (?, ?)", station_id, token_hash)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    stations::by_id(pool, station_id).await
}

/// The station of the enrolled, unrevoked tablet holding this token.
pub async fn station_of_token(pool: &SqlitePool, token_hash: &[u8]) -> Result<Option<Station>, sqlx::Error> {
    let station_id =
        sqlx::query_scalar!("SELECT station_id FROM tablets WHERE token_hash = ? AND revoked = 0", token_hash)
            .fetch_optional(pool)
            .await?;
    match station_id {
        Some(id) => stations::by_id(pool, id).await,
        None => Ok(None),
    }
}

/// Revokes every tablet holding this token (used by tests and, later, the admin console).
pub async fn revoke(pool: &SqlitePool, token_hash: &[u8]) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!("UPDATE tablets SET revoked = 1 WHERE token_hash = ?", token_hash).execute(pool).await?;
    Ok(done.rows_affected())
}
