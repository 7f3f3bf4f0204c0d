//! The second factor: a TOTP secret, the last step used, one-time recovery codes.

use sqlx::SqlitePool;

/// Turns on two-factor sign-in with `secret`, replacing any recovery codes.
pub async fn enable_totp(
    pool: &SqlitePool,
    user_id: i64,
    secret: &str,
    recovery_hashes: &[Vec<u8>],
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query!("UPDATE users SET totp_secret = ? WHERE id = ?", secret, user_id).execute(&mut *tx).await?;
    sqlx::query!("DELETE FROM recovery_codes WHERE user_id = ?", user_id).execute(&mut *tx).await?;
    for hash in recovery_hashes {
        sqlx::query!("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", user_id, hash)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// Records that the TOTP code of `step` signed her in: `false` if that step (or a later
/// one) was already used, so that a seen code cannot be replayed.
pub async fn use_totp_step(pool: &SqlitePool, user_id: i64, step: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
        step,
        user_id,
        step
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Spends a recovery code: `true` once per code.
pub async fn use_recovery_code(pool: &SqlitePool, user_id: i64, code_hash: &[u8]) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!("DELETE FROM recovery_codes WHERE user_id = ? AND code_hash = ?", user_id, code_hash)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn recovery_codes_left(pool: &SqlitePool, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM recovery_codes WHERE user_id = ?"#, user_id)
        .fetch_one(pool)
        .await
}
