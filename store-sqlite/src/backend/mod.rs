//! [`SqliteStore`]: the store's traits (`store::*`) implemented on SQLite, each method a
//! unit of work over the functions of this crate's modules.

/// Runs `$change` (an expression over the connection `$conn`) in one write transaction
/// and, when it changed anything ([`store::audit::Applied`]), writes the audit line
/// `$audit` in the same transaction: both land or neither.
macro_rules! audited {
    ($self:ident, $audit:expr, |$conn:ident| $change:expr) => {{
        let audit: &store::audit::Entry = $audit;
        audited_with!($self, |out| store::audit::Applied::applied(out).then(|| audit.clone()), |$conn| $change)
    }};
}

/// As [`audited!`], with the audit lines made from the change's outcome (an `Option` or
/// a `Vec` of [`store::audit::Entry`]).
macro_rules! audited_with {
    ($self:ident, $audit:expr, |$conn:ident| $change:expr) => {{
        let mut tx = $self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(crate::Error::from)?;
        let out = {
            let $conn = &mut *tx;
            $change.await?
        };
        let lines: Vec<store::audit::Entry> = ($audit)(&out).into_iter().collect();
        for line in &lines {
            crate::audit::write(&mut *tx, line).await?;
        }
        tx.commit().await.map_err(crate::Error::from)?;
        Ok(out)
    }};
}

mod accounts;
mod audit;
mod backup;
mod dashboard;
mod exports;
mod maintenance;
mod notifications;
mod release;
mod responses;
mod settings;
mod stations;
mod survey;
mod tablets;
mod transfer;
mod voices;

use sqlx::SqlitePool;

/// Where staff sessions are kept on SQLite (the server keys them by a hash of the cookie).
pub type SessionTable = tower_sessions_sqlx_store::SqliteStore;

/// Digna's store on one SQLite database: a handle on its connection pool, cheap to clone.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database at `url`.
    pub async fn open(url: &str) -> Result<Self, store::Error> {
        let pool = crate::connect(url).await?;
        crate::migrate(&pool).await.map_err(|e| store::Error::Backend(Box::new(e)))?;
        Ok(SqliteStore { pool })
    }

    /// A second store on the database at `url` (already opened by [`SqliteStore::open`]),
    /// of at most `max_connections`, for the researchers' exports: an export holds
    /// connections for as long as it reads, and with a pool of their own exports never
    /// take the connections that store the kiosks' submissions and serve the pages.
    /// Connections open when first needed.
    pub async fn open_exports(url: &str, max_connections: u32) -> Result<Self, store::Error> {
        Ok(SqliteStore { pool: crate::connect_exports(url, max_connections).await? })
    }

    /// Opens (creating if needed) and migrates the database at `url` for a bulk load: one
    /// connection with a page cache of `cache_mib` MiB (see [`crate::connect_bulk`]).
    pub async fn open_bulk(url: &str, cache_mib: u32) -> Result<Self, store::Error> {
        Self::open(url).await?.pool.close().await;
        Ok(SqliteStore { pool: crate::connect_bulk(url, cache_mib).await? })
    }

    /// The staff sessions' table in this database, created if missing.
    pub async fn sessions(&self) -> Result<SessionTable, store::Error> {
        let table = SessionTable::new(self.pool.clone());
        table.migrate().await.map_err(|e| store::Error::Backend(Box::new(e)))?;
        Ok(table)
    }

    /// The store on a pool already opened (and migrated).
    pub fn on(pool: SqlitePool) -> Self {
        SqliteStore { pool }
    }

    /// A fresh, migrated database in memory (tests, the conformance suite).
    pub async fn in_memory() -> Result<Self, store::Error> {
        let pool = crate::connect_in_memory().await?;
        crate::migrate(&pool).await.map_err(|e| store::Error::Backend(Box::new(e)))?;
        Ok(SqliteStore { pool })
    }

    /// The connection pool: for this crate's own functions, tests and the benchmarks'
    /// ceilings, never for the server, which goes through the traits.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

impl From<crate::Error> for store::Error {
    fn from(e: crate::Error) -> Self {
        match e {
            crate::Error::Backend(e) => store::Error::Backend(Box::new(e)),
            crate::Error::Corrupt(what) => store::Error::Corrupt(what),
        }
    }
}
