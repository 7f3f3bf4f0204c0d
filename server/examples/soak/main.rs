//! The soak with faults (issue 17, `bench/soak.sh`): many tablets deliver sealed
//! submissions to a real `digna serve` while it is killed with SIGKILL at random moments
//! and restarted, then releases run on their schedule, killed too; afterwards nothing may
//! be lost, nothing doubled, every release done once, and the roll-ups must equal a
//! GROUP BY over the released responses.
//!
//! 1. Starts `--digna serve` on a free port with a fresh database in `--data`; adds
//!    `--stations` stations (timezone UTC) and enrolls `--tablets` tablets over HTTP.
//! 2. Every tablet delivers its share of `--submissions` as the kiosk's outbox does: one
//!    at a time, in order, each retried (connection refused, 5xx, 429) until the server
//!    acknowledges it (201 stored or 200 duplicate). Bodies are the kiosk's: random
//!    answers under survey version 1, in the fixed-size frame, sealed to the server's key,
//!    with plausible durations. A fifth of the tablets go offline once for a while and
//!    then deliver their backlog. Meanwhile the server is killed with SIGKILL `--kills`
//!    times, at random numbers of acknowledgements, and restarted after a random pause.
//! 3. Releases: the server is killed, every station's release is set to the next whole
//!    minute at least 20 s away, the server restarted; once the minute has come, it is
//!    killed `--release-kills` times a random few hundred milliseconds apart (in the
//!    middle of the releases, which run when it starts) and restarted, until every
//!    station's next release has moved on.
//! 4. Stops the server and checks, reading the database and the key file:
//!    - lost: acknowledged ids whose keyed hash is not among `submission_keys`;
//!    - doubled: per station, released plus pending rows minus acknowledged ids (rows
//!      cannot be linked to ids, by design: the counts must be equal), and stored keys
//!      beyond the ids sent;
//!    - releases: every station's next release is the next day's minute, and a second
//!      release now (`digna release`) releases nothing (the scheduled one was whole);
//!    - roll-ups: `response_rollups` and `answer_rollups` equal a GROUP BY over
//!      `responses` and `answers`, both ways, and `week_rollups` add up to them.
//!
//! The server logs nothing per submission, and nothing here needs it to.
//!
//! **On PostgreSQL** (`--postgres URL`, an empty database; the key file stays in
//! `--data`), `--servers N` servers share the database and the key file, each on its own
//! port, as behind a load balancer: each try of a delivery goes to one at random (a retry
//! may reach another), each kill picks one and restarts it while the others keep serving,
//! and the releases' kills too; every server's scheduler finds the releases due, and each
//! must still be done once. The checks are the same, read from PostgreSQL.
//!
//!     cargo run -p server --example soak -- --digna target/debug/digna --data /tmp/soak
//!     … --postgres postgres://digna@127.0.0.1:5432/soak --servers 2
//!
//! Prints one JSON object with the figures; exits non-zero if any check fails.
//!
//! `process` starts, kills and restarts the `digna serve`s; `tablets` makes and delivers
//! the submissions; `delivery` runs the delivery phase with its kills; `checks` reads the
//! database (SQLite or PostgreSQL).

mod checks;
mod delivery;
mod process;
mod tablets;

use base64::{engine::general_purpose::STANDARD, Engine};
use checks::Database;
use clap::Parser;
use delivery::{deliver_all, Plan};
use domain::ClientId;
use process::Servers;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use server::privacy::seal::SealKey;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tablets::sealed_submission;

/// How often a server's release scheduler looks for releases due (`TICK` in
/// server/src/privacy/release.rs).
const SCHEDULER_TICK_S: i64 = 30;

#[derive(Parser, Clone)]
struct Args {
    /// The server binary.
    #[arg(long)]
    digna: PathBuf,
    /// A folder for the database and key file (made if missing; must hold no database).
    /// With --postgres, for the key file alone.
    #[arg(long)]
    data: PathBuf,
    /// An empty PostgreSQL database (`postgres://…`) to run on instead of SQLite.
    #[arg(long)]
    postgres: Option<String>,
    /// Servers on the one database, each on its own port (more than one needs --postgres).
    #[arg(long, default_value_t = 1)]
    servers: usize,
    #[arg(long, default_value_t = 10_000)]
    submissions: usize,
    #[arg(long, default_value_t = 50)]
    tablets: usize,
    #[arg(long, default_value_t = 10)]
    stations: usize,
    /// SIGKILLs while the tablets deliver.
    #[arg(long, default_value_t = 6)]
    kills: usize,
    /// SIGKILLs while the scheduled releases run.
    #[arg(long, default_value_t = 3)]
    release_kills: usize,
    /// Pause between two submissions of a tablet (a visit), in milliseconds.
    #[arg(long, default_value_t = 250)]
    pace_ms: u64,
    /// How long an offline tablet stays offline, in seconds.
    #[arg(long, default_value_t = 8.0)]
    offline_s: f64,
    #[arg(long, default_value_t = 17)]
    seed: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let report = runtime.block_on(run(args))?;
    println!("{report}");
    let failed =
        ["lost", "doubled", "stray_keys", "refused", "releases_not_moved_on", "released_again", "rollup_mismatches"]
            .iter()
            .any(|k| report[k].as_u64() != Some(0));
    anyhow::ensure!(!failed, "the soak found lost, doubled or inconsistent data (see the figures above)");
    Ok(())
}

async fn run(args: Args) -> anyhow::Result<Value> {
    let started = Instant::now();
    let mut rng = rand::rngs::StdRng::seed_from_u64(args.seed);
    std::fs::create_dir_all(&args.data)?;
    anyhow::ensure!(args.servers >= 1, "--servers must be at least 1");
    anyhow::ensure!(args.servers == 1 || args.postgres.is_some(), "several servers share a PostgreSQL database");
    let database_url = match &args.postgres {
        Some(url) => {
            let db = Database::open(url).await?;
            anyhow::ensure!(db.tables().await? == 0, "the database has tables: the soak needs an empty one");
            db.close().await;
            url.clone()
        }
        None => {
            let db = args.data.join("digna.db");
            anyhow::ensure!(!db.exists(), "{} exists: the soak needs a fresh data folder", db.display());
            format!("sqlite://{}", db.display())
        }
    };
    let key_file = args.data.join("digna.key");
    let servers = Arc::new(Servers::new(&args.digna, &database_url, &key_file, args.servers)?);
    servers.start().await?;
    let cli = servers.first();

    // Stations and tablets, as an administrator makes them; enrolled through every server.
    let stations: Vec<String> = (0..args.stations).map(|i| format!("SOAK-{i:02}")).collect();
    for code in &stations {
        cli.cli(&[
            "station",
            "add",
            "--code",
            code,
            "--name",
            "Comisaría de prueba",
            "--region",
            "Lima Centro",
            "--timezone",
            "UTC",
        ])?;
    }
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
    let mut tablets = Vec::with_capacity(args.tablets);
    let mut key = None;
    for t in 0..args.tablets {
        let station = t % args.stations;
        let code = cli.cli(&["tablet", "enroll", "--station", &stations[station]])?;
        let code = code.lines().last().unwrap_or_default().trim().to_string();
        let resp: Value = client
            .post(format!("{}/api/v1/tablets/enroll", servers.0[t % args.servers].url))
            .json(&json!({ "code": code }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let token = resp["token"].as_str().unwrap_or_default().to_string();
        let seal = resp["seal_public_key"].as_str().unwrap_or_default().to_string();
        anyhow::ensure!(key.as_ref().is_none_or(|k| *k == seal), "the servers seal to different keys");
        key = Some(seal);
        tablets.push((station, token));
    }
    let key = STANDARD.decode(key.unwrap_or_default())?;
    let key = crypto_box::PublicKey::from_bytes(key.try_into().map_err(|_| anyhow::anyhow!("a 32-byte key"))?);

    // Each tablet's outbox, sealed before the clock starts.
    let per_tablet = args.submissions / args.tablets;
    let extra = args.submissions % args.tablets;
    let mut with_outboxes = Vec::with_capacity(args.tablets);
    for (t, (station, token)) in tablets.into_iter().enumerate() {
        let n = per_tablet + usize::from(t < extra);
        let outbox: Vec<(String, Vec<u8>)> = (0..n).map(|_| sealed_submission(&mut rng, &key)).collect();
        with_outboxes.push((station, token, outbox));
    }

    let delivering = Instant::now();
    let plan = Plan {
        submissions: args.submissions,
        stations: args.stations,
        kills: args.kills,
        pace_ms: args.pace_ms,
        offline_s: args.offline_s,
    };
    let (delivered, kills) = deliver_all(&servers, with_outboxes, &plan, &mut rng).await?;
    let delivery_s = delivering.elapsed().as_secs_f64();

    // Releases on their schedule, killed while they run: every server's scheduler finds
    // them due, and each kill picks one server.
    servers.kill();
    let several = servers.0.len() > 1;
    let now = chrono::Utc::now();
    let due = (now + chrono::Duration::seconds(if several { 40 } else { 20 } + 60)).timestamp() / 60 * 60;
    let at = chrono::DateTime::from_timestamp(due, 0).expect("a time").format("%H:%M").to_string();
    for code in &stations {
        cli.cli(&["station", "set", code, "--release-at", &at])?;
    }
    let releasing = if several {
        // A scheduler looks at start and every 30 s after: servers started together half
        // a minute before the minute look again just after it, and race for the releases.
        let wait = (due - SCHEDULER_TICK_S) * 1000 - chrono::Utc::now().timestamp_millis();
        tokio::time::sleep(Duration::from_millis(wait.max(0) as u64)).await;
        servers.start_together().await?;
        let ready = Instant::now();
        tokio::time::sleep_until((ready + Duration::from_secs(SCHEDULER_TICK_S as u64)).into()).await;
        ready
    } else {
        servers.start().await?;
        let releasing = Instant::now();
        let wait = due - chrono::Utc::now().timestamp();
        tokio::time::sleep(Duration::from_secs(wait.max(0) as u64)).await;
        releasing
    };
    let mut release_kills = 0;
    for _ in 0..args.release_kills {
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..400))).await;
        let server = &servers.0[servers.pick(&mut rng)];
        server.kill();
        release_kills += 1;
        server.start().await?;
    }
    let db = Database::open(&database_url).await?;
    for _ in 0..240 {
        if db.releases_after(due).await? as usize == args.stations {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let release_s = releasing.elapsed().as_secs_f64();
    servers.stop();

    // The checks.
    let seal = SealKey::load(&key_file)?;
    let stored_keys: std::collections::HashSet<Vec<u8>> = db.submission_keys().await?.into_iter().collect();
    let mut lost = 0;
    let mut acked_total = 0;
    for id in delivered.acked.iter().flatten() {
        acked_total += 1;
        let id = ClientId::parse(id).map_err(anyhow::Error::msg)?;
        if !stored_keys.contains(&seal.client_key_hash(&id)) {
            lost += 1;
        }
    }
    let stray_keys = stored_keys.len().saturating_sub(acked_total);
    let mut doubled = 0i64;
    let mut missing_rows = 0i64;
    let mut released = 0i64;
    let mut pending = 0i64;
    for (i, code) in stations.iter().enumerate() {
        let (r, p) = db.station_rows(code).await?;
        released += r;
        pending += p;
        let diff = r + p - delivered.acked[i].len() as i64;
        if diff > 0 {
            doubled += diff;
        } else {
            missing_rows -= diff;
        }
    }
    let releases_not_moved_on = args.stations - db.releases_after(due).await? as usize;
    let next_day = db.releases_at(due + 86_400).await?;
    let rollup_mismatches = db.rollup_mismatches().await?;
    db.close().await;
    // A second release now must find nothing left that the scheduled one should have released.
    let again = cli.cli(&["release"])?;
    let released_again = again.lines().filter(|l| !l.contains("nothing released")).count();

    Ok(json!({
        "database": if args.postgres.is_some() { "postgresql" } else { "sqlite" },
        "servers": args.servers,
        "submissions": args.submissions,
        "tablets": args.tablets,
        "stations": args.stations,
        "acknowledged": acked_total,
        "acknowledged_per_server": delivered.acked_by,
        "acknowledged_elsewhere_after_failure": delivered.acked_elsewhere,
        "duplicates_elsewhere_after_failure": delivered.duplicates_elsewhere,
        "stored_201": delivered.stored,
        "duplicate_200": delivered.duplicates,
        "retries": delivered.retries,
        "refused": delivered.refused.len(),
        "refused_samples": delivered.refused.iter().take(5).collect::<Vec<_>>(),
        "kills_delivering": kills,
        "kills_releasing": release_kills,
        "server_starts": servers.starts(),
        "delivery_s": delivery_s,
        "release_phase_s": release_s,
        "total_s": started.elapsed().as_secs_f64(),
        "released": released,
        "pending": pending,
        "lost": lost + missing_rows as usize,
        "lost_keys": lost,
        "lost_rows": missing_rows,
        "doubled": doubled,
        "stray_keys": stray_keys,
        "releases_not_moved_on": releases_not_moved_on,
        "releases_next_day": next_day,
        "released_again": released_again,
        "rollup_mismatches": rollup_mismatches,
    }))
}
