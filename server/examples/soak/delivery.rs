//! The soak's delivery phase: every tablet's outbox delivered while a server is killed
//! with SIGKILL at random numbers of acknowledgements and restarted after a random pause.
//! With several servers each kill picks one, and the others keep serving meanwhile.

use crate::process::Servers;
use crate::tablets::{deliver, Delivered};
use rand::Rng;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How the tablets deliver and the servers are killed.
pub struct Plan {
    pub submissions: usize,
    pub stations: usize,
    pub kills: usize,
    /// Pause between two submissions of a tablet (a visit).
    pub pace_ms: u64,
    /// How long an offline tablet stays offline.
    pub offline_s: f64,
}

/// A tablet: its station's index, its token, and its outbox of (id, body).
pub type Tablet = (usize, String, Vec<(String, Vec<u8>)>);

/// Delivers every outbox; the acknowledged ids per station and the counts, and how many
/// kills were made.
pub async fn deliver_all(
    servers: &Arc<Servers>,
    tablets: Vec<Tablet>,
    plan: &Plan,
    rng: &mut impl Rng,
) -> anyhow::Result<(Delivered, usize)> {
    // Kills at random numbers of acknowledgements, spread over the delivery.
    let mut kill_at: Vec<usize> =
        (0..plan.kills).map(|_| rng.gen_range(plan.submissions / 20..plan.submissions * 19 / 20)).collect();
    kill_at.sort_unstable();
    let acked = Arc::new(AtomicUsize::new(0));
    // Set once every tablet is done: a kill whose count never comes (refusals) is skipped.
    let done = Arc::new(AtomicBool::new(false));
    let killer = {
        let (servers, acked, done) = (servers.clone(), acked.clone(), done.clone());
        let pauses: Vec<u64> = (0..plan.kills).map(|_| rng.gen_range(200..3000)).collect();
        let victims: Vec<usize> = (0..plan.kills).map(|_| servers.pick(rng)).collect();
        tokio::spawn(async move {
            let mut killed = 0;
            for ((at, pause), victim) in kill_at.into_iter().zip(pauses).zip(victims) {
                while acked.load(Ordering::Relaxed) < at {
                    if done.load(Ordering::Relaxed) {
                        return anyhow::Ok(killed);
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                let server = &servers.0[victim];
                server.kill();
                killed += 1;
                tokio::time::sleep(Duration::from_millis(pause)).await;
                server.start().await?;
            }
            anyhow::Ok(killed)
        })
    };

    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
    let urls: Arc<Vec<String>> = Arc::new(servers.0.iter().map(|s| format!("{}/api/v1/responses", s.url)).collect());
    let mut tasks = tokio::task::JoinSet::new();
    for (t, (station, token, outbox)) in tablets.into_iter().enumerate() {
        // A fifth of the tablets lose the network once, at a random point of their day.
        let offline = (t % 5 == 4).then(|| (rng.gen_range(0..outbox.len().max(1)), plan.offline_s));
        let (client, urls, acked, pace) = (client.clone(), urls.clone(), acked.clone(), plan.pace_ms);
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
                if deliver(&client, &urls, &token, &id, &body, &mut out).await {
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
    let mut delivered = Delivered { acked: vec![Vec::new(); plan.stations], ..Delivered::default() };
    for (station, out, ids) in tasks.join_all().await {
        delivered.acked[station].extend(ids);
        delivered.add(&out);
    }
    done.store(true, Ordering::Relaxed);
    let kills = killer.await??;
    Ok((delivered, kills))
}
