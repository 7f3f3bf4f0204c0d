//! The export ceiling (issue 7, `bench/export.sh`): the fastest plain read of the rows
//! Digna's CSV export reads, out of SQLite into a CSV file, with the same SQLite build
//! and the same driver as Digna (sqlx, streamed), and nothing else: no anonymization, no
//! coding of answers, no codebook, no hashes, no ZIP.
//!
//! The same selection as `digna export --from 2026-03-01 --to 2026-03-31` of every
//! station: released responses of those ISO weeks, survey version 1, none suspect; one
//! line per response with its station, region, week, language, profile and every
//! answer (as `key=value;…`), in id order, read in one transaction.
//!
//!     cargo run --release -p server --example export_ceiling -- --database sqlite://bench.db \
//!         --weeks 2026-W10,2026-W11,2026-W12,2026-W13 --out ceiling.csv
//!
//! Prints one JSON object: `{"rows": …, "seconds": …, "per_second": …}`.

use clap::Parser;
use futures_util::TryStreamExt;
use serde_json::json;
use sqlx::Row;
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
    /// The CSV file to write.
    #[arg(long)]
    out: std::path::PathBuf,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let pool = app::db::connect(&args.database).await?;
    let channel: usize = std::env::var("CHANNEL").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    let options = (*pool.connect_options()).clone().row_buffer_size(channel);
    let pool = sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
    let weeks: Vec<&str> = args.weeks.split(',').collect();
    let start = Instant::now();
    let mut conn = pool.acquire().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let stations: Vec<i64> = sqlx::query_scalar("SELECT id FROM stations").fetch_all(&mut *tx).await?;
    let mut out =
        csv::Writer::from_writer(std::io::BufWriter::with_capacity(256 * 1024, std::fs::File::create(&args.out)?));
    let mut rows = 0u64;
    let variant = std::env::var("VARIANT").unwrap_or_default();
    let stations_json = serde_json::to_string(&stations)?;
    let weeks_json = serde_json::to_string(&weeks)?;
    if variant == "paged" {
        let page: i64 = std::env::var("PAGE").ok().and_then(|v| v.parse().ok()).unwrap_or(512);
        let names: std::collections::HashMap<i64, (String, String)> =
            sqlx::query_as::<_, (i64, String, String)>("SELECT id, code, region FROM stations")
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .map(|(id, c, r)| (id, (c, r)))
                .collect();
        let mut last: Vec<u8> = vec![];
        loop {
            let row = sqlx::query(
                "SELECT max(id), count(*), group_concat(station_id), group_concat(iso_week), group_concat(language),
                        group_concat(respondent), group_concat(age_band), group_concat(answers, '|')
                 FROM (SELECT r.id, r.station_id, r.iso_week, r.language, COALESCE(r.respondent, '') AS respondent,
                              COALESCE(r.age_band, '') AS age_band,
                              COALESCE((SELECT group_concat(a.question_key || '=' || a.value, ';') FROM answers a
                                        WHERE a.response_id = r.id), '') AS answers
                       FROM responses r
                       WHERE r.id > ? AND r.station_id IN (SELECT value FROM json_each(?))
                         AND r.iso_week IN (SELECT value FROM json_each(?)) AND r.survey_version = 1 AND r.suspect = 0
                       ORDER BY r.id LIMIT ?)",
            )
            .bind(&last)
            .bind(&stations_json)
            .bind(&weeks_json)
            .bind(page)
            .fetch_one(&mut *tx)
            .await?;
            let n: i64 = row.try_get(1)?;
            if n == 0 {
                break;
            }
            last = row.try_get::<Vec<u8>, _>(0)?;
            let col = |i: usize| -> anyhow::Result<&str> { Ok(row.try_get::<&str, _>(i)?) };
            let (st, wk, la, re, ag, an) = (col(2)?, col(3)?, col(4)?, col(5)?, col(6)?, col(7)?);
            let mut it = (st.split(','), wk.split(','), la.split(','), re.split(','), ag.split(','), an.split('|'));
            for _ in 0..n {
                let id: i64 = it.0.next().unwrap_or("0").parse()?;
                let (code, region) = &names[&id];
                out.write_field(code)?;
                out.write_field(region)?;
                out.write_field(it.1.next().unwrap_or(""))?;
                out.write_field(it.2.next().unwrap_or(""))?;
                out.write_field(it.3.next().unwrap_or(""))?;
                out.write_field(it.4.next().unwrap_or(""))?;
                out.write_field("1")?;
                out.write_field(it.5.next().unwrap_or(""))?;
                out.write_record(None::<&[u8]>)?;
                rows += 1;
            }
        }
    } else if variant == "one" {
        let stream = sqlx::query(
            "SELECT s.code || ',' || s.region || ',' || r.iso_week || ',' || r.language || ',' || COALESCE(r.respondent, '')
                    || ',' || COALESCE(r.age_band, '') || ',' || r.survey_version || ',' ||
                    COALESCE((SELECT group_concat(a.question_key || '=' || a.value, ';') FROM answers a WHERE a.response_id = r.id), '')
             FROM responses r JOIN stations s ON s.id = r.station_id
             WHERE r.station_id IN (SELECT value FROM json_each(?)) AND r.iso_week IN (SELECT value FROM json_each(?))
               AND r.survey_version = 1 AND r.suspect = 0
             ORDER BY r.id",
        )
        .bind(&stations_json)
        .bind(&weeks_json)
        .fetch(&mut *tx);
        let pause: u64 = std::env::var("PAUSE_US").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
        let mut stream = Batched { inner: stream, sleep: None, pause: std::time::Duration::from_micros(pause) };
        while let Some(row) = stream.try_next().await? {
            out.write_field(row.try_get::<&str, _>(0)?)?;
            out.write_record(None::<&[u8]>)?;
            rows += 1;
        }
    } else {
        let stream = sqlx::query(
            "SELECT s.code, s.region, r.iso_week, r.language, COALESCE(r.respondent, ''), COALESCE(r.age_band, ''),
                    r.survey_version,
                    (SELECT group_concat(a.question_key || '=' || a.value, ';') FROM answers a WHERE a.response_id = r.id)
             FROM responses r JOIN stations s ON s.id = r.station_id
             WHERE r.station_id IN (SELECT value FROM json_each(?)) AND r.iso_week IN (SELECT value FROM json_each(?))
               AND r.survey_version = 1 AND r.suspect = 0
             ORDER BY r.id",
        )
        .bind(&stations_json)
        .bind(&weeks_json)
        .fetch(&mut *tx);
        let pause: u64 = std::env::var("PAUSE_US").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
        let mut stream = Batched { inner: stream, sleep: None, pause: std::time::Duration::from_micros(pause) };
        while let Some(row) = stream.try_next().await? {
            for i in 0..6 {
                out.write_field(row.try_get::<&str, _>(i)?)?;
            }
            out.write_field(row.try_get::<i64, _>(6)?.to_string())?;
            out.write_field(row.try_get::<Option<&str>, _>(7)?.unwrap_or(""))?;
            out.write_record(None::<&[u8]>)?;
            rows += 1;
        }
    }
    tx.commit().await?;
    out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?.flush()?;
    let seconds = start.elapsed().as_secs_f64();
    println!("{}", json!({ "rows": rows, "seconds": seconds, "per_second": rows as f64 / seconds }));
    Ok(())
}

struct Batched<S> {
    inner: S,
    sleep: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
    pause: std::time::Duration,
}

impl<S: futures_util::Stream + Unpin> futures_util::Stream for Batched<S> {
    type Item = S::Item;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<S::Item>> {
        use std::future::Future;
        use std::task::Poll;
        if self.pause.is_zero() {
            return std::pin::Pin::new(&mut self.inner).poll_next(cx);
        }
        loop {
            if let Some(sleep) = self.sleep.as_mut() {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                self.sleep = None;
            }
            let mut quiet = std::task::Context::from_waker(futures_util::task::noop_waker_ref());
            match std::pin::Pin::new(&mut self.inner).poll_next(&mut quiet) {
                Poll::Ready(item) => return Poll::Ready(item),
                Poll::Pending => {
                    let pause = self.pause;
                    self.sleep = Some(Box::pin(tokio::time::sleep(pause)));
                }
            }
        }
    }
}
