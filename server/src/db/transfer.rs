//! `store::transfer`, on whichever database the server runs.

use super::Db;
use store::transfer::{Row, Table, Value};

/// A snapshot of either backend.
pub enum Snapshot {
    Sqlite(store_sqlite::transfer::Snapshot),
    Postgres(store_postgres::transfer::Snapshot),
}

/// A load into either backend.
pub enum Load {
    Sqlite(store_sqlite::transfer::Load),
    Postgres(store_postgres::transfer::Load),
}

impl store::transfer::Transfer for Db {
    type Snapshot = Snapshot;
    type Load = Load;

    async fn snapshot(&self) -> Result<Snapshot, store::Error> {
        Ok(match self {
            Db::Sqlite(s) => Snapshot::Sqlite(s.snapshot().await?),
            Db::Postgres(p) => Snapshot::Postgres(p.snapshot().await?),
        })
    }

    async fn load(&self) -> Result<Result<Load, String>, store::Error> {
        Ok(match self {
            Db::Sqlite(s) => s.load().await?.map(Load::Sqlite),
            Db::Postgres(p) => p.load().await?.map(Load::Postgres),
        })
    }
}

impl store::transfer::Snapshot for Snapshot {
    async fn rows(&mut self, table: &'static Table) -> Result<u64, store::Error> {
        match self {
            Snapshot::Sqlite(s) => s.rows(table).await,
            Snapshot::Postgres(p) => p.rows(table).await,
        }
    }

    async fn page(
        &mut self,
        table: &'static Table,
        after: Option<&[Value]>,
        limit: i64,
    ) -> Result<Vec<Row>, store::Error> {
        match self {
            Snapshot::Sqlite(s) => s.page(table, after, limit).await,
            Snapshot::Postgres(p) => p.page(table, after, limit).await,
        }
    }
}

impl store::transfer::Load for Load {
    async fn write(&mut self, table: &'static Table, rows: &[Row]) -> Result<(), store::Error> {
        match self {
            Load::Sqlite(s) => s.write(table, rows).await,
            Load::Postgres(p) => p.write(table, rows).await,
        }
    }

    async fn finish(self) -> Result<(), store::Error> {
        match self {
            Load::Sqlite(s) => s.finish().await,
            Load::Postgres(p) => p.finish().await,
        }
    }
}
