//! Digna's store on PostgreSQL: all SQL for it lives here, one function per query,
//! checked at compile time by sqlx against the committed offline data (`.sqlx/`), with
//! the migrations (`migrations/`) embedded. The same traits (`store::*`) as
//! `store-sqlite`, the same promises, proved by the same conformance suite.
//!
//! **Writers.** SQLite runs one write transaction at a time (`BEGIN IMMEDIATE`), and
//! Digna's units of work were written against that: a check and the write it allows are
//! never split by another writer. On PostgreSQL, with several Digna servers on one
//! database, [`write_tx`] gives the same promise across every server: a transaction that
//! first takes one advisory lock ([`WRITER_LOCK`]) for its whole life. Reads under READ
//! COMMITTED then see everything committed before the lock was granted. Work whose
//! correctness a constraint already ensures (storing a submission, whose key is unique)
//! does not take it.

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
#[macro_use]
pub mod stations;
pub mod survey;
pub mod tablets;
pub mod transfer;
pub mod voices;

pub use backend::{PgStore, SessionTable};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};
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

/// The advisory lock every write transaction of [`write_tx`] holds: Digna's one writer
/// at a time, over every server on the database ("digna" in ASCII).
pub const WRITER_LOCK: i64 = 0x0064_6967_6e61;

/// Connects to the PostgreSQL database at `url` (`postgres://…`) with a pool of at most
/// `max_connections`. Statements are not logged by sqlx: a logged statement carries a
/// timestamp, which would date a visit.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, crate::Error> {
    let options = options(url)?;
    Ok(pool_options(max_connections).acquire_timeout(Duration::from_secs(30)).connect_with(options).await?)
}

/// As [`connect`], but connections open when first needed.
pub fn connect_lazy(url: &str, max_connections: u32) -> Result<PgPool, crate::Error> {
    Ok(pool_options(max_connections).connect_lazy_with(options(url)?))
}

/// A pool that hands out its connections without a round trip to check each first
/// (sqlx's `test_before_acquire`): a submission makes one round trip of its own, and the
/// check would double it. A connection the server closed (a restart) fails its next
/// statement and leaves the pool; the request answers 500, and a tablet retries.
fn pool_options(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new().max_connections(max_connections.max(1)).test_before_acquire(false)
}

fn options(url: &str) -> Result<PgConnectOptions, crate::Error> {
    Ok(PgConnectOptions::from_str(url)?
        .application_name("digna")
        // A logged statement carries a timestamp, which would date a visit.
        .disable_statement_logging())
}

/// A write transaction on `conn`: a transaction holding [`WRITER_LOCK`] when `conn` is in
/// none, a savepoint inside the transaction of a unit of work (which took the lock).
pub(crate) async fn write_tx(
    conn: &mut sqlx::PgConnection,
) -> Result<sqlx::Transaction<'_, sqlx::Postgres>, crate::Error> {
    use sqlx::Connection;
    if conn.is_in_transaction() {
        return Ok(conn.begin().await?);
    }
    let mut tx = conn.begin().await?;
    lock_writer(&mut tx).await?;
    Ok(tx)
}

/// Takes [`WRITER_LOCK`] for the rest of the transaction `conn` is in.
pub(crate) async fn lock_writer(conn: &mut sqlx::PgConnection) -> Result<(), crate::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(WRITER_LOCK).execute(conn).await?;
    Ok(())
}

/// A write transaction on a connection of `pool`, holding [`WRITER_LOCK`].
pub(crate) async fn begin_write(pool: &PgPool) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, crate::Error> {
    let mut tx = pool.begin().await?;
    lock_writer(&mut tx).await?;
    Ok(tx)
}

/// Applies the embedded migrations; the app must not start if one fails.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("./migrations").run(pool).await
}

/// The migrations this build knows: version and checksum.
pub fn known_migrations() -> Vec<(i64, Vec<u8>)> {
    sqlx::migrate!("./migrations").migrations.iter().map(|m| (m.version, m.checksum.to_vec())).collect()
}

/// The newest migration this build knows: a database whose schema is newer came from a
/// later release and must not be opened by this one.
pub fn newest_migration() -> i64 {
    sqlx::migrate!("./migrations").migrations.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Fresh databases on the throwaway test cluster that `make test` starts
/// (`scripts/pg-cluster.sh`) and names in `DIGNA_TEST_POSTGRES`: for this crate's tests
/// and the server's, never for Digna itself.
#[doc(hidden)]
pub mod testing {
    use sqlx::Connection;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A new, empty database on the test cluster, its name starting with `prefix`; its URL.
    pub async fn fresh_database(prefix: &str) -> String {
        static N: AtomicU64 = AtomicU64::new(0);
        let cluster = std::env::var("DIGNA_TEST_POSTGRES").expect(
            "DIGNA_TEST_POSTGRES: start a throwaway cluster with `scripts/pg-cluster.sh start target/pg` \
             and set it to the URL printed (make test does this)",
        );
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!("{prefix}_{}_{}_{nanos}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        let mut admin = sqlx::PgConnection::connect(&cluster).await.expect("the test cluster answers");
        sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("a fresh database");
        admin.close().await.ok();
        format!("{}/{name}", cluster.rsplit_once('/').expect("a URL with a database").0)
    }

    /// A new, empty, migrated database; its pool (this crate's unit tests).
    pub async fn pool() -> sqlx::PgPool {
        let url = fresh_database("u").await;
        let pool = crate::connect(&url, 8).await.expect("the fresh database opens");
        crate::migrate(&pool).await.expect("the migrations run");
        pool
    }
}

/// What the PostgreSQL server's own settings would reveal about visits, checked at start.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ServerCheck {
    /// Settings that date every submission where the station's staff or an operator could
    /// read it: Digna refuses to start on them.
    pub refused: Vec<String>,
    /// Settings that may log submissions with their time: Digna starts, and says so.
    pub warnings: Vec<String>,
}

/// Reads the PostgreSQL settings that would date a visit: `track_commit_timestamp`
/// records when every transaction (so every stored submission) committed; statement
/// logging (`log_statement` of `mod` or `all`, `log_min_duration_statement` ≥ 0,
/// `log_duration`) writes a timed line per submission to the server's log.
pub async fn check_server(pool: &PgPool) -> Result<ServerCheck, crate::Error> {
    let setting = |name: &'static str| async move {
        sqlx::query_scalar::<_, String>("SELECT current_setting($1)").bind(name).fetch_one(pool).await
    };
    let mut check = ServerCheck::default();
    if setting("track_commit_timestamp").await? == "on" {
        check.refused.push(
            "track_commit_timestamp is on: PostgreSQL would record when each submission was stored. \
             Set it off in postgresql.conf and restart PostgreSQL."
                .into(),
        );
    }
    let statement = setting("log_statement").await?;
    if statement == "mod" || statement == "all" {
        check.warnings.push(format!(
            "log_statement is {statement}: PostgreSQL's log gets a timed line for every submission. Set it to none or ddl."
        ));
    }
    let duration = setting("log_min_duration_statement").await?;
    if duration != "-1" {
        check.warnings.push(format!(
            "log_min_duration_statement is {duration}: PostgreSQL may log submissions with their time. Set it to -1."
        ));
    }
    if setting("log_duration").await? == "on" {
        check.warnings.push("log_duration is on: PostgreSQL logs a timed line for every statement. Set it off.".into());
    }
    Ok(check)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settings that would log submissions with their time are named at start; a server
    /// without them gives no warning. (`track_commit_timestamp`, which refuses, is a
    /// setting of the whole server, fixed at its start: not changed in a test.)
    #[tokio::test]
    async fn statement_logging_is_warned_of_at_start() {
        let url = testing::fresh_database("w").await;
        let (_, warnings) = PgStore::open_checked(&url, 2).await.unwrap();
        assert_eq!(warnings, Vec::<String>::new(), "the test cluster logs no statements");

        let name = url.rsplit('/').next().unwrap().to_string();
        let admin = connect(&url, 1).await.unwrap();
        for setting in ["log_statement = 'mod'", "log_min_duration_statement = 0", "log_duration = on"] {
            sqlx::query(&format!("ALTER DATABASE {name} SET {setting}")).execute(&admin).await.unwrap();
        }
        admin.close().await;
        let (_, warnings) = PgStore::open_checked(&url, 2).await.unwrap();
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        for name in ["log_statement is mod", "log_min_duration_statement is 0", "log_duration is on"] {
            assert!(warnings.iter().any(|w| w.starts_with(name)), "{name}: {warnings:?}");
        }
    }
}
