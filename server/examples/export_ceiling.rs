//! The export ceiling (issue 7, `bench/export.sh`): the fastest plain read we know of the
//! rows Digna's CSV export reads, out of SQLite into a CSV file, with the same SQLite
//! build and driver as Digna (sqlx), and nothing else: no anonymization, no coding of
//! answers, no spool, no codebook, no hashes, no ZIP.
//!
//! The selection of `digna export --from … --to …` of every station: released responses
//! of the given ISO weeks and survey version, none suspect, in id order, in one read
//! transaction. One CSV line per response: station code, region, week, language,
//! respondent, age band, survey version, and every answer as the JSON object SQLite
//! builds (`json_group_object`).
//!
//! The fastest way found to get rows through sqlx, as Digna reads: pages of responses,
//! each page one row whose columns hold the page's values joined, from two ranges of ids
//! at once (two connections, two SQLite threads, one snapshot), the next page of each
//! asked for while the last one is written. One row per response (`fetch`) was three to
//! five times slower: sqlx copies every value of every row on SQLite's thread and hands
//! the rows over one by one.
//!
//!     cargo run --release -p server --example export_ceiling -- --database sqlite://bench.db \
//!         --weeks 2026-W10,2026-W11,2026-W12,2026-W13 --out ceiling.csv
//!
//! Prints one JSON object: `{"rows": …, "seconds": …, "per_second": …}`.

use clap::Parser;
use futures_util::stream::{FuturesUnordered, StreamExt};
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

#[derive(Parser)]
struct Args {
    /// The database, as DATABASE_URL spells it.
    #[arg(long)]
    database: String,
    /// The ISO weeks to read, comma-separated.
    #[arg(long)]
    weeks: String,
    /// The survey version.
    #[arg(long, default_value_t = 1)]
    version: i64,
    /// The CSV file to write.
    #[arg(long)]
    out: std::path::PathBuf,
    /// Responses per page.
    #[arg(long, default_value_t = 2048)]
    page: i64,
}

const PAGE: &str = "
    SELECT COUNT(*), max(id), group_concat(station_id), group_concat(iso_week), group_concat(language),
           group_concat(respondent), group_concat(age_band), group_concat(answers, '|')
    FROM (SELECT r.id, r.station_id, r.iso_week, r.language, COALESCE(r.respondent, '') AS respondent,
                 COALESCE(r.age_band, '') AS age_band,
                 (SELECT json_group_object(a.question_key, a.value) FROM answers a WHERE a.response_id = r.id)
                   AS answers
          FROM responses r
          WHERE r.id > ? AND r.id <= ? AND r.station_id IN (SELECT value FROM json_each(?))
            AND r.iso_week IN (SELECT value FROM json_each(?)) AND r.survey_version = ? AND r.suspect = 0
          ORDER BY r.id LIMIT ?)";

type Reader = (sqlx::Transaction<'static, sqlx::Sqlite>, Vec<u8>, Vec<u8>);
type Params = std::sync::Arc<(String, String, i64, i64)>;

/// The next page of a range (after, upto], asked for at once on a task of its own.
fn next_page(
    mut r: Reader,
    params: &Params,
) -> tokio::task::JoinHandle<(Reader, Result<sqlx::sqlite::SqliteRow, sqlx::Error>)> {
    let p = params.clone();
    tokio::spawn(async move {
        let page = sqlx::query(PAGE)
            .bind(&r.1)
            .bind(&r.2)
            .bind(&p.0)
            .bind(&p.1)
            .bind(p.2)
            .bind(p.3)
            .fetch_one(&mut *r.0)
            .await;
        (r, page)
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let pool = store_sqlite::connect(&args.database).await?;
    let weeks = serde_json::to_string(&args.weeks.split(',').collect::<Vec<_>>())?;
    let start = Instant::now();
    // Two ranges of ids, each in a read transaction of its own, both making their first
    // read while a write transaction is held: one snapshot.
    let (mut tx, mut second) = (pool.begin().await?, pool.begin().await?);
    let hold = pool.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("SELECT 1 FROM responses LIMIT 1").fetch_optional(&mut *second).await?;
    let stations: HashMap<i64, (String, String)> =
        sqlx::query_as::<_, (i64, String, String)>("SELECT id, code, region FROM stations")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|(id, code, region)| (id, (code, region)))
            .collect();
    hold.rollback().await?;
    let ids = serde_json::to_string(&stations.keys().collect::<Vec<_>>())?;
    let version = args.version.to_string();
    let file = std::io::BufWriter::with_capacity(256 * 1024, std::fs::File::create(&args.out)?);
    let mut out = csv::Writer::from_writer(file);
    let params = std::sync::Arc::new((ids, weeks, args.version, args.page));
    let middle = [vec![0x7f], vec![0xff; 16]].concat();
    let readers = vec![(tx, Vec::new(), middle.clone()), (second, middle, vec![0xff; 17])];
    let mut pages: FuturesUnordered<_> = readers.into_iter().map(|r| next_page(r, &params)).collect();
    let mut rows = 0u64;
    while let Some(done) = pages.next().await {
        let (mut reader, page) = done?;
        let page = page?;
        let n: i64 = page.try_get(0)?;
        if n == 0 {
            reader.0.commit().await?;
            continue;
        }
        reader.1 = page.try_get(1)?;
        pages.push(next_page(reader, &params));
        let column = |i: usize| -> anyhow::Result<&str> { Ok(page.try_get::<&str, _>(i)?) };
        let mut parts = [
            column(2)?.split(','),
            column(3)?.split(','),
            column(4)?.split(','),
            column(5)?.split(','),
            column(6)?.split(','),
            column(7)?.split('|'),
        ];
        for _ in 0..n {
            let mut next = |i: usize| parts[i].next().ok_or_else(|| anyhow::anyhow!("short page"));
            let (code, region) = &stations[&next(0)?.parse::<i64>()?];
            let (week, language, respondent, age_band, answers) = (next(1)?, next(2)?, next(3)?, next(4)?, next(5)?);
            out.write_record([code.as_str(), region, week, language, respondent, age_band, &version, answers])?;
            rows += 1;
        }
    }
    out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?.flush()?;
    let seconds = start.elapsed().as_secs_f64();
    println!("{}", json!({ "rows": rows, "seconds": seconds, "per_second": rows as f64 / seconds }));
    Ok(())
}
