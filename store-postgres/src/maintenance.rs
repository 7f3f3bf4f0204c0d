//! Keeping the database: purging old raw responses (the roll-ups stay) and checking a
//! database before it is trusted.

pub use store::maintenance::Contents;

use chrono::NaiveDate;
use sqlx::PgPool;

/// Deletes released responses (and their answers) labelled with a week before `cutoff`.
/// The roll-ups the dashboards read are kept. Returns how many responses went.
///
/// PostgreSQL keeps a deleted row on disk until a VACUUM frees its space (SQLite's
/// `secure_delete` overwrites it at once): run [`vacuum_purged`] once this committed.
pub async fn purge_responses_before(conn: &mut sqlx::PgConnection, cutoff: &str) -> Result<u64, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    sqlx::query!("DELETE FROM answers WHERE response_id IN (SELECT id FROM responses WHERE iso_week < $1)", cutoff)
        .execute(&mut *tx)
        .await?;
    let done = sqlx::query!("DELETE FROM responses WHERE iso_week < $1", cutoff).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// Frees the space of the rows a purge deleted, so that new rows come to overwrite them
/// instead of their staying readable in the files until autovacuum gets round to it
/// (which, on tables that are only ever appended to, can be never). Runs outside any
/// transaction (VACUUM cannot run inside one). Rows a still-open snapshot may read (a
/// long export) are freed by a later VACUUM.
pub async fn vacuum_purged(pool: &PgPool) -> Result<(), crate::Error> {
    sqlx::raw_sql("VACUUM answers, responses").execute(pool).await?;
    Ok(())
}

/// The Monday of the first week any response was released under (from the roll-ups,
/// which retention keeps, or the rows); `None` before the first release.
pub async fn first_release_day(pool: &PgPool) -> Result<Option<NaiveDate>, crate::Error> {
    let week = sqlx::query_scalar!(
        r#"SELECT MIN(week) AS "week?" FROM (
             SELECT MIN(iso_week) AS week FROM response_rollups UNION ALL SELECT MIN(iso_week) FROM responses
           ) AS weeks"#
    )
    .fetch_one(pool)
    .await?;
    Ok(week.as_deref().and_then(domain::time::calendar::iso_week_monday))
}

/// How many released responses carry a week before `cutoff` (what a purge would delete).
pub async fn responses_before(pool: &PgPool, cutoff: &str) -> Result<i64, crate::Error> {
    Ok(sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!" FROM responses WHERE iso_week < $1"#, cutoff)
        .fetch_one(pool)
        .await?)
}

/// Checks a database (a backup, or the live one): its integrity and what it holds, the
/// counts from one snapshot.
///
/// PostgreSQL has no `PRAGMA integrity_check`. The verdict is `ok` unless the server
/// counted data-page checksum failures in this database (when the cluster has
/// checksums), or, when the `amcheck` extension is installed in it (Digna does not
/// install it) and the role may use it, `amcheck` finds a B-tree index or a table of the
/// schema corrupt: then the first problems found.
pub async fn inspect(pool: &PgPool) -> Result<Contents, crate::Error> {
    let integrity = integrity(pool).await?;
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    let counts = sqlx::query!(
        r#"SELECT (SELECT COUNT(*) FROM stations) AS "stations!", (SELECT COUNT(*) FROM responses) AS "responses!""#
    )
    .fetch_one(&mut *tx)
    .await?;
    // sqlx's own table, not in the schema the macros check against.
    let schema_version: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations").fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(Contents { integrity, stations: counts.stations, responses: counts.responses, schema_version })
}

/// At most this many problems are reported, as SQLite's integrity check stops at its first.
const PROBLEMS: usize = 10;

/// `ok`, or the first problems found (see [`inspect`]).
async fn integrity(pool: &PgPool) -> Result<String, crate::Error> {
    let mut problems = Vec::new();
    let failures =
        sqlx::query_scalar!("SELECT checksum_failures FROM pg_stat_database WHERE datname = current_database()")
            .fetch_optional(pool)
            .await?
            .flatten();
    if let Some(n) = failures.filter(|n| *n > 0) {
        problems.push(format!("{n} data page checksum failures"));
    }
    let amcheck =
        sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'amcheck') AS "e!""#)
            .fetch_one(pool)
            .await?;
    if amcheck {
        amcheck_problems(pool, &mut problems).await?;
    }
    problems.truncate(PROBLEMS);
    Ok(if problems.is_empty() { "ok".into() } else { problems.join("; ") })
}

/// What `amcheck` finds wrong with the schema's B-tree indexes and tables, added to
/// `problems`; nothing when the role may not run it.
async fn amcheck_problems(pool: &PgPool, problems: &mut Vec<String>) -> Result<(), crate::Error> {
    let relations = sqlx::query!(
        r#"SELECT c.oid::regclass::TEXT AS "name!", c.relkind::TEXT = 'i' AS "index!"
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_am a ON a.oid = c.relam
           WHERE n.nspname = current_schema()
             AND (c.relkind = 'r' OR (c.relkind = 'i' AND a.amname = 'btree'))
           ORDER BY c.relkind, c.relname"#
    )
    .fetch_all(pool)
    .await?;
    for relation in relations {
        // amcheck's functions are not in the schema the macros check against.
        let checked = if relation.index {
            sqlx::query("SELECT bt_index_check($1::TEXT::regclass)")
                .bind(&relation.name)
                .execute(pool)
                .await
                .map(|_| Vec::new())
        } else {
            sqlx::query_scalar::<_, String>("SELECT msg FROM verify_heapam($1::TEXT::regclass) LIMIT 1")
                .bind(&relation.name)
                .fetch_all(pool)
                .await
        };
        match checked {
            Ok(found) => problems.extend(found.into_iter().map(|msg| format!("{}: {msg}", relation.name))),
            Err(sqlx::Error::Database(e)) => match e.code().as_deref() {
                // Corruption found (data_corrupted, index_corrupted, …).
                Some(code) if code.starts_with("XX") => problems.push(format!("{}: {}", relation.name, e.message())),
                // Not allowed to run amcheck, or an amcheck too old for heap checks.
                Some("42501") | Some("42883") => return Ok(()),
                _ => return Err(sqlx::Error::Database(e).into()),
            },
            Err(e) => return Err(e.into()),
        }
        if problems.len() >= PROBLEMS {
            break;
        }
    }
    Ok(())
}

/// What a database holds, for a seed that fills only an empty one: stations, released
/// responses, and whether any response waits for release (never how many).
pub async fn holdings(pool: &PgPool) -> Result<(i64, i64, bool), crate::Error> {
    let held = sqlx::query!(
        r#"SELECT (SELECT COUNT(*) FROM stations) AS "stations!",
                  (SELECT COUNT(*) FROM responses) AS "responses!",
                  EXISTS (SELECT 1 FROM pending_responses) AS "pending!""#
    )
    .fetch_one(pool)
    .await?;
    Ok((held.stations, held.responses, held.pending))
}

/// How many response and answer roll-up rows the stations `ids` have.
pub async fn rollup_rows(pool: &PgPool, ids: &[i64]) -> Result<(i64, i64), crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT (SELECT COUNT(*) FROM response_rollups WHERE station_id = ANY($1)) AS "responses!",
                  (SELECT COUNT(*) FROM answer_rollups WHERE station_id = ANY($1)) AS "answers!""#,
        ids
    )
    .fetch_one(pool)
    .await?;
    Ok((rows.responses, rows.answers))
}

/// Every pending record of a database: (station, id, sealed), by id (random): a table's
/// physical order on PostgreSQL follows arrival, and is never handed out.
pub async fn pending_records(pool: &PgPool) -> Result<Vec<(i64, Vec<u8>, Vec<u8>)>, crate::Error> {
    let rows = sqlx::query!("SELECT id, station_id, sealed FROM pending_responses ORDER BY id").fetch_all(pool).await?;
    Ok(rows.into_iter().map(|r| (r.station_id, r.id, r.sealed)).collect())
}

/// Rewrites the pending records' table (`VACUUM FULL`), so that the sealed records
/// releases deleted are no longer in the database's files: PostgreSQL has no
/// `secure_delete`, and a deleted row stays readable in its page (to whoever can read the
/// data directory) until the page is reused. The table holds only what waits for a
/// release, so the rewrite is short; submissions arriving meanwhile wait for it.
pub async fn scrub_pending(pool: &PgPool) -> Result<(), crate::Error> {
    sqlx::raw_sql("VACUUM (FULL) pending_responses").execute(pool).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::privacy::release::ReleasedRow;

    /// The bytes of `table`'s file on disk (the test cluster's owner reads its files).
    async fn table_file(pool: &PgPool, table: &str) -> Vec<u8> {
        sqlx::query("CHECKPOINT").execute(pool).await.unwrap();
        let dir: String = sqlx::query_scalar("SELECT current_setting('data_directory')").fetch_one(pool).await.unwrap();
        let file: String =
            sqlx::query_scalar("SELECT pg_relation_filepath($1::regclass)").bind(table).fetch_one(pool).await.unwrap();
        std::fs::read(std::path::Path::new(&dir).join(file)).unwrap_or_default()
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[tokio::test]
    async fn a_released_record_is_gone_from_the_files_once_scrubbed() {
        let pool = crate::testing::pool().await;
        let station =
            sqlx::query_scalar!("INSERT INTO stations (code, name, region) VALUES ('LIM-01', 'n', 'r') RETURNING id")
                .fetch_one(&pool)
                .await
                .unwrap();
        let marker = b"a sealed record that a release opened and deleted".repeat(4);
        sqlx::query!(
            "INSERT INTO pending_responses (id, station_id, sealed) VALUES ($1, $2, $3)",
            &[7u8; 16],
            station,
            &marker
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query!("DELETE FROM pending_responses WHERE id = $1", &[7u8; 16]).execute(&pool).await.unwrap();
        assert!(
            contains(&table_file(&pool, "pending_responses").await, &marker),
            "PostgreSQL keeps a deleted row readable in its table's file (what this guards against)"
        );
        scrub_pending(&pool).await.unwrap();
        assert!(!contains(&table_file(&pool, "pending_responses").await, &marker), "rewritten without it");
    }

    #[tokio::test]
    async fn amcheck_when_installed_finds_a_sound_database_ok() {
        let pool = crate::testing::pool().await;
        let station =
            sqlx::query_scalar!("INSERT INTO stations (code, name, region) VALUES ('LIM-01', 'n', 'r') RETURNING id")
                .fetch_one(&pool)
                .await
                .unwrap();
        let row = ReleasedRow {
            survey_version: 1,
            language: "es".into(),
            respondent: None,
            age_band: None,
            suspect: false,
            answers: vec![("respect".into(), "4".into())],
        };
        let rows: Vec<_> = (0..50u8).map(|i| (vec![i; 16], row.clone())).collect();
        let mut tx = crate::begin_write(&pool).await.unwrap();
        crate::release::write_released_rows(&mut tx, station, "2019-W50", &rows).await.unwrap();
        tx.commit().await.unwrap();
        let mut conn = pool.acquire().await.unwrap();
        assert_eq!(purge_responses_before(&mut conn, "2020-W01").await.unwrap(), 50);
        vacuum_purged(&pool).await.unwrap();
        sqlx::raw_sql("CREATE EXTENSION amcheck").execute(&pool).await.unwrap();
        let contents = inspect(&pool).await.unwrap();
        assert_eq!(contents.integrity, "ok");
        assert_eq!((contents.stations, contents.responses), (1, 0));
        assert_eq!(contents.schema_version, crate::newest_migration());
    }
}
