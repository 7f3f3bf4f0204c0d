//! [`PgStore`]: the store's traits (`store::*`) implemented on PostgreSQL, each method a
//! unit of work over the functions of this crate's modules.

/// Runs `$change` (an expression over the connection `$conn`) in one write transaction
/// (holding [`crate::WRITER_LOCK`]) and, when it changed anything
/// ([`store::audit::Applied`]), writes the audit line `$audit` in the same transaction:
/// both land or neither.
#[allow(unused_macros)]
macro_rules! audited {
    ($self:ident, $audit:expr, |$conn:ident| $change:expr) => {{
        let audit: &store::audit::Entry = $audit;
        audited_with!($self, |out| store::audit::Applied::applied(out).then(|| audit.clone()), |$conn| $change)
    }};
}

/// As [`audited!`], with the audit lines made from the change's outcome (an `Option` or
/// a `Vec` of [`store::audit::Entry`]).
#[allow(unused_macros)]
macro_rules! audited_with {
    ($self:ident, $audit:expr, |$conn:ident| $change:expr) => {{
        let mut tx = crate::begin_write(&$self.pool).await?;
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

use sqlx::PgPool;

/// Where staff sessions are kept on PostgreSQL (the server keys them by a hash of the
/// cookie): every server on the database sees every session.
pub type SessionTable = tower_sessions_sqlx_store::PostgresStore;

/// Digna's store on one PostgreSQL database: a handle on its connection pool, cheap to
/// clone.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to and migrates the database at `url`, with a pool of at most
    /// `max_connections`. Refused when the PostgreSQL server records commit times
    /// ([`crate::check_server`]) or the database comes from a newer release of Digna.
    pub async fn open(url: &str, max_connections: u32) -> Result<Self, store::Error> {
        Ok(Self::open_checked(url, max_connections).await?.0)
    }

    /// As [`PgStore::open`], with the warnings of the same reading of the server's
    /// settings ([`crate::check_server`]): settings that may log submissions.
    pub async fn open_checked(url: &str, max_connections: u32) -> Result<(Self, Vec<String>), store::Error> {
        let pool = crate::connect(url, max_connections).await?;
        let check = crate::check_server(&pool).await?;
        if let Some(why) = check.refused.into_iter().next() {
            pool.close().await;
            return Err(store::Error::Backend(why.into()));
        }
        crate::migrate(&pool).await.map_err(|e| store::Error::Backend(Box::new(e)))?;
        Ok((PgStore { pool }, check.warnings))
    }

    /// A second store on the database at `url` (already opened by [`PgStore::open`]),
    /// of at most `max_connections`, for the researchers' exports. Connections open when
    /// first needed.
    pub fn open_exports(url: &str, max_connections: u32) -> Result<Self, store::Error> {
        Ok(PgStore { pool: crate::connect_lazy(url, max_connections)? })
    }

    /// The staff sessions' table in this database, created if missing.
    pub async fn sessions(&self) -> Result<SessionTable, store::Error> {
        let table = SessionTable::new(self.pool.clone());
        table.migrate().await.map_err(|e| store::Error::Backend(Box::new(e)))?;
        Ok(table)
    }

    /// The store on a pool already opened (and migrated).
    pub fn on(pool: PgPool) -> Self {
        PgStore { pool }
    }

    /// The connection pool: for this crate's own functions, tests and the benchmarks'
    /// ceilings, never for the server, which goes through the traits.
    pub fn pool(&self) -> &PgPool {
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
