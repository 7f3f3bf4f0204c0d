//! The ingest ceiling (issue 7, `bench/ingest.sh`): the same response rows Digna stores
//! for `POST /api/v1/responses`, written straight into SQLite by one process as fast as it
//! can, with no HTTP, no token lookup, no JSON and no survey check.
//!
//! Same schema (the migrations, on a fresh temporary database), same durability
//! (`store_sqlite::connect`: WAL, synchronous FULL, secure delete), same storage code (the
//! `store_sqlite::responses` function Digna's writer calls), same batching policy (as many
//! submissions per transaction as Digna's group commit takes at most). Releases run on a
//! schedule, not on the ingest path: after the timed phases every station is released
//! once, as its nightly release would, and that is timed on its own.
//!
//! Then the same at a fixed offered rate (`--rate`, `--seconds`), through a writer that
//! groups submissions as Digna's does: the latency from a submission's scheduled arrival
//! to its durable commit, what the storage alone allows Digna at that rate.
//!
//!     cargo run --release -p server --example ingest_ceiling -- --count 20000 --stations 100
//!
//! Prints one JSON object: `{"submissions": …, "seconds": …, "per_second": …, …}`.

use clap::Parser;
use domain::time::calendar::iso_week_label;
use domain::{Name, StationCode, Submission, SubmissionBody};
use rand::Rng;
use serde_json::json;
use server::privacy::ingest::{submit_batch, Pending};
use server::privacy::release::{release_station, ReleaseRule};
use server::privacy::seal::SealKey;
use std::time::Instant;
use store_sqlite::responses::{Outcome, MAX_BATCH};

use server::demo::bodies::random_body;

#[derive(Parser)]
struct Args {
    /// Submissions to store.
    #[arg(long, default_value_t = 20_000)]
    count: usize,
    /// Stations the submissions are spread over (round robin, as the load generator does).
    #[arg(long, default_value_t = 100)]
    stations: usize,
    /// k of the release that follows the timed phases.
    #[arg(long, default_value_t = 5)]
    k: usize,
    /// Submissions per transaction (Digna's group commit takes up to this many).
    #[arg(long, default_value_t = MAX_BATCH)]
    batch: usize,
    /// Offered rate of the fixed-rate phase, per second (0: no such phase).
    #[arg(long, default_value_t = 1000)]
    rate: u64,
    /// Length of the fixed-rate phase, in seconds.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("ceiling.db").display());
    let db = server::Db::open(&url).await?;
    let pool = db.sqlite().expect("an SQLite URL").pool().clone();
    let mut master = [0u8; 32];
    rand::rngs::OsRng.fill(&mut master);
    let key = SealKey::from_master(&master);
    // What the storage needs before any work: the idle figure's ceiling.
    let rss_open_kb = memory_kb("VmRSS:");

    let mut stations = Vec::with_capacity(args.stations);
    for i in 0..args.stations {
        let code = StationCode::parse(&format!("BENCH-{i:04}")).map_err(anyhow::Error::msg)?;
        let name = Name::parse("name", "Comisaría de prueba", 200).map_err(anyhow::Error::msg)?;
        let region = Name::parse("region", "Lima Centro", 100).map_err(anyhow::Error::msg)?;
        let id = store_sqlite::stations::insert(&mut *pool.acquire().await?, &code, &name, &region, "America/Lima")
            .await?
            .ok_or_else(|| anyhow::anyhow!("station {i} exists"))?;
        stations.push(id);
    }
    let survey = store_sqlite::survey::load(&pool, 1).await?.ok_or_else(|| anyhow::anyhow!("no survey version 1"))?;
    let week = iso_week_label(chrono::Utc::now(), "America/Lima");

    // Everything Digna does before storing (parsing, validating) is done before the clock starts.
    let make = |n: usize| -> anyhow::Result<Vec<Pending>> {
        let mut rng = rand::thread_rng();
        (0..n)
            .map(|i| {
                let body = SubmissionBody::from_json(random_body(&mut rng)).map_err(anyhow::Error::msg)?;
                let submission = Submission::parse(&body, &survey).map_err(anyhow::Error::msg)?;
                Ok(Pending { station_id: stations[i % stations.len()], iso_week: week.clone(), submission })
            })
            .collect()
    };
    let submissions = make(args.count)?;
    let fixed = make((args.rate as f64 * args.seconds).round() as usize)?;

    let rss_before_kb = memory_kb("VmRSS:");
    let mut commits = Vec::with_capacity(args.count);
    let cpu_before = cpu_seconds();
    let start = Instant::now();
    let mut stored = 0usize;
    for batch in submissions.chunks(args.batch.max(1)) {
        let began = Instant::now();
        let outcomes = submit_batch(&db, &key, batch).await?;
        commits.push(began.elapsed().as_micros() as u64);
        stored += outcomes.iter().filter(|o| **o == Outcome::Stored).count();
    }
    let seconds = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    commits.sort_unstable();
    let percentile_ms = |p: f64| {
        let i = ((commits.len() as f64 * p).ceil() as usize).clamp(1, commits.len().max(1)) - 1;
        commits.get(i).map_or(0.0, |us| *us as f64 / 1000.0)
    };

    let (fixed_n, fixed_latencies) = fixed_rate(&db, &key, fixed, args.rate).await?;
    // Every station's scheduled release, once (no hold: everything that can go, goes).
    let release_began = Instant::now();
    let rule = ReleaseRule { k: domain::K::new(args.k as u32), hold_weeks: 0 };
    for &station in &stations {
        release_station(&db, &key, station, chrono::Utc::now(), rule, None, None).await?;
    }
    let release_seconds = release_began.elapsed().as_secs_f64();
    let fixed_ms = |p: f64| {
        let i = ((fixed_latencies.len() as f64 * p).ceil() as usize).clamp(1, fixed_latencies.len().max(1)) - 1;
        fixed_latencies.get(i).map_or(0.0, |us| *us as f64 / 1000.0)
    };

    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pending_responses").fetch_one(&pool).await?;
    let released: i64 =
        sqlx::query_scalar("SELECT COALESCE(SUM(responses), 0) FROM response_rollups").fetch_one(&pool).await?;
    anyhow::ensure!(stored == args.count, "stored {stored} of {}", args.count);
    anyhow::ensure!(
        (pending + released) as usize == args.count + fixed_n,
        "{pending} pending + {released} released of {}",
        args.count + fixed_n
    );
    println!(
        "{}",
        json!({
            "submissions": args.count,
            "stations": args.stations,
            "k": args.k,
            "batch": args.batch,
            "seconds": seconds,
            "per_second": args.count as f64 / seconds,
            "released": released,
            "release_seconds": release_seconds,
            "pending": pending,
            "cpu_us_per_submission": cpu * 1e6 / args.count as f64,
            "commit_p50_ms": percentile_ms(0.50),
            "commit_p99_ms": percentile_ms(0.99),
            "rate": args.rate,
            "fixed_p50_ms": fixed_ms(0.50),
            "fixed_p99_ms": fixed_ms(0.99),
            "rss_open_kb": rss_open_kb,
            // Its own peak less what the submissions made in advance take.
            "rss_storage_peak_kb": rss_open_kb + memory_kb("VmHWM:").saturating_sub(rss_before_kb),
        })
    );
    pool.close().await;
    Ok(())
}

/// Offers `submissions` at `rate` per second, whatever the storage does, to a writer that
/// groups them as Digna's does (`server/src/api/responses.rs`: one task takes whatever has
/// queued up, at most `MAX_BATCH`, into one transaction). Returns how many
/// were stored and each one's time from its scheduled arrival to its batch's commit, in
/// microseconds, sorted.
async fn fixed_rate(
    db: &server::Db,
    key: &SealKey,
    submissions: Vec<Pending>,
    rate: u64,
) -> anyhow::Result<(usize, Vec<u64>)> {
    type Job = (Pending, tokio::time::Instant);
    let n = submissions.len();
    let (jobs, mut queue) = tokio::sync::mpsc::channel::<Job>(1024);
    let writer = async {
        let mut latencies = Vec::with_capacity(n);
        let mut taken: Vec<Job> = Vec::with_capacity(MAX_BATCH);
        while queue.recv_many(&mut taken, MAX_BATCH).await > 0 {
            let (batch, arrived): (Vec<Pending>, Vec<tokio::time::Instant>) = taken.drain(..).unzip();
            let outcomes = submit_batch(db, key, &batch).await?;
            anyhow::ensure!(outcomes.iter().all(|o| *o == Outcome::Stored), "a fresh submission was not stored");
            latencies.extend(arrived.iter().map(|t| t.elapsed().as_micros() as u64));
        }
        anyhow::Ok(latencies)
    };
    let sender = async move {
        let interval = std::time::Duration::from_secs_f64(1.0 / rate.max(1) as f64);
        let start = tokio::time::Instant::now() + std::time::Duration::from_millis(20);
        for (i, pending) in submissions.into_iter().enumerate() {
            let at = start + interval * i as u32;
            tokio::time::sleep_until(at).await;
            if jobs.send((pending, at)).await.is_err() {
                break;
            }
        }
    };
    let (latencies, ()) = tokio::join!(writer, sender);
    let mut latencies = latencies?;
    latencies.sort_unstable();
    Ok((n, latencies))
}

/// CPU time (user + system) this process has used, in seconds (USER_HZ: 100 per second).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let tick = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

/// A field of this process's /proc/self/status, in KiB (0 where there is none).
fn memory_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}
