//! What `digna backup`, `digna restore` and `digna recovery-key` read and change: the
//! recovery key's public half, the pending rows of a copy (re-sealed or dropped), and
//! the schema a copy carries.

pub use store::backup::PendingRow;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::SqlitePool;

/// Opens a copy just written by `VACUUM INTO` (`maintenance::vacuum_into`) to change it:
/// no write-ahead log beside it, and secure delete, so that the records it replaces are
/// overwritten, not left in free pages.
pub async fn open_copy(path: &std::path::Path) -> Result<SqlitePool, crate::Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .journal_mode(SqliteJournalMode::Delete)
        .pragma("secure_delete", "on");
    Ok(SqlitePool::connect_with(options).await?)
}

/// Rewrites a copy's file, so that no page keeps a trace of what was replaced.
pub async fn vacuum(copy: &SqlitePool) -> Result<(), crate::Error> {
    // A statement sqlx's macros cannot describe.
    sqlx::query("VACUUM").execute(copy).await?;
    Ok(())
}

/// The offline recovery key's public half (`age1…`), if an administrator made one.
pub async fn recovery_recipient(pool: &SqlitePool) -> Result<Option<String>, crate::Error> {
    Ok(sqlx::query_scalar!("SELECT recipient FROM recovery_key WHERE id = 1").fetch_optional(pool).await?)
}

/// Stores the recovery key's public half, replacing the one before (returned).
pub async fn set_recovery_recipient(
    conn: &mut sqlx::SqliteConnection,
    recipient: &str,
) -> Result<Option<String>, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    let old = sqlx::query_scalar!("SELECT recipient FROM recovery_key WHERE id = 1").fetch_optional(&mut *tx).await?;
    sqlx::query!(
        "INSERT INTO recovery_key (id, recipient) VALUES (1, ?)
         ON CONFLICT (id) DO UPDATE SET recipient = excluded.recipient,
             created_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
        recipient
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(old)
}

/// Up to `limit` pending rows whose id comes after `after`, in id order (an id order
/// is random: it orders nothing about the visits). Pages through a copy without
/// holding every record in memory.
pub async fn pending_rows_after(pool: &SqlitePool, after: &[u8], limit: i64) -> Result<Vec<PendingRow>, crate::Error> {
    Ok(sqlx::query_as!(
        PendingRow,
        r#"SELECT id AS "id!: Vec<u8>", station_id, sealed FROM pending_responses WHERE id > ? ORDER BY id LIMIT ?"#,
        after,
        limit
    )
    .fetch_all(pool)
    .await?)
}

/// Replaces the sealed records of these rows (same ids), in one transaction.
pub async fn replace_sealed(pool: &SqlitePool, rows: &[(Vec<u8>, Vec<u8>)]) -> Result<(), crate::Error> {
    let mut tx = pool.begin().await?;
    for (id, sealed) in rows {
        sqlx::query!("UPDATE pending_responses SET sealed = ? WHERE id = ?", sealed, id).execute(&mut *tx).await?;
    }
    Ok(tx.commit().await?)
}

/// Deletes every pending row; returns how many stations had some (never how many rows).
pub async fn drop_pending(pool: &SqlitePool) -> Result<i64, crate::Error> {
    let mut tx = pool.begin().await?;
    let stations = sqlx::query_scalar!(r#"SELECT COUNT(DISTINCT station_id) AS "n!: i64" FROM pending_responses"#)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query!("DELETE FROM pending_responses").execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(stations)
}

/// One entry of `sqlite_master`: a table, index, view or trigger and its SQL.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, sqlx::FromRow)]
pub struct SchemaEntry {
    #[sqlx(rename = "type")]
    pub kind: String,
    pub name: String,
    pub tbl_name: String,
    pub sql: Option<String>,
}

/// Every table, index, view and trigger of a database, as `sqlite_master` lists them.
pub async fn schema(pool: &SqlitePool) -> Result<Vec<SchemaEntry>, crate::Error> {
    // sqlite_master is not in the schema sqlx's macros check against.
    Ok(sqlx::query_as("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
        .fetch_all(pool)
        .await?)
}

/// The migrations applied to a database: version, checksum and whether it succeeded.
pub async fn applied_migrations(pool: &SqlitePool) -> Result<Vec<(i64, Vec<u8>, bool)>, crate::Error> {
    // `_sqlx_migrations` is sqlx's own table, absent from the schema the macros check.
    Ok(sqlx::query_as("SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version")
        .fetch_all(pool)
        .await?)
}

/// A backup's files, as the server's `backup` module handles them: copies of the whole
/// database file, which only SQLite has. (A backend on a database server backs up with
/// that server's own tools.)
impl crate::SqliteStore {
    /// Opens a copy just written by [`SqliteStore::vacuum_into`](crate::SqliteStore::vacuum_into)
    /// to change it (see [`open_copy`]).
    pub async fn open_copy(path: &std::path::Path) -> Result<Self, store::Error> {
        Ok(Self::on(open_copy(path).await?))
    }

    /// Opens an existing database file read-only, without creating or migrating anything
    /// (a backup, before it is trusted).
    pub async fn open_read_only(path: &std::path::Path) -> Result<Self, store::Error> {
        Ok(Self::on(crate::connect_read_only(path).await?))
    }

    /// A fresh database in memory migrated to `version` only, with the session table:
    /// the schema a database of that version must have (what a restore compares a backup
    /// with).
    pub async fn reference(version: i64) -> Result<Self, store::Error> {
        let pool = crate::connect_in_memory().await?;
        crate::migrate_up_to(&pool, version).await.map_err(|e| store::Error::Backend(Box::new(e)))?;
        let store = Self::on(pool);
        store.sessions().await?;
        Ok(store)
    }

    /// Writes a consistent copy of the live database to `out` while it keeps serving:
    /// `VACUUM INTO` reads one snapshot, so writes that land meanwhile are either wholly
    /// in the copy or wholly outside it.
    pub async fn vacuum_into(&self, out: &str) -> Result<(), store::Error> {
        Ok(crate::maintenance::vacuum_into(self.pool(), out).await?)
    }

    /// Rewrites a copy's file, so that no page keeps a trace of what was replaced.
    pub async fn vacuum(&self) -> Result<(), store::Error> {
        Ok(vacuum(self.pool()).await?)
    }

    /// Every table, index, view and trigger, with its SQL, in order.
    pub async fn schema(&self) -> Result<Vec<SchemaEntry>, store::Error> {
        Ok(schema(self.pool()).await?)
    }

    /// The migrations applied: version, checksum, success.
    pub async fn applied_migrations(&self) -> Result<Vec<(i64, Vec<u8>, bool)>, store::Error> {
        Ok(applied_migrations(self.pool()).await?)
    }

    /// Closes every connection (a copy, before its file is moved or read again).
    pub async fn close(&self) {
        self.pool().close().await;
    }
}
