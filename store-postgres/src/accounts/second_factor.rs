//! The second factor: a TOTP secret, the last step used, one-time recovery codes.

use domain::Email;
use sqlx::{PgConnection, PgPool};

/// Turns on two-factor sign-in with `sealed_secret` (or replaces the second factor),
/// replacing any recovery codes and ending her other sessions; the new session epoch
/// is returned for the session she did it from.
pub async fn enable_totp(
    conn: &mut PgConnection,
    user_id: i64,
    sealed_secret: &str,
    recovery_hashes: &[Vec<u8>],
) -> Result<i64, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    let epoch = sqlx::query_scalar!(
        r#"UPDATE users SET totp_secret = $1, totp_last_step = NULL, session_epoch = session_epoch + 1
           WHERE id = $2 RETURNING session_epoch AS "epoch!""#,
        sealed_secret,
        user_id
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!("DELETE FROM recovery_codes WHERE user_id = $1", user_id).execute(&mut *tx).await?;
    for hash in recovery_hashes {
        sqlx::query!("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)", user_id, hash)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(epoch)
}

/// The second-factor secrets still stored in the clear (from before they were sealed).
pub async fn plain_totp_secrets(pool: &PgPool) -> Result<Vec<(i64, String)>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, totp_secret AS "secret!" FROM users
           WHERE totp_secret IS NOT NULL AND totp_secret NOT LIKE 'sealed:%'"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.secret)).collect())
}

/// Replaces a plain secret by its sealed form, unless it changed meanwhile.
pub async fn seal_totp_secret(pool: &PgPool, user_id: i64, plain: &str, sealed: &str) -> Result<(), crate::Error> {
    sqlx::query!("UPDATE users SET totp_secret = $1 WHERE id = $2 AND totp_secret = $3", sealed, user_id, plain)
        .execute(pool)
        .await?;
    Ok(())
}

/// The stored hashes of her unused recovery codes (each salted; see
/// `web::auth::recovery_code_matches`).
pub async fn recovery_code_hashes(pool: &PgPool, user_id: i64) -> Result<Vec<Vec<u8>>, crate::Error> {
    Ok(sqlx::query_scalar!("SELECT code_hash FROM recovery_codes WHERE user_id = $1", user_id).fetch_all(pool).await?)
}

/// Records that the TOTP code of `step` signed her in: `false` if that step (or a later
/// one) was already used, so that a seen code cannot be replayed. Two sign-ins with one
/// code at once: the second UPDATE waits for the first's row lock, then checks its
/// condition again on the row the first wrote, and fails it.
pub async fn use_totp_step(pool: &PgPool, user_id: i64, step: i64) -> Result<bool, crate::Error> {
    let done = sqlx::query!(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        step,
        user_id
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Spends the recovery code stored as `code_hash`: `true` once per code (of two
/// DELETEs at once, the second finds the row gone).
pub async fn use_recovery_code(pool: &PgPool, user_id: i64, code_hash: &[u8]) -> Result<bool, crate::Error> {
    let done = sqlx::query!("DELETE FROM recovery_codes WHERE user_id = $1 AND code_hash = $2", user_id, code_hash)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn recovery_codes_left(pool: &PgPool, user_id: i64) -> Result<i64, crate::Error> {
    Ok(sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!" FROM recovery_codes WHERE user_id = $1"#, user_id)
        .fetch_one(pool)
        .await?)
}

/// Turns off two-step verification (secret and recovery codes gone) and ends her
/// sessions; `false` when there is no such account.
pub async fn clear_totp(conn: &mut PgConnection, email: &Email) -> Result<bool, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    let email = email.as_ref();
    let id = sqlx::query_scalar!(
        r#"UPDATE users SET totp_secret = NULL, totp_last_step = NULL, session_epoch = session_epoch + 1
           WHERE email = $1 RETURNING id AS "id!""#,
        email
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else { return Ok(false) };
    sqlx::query!("DELETE FROM recovery_codes WHERE user_id = $1", id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(true)
}
