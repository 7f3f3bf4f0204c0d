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
//!     cargo run -p server --example soak -- --digna target/debug/digna --data /tmp/soak
//!
//! Prints one JSON object with the figures; exits non-zero if any check fails.
//!
//! `process` starts, kills and restarts `digna serve`; `tablets` makes and delivers the
//! submissions; `checks` compares the roll-ups with the released rows.

mod checks;
mod process;
mod tablets;

use base64::{engine::general_purpose::STANDARD, Engine};
use checks::rollup_mismatches;
use clap::Parser;
use domain::ClientId;
use process::Server;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use server::privacy::seal::SealKey;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tablets::{deliver, sealed_submission, Delivered};

#[derive(Parser, Clone)]
struct Args {
    /// The server binary.
    #[arg(long)]
    digna: PathBuf,
    /// A folder for the database and key file (made if missing; must hold no database).
    #[arg(long)]
    data: PathBuf,
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
    let db = args.data.join("digna.db");
    anyhow::ensure!(!db.exists(), "{} exists: the soak needs a fresh data folder", db.display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let env = vec![
        ("DATABASE_URL".into(), format!("sqlite://{}", db.display())),
        ("DIGNA_KEY_FILE".into(), args.data.join("digna.key").display().to_string()),
        ("LEPTOS_SITE_ADDR".into(), format!("127.0.0.1:{port}")),
        ("LEPTOS_SITE_ROOT".into(), "target/site".into()),
        ("LEPTOS_OUTPUT_NAME".into(), "digna".into()),
        ("RUST_LOG".into(), "warn".into()),
    ];
    let server = Arc::new(Server {
        digna: args.digna.clone(),
        env,
        url: format!("http://127.0.0.1:{port}"),
        child: Mutex::new(None),
        starts: AtomicUsize::new(0),
    });
    server.start().await?;

    // Stations and tablets, as an administrator makes them.
    let stations: Vec<String> = (0..args.stations).map(|i| format!("SOAK-{i:02}")).collect();
    for code in &stations {
        server.cli(&[
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
        let code = server.cli(&["tablet", "enroll", "--station", &stations[station]])?;
        let code = code.lines().last().unwrap_or_default().trim().to_string();
        let resp: Value = client
            .post(format!("{}/api/v1/tablets/enroll", server.url))
            .json(&json!({ "code": code }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let token = resp["token"].as_str().unwrap_or_default().to_string();
        key = Some(resp["seal_public_key"].as_str().unwrap_or_default().to_string());
        tablets.push((station, token));
    }
    let key = STANDARD.decode(key.unwrap_or_default())?;
    let key = crypto_box::PublicKey::from_bytes(key.try_into().map_err(|_| anyhow::anyhow!("a 32-byte key"))?);

    // Each tablet's outbox, sealed before the clock starts.
    let per_tablet = args.submissions / args.tablets;
    let extra = args.submissions % args.tablets;
    let mut outboxes = Vec::with_capacity(args.tablets);
    for t in 0..args.tablets {
        let n = per_tablet + usize::from(t < extra);
        let outbox: Vec<(String, Vec<u8>)> = (0..n).map(|_| sealed_submission(&mut rng, &key)).collect();
        outboxes.push(outbox);
    }

    // Kills at random numbers of acknowledgements, spread over the delivery.
    let mut kill_at: Vec<usize> =
        (0..args.kills).map(|_| rng.gen_range(args.submissions / 20..args.submissions * 19 / 20)).collect();
    kill_at.sort_unstable();
    let acked = Arc::new(AtomicUsize::new(0));
    // Set once every tablet is done: a kill whose count never comes (refusals) is skipped.
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let delivering = Instant::now();
    let killer = {
        let (server, acked, done) = (server.clone(), acked.clone(), done.clone());
        let pauses: Vec<u64> = (0..args.kills).map(|_| rng.gen_range(200..3000)).collect();
        tokio::spawn(async move {
            let mut killed = 0;
            for (at, pause) in kill_at.into_iter().zip(pauses) {
                while acked.load(Ordering::Relaxed) < at {
                    if done.load(Ordering::Relaxed) {
                        return anyhow::Ok(killed);
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                server.kill();
                killed += 1;
                tokio::time::sleep(Duration::from_millis(pause)).await;
                server.start().await?;
            }
            anyhow::Ok(killed)
        })
    };

    let mut tasks = tokio::task::JoinSet::new();
    let url = format!("{}/api/v1/responses", server.url);
    for (t, ((station, token), outbox)) in tablets.into_iter().zip(outboxes).enumerate() {
        // A fifth of the tablets lose the network once, at a random point of their day.
        let offline = (t % 5 == 4).then(|| (rng.gen_range(0..outbox.len().max(1)), args.offline_s));
        let (client, url, acked, pace) = (client.clone(), url.clone(), acked.clone(), args.pace_ms);
        let jitter = rng.gen_range(0..pace.max(1));
        tasks.spawn(async move {
            tokio::time::sleep(Duration::from_millis(jitter)).await;
            let mut out = Delivered::default();
            let mut ids = Vec::with_capacity(outbox.len());
            // Visits queued while offline, delivered back to back once the network is back.
            let mut backlog = 0u64;
            for (i, (id, body)) in outbox.into_iter().enumerate() {
                if let Some((_, seconds)) = offline.filter(|(at, _)| *at == i) {
                    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
                    backlog = (seconds * 1000.0) as u64 / pace.max(1);
                }
                if deliver(&client, &url, &token, &id, &body, &mut out).await {
                    acked.fetch_add(1, Ordering::Relaxed);
                    ids.push(id);
                }
                if backlog > 0 {
                    backlog -= 1;
                } else {
                    tokio::time::sleep(Duration::from_millis(pace)).await;
                }
            }
            (station, out, ids)
        });
    }
    let mut delivered = Delivered { acked: vec![Vec::new(); args.stations], ..Delivered::default() };
    for (station, out, ids) in tasks.join_all().await {
        delivered.acked[station].extend(ids);
        delivered.stored += out.stored;
        delivered.duplicates += out.duplicates;
        delivered.retries += out.retries;
        delivered.refused.extend(out.refused);
    }
    done.store(true, Ordering::Relaxed);
    let kills = killer.await??;
    let delivery_s = delivering.elapsed().as_secs_f64();

    // Releases on their schedule, killed while they run.
    server.kill();
    let now = chrono::Utc::now();
    let due = (now + chrono::Duration::seconds(20 + 60)).timestamp() / 60 * 60;
    let at = chrono::DateTime::from_timestamp(due, 0).expect("a time").format("%H:%M").to_string();
    for code in &stations {
        server.cli(&["station", "set", code, "--release-at", &at])?;
    }
    server.start().await?;
    let releasing = Instant::now();
    let wait = due - chrono::Utc::now().timestamp();
    tokio::time::sleep(Duration::from_secs(wait.max(0) as u64)).await;
    let mut release_kills = 0;
    for _ in 0..args.release_kills {
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..400))).await;
        server.kill();
        release_kills += 1;
        server.start().await?;
    }
    let pool = store_sqlite::connect(&format!("sqlite://{}", db.display())).await?;
    let moved_on = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM release_schedule WHERE next_at > ?")
            .bind(due)
            .fetch_one(&pool)
            .await
    };
    for _ in 0..240 {
        if moved_on().await? as usize == args.stations {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let release_s = releasing.elapsed().as_secs_f64();
    server.stop();

    // The checks.
    let seal = SealKey::load(&args.data.join("digna.key"))?;
    let stored_keys: std::collections::HashSet<Vec<u8>> =
        sqlx::query_scalar::<_, Vec<u8>>("SELECT key_hash FROM submission_keys")
            .fetch_all(&pool)
            .await?
            .into_iter()
            .collect();
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
        let (r, p): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM responses WHERE station_id = s.id),
                    (SELECT COUNT(*) FROM pending_responses WHERE station_id = s.id)
             FROM stations s WHERE s.code = ?",
        )
        .bind(code)
        .fetch_one(&pool)
        .await?;
        released += r;
        pending += p;
        let diff = r + p - delivered.acked[i].len() as i64;
        if diff > 0 {
            doubled += diff;
        } else {
            missing_rows -= diff;
        }
    }
    let releases_not_moved_on = args.stations - moved_on().await? as usize;
    let next_day: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM release_schedule WHERE next_at = ?")
        .bind(due + 86_400)
        .fetch_one(&pool)
        .await?;
    let rollup_mismatches = rollup_mismatches(&pool).await?;
    pool.close().await;
    // A second release now must find nothing left that the scheduled one should have released.
    let again = server.cli(&["release"])?;
    let released_again = again.lines().filter(|l| !l.contains("nothing released")).count();

    Ok(json!({
        "submissions": args.submissions,
        "tablets": args.tablets,
        "stations": args.stations,
        "acknowledged": acked_total,
        "stored_201": delivered.stored,
        "duplicate_200": delivered.duplicates,
        "retries": delivered.retries,
        "refused": delivered.refused.len(),
        "refused_samples": delivered.refused.iter().take(5).collect::<Vec<_>>(),
        "kills_delivering": kills,
        "kills_releasing": release_kills,
        "server_starts": server.starts.load(Ordering::Relaxed),
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
