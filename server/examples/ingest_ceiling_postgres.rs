//! The ingest ceiling on PostgreSQL (`BENCH_POSTGRES=1 bench/ingest.sh`): the rows Digna
//! stores for each `POST /api/v1/responses`, written straight into PostgreSQL by a minimal
//! client as fast as it can: no HTTP, no token lookup, no JSON, no sealing, no duplicate
//! check against earlier batches.
//!
//! The same rows: one `submission_keys` row (a 32-byte keyed hash) and one
//! `pending_responses` row (a random 16-byte id, the station, a sealed record of the fixed
//! size Digna seals every pending response to) per submission, in the schema of Digna's
//! migrations (run here on the empty database given), so with the same indexes, foreign
//! key and TOAST storage. The same durability: the cluster's own settings
//! (`synchronous_commit` on, checked), one commit per batch of at most `MAX_BATCH`
//! submissions as Digna's group commit. Each batch is two multi-row `INSERT`s (every value
//! a bound parameter, binary) in one transaction, on `--connections` connections at once
//! (one per Digna server: each server has one writer).
//!
//!     cargo run --release -p server --example ingest_ceiling_postgres -- \
//!         --database postgres://digna@127.0.0.1:5432/ceiling --count 20000 --connections 2
//!
//! Prints one JSON object: `{"submissions": …, "per_second": …, …}`.

use clap::Parser;
use domain::frame::PENDING_FRAME;
use domain::{Name, StationCode};
use rand::Rng;
use serde_json::json;
use server::privacy::seal::SealKey;
use sqlx::{Postgres, QueryBuilder};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;
use store_postgres::responses::MAX_BATCH;

#[derive(Parser)]
struct Args {
    /// An empty database (its URL); Digna's migrations are run on it first.
    #[arg(long)]
    database: String,
    /// Submissions to store.
    #[arg(long, default_value_t = 20_000)]
    count: usize,
    /// Stations the submissions are spread over (round robin).
    #[arg(long, default_value_t = 100)]
    stations: usize,
    /// Submissions per transaction (Digna's group commit takes up to this many).
    #[arg(long, default_value_t = MAX_BATCH)]
    batch: usize,
    /// Connections writing at once (Digna: one writer per server).
    #[arg(long, default_value_t = 2)]
    connections: usize,
}

/// One submission's rows.
struct Rows {
    key_hash: Vec<u8>,
    id: Vec<u8>,
    station_id: i64,
    sealed: Vec<u8>,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let pool = store_postgres::connect(&args.database, args.connections.max(1) as u32).await?;
    store_postgres::migrate(&pool).await?;
    let synchronous_commit: String = sqlx::query_scalar("SHOW synchronous_commit").fetch_one(&pool).await?;
    let fsync: String = sqlx::query_scalar("SHOW fsync").fetch_one(&pool).await?;
    anyhow::ensure!(
        synchronous_commit == "on" && fsync == "on",
        "not Digna's durability: synchronous_commit {synchronous_commit}, fsync {fsync}"
    );

    let mut stations = Vec::with_capacity(args.stations);
    for i in 0..args.stations {
        let code = StationCode::parse(&format!("BENCH-{i:04}")).map_err(anyhow::Error::msg)?;
        let name = Name::parse("name", "Comisaría de prueba", 200).map_err(anyhow::Error::msg)?;
        let region = Name::parse("region", "Lima Centro", 100).map_err(anyhow::Error::msg)?;
        let id = store_postgres::stations::insert(&mut *pool.acquire().await?, &code, &name, &region, "America/Lima")
            .await?
            .ok_or_else(|| anyhow::anyhow!("station {i} exists: use an empty database"))?;
        stations.push(id);
    }

    // Every row made before the clock starts: sealed as Digna seals a pending record (a
    // frame of PENDING_FRAME bytes), so the stored bytes are as long and as random.
    let mut master = [0u8; 32];
    rand::rngs::OsRng.fill(&mut master);
    let key = SealKey::from_master(&master);
    let mut rng = rand::thread_rng();
    let frame = vec![0u8; PENDING_FRAME];
    let rows: Vec<Rows> = (0..args.count)
        .map(|i| {
            let (mut key_hash, mut id) = (vec![0u8; 32], vec![0u8; 16]);
            rng.fill(&mut key_hash[..]);
            rng.fill(&mut id[..]);
            Rows { sealed: key.seal(&id, &frame), key_hash, id, station_id: stations[i % stations.len()] }
        })
        .collect();
    let sealed_bytes = rows.first().map_or(0, |r| r.sealed.len());

    let batches: Arc<Vec<&[Rows]>> = Arc::new(rows.chunks(args.batch.max(1)).collect());
    let next = AtomicUsize::new(0);
    let cpu_before = cpu_seconds();
    let start = Instant::now();
    let writers = (0..args.connections.max(1)).map(|_| {
        let (pool, batches, next) = (pool.clone(), batches.clone(), &next);
        async move {
            let mut commits = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(batch) = batches.get(i) else { break };
                let began = Instant::now();
                store(&pool, batch).await?;
                commits.push(began.elapsed().as_micros() as u64);
            }
            anyhow::Ok(commits)
        }
    });
    let mut commits: Vec<u64> = Vec::new();
    for each in futures_util::future::join_all(writers).await {
        commits.extend(each?);
    }
    let seconds = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    commits.sort_unstable();
    let percentile_ms = |p: f64| {
        let i = ((commits.len() as f64 * p).ceil() as usize).clamp(1, commits.len().max(1)) - 1;
        commits.get(i).map_or(0.0, |us| *us as f64 / 1000.0)
    };

    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pending_responses").fetch_one(&pool).await?;
    anyhow::ensure!(stored as usize == args.count, "stored {stored} of {}", args.count);
    let table_bytes: i64 = sqlx::query_scalar(
        "SELECT (pg_total_relation_size('pending_responses') + pg_total_relation_size('submission_keys'))::BIGINT",
    )
    .fetch_one(&pool)
    .await?;
    println!(
        "{}",
        json!({
            "submissions": args.count,
            "stations": args.stations,
            "batch": args.batch,
            "connections": args.connections,
            "method": "multi-row INSERT, binary binds",
            "sealed_bytes": sealed_bytes,
            "synchronous_commit": synchronous_commit,
            "seconds": seconds,
            "per_second": args.count as f64 / seconds,
            "commit_p50_ms": percentile_ms(0.50),
            "commit_p99_ms": percentile_ms(0.99),
            "client_cpu_us_per_submission": cpu * 1e6 / args.count as f64,
            "bytes_per_submission": table_bytes as f64 / args.count as f64,
        })
    );
    pool.close().await;
    Ok(())
}

/// One batch in one transaction: the keys, then the records, one multi-row INSERT each.
async fn store(pool: &sqlx::PgPool, batch: &[Rows]) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    let mut keys = QueryBuilder::<Postgres>::new("INSERT INTO submission_keys (key_hash) ");
    keys.push_values(batch, |mut row, r| {
        row.push_bind(&r.key_hash);
    });
    keys.build().execute(&mut *tx).await?;
    let mut records = QueryBuilder::<Postgres>::new("INSERT INTO pending_responses (id, station_id, sealed) ");
    records.push_values(batch, |mut row, r| {
        row.push_bind(&r.id).push_bind(r.station_id).push_bind(&r.sealed);
    });
    records.build().execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// CPU time (user + system) this process has used, in seconds (USER_HZ: 100 per second).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let tick = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}
