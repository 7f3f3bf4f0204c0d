//! Digna's store on SQLite: all SQL lives here, one function per query, checked at
//! compile time by sqlx against the committed offline data (`.sqlx/`), with the
//! migrations (`migrations/`) embedded. It knows the domain and SQLite, nothing else:
//! what is sealed, released or suppressed is decided by the privacy pipeline
//! (`server::privacy`) and the domain (`domain::privacy`).

pub mod accounts;
pub mod audit;
mod backend;
pub mod backup;
pub mod dashboard;
pub mod exports;
pub mod maintenance;
pub mod notifications;
pub mod release;
pub mod responses;
pub mod settings;
pub mod stations;
pub mod survey;
pub mod tablets;
pub mod transfer;
pub mod voices;

pub use backend::{SessionTable, SqliteStore};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::ConnectOptions;
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

/// What a store method can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database could not do what was asked (I/O, a constraint, a lock held too long).
    #[error(transparent)]
    Backend(#[from] sqlx::Error),
    /// The database holds what Digna never writes: a value that does not parse into its
    /// domain type. Never guessed around.
    #[error("the database holds what Digna never writes: {0}")]
    Corrupt(String),
}

/// Opens (creating if needed) the SQLite database at `url` with Digna's settings:
/// WAL, full durability, foreign keys, and secure delete so that deleted sealed
/// records and submission keys are overwritten, not left in free pages.
pub async fn connect(url: &str) -> Result<SqlitePool, crate::Error> {
    let options = options(url)?;
    if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dirs(dir).map_err(sqlx::Error::Io)?;
    }
    // No ping before each acquire: a connection to a local file does not go stale, and
    // the ping is a round trip to the connection's thread on every request.
    Ok(SqlitePoolOptions::new().max_connections(8).test_before_acquire(false).connect_with(options).await?)
}

/// A second pool on the database at `url` (already opened by [`connect`]), of at most
/// `max_connections`, for the researchers' exports: an export holds connections for as
/// long as it reads, and with a pool of their own exports never take the connections
/// that store the kiosks' submissions and serve the pages. Connections open when first
/// needed.
pub async fn connect_exports(url: &str, max_connections: u32) -> Result<SqlitePool, crate::Error> {
    Ok(SqlitePoolOptions::new()
        .max_connections(max_connections.max(1))
        .test_before_acquire(false)
        .connect_lazy_with(options(url)?))
}

/// One connection to the database at `url` (already opened by [`connect`]) with a page
/// cache of `cache_mib` MiB, for a bulk load (`digna seed-demo --responses N`): rows under
/// random ids land all over the tables, and with SQLite's default 2 MiB cache nearly every
/// insert reads a page from disk. Never for the server, whose memory stays small.
pub async fn connect_bulk(url: &str, cache_mib: u32) -> Result<SqlitePool, crate::Error> {
    let options = options(url)?.pragma("cache_size", format!("-{}", u64::from(cache_mib) * 1024));
    Ok(SqlitePoolOptions::new().max_connections(1).connect_with(options).await?)
}

/// Opens an existing database file read-only, without creating or migrating anything
/// (a backup, before it is trusted).
pub async fn connect_read_only(path: &std::path::Path) -> Result<SqlitePool, crate::Error> {
    let options = SqliteConnectOptions::new().filename(path).read_only(true).create_if_missing(false);
    Ok(SqlitePool::connect_with(options).await?)
}

/// A fresh database in memory, with foreign keys, on one connection: an in-memory
/// database lives as long as its connection.
pub async fn connect_in_memory() -> Result<SqlitePool, crate::Error> {
    let options = SqliteConnectOptions::new().in_memory(true).foreign_keys(true);
    Ok(SqlitePoolOptions::new().max_connections(1).connect_with(options).await?)
}

fn options(url: &str) -> Result<SqliteConnectOptions, crate::Error> {
    Ok(SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .pragma("secure_delete", "on")
        // A logged statement carries a timestamp, which would date a visit.
        .disable_statement_logging())
}

/// A write transaction on `conn`: `BEGIN IMMEDIATE` when it is in none (so that nothing
/// written meanwhile can make its reads stale, and it never has to upgrade a read lock),
/// a savepoint inside the transaction of a unit of work (`backend::audited!`), which
/// began it so.
pub(crate) async fn write_tx(
    conn: &mut sqlx::SqliteConnection,
) -> Result<sqlx::Transaction<'_, sqlx::Sqlite>, crate::Error> {
    use sqlx::Connection;
    Ok(if conn.is_in_transaction() { conn.begin().await? } else { conn.begin_with("BEGIN IMMEDIATE").await? })
}

/// Applies the embedded migrations; the app must not start if one fails.
pub async fn migrate(pool: &SqlitePool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("./migrations").run(pool).await
}

/// The migrations this build knows: version and checksum.
pub fn known_migrations() -> Vec<(i64, Vec<u8>)> {
    sqlx::migrate!("./migrations").migrations.iter().map(|m| (m.version, m.checksum.to_vec())).collect()
}

/// Applies this build's migrations up to `version` only: the schema a database of that
/// version must have (what a restore compares a backup with).
pub async fn migrate_up_to(pool: &SqlitePool, version: i64) -> Result<(), sqlx::migrate::MigrateError> {
    let mut migrator = sqlx::migrate!("./migrations");
    migrator.migrations = migrator.migrations.iter().filter(|m| m.version <= version).cloned().collect();
    migrator.run(pool).await
}

/// The newest migration this build knows: a database whose schema is newer came from a
/// later release and must not be opened by this one.
pub fn newest_migration() -> i64 {
    sqlx::migrate!("./migrations").migrations.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Creates the folders above `path` that are missing, mode 0700: the database's and the
/// key file's.
pub fn create_private_dirs(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}
