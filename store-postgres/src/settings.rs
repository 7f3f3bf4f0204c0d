//! Network-wide settings (`settings` table): small integers an administrator changes.

pub use store::settings::{RETENTION_YEARS, SILENT_TABLET_DAYS};

use sqlx::{PgConnection, PgPool};

/// The setting as an integer, or `default` when it is missing or not a number.
pub async fn get_i64(pool: &PgPool, key: &str, default: i64) -> Result<i64, crate::Error> {
    let value = sqlx::query_scalar!("SELECT value FROM settings WHERE key = $1", key).fetch_optional(pool).await?;
    Ok(value.and_then(|v| v.trim().parse().ok()).unwrap_or(default))
}

/// Stores a setting, returning its previous value (if any). Under the writer lock, so
/// that of two changes at once each returns the value the other replaced or left.
pub async fn set(conn: &mut PgConnection, key: &str, value: &str) -> Result<Option<String>, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    let old = sqlx::query_scalar!("SELECT value FROM settings WHERE key = $1", key).fetch_optional(&mut *tx).await?;
    sqlx::query!(
        r#"INSERT INTO settings (key, value) VALUES ($1, $2)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value,
               updated_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"#,
        key,
        value
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(old)
}
