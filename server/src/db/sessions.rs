//! The staff sessions' table, on whichever database the server runs.

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

/// The sessions' table of the database (`Db::sessions`).
#[derive(Clone, Debug)]
pub enum SessionTable {
    Sqlite(store_sqlite::SessionTable),
    Postgres(store_postgres::SessionTable),
}

#[async_trait]
impl SessionStore for SessionTable {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            SessionTable::Sqlite(t) => t.create(record).await,
            SessionTable::Postgres(t) => t.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            SessionTable::Sqlite(t) => t.save(record).await,
            SessionTable::Postgres(t) => t.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            SessionTable::Sqlite(t) => t.load(id).await,
            SessionTable::Postgres(t) => t.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            SessionTable::Sqlite(t) => t.delete(id).await,
            SessionTable::Postgres(t) => t.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for SessionTable {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            SessionTable::Sqlite(t) => t.delete_expired().await,
            SessionTable::Postgres(t) => t.delete_expired().await,
        }
    }
}
