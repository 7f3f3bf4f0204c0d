//! The naive baseline of the dashboards benchmark (issue 7, `bench/dashboards.sh`): the
//! numbers each dashboard page shows, computed with `GROUP BY` over the raw `responses`
//! and `answers` tables instead of the roll-ups, timed in the same process and the same
//! run as the pages.
//!
//! Each page's queries mirror those of `store_sqlite::dashboard` one for one, with the same
//! filters (the pages' default: the last 12 ISO weeks, every survey version and language,
//! suspect responses left out), the same grouping and the same joins, reading
//! `responses JOIN answers` where the page reads `response_rollups` and `answer_rollups`:
//!
//! - overview: per station and week of the period and of the one before, the responses
//!   and the index answers by question and value, for every station in scope;
//! - station: the same for one station over the period, every answer by question and
//!   value, the responses and index answers by language and profile, and the survey
//!   versions present;
//! - compare: per station and week, the responses and index answers of the stations of
//!   the groups compared.
//!
//! It also runs the roll-up queries (`--check`) and checks that both give the same
//! numbers, so the baseline is known to compute what the pages show.
//!
//! On PostgreSQL (`--db postgres://…`) the same queries run in its dialect
//! ([`postgres_dialect`]: `= ANY($1)` for the list of stations, booleans as booleans,
//! `SUM`s cast back to `BIGINT`), mirroring `store_postgres::dashboard`.
//!
//!     cargo run --release -p server --example dashboard_baseline -- --db bench.db \
//!         --station LIMC-001 --items s:LIMC-001,s:CUSC-002,r:Puno --repeat 10
//!
//! Prints one JSON object: `{"overview_ms": …, "station_ms": …, "compare_ms": …, …}`, the
//! median of the timed runs (the first run is a warm-up and is not counted).

use clap::Parser;
use serde_json::json;
use sqlx::{PgPool, Row, SqlitePool};
use std::collections::BTreeMap;
use std::time::Instant;

#[derive(Parser)]
struct Args {
    /// The database (seeded with `digna seed-demo --responses …`): a SQLite file, or a
    /// `postgres://` URL.
    #[arg(long)]
    db: String,
    /// The station page's station, by code.
    #[arg(long)]
    station: String,
    /// The comparison's items, as the page takes them: s:CODE and r:Region, comma separated.
    #[arg(long)]
    items: String,
    /// Runs of each page; the first is a warm-up.
    #[arg(long, default_value_t = 10)]
    repeat: usize,
    /// Also compute each page's numbers from the roll-ups and require them equal.
    #[arg(long)]
    check: bool,
}

/// The pages' default period: the last 12 ISO weeks up to this week, and the 12 before.
struct Period {
    from: String,
    to: String,
    previous_from: String,
}

fn period() -> Period {
    let week = |weeks_ago: i64| {
        domain::time::calendar::iso_week_label(chrono::Utc::now() - chrono::Duration::weeks(weeks_ago), "America/Lima")
    };
    Period { from: week(11), to: week(0), previous_from: week(23) }
}

/// A page's numbers, as (what, key…) → count, to compare the baseline with the roll-ups.
type Numbers = BTreeMap<String, i64>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let pool = if args.db.starts_with("postgres://") {
        Db::Postgres(store_postgres::connect(&args.db, 2).await?)
    } else {
        Db::Sqlite(store_sqlite::connect(&format!("sqlite://{}", args.db)).await?)
    };
    let p = period();
    let mut stations = match &pool {
        Db::Sqlite(pool) => store_sqlite::stations::list_all(pool).await?,
        Db::Postgres(pool) => store_postgres::stations::list_all(pool).await?,
    };
    stations.sort_by(|a, b| a.code.cmp(&b.code));
    let all: Vec<i64> = stations.iter().map(|s| s.id).collect();
    let station: i64 = stations
        .iter()
        .find(|s| s.code == args.station)
        .map(|s| s.id)
        .ok_or_else(|| anyhow::anyhow!("no station {}", args.station))?;
    let mut compared: Vec<i64> = Vec::new();
    for item in args.items.split(',').map(str::trim) {
        let ids: Vec<i64> = if let Some(code) = item.strip_prefix("s:") {
            stations.iter().filter(|s| s.code == code).map(|s| s.id).collect()
        } else if let Some(region) = item.strip_prefix("r:") {
            stations.iter().filter(|s| s.region == region).map(|s| s.id).collect()
        } else {
            anyhow::bail!("an item is s:CODE or r:Region, not {item:?}");
        };
        anyhow::ensure!(!ids.is_empty(), "{item:?} names no station");
        compared.extend(ids);
    }
    compared.sort_unstable();
    compared.dedup();

    let mut out = serde_json::Map::new();
    for (page, ids, from) in
        [("overview", &all, &p.previous_from), ("station", &vec![station], &p.from), ("compare", &compared, &p.from)]
    {
        let mut times = Vec::with_capacity(args.repeat);
        let mut numbers = Numbers::new();
        for _ in 0..args.repeat.max(2) {
            let start = Instant::now();
            numbers = page_numbers(&pool, page, Source::Raw, ids, station, from, &p.to).await?;
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        let median = median(&times[1..]);
        out.insert(format!("{page}_ms"), json!(median));
        out.insert(format!("{page}_numbers"), json!(numbers.len()));
        if args.check {
            let rollups = page_numbers(&pool, page, Source::Rollups, ids, station, from, &p.to).await?;
            anyhow::ensure!(
                rollups == numbers,
                "{page}: the raw rows and the roll-ups disagree ({} and {} numbers)",
                numbers.len(),
                rollups.len()
            );
        }
        eprintln!("{page}: {median:.1} ms over the raw rows ({} numbers)", numbers.len());
    }
    out.insert("checked".into(), json!(args.check));
    out.insert("from".into(), json!(p.from));
    out.insert("to".into(), json!(p.to));
    out.insert("stations".into(), json!(all.len()));
    out.insert("compared_stations".into(), json!(compared.len()));
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}

/// The seeded database, on either backend.
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Clone, Copy, PartialEq)]
enum Source {
    Raw,
    Rollups,
}

/// The numbers one page shows before suppression, from the raw rows or the roll-ups.
async fn page_numbers(
    pool: &Db,
    page: &str,
    source: Source,
    ids: &[i64],
    station: i64,
    from: &str,
    to: &str,
) -> anyhow::Result<Numbers> {
    let mut numbers = Numbers::new();
    // Per station and week: responses, and index answers by question and value.
    let weekly_responses = match source {
        Source::Raw => {
            "SELECT station_id, iso_week, COUNT(*) FROM responses
             WHERE station_id IN (SELECT value FROM json_each(?)) AND iso_week BETWEEN ? AND ? AND suspect = 0
             GROUP BY station_id, iso_week"
        }
        Source::Rollups => {
            "SELECT station_id, iso_week, SUM(responses) FROM response_rollups
             WHERE station_id IN (SELECT value FROM json_each(?)) AND iso_week BETWEEN ? AND ? AND suspect = 0
             GROUP BY station_id, iso_week"
        }
    };
    let weekly_answers = match source {
        Source::Raw => {
            "SELECT r.station_id, r.iso_week, a.question_key, a.value, COUNT(*)
             FROM responses r
             JOIN answers a ON a.response_id = r.id
             JOIN questions q ON q.survey_version = r.survey_version AND q.key = a.question_key
             WHERE r.station_id IN (SELECT value FROM json_each(?)) AND r.iso_week BETWEEN ? AND ? AND q.in_index = 1
               AND r.suspect = 0
             GROUP BY r.station_id, r.iso_week, a.question_key, a.value"
        }
        Source::Rollups => {
            "SELECT a.station_id, a.iso_week, a.question_key, a.value, SUM(a.answers)
             FROM answer_rollups a
             JOIN questions q ON q.survey_version = a.survey_version AND q.key = a.question_key
             WHERE a.station_id IN (SELECT value FROM json_each(?)) AND a.iso_week BETWEEN ? AND ? AND q.in_index = 1
               AND a.suspect = 0
             GROUP BY a.station_id, a.iso_week, a.question_key, a.value"
        }
    };
    let labels =
        "SELECT id, code, name, region, CAST(1 AS BIGINT) FROM stations WHERE id IN (SELECT value FROM json_each(?))
                  ORDER BY region, code";
    let mut stations = Numbers::new();
    collect(pool, &mut stations, "station", labels, &[Bind::Ids(ids)]).await?;
    numbers.insert("stations".into(), stations.len() as i64);
    collect(pool, &mut numbers, "week", weekly_responses, &[Bind::Ids(ids), Bind::Text(from), Bind::Text(to)]).await?;
    collect(pool, &mut numbers, "week-answer", weekly_answers, &[Bind::Ids(ids), Bind::Text(from), Bind::Text(to)])
        .await?;
    if page != "station" {
        return Ok(numbers);
    }
    // The station page also shows every answer, the profiles and the versions.
    let (answers, profiles, profile_answers, versions) = match source {
        Source::Raw => (
            "SELECT a.question_key, a.value, COUNT(*) FROM responses r JOIN answers a ON a.response_id = r.id
             WHERE r.station_id = ? AND r.iso_week BETWEEN ? AND ? AND r.suspect = 0
             GROUP BY a.question_key, a.value",
            "SELECT language, COALESCE(respondent, ''), COALESCE(age_band, ''), COUNT(*) FROM responses
             WHERE station_id = ? AND iso_week BETWEEN ? AND ? AND suspect = 0
             GROUP BY language, COALESCE(respondent, ''), COALESCE(age_band, '')",
            "SELECT r.language, COALESCE(r.respondent, ''), COALESCE(r.age_band, ''), a.question_key, a.value, COUNT(*)
             FROM responses r
             JOIN answers a ON a.response_id = r.id
             JOIN questions q ON q.survey_version = r.survey_version AND q.key = a.question_key
             WHERE r.station_id = ? AND r.iso_week BETWEEN ? AND ? AND q.in_index = 1 AND r.suspect = 0
             GROUP BY r.language, COALESCE(r.respondent, ''), COALESCE(r.age_band, ''), a.question_key, a.value",
            "SELECT survey_version, COUNT(*) FROM responses
             WHERE station_id = ? AND iso_week BETWEEN ? AND ? AND suspect = 0
             GROUP BY survey_version",
        ),
        Source::Rollups => (
            "SELECT question_key, value, SUM(answers) FROM answer_rollups
             WHERE station_id = ? AND iso_week BETWEEN ? AND ? AND suspect = 0
             GROUP BY question_key, value",
            "SELECT language, respondent, age_band, SUM(responses) FROM response_rollups
             WHERE station_id = ? AND iso_week BETWEEN ? AND ? AND suspect = 0
             GROUP BY language, respondent, age_band",
            "SELECT a.language, a.respondent, a.age_band, a.question_key, a.value, SUM(a.answers)
             FROM answer_rollups a
             JOIN questions q ON q.survey_version = a.survey_version AND q.key = a.question_key
             WHERE a.station_id = ? AND a.iso_week BETWEEN ? AND ? AND q.in_index = 1 AND a.suspect = 0
             GROUP BY a.language, a.respondent, a.age_band, a.question_key, a.value",
            "SELECT survey_version, SUM(responses) FROM response_rollups
             WHERE station_id = ? AND iso_week BETWEEN ? AND ? AND suspect = 0
             GROUP BY survey_version",
        ),
    };
    let binds = [Bind::Int(station), Bind::Text(from), Bind::Text(to)];
    collect(pool, &mut numbers, "answer", answers, &binds).await?;
    collect(pool, &mut numbers, "profile", profiles, &binds).await?;
    collect(pool, &mut numbers, "profile-answer", profile_answers, &binds).await?;
    collect(pool, &mut numbers, "version", versions, &binds).await?;
    Ok(numbers)
}

enum Bind<'a> {
    Int(i64),
    Text(&'a str),
    /// Station ids: a JSON array read by `json_each` on SQLite, an array on PostgreSQL.
    Ids(&'a [i64]),
}

/// Runs a grouped query (written for SQLite, translated for PostgreSQL) whose last
/// column is a count, keyed by the other columns.
async fn collect(pool: &Db, numbers: &mut Numbers, what: &str, sql: &str, binds: &[Bind<'_>]) -> anyhow::Result<()> {
    macro_rules! run {
        ($pool:expr, $sql:expr, $ids:expr) => {{
            let mut query = sqlx::query($sql);
            for b in binds {
                query = match b {
                    Bind::Int(n) => query.bind(*n),
                    Bind::Text(s) => query.bind(*s),
                    Bind::Ids(ids) => query.bind($ids(ids)),
                };
            }
            for row in query.fetch_all($pool).await? {
                let last = row.len() - 1;
                let mut key = what.to_string();
                for i in 0..last {
                    let part = match row.try_get::<String, _>(i) {
                        Ok(s) => s,
                        Err(_) => row.try_get::<i64, _>(i)?.to_string(),
                    };
                    key.push('|');
                    key.push_str(&part);
                }
                numbers.insert(key, row.try_get::<i64, _>(last)?);
            }
        }};
    }
    match pool {
        Db::Sqlite(pool) => run!(pool, sql, json_ids),
        Db::Postgres(pool) => {
            let sql = postgres_dialect(sql);
            run!(pool, &sql, |ids: &[i64]| ids.to_vec())
        }
    }
    Ok(())
}

fn json_ids(ids: &[i64]) -> String {
    format!("[{}]", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
}

/// A query of this file in PostgreSQL's dialect: numbered parameters, the list of
/// stations as an array, booleans compared as booleans, and `SUM`s (which PostgreSQL
/// returns as `NUMERIC`) cast back to `BIGINT`.
fn postgres_dialect(sql: &str) -> String {
    let sql = sql
        .replace("IN (SELECT value FROM json_each(?))", "= ANY(?)")
        .replace("r.suspect = 0", "NOT r.suspect")
        .replace("a.suspect = 0", "NOT a.suspect")
        .replace(" suspect = 0", " NOT suspect")
        .replace("in_index = 1", "in_index");
    let sql = sums_as_bigint(&sql);
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

/// `SUM(x)` as `SUM(x)::BIGINT` (the sums here hold no parentheses of their own).
fn sums_as_bigint(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(i) = rest.find("SUM(") {
        let close = rest[i..].find(')').map_or(rest.len(), |j| i + j + 1);
        out.push_str(&rest[..close]);
        out.push_str("::BIGINT");
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

fn median(xs: &[f64]) -> f64 {
    let mut xs = xs.to_vec();
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => 0.0,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}
