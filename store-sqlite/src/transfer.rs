//! Whole-database transfer on SQLite (`store::transfer`): a snapshot read table by table
//! and a load into a fresh database. The statements are built from the table list that
//! both backends share (`store::transfer::TABLES`), so they cannot be checked at compile
//! time like the rest of this crate's; the transfer checks what it wrote by counting and
//! summing every table on both sides.

use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Arguments, Row as _, Sqlite, Transaction};
use store::transfer::{Kind, Row, Table, Value, SEEDED};

/// One read transaction over the whole database: SQLite's WAL keeps its snapshot from its
/// first read until it ends.
pub struct Snapshot {
    tx: Transaction<'static, Sqlite>,
}

/// One write transaction filling an empty database.
pub struct Load {
    tx: Transaction<'static, Sqlite>,
}

pub(crate) async fn snapshot(pool: &sqlx::SqlitePool) -> Result<Snapshot, crate::Error> {
    let mut tx = pool.begin().await?;
    // The snapshot starts at the first read.
    sqlx::query("SELECT COUNT(*) FROM stations").fetch_one(&mut *tx).await?;
    Ok(Snapshot { tx })
}

pub(crate) async fn load(pool: &sqlx::SqlitePool) -> Result<Result<Load, String>, crate::Error> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    // References are checked at the commit: replacing a seeded survey version deletes and
    // writes it again under its questions.
    sqlx::query("PRAGMA defer_foreign_keys = ON").execute(&mut *tx).await?;
    if let Some(why) = not_empty(&mut tx).await? {
        return Ok(Err(why));
    }
    Ok(Ok(Load { tx }))
}

/// Why the database is not empty, if it is not.
async fn not_empty(tx: &mut Transaction<'static, Sqlite>) -> Result<Option<String>, crate::Error> {
    for table in ["stations", "users", "responses", "pending_responses", "admin_audit", "export_audit"] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&mut **tx).await?;
        if n > 0 {
            return Ok(Some(format!("the target database is not empty: its table {table} has {n} rows")));
        }
    }
    let versions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM survey_versions").fetch_one(&mut **tx).await?;
    if versions > 1 {
        return Ok(Some(format!("the target database is not empty: it has {versions} survey versions")));
    }
    Ok(None)
}

fn column_list(table: &Table) -> String {
    table.columns.iter().map(|(c, _)| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
}

fn bind(args: &mut SqliteArguments<'static>, value: &Value) -> Result<(), crate::Error> {
    match value {
        Value::Null => args.add(None::<i64>),
        Value::Int(i) => args.add(*i),
        Value::Text(t) => args.add(t.clone()),
        Value::Bytes(b) => args.add(b.clone()),
    }
    .map_err(sqlx::Error::Encode)?;
    Ok(())
}

fn read(table: &Table, row: &SqliteRow) -> Result<Row, crate::Error> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, (_, kind))| {
            Ok(match kind {
                Kind::Int | Kind::Flag => row.try_get::<Option<i64>, _>(i)?.map_or(Value::Null, Value::Int),
                Kind::Text => row.try_get::<Option<String>, _>(i)?.map_or(Value::Null, Value::Text),
                Kind::Bytes => row.try_get::<Option<Vec<u8>>, _>(i)?.map_or(Value::Null, Value::Bytes),
            })
        })
        .collect()
}

impl store::transfer::Snapshot for Snapshot {
    async fn rows(&mut self, table: &'static Table) -> Result<u64, store::Error> {
        let sql = format!("SELECT COUNT(*) FROM \"{}\"", table.name);
        let n: i64 = sqlx::query_scalar(&sql).fetch_one(&mut *self.tx).await.map_err(crate::Error::from)?;
        Ok(n.max(0) as u64)
    }

    async fn page(
        &mut self,
        table: &'static Table,
        after: Option<&[Value]>,
        limit: i64,
    ) -> Result<Vec<Row>, store::Error> {
        let mut args = SqliteArguments::default();
        let mut sql = format!("SELECT {} FROM \"{}\"", column_list(table), table.name);
        if table.key.is_empty() {
            if after.is_some() {
                return Ok(Vec::new());
            }
        } else {
            if let Some(after) = after {
                let keys = table.key.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ");
                let marks = vec!["?"; after.len()].join(", ");
                sql.push_str(&format!(" WHERE ({keys}) > ({marks})"));
                for value in after {
                    bind(&mut args, value)?;
                }
            }
            let order = table.key.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ");
            sql.push_str(&format!(" ORDER BY {order} LIMIT ?"));
            args.add(limit).map_err(sqlx::Error::Encode).map_err(crate::Error::from)?;
        }
        let rows = sqlx::query_with(&sql, args).fetch_all(&mut *self.tx).await.map_err(crate::Error::from)?;
        Ok(rows.iter().map(|r| read(table, r)).collect::<Result<_, _>>()?)
    }
}

/// Rows per statement: SQLite allows 32,766 values in one.
const VALUES_PER_STATEMENT: usize = 30_000;

impl store::transfer::Load for Load {
    async fn write(&mut self, table: &'static Table, rows: &[Row]) -> Result<(), store::Error> {
        // What the migrations seeded is replaced (REPLACE deletes without firing the
        // triggers that keep a published survey as it is).
        let verb = if SEEDED.contains(&table.name) { "INSERT OR REPLACE" } else { "INSERT" };
        let width = table.columns.len();
        let one = format!("({})", vec!["?"; width].join(", "));
        for chunk in rows.chunks((VALUES_PER_STATEMENT / width).max(1)) {
            let mut args = SqliteArguments::default();
            for row in chunk {
                for value in row {
                    bind(&mut args, value)?;
                }
            }
            let sql = format!(
                "{verb} INTO \"{}\" ({}) VALUES {}",
                table.name,
                column_list(table),
                vec![one.as_str(); chunk.len()].join(", ")
            );
            sqlx::query_with(&sql, args).execute(&mut *self.tx).await.map_err(crate::Error::from)?;
        }
        Ok(())
    }

    async fn finish(self) -> Result<(), store::Error> {
        // SQLite's INTEGER PRIMARY KEY takes the next id after the largest: nothing to move.
        self.tx.commit().await.map_err(crate::Error::from)?;
        Ok(())
    }
}
