//! Network-wide settings (`settings` table): small integers an administrator changes.

pub use store::settings::{RETENTION_YEARS, SILENT_TABLET_DAYS};

use sqlx::SqlitePool;

/// The setting as an integer, or `default` when it is missing or not a number.
pub async fn get_i64(pool: &SqlitePool, key: &str, default: i64) -> Result<i64, crate::Error> {
    let value = sqlx::query_scalar!("SELECT value FROM settings WHERE key = ?", key).fetch_optional(pool).await?;
    Ok(value.and_then(|v| v.trim().parse().ok()).unwrap_or(default))
}

/// Stores a setting, returning its previous value (if any).
pub async fn set(conn: &mut sqlx::SqliteConnection, key: &str, value: &str) -> Result<Option<String>, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    let old = sqlx::query_scalar!("SELECT value FROM settings WHERE key = ?", key).fetch_optional(&mut *tx).await?;
    sqlx::query!(
        "INSERT INTO settings (key, value) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value,
             updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
        key,
        value
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(old)
}
