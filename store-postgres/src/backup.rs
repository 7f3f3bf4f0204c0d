//! What `digna backup`, `digna restore` and `digna recovery-key` read and change: the
//! recovery key's public half, and the pending rows (re-sealed or dropped). A database
//! on PostgreSQL is copied with PostgreSQL's own tools, not by Digna: only the trait's
//! part is here.

pub use store::backup::PendingRow;

use sqlx::{PgConnection, PgPool};

/// The offline recovery key's public half (`age1…`), if an administrator made one.
pub async fn recovery_recipient(pool: &PgPool) -> Result<Option<String>, crate::Error> {
    Ok(sqlx::query_scalar!("SELECT recipient FROM recovery_key WHERE id = 1").fetch_optional(pool).await?)
}

/// Stores the recovery key's public half, replacing the one before (returned).
pub async fn set_recovery_recipient(conn: &mut PgConnection, recipient: &str) -> Result<Option<String>, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    let old = sqlx::query_scalar!("SELECT recipient FROM recovery_key WHERE id = 1").fetch_optional(&mut *tx).await?;
    sqlx::query!(
        r#"INSERT INTO recovery_key (id, recipient) VALUES (1, $1)
           ON CONFLICT (id) DO UPDATE SET recipient = excluded.recipient,
               created_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"#,
        recipient
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(old)
}

/// Up to `limit` pending rows whose id comes after `after`, in id order (an id order
/// is random: it orders nothing about the visits; `bytea` compares byte by byte, as
/// SQLite's blobs do). Pages through the rows without holding every record in memory.
pub async fn pending_rows_after(pool: &PgPool, after: &[u8], limit: i64) -> Result<Vec<PendingRow>, crate::Error> {
    Ok(sqlx::query_as!(
        PendingRow,
        "SELECT id, station_id, sealed FROM pending_responses WHERE id > $1 ORDER BY id LIMIT $2",
        after,
        limit
    )
    .fetch_all(pool)
    .await?)
}

/// Replaces the sealed records of these rows (same ids), in one transaction. It holds
/// the writer lock, as a write transaction on SQLite is the only one: a release (which
/// reads and deletes pending rows under that lock) never sees half a page re-sealed.
pub async fn replace_sealed(pool: &PgPool, rows: &[(Vec<u8>, Vec<u8>)]) -> Result<(), crate::Error> {
    let mut tx = crate::begin_write(pool).await?;
    for (id, sealed) in rows {
        sqlx::query!("UPDATE pending_responses SET sealed = $1 WHERE id = $2", sealed, id).execute(&mut *tx).await?;
    }
    Ok(tx.commit().await?)
}

/// Deletes every pending row; returns how many stations had some (never how many rows).
/// One statement counts what it deleted: a submission stored meanwhile (which takes no
/// writer lock) is either deleted and counted, or neither.
pub async fn drop_pending(pool: &PgPool) -> Result<i64, crate::Error> {
    let mut tx = crate::begin_write(pool).await?;
    let stations = sqlx::query_scalar!(
        r#"WITH dropped AS (DELETE FROM pending_responses RETURNING station_id)
           SELECT COUNT(DISTINCT station_id) AS "n!" FROM dropped"#
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(stations)
}
