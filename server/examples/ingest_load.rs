//! The ingest load generator (issue 7, `bench/ingest.sh`): drives a running `digna serve`
//! with `POST /api/v1/responses` over loopback, as many enrolled tablets would.
//!
//! 1. Enrolls `--tablets` tablets over `--stations` stations straight in the server's
//!    database (the HTTP enrollment is rate limited as one bucket), as if each had already
//!    delivered today (the steady state: the once-a-day `last_delivery_day` write is not
//!    what is measured).
//! 2. Warms up with a few requests, then reads the server's idle memory (VmRSS).
//! 3. Makes every body before the clock starts: random answers under survey version 1,
//!    sealed as the kiosk seals them (`crypto_box_seal` of the JSON, in its fixed-size
//!    frame, to the key published in `GET /api/v1/kiosk`, standard base64 in
//!    `{"sealed": …}`). The phases named "plain" send the JSON sealed without the frame,
//!    as tablets did before sealed records had one size (the server still takes what
//!    such a tablet has queued); plain JSON bodies are refused since issue 16.
//! 4. Closed loop: `--workers` concurrent senders, as fast as the server answers,
//!    unframed ("plain") then framed ("sealed"): submissions per second.
//! 5. Open loop: sends scheduled at a fixed `--rate` for `--seconds`, whatever the answers,
//!    unframed then framed; latency is measured from the scheduled send time (so a stalled
//!    server is not hidden by a stalled sender): p50, p99.
//! 6. Reads the server's peak memory (VmHWM) and its VmRSS after the load.
//!
//! Requests go round robin over the tablets, so each stays under its rate limit. Every
//! answer must be 201; anything else is counted as an error and reported.
//!
//! Several servers on one database (PostgreSQL, `--database postgres://…`): `--url` and
//! `--pid` once per server; tablet i sends to server i mod n, as a load balancer would
//! spread them. The server CPU figures are the sum over the servers, the memory figures
//! the largest server's.
//!
//!     cargo run --release -p server --example ingest_load -- --url http://127.0.0.1:3000 \
//!         --database sqlite://data/bench.db --pid 1234
//!
//! Prints one JSON object with every figure.

use base64::{engine::general_purpose::STANDARD, Engine};
use clap::Parser;
use domain::{Name, StationCode};
use serde_json::{json, Value};
use server::auth::{random_token as new_token, secret_hash};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use server::demo::bodies::random_body;

#[derive(Parser, Clone)]
struct Args {
    /// The server's base URL; once per server when several share the database.
    #[arg(long, required = true)]
    url: Vec<String>,
    /// The servers' database (to enroll the tablets): sqlite://… or postgres://….
    #[arg(long)]
    database: String,
    /// The servers' process ids (to read their CPU and memory from /proc), in the order of
    /// `--url`; none to skip.
    #[arg(long)]
    pid: Vec<u32>,
    #[arg(long, default_value_t = 100)]
    stations: usize,
    #[arg(long, default_value_t = 1000)]
    tablets: usize,
    /// Concurrent senders in the closed loop.
    #[arg(long, default_value_t = 64)]
    workers: usize,
    /// Submissions per closed-loop phase (plain, then sealed).
    #[arg(long, default_value_t = 20_000)]
    count: usize,
    /// Offered rate of the open-loop phases, per second.
    #[arg(long, default_value_t = 1000)]
    rate: u64,
    /// Length of each open-loop phase, in seconds.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Worker threads of the load generator's runtime (it shares the machine with the server).
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(args.threads.max(1)).enable_all().build()?;
    let report = runtime.block_on(run(args))?;
    println!("{report}");
    Ok(())
}

/// What one phase measured.
#[derive(Default)]
struct Phase {
    sent: usize,
    errors: usize,
    /// The first few unexpected answers, for the report.
    error_samples: Vec<String>,
    seconds: f64,
    /// Microseconds, sorted.
    latencies: Vec<u64>,
    /// CPU time the server spent during the phase (user + system).
    server_cpu_seconds: Option<f64>,
}

impl Phase {
    fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let i = ((self.latencies.len() as f64 * p).ceil() as usize).clamp(1, self.latencies.len()) - 1;
        self.latencies[i] as f64 / 1000.0
    }

    fn json(&self) -> Value {
        json!({
            "sent": self.sent,
            "errors": self.errors,
            "error_samples": self.error_samples,
            "seconds": self.seconds,
            "per_second": self.sent as f64 / self.seconds,
            "p50_ms": self.percentile_ms(0.50),
            "p99_ms": self.percentile_ms(0.99),
            "max_ms": self.percentile_ms(1.0),
            "server_cpu_us_per_request": self.server_cpu_seconds.map(|s| s * 1e6 / self.sent as f64),
        })
    }
}

/// One request to send: the tablet's token, the server it talks to and the body.
#[derive(Clone)]
struct Request {
    token: Arc<str>,
    url: Arc<str>,
    body: Vec<u8>,
}

async fn run(args: Args) -> anyhow::Result<Value> {
    let tokens = enroll(&args).await?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(4096).tcp_nodelay(true).build()?;
    // Tablet i talks to server i mod n.
    let submit_urls: Vec<Arc<str>> =
        args.url.iter().map(|u| Arc::from(format!("{}/api/v1/responses", u.trim_end_matches('/')))).collect();
    let servers: Vec<Arc<str>> = (0..tokens.len()).map(|i| submit_urls[i % submit_urls.len()].clone()).collect();

    let config: Value = client
        .get(format!("{}/api/v1/kiosk", args.url[0].trim_end_matches('/')))
        .bearer_auth(&*tokens[0])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let key = STANDARD.decode(config["seal_public_key"].as_str().unwrap_or_default())?;
    let key = crypto_box::PublicKey::from_bytes(key.try_into().map_err(|_| anyhow::anyhow!("a 32-byte key"))?);

    // Warm up (connections, caches), then let the server settle before reading its memory.
    let warmup = requests(&tokens, &servers, 50, &key, true);
    let warm = closed_loop(&client, warmup, 4, || None).await;
    anyhow::ensure!(warm.errors == 0, "warm-up failed: {:?}", warm.error_samples);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = memory(&args.pid);

    let fixed = ((args.rate as f64) * args.seconds).round() as usize;
    let plain = requests(&tokens, &servers, args.count, &key, false);
    let sealed = requests(&tokens, &servers, args.count, &key, true);
    let fixed_plain = requests(&tokens, &servers, fixed, &key, false);
    let fixed_sealed = requests(&tokens, &servers, fixed, &key, true);

    let cpu = || cpu_seconds(&args.pid);
    let closed_plain = closed_loop(&client, plain, args.workers, cpu).await;
    let closed_sealed = closed_loop(&client, sealed, args.workers, cpu).await;
    // Let the rate-limit buckets refill between phases.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let open_plain = open_loop(&client, fixed_plain, args.rate).await;
    let open_sealed = open_loop(&client, fixed_sealed, args.rate).await;
    let loaded = memory(&args.pid);

    Ok(json!({
        "stations": args.stations,
        "tablets": args.tablets,
        "servers": args.url.len(),
        "workers": args.workers,
        "rate": args.rate,
        "closed_plain": closed_plain.json(),
        "closed_sealed": closed_sealed.json(),
        "open_plain": open_plain.json(),
        "open_sealed": open_sealed.json(),
        "rss_idle_kb": idle.map(|m| m.0),
        "rss_after_load_kb": loaded.map(|m| m.0),
        "rss_peak_kb": loaded.map(|m| m.1),
    }))
}

/// Adds the stations and their tablets to the database, through the store as the admin
/// console does (either backend); returns the tablets' tokens.
async fn enroll(args: &Args) -> anyhow::Result<Vec<Arc<str>>> {
    let db = server::Db::open(&args.database).await?;
    let mut stations = Vec::with_capacity(args.stations);
    for i in 0..args.stations {
        let code = StationCode::parse(&format!("LOAD-{i:04}")).map_err(anyhow::Error::msg)?;
        let name = Name::parse("name", "Comisaría de prueba", 200).map_err(anyhow::Error::msg)?;
        let region = Name::parse("region", "Lima Centro", 100).map_err(anyhow::Error::msg)?;
        let audit = store::audit::Entry::new("ingest_load", "station.create", code.as_ref(), "");
        let id = store::Stations::insert(&db, &code, &name, &region, "America/Lima", &audit)
            .await?
            .ok_or_else(|| anyhow::anyhow!("station {code} already exists: use a fresh database"))?;
        stations.push(id);
    }
    let today = domain::time::calendar::local_day(chrono::Utc::now(), "America/Lima").to_string();
    let mut tokens = Vec::with_capacity(args.tablets);
    for i in 0..args.tablets {
        let token = new_token();
        let tablet = store::Tablets::insert_with_token(&db, stations[i % stations.len()], &secret_hash(&token)).await?;
        store::Tablets::record_delivery_day(&db, tablet, &today).await?;
        tokens.push(Arc::from(token));
    }
    db.close().await;
    Ok(tokens)
}

/// `n` requests round robin over the tablets (each to its server), each a fresh response
/// sealed to `key`, in the fixed-size frame if `framed`.
fn requests(
    tokens: &[Arc<str>],
    servers: &[Arc<str>],
    n: usize,
    key: &crypto_box::PublicKey,
    framed: bool,
) -> Vec<Request> {
    use domain::frame::{pad, SUBMISSION_FRAME};
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|i| {
            let json = serde_json::to_vec(&random_body(&mut rng)).expect("JSON");
            let plaintext = if framed { pad(&json, SUBMISSION_FRAME).expect("it fits") } else { json };
            let sealed = key.seal(&mut crypto_box::aead::OsRng, &plaintext).expect("sealed");
            let body = serde_json::to_vec(&json!({ "sealed": STANDARD.encode(sealed) })).expect("JSON");
            Request { token: tokens[i % tokens.len()].clone(), url: servers[i % servers.len()].clone(), body }
        })
        .collect()
}

/// Sends one request; `Ok(())` on 201, else what came back.
async fn send(client: &reqwest::Client, request: Request) -> Result<(), String> {
    let resp = client
        .post(&*request.url)
        .bearer_auth(&*request.token)
        .header("content-type", "application/json")
        .body(request.body)
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(|e| format!("reading the answer failed: {e}"))?;
    if status.as_u16() == 201 {
        Ok(())
    } else {
        Err(format!("{status}: {}", String::from_utf8_lossy(&body)))
    }
}

/// `workers` senders share the requests, each sending its next one as soon as the
/// previous one is answered.
async fn closed_loop(
    client: &reqwest::Client,
    requests: Vec<Request>,
    workers: usize,
    cpu: impl Fn() -> Option<f64>,
) -> Phase {
    let n = requests.len();
    let requests = Arc::new(requests);
    let next = Arc::new(AtomicUsize::new(0));
    let cpu_before = cpu();
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers.max(1) {
        let (client, requests, next) = (client.clone(), requests.clone(), next.clone());
        tasks.spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(request) = requests.get(i) else { break };
                let sent = Instant::now();
                let result = send(&client, request.clone()).await;
                out.push((sent.elapsed().as_micros() as u64, result));
            }
            out
        });
    }
    let results: Vec<_> = tasks.join_all().await.into_iter().flatten().collect();
    let mut phase = summarize(n, start.elapsed().as_secs_f64(), results);
    phase.server_cpu_seconds = cpu().zip(cpu_before).map(|(after, before)| after - before);
    phase
}

/// Sends request i at `start + i / rate`, whether or not earlier ones were answered.
async fn open_loop(client: &reqwest::Client, requests: Vec<Request>, rate: u64) -> Phase {
    let n = requests.len();
    let interval = Duration::from_secs_f64(1.0 / rate.max(1) as f64);
    let start = tokio::time::Instant::now() + Duration::from_millis(20);
    let mut tasks = tokio::task::JoinSet::new();
    for (i, request) in requests.into_iter().enumerate() {
        let at = start + interval * i as u32;
        tokio::time::sleep_until(at).await;
        let client = client.clone();
        tasks.spawn(async move {
            let result = send(&client, request).await;
            (at.elapsed().as_micros() as u64, result)
        });
    }
    let results = tasks.join_all().await;
    summarize(n, start.elapsed().as_secs_f64(), results)
}

fn summarize(sent: usize, seconds: f64, results: Vec<(u64, Result<(), String>)>) -> Phase {
    let mut phase = Phase { sent, seconds, ..Phase::default() };
    for (micros, result) in results {
        phase.latencies.push(micros);
        if let Err(e) = result {
            phase.errors += 1;
            if phase.error_samples.len() < 5 {
                phase.error_samples.push(e);
            }
        }
    }
    phase.latencies.sort_unstable();
    phase
}

/// CPU time (user + system) the processes have used, in seconds, summed.
fn cpu_seconds(pids: &[u32]) -> Option<f64> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().map(|&pid| process_cpu_seconds(pid)).sum()
}

fn process_cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // Linux reports these in USER_HZ, 100 per second on every common configuration.
    Some(ticks / 100.0)
}

/// The largest (VmRSS, VmHWM) of the servers, in KiB.
fn memory(pids: &[u32]) -> Option<(u64, u64)> {
    let each = pids.iter().map(|&pid| process_memory(pid)).collect::<Option<Vec<_>>>()?;
    Some((each.iter().map(|m| m.0).max()?, each.iter().map(|m| m.1).max()?))
}

fn process_memory(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}
