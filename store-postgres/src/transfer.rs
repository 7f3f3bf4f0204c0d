//! Whole-database transfer on PostgreSQL (`store::transfer`): a snapshot read table by
//! table and a load into a fresh database. The statements are built from the table list
//! that both backends share (`store::transfer::TABLES`), so they cannot be checked at
//! compile time like the rest of this crate's; the transfer checks what it wrote by
//! counting and summing every table on both sides.

use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{Arguments, Postgres, Row as _, Transaction};
use store::transfer::{Kind, Row, Table, Value, SEEDED, TABLES};

/// One REPEATABLE READ, READ ONLY transaction: one snapshot of the whole database.
pub struct Snapshot {
    tx: Transaction<'static, Postgres>,
}

/// One write transaction (holding the writer lock) filling an empty database.
pub struct Load {
    tx: Transaction<'static, Postgres>,
}

/// The triggers that keep a published survey version as it is: set aside while a load
/// replaces the survey its migrations seeded with the source's, then restored.
const SURVEY_GUARDS: &[(&str, &str)] = &[
    ("survey_versions", "survey_versions_stay_published"),
    ("questions", "questions_of_published_versions_stay"),
    ("choices", "choices_of_published_versions_stay"),
    ("texts", "texts_of_published_versions_stay"),
];

pub(crate) async fn snapshot(pool: &sqlx::PgPool) -> Result<Snapshot, crate::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    Ok(Snapshot { tx })
}

pub(crate) async fn load(pool: &sqlx::PgPool) -> Result<Result<Load, String>, crate::Error> {
    let mut tx = crate::begin_write(pool).await?;
    for table in ["stations", "users", "responses", "pending_responses", "admin_audit", "export_audit"] {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let n: i64 = sqlx::query_scalar(&sql).persistent(false).fetch_one(&mut *tx).await?;
        if n > 0 {
            return Ok(Err(format!("the target database is not empty: its table {table} has {n} rows")));
        }
    }
    let versions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM survey_versions").fetch_one(&mut *tx).await?;
    if versions > 1 {
        return Ok(Err(format!("the target database is not empty: it has {versions} survey versions")));
    }
    for (table, trigger) in SURVEY_GUARDS {
        let sql = format!("ALTER TABLE {table} DISABLE TRIGGER {trigger}");
        sqlx::query(&sql).persistent(false).execute(&mut *tx).await?;
    }
    // What the migrations seeded goes; the source's comes in its place.
    for table in SEEDED.iter().rev() {
        let sql = format!("DELETE FROM {table}");
        sqlx::query(&sql).persistent(false).execute(&mut *tx).await?;
    }
    Ok(Ok(Load { tx }))
}

fn column_list(table: &Table) -> String {
    table.columns.iter().map(|(c, _)| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
}

fn bind(args: &mut PgArguments, kind: Kind, value: &Value) -> Result<(), crate::Error> {
    match (kind, value) {
        (Kind::Int, Value::Null) => args.add(None::<i64>),
        (Kind::Flag, Value::Null) => args.add(None::<bool>),
        (Kind::Text, Value::Null) => args.add(None::<String>),
        (Kind::Bytes, Value::Null) => args.add(None::<Vec<u8>>),
        (Kind::Flag, Value::Int(i)) => args.add(*i != 0),
        (_, Value::Int(i)) => args.add(*i),
        (_, Value::Text(t)) => args.add(t.clone()),
        (_, Value::Bytes(b)) => args.add(b.clone()),
    }
    .map_err(sqlx::Error::Encode)?;
    Ok(())
}

fn read(table: &Table, row: &PgRow) -> Result<Row, crate::Error> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, (_, kind))| {
            Ok(match kind {
                Kind::Int => row.try_get::<Option<i64>, _>(i)?.map_or(Value::Null, Value::Int),
                Kind::Flag => row.try_get::<Option<bool>, _>(i)?.map_or(Value::Null, |b| Value::Int(i64::from(b))),
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
        let mut args = PgArguments::default();
        let mut sql = format!("SELECT {} FROM \"{}\"", column_list(table), table.name);
        if table.key.is_empty() {
            if after.is_some() {
                return Ok(Vec::new());
            }
        } else {
            let keys = table.key.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ");
            if let Some(after) = after {
                let marks = (1..=after.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
                sql.push_str(&format!(" WHERE ({keys}) > ({marks})"));
                for (position, value) in table.key_positions().into_iter().zip(after) {
                    bind(&mut args, table.columns[position].1, value)?;
                }
            }
            let n = after.map_or(0, <[Value]>::len) + 1;
            sql.push_str(&format!(" ORDER BY {keys} LIMIT ${n}"));
            args.add(limit).map_err(sqlx::Error::Encode).map_err(crate::Error::from)?;
        }
        let rows = sqlx::query_with(&sql, args).fetch_all(&mut *self.tx).await.map_err(crate::Error::from)?;
        Ok(rows.iter().map(|r| read(table, r)).collect::<Result<_, _>>()?)
    }
}

/// Values per statement: PostgreSQL allows 65,535 parameters in one.
const VALUES_PER_STATEMENT: usize = 60_000;

impl store::transfer::Load for Load {
    async fn write(&mut self, table: &'static Table, rows: &[Row]) -> Result<(), store::Error> {
        let width = table.columns.len();
        for chunk in rows.chunks((VALUES_PER_STATEMENT / width).max(1)) {
            let mut args = PgArguments::default();
            let mut tuples = Vec::with_capacity(chunk.len());
            for (r, row) in chunk.iter().enumerate() {
                let marks = (1..=width).map(|c| format!("${}", r * width + c)).collect::<Vec<_>>().join(", ");
                tuples.push(format!("({marks})"));
                for ((_, kind), value) in table.columns.iter().zip(row) {
                    bind(&mut args, *kind, value)?;
                }
            }
            let sql = format!("INSERT INTO \"{}\" ({}) VALUES {}", table.name, column_list(table), tuples.join(", "));
            sqlx::query_with(&sql, args).execute(&mut *self.tx).await.map_err(crate::Error::from)?;
        }
        Ok(())
    }

    async fn finish(mut self) -> Result<(), store::Error> {
        for (table, trigger) in SURVEY_GUARDS {
            let sql = format!("ALTER TABLE {table} ENABLE TRIGGER {trigger}");
            sqlx::query(&sql).persistent(false).execute(&mut *self.tx).await.map_err(crate::Error::from)?;
        }
        // Ids written as they were: the next one the database gives follows the largest.
        for table in TABLES.iter().filter(|t| t.identity) {
            let name = table.name;
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {name}"
            );
            sqlx::query(&sql).persistent(false).execute(&mut *self.tx).await.map_err(crate::Error::from)?;
        }
        self.tx.commit().await.map_err(crate::Error::from)?;
        Ok(())
    }
}
