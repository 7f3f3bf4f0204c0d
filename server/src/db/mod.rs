//! The database the server runs on, chosen by `DATABASE_URL`: an embedded SQLite file
//! (`sqlite://…`, the default) or PostgreSQL (`postgres://…`). [`Db`] implements every
//! trait of the store (`store::*`) by handing each call to the backend it holds; the
//! rest of the server goes through those traits and never learns which one it is. A
//! method one backend lacks does not compile, here or in the backend.

/// Hands `$call` (an expression over the backend `$s`) to whichever backend `$db` holds.
macro_rules! dispatch {
    ($db:expr, |$s:ident| $call:expr) => {
        match $db {
            Db::Sqlite($s) => $call.await,
            Db::Postgres($s) => $call.await,
        }
    };
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
mod sessions;
mod settings;
mod stations;
mod survey;
mod tablets;
pub mod transfer;
mod voices;

pub use sessions::SessionTable;

use store_postgres::PgStore;
use store_sqlite::SqliteStore;

/// The server's database: a handle on a connection pool, cheap to clone.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// Which backend a database URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend `url` names by its scheme: `sqlite:` or `postgres:`/`postgresql:`.
    pub fn of(url: &str) -> Result<Backend, store::Error> {
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase()).unwrap_or_default();
        match scheme.as_str() {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(store::Error::Backend(
                format!("DATABASE_URL must start with sqlite:// or postgres://, not {scheme:?}").into(),
            )),
        }
    }
}

/// Connections the server's own pool keeps on PostgreSQL (SQLite's pool has its own
/// size): enough for the ingest writer, the release scheduler and every page at once.
const POSTGRES_CONNECTIONS: u32 = 16;

impl Db {
    /// Opens (creating if needed, on SQLite) and migrates the database at `url`. A
    /// database whose schema is newer than this build's is refused.
    pub async fn open(url: &str) -> Result<Db, store::Error> {
        Ok(match Backend::of(url)? {
            Backend::Sqlite => Db::Sqlite(SqliteStore::open(url).await?),
            Backend::Postgres => {
                let (store, warnings) = PgStore::open_checked(url, POSTGRES_CONNECTIONS).await?;
                for warning in warnings {
                    tracing::warn!("{warning}");
                }
                Db::Postgres(store)
            }
        })
    }

    /// A second handle on the database at `url` (already opened by [`Db::open`]), of at
    /// most `max_connections`, for the researchers' exports: exports never take the
    /// connections that store the kiosks' submissions and serve the pages.
    pub async fn open_exports(url: &str, max_connections: u32) -> Result<Db, store::Error> {
        Ok(match Backend::of(url)? {
            Backend::Sqlite => Db::Sqlite(SqliteStore::open_exports(url, max_connections).await?),
            Backend::Postgres => Db::Postgres(PgStore::open_exports(url, max_connections)?),
        })
    }

    /// The database at `url` for a bulk load (`digna seed-demo --responses N`): on SQLite
    /// one connection with a large page cache; on PostgreSQL the server's usual pool.
    pub async fn open_bulk(url: &str, cache_mib: u32) -> Result<Db, store::Error> {
        Ok(match Backend::of(url)? {
            Backend::Sqlite => Db::Sqlite(SqliteStore::open_bulk(url, cache_mib).await?),
            Backend::Postgres => Db::Postgres(PgStore::open(url, POSTGRES_CONNECTIONS).await?),
        })
    }

    /// A fresh, migrated SQLite database in memory (tests).
    pub async fn in_memory() -> Result<Db, store::Error> {
        Ok(Db::Sqlite(SqliteStore::in_memory().await?))
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// The SQLite store, for what only exists on SQLite (a backup of the database file);
    /// `None` on PostgreSQL.
    pub fn sqlite(&self) -> Option<&SqliteStore> {
        match self {
            Db::Sqlite(s) => Some(s),
            Db::Postgres(_) => None,
        }
    }

    /// The staff sessions' table in this database, created if missing: on PostgreSQL
    /// every server on the database sees every session.
    pub async fn sessions(&self) -> Result<SessionTable, store::Error> {
        Ok(match self {
            Db::Sqlite(s) => SessionTable::Sqlite(s.sessions().await?),
            Db::Postgres(p) => SessionTable::Postgres(p.sessions().await?),
        })
    }

    /// Closes the pool, waiting for its connections to finish.
    pub async fn close(&self) {
        match self {
            Db::Sqlite(s) => s.close().await,
            Db::Postgres(p) => p.pool().close().await,
        }
    }
}

/// An export's reader, on whichever database the export reads.
pub enum Reader {
    Sqlite(<SqliteStore as store::Exports>::Reader),
    Postgres(<PgStore as store::Exports>::Reader),
}

impl store::exports::ExportReader for Reader {
    async fn page(&mut self, after: &[u8], upto: &[u8], limit: i64) -> Result<store::exports::Page, store::Error> {
        match self {
            Reader::Sqlite(r) => r.page(after, upto, limit).await,
            Reader::Postgres(r) => r.page(after, upto, limit).await,
        }
    }
}
