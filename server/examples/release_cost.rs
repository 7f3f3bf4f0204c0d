//! What the k-anonymous release costs (issue 16, BENCHMARKS.md "Release cost"): how long
//! responses wait and how many lose detail, for stations of a few sizes, with the release
//! Digna runs (`domain::privacy::release::plan`), a release every night and the hold limit.
//!
//!     cargo run --release -p server --example release_cost -- [--weeks 52] [--every-days 1] [--seed 16]
//!
//! Visitors arrive at random times over the days of the week. The mix: 85 % adults who
//! answer in Spanish (a fifth of them companions), 10 % children or adolescents, 5 %
//! who answer in Quechua or Aymara; waiting times as the demo's; each profile item
//! skipped one time in ten; 3 % marked suspect. Responses that arrive in the first and
//! last eight weeks are not counted (the pools fill up and drain there).
//!
//! Prints a Markdown table: per station size and k, the share of responses released
//! within 1, 2 and 4 weeks of arrival, the share still waiting at the end, and the
//! share released with some detail withheld (and with everything withheld).

use clap::Parser;
use domain::privacy::release::{plan, Candidate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Parser)]
struct Args {
    /// Weeks simulated.
    #[arg(long, default_value_t = 52)]
    weeks: u32,
    /// Weeks a response may wait for a release that keeps all its detail.
    #[arg(long, default_value_t = 4)]
    hold_weeks: u32,
    /// Days between releases: 1 (every night, the default schedule) or 7 (weekly).
    #[arg(long, default_value_t = 1)]
    every_days: u32,
    #[arg(long, default_value_t = 16)]
    seed: u64,
}

struct Pending {
    arrived_day: u32,
    candidate: Candidate,
}

#[derive(Default)]
struct Outcome {
    counted: u64,
    within: [u64; 3],
    waiting: u64,
    generalized: u64,
    fully: u64,
}

fn pick<'a>(rng: &mut StdRng, weighted: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut r = rng.gen_range(0..total);
    for (v, w) in weighted {
        if r < *w {
            return v;
        }
        r -= w;
    }
    weighted[0].0
}

/// A visitor's quasi-identifiers in the order a release withholds them: waiting time,
/// age band, respondent, language.
fn visitor(rng: &mut StdRng) -> Candidate {
    let (language, respondent, age) = match rng.gen_range(0..100) {
        0..=67 => ("es", "self", "18-plus"),
        68..=84 => ("es", "companion", "18-plus"),
        85..=94 => ("es", "child", if rng.gen_bool(0.7) { "12-17" } else { "under-12" }),
        _ => (if rng.gen_bool(0.6) { "qu" } else { "ay" }, "self", "18-plus"),
    };
    let wait = pick(rng, &[("under-15", 30), ("15-30", 35), ("30-60", 25), ("over-60", 10)]);
    let mut skip = |v: &str| if rng.gen_bool(0.1) { String::new() } else { v.to_string() };
    let quasi = vec![skip(wait), skip(age), skip(respondent), language.to_string()];
    Candidate { pool: (1, rng.gen_bool(0.03)), quasi, held_long_enough: false }
}

fn simulate(per_week: u32, k: usize, args: &Args) -> Outcome {
    let mut rng = StdRng::seed_from_u64(args.seed ^ (u64::from(per_week) << 8) ^ k as u64);
    let mut pending: Vec<Pending> = Vec::new();
    let mut out = Outcome::default();
    let counted = |day: u32| day >= 8 * 7 && day < (args.weeks - 8) * 7;
    for day in 0..args.weeks * 7 {
        // Arrivals of the day (Poisson-like: each of 20 slots a day at the same rate).
        let expected = f64::from(per_week) / 7.0;
        let arrivals = (0..20).filter(|_| rng.gen_bool((expected / 20.0).min(1.0))).count();
        for _ in 0..arrivals {
            pending.push(Pending { arrived_day: day, candidate: visitor(&mut rng) });
        }
        if day % args.every_days.max(1) != args.every_days.max(1) - 1 {
            continue;
        }
        // The night's release: a response has waited long enough once its ISO week is
        // the hold limit behind the release's.
        for p in &mut pending {
            p.candidate.held_long_enough = day / 7 - p.arrived_day / 7 >= args.hold_weeks;
        }
        let candidates: Vec<Candidate> = pending.iter().map(|p| p.candidate.clone()).collect();
        let decisions = plan(&candidates, domain::K::new(k as u32));
        let mut left = Vec::with_capacity(pending.len());
        for (p, decision) in pending.into_iter().zip(decisions) {
            match decision {
                None => left.push(p),
                Some(withheld) if counted(p.arrived_day) => {
                    out.counted += 1;
                    // Released the night after a day: within a week means by day + 7.
                    let waited = day + 1 - p.arrived_day;
                    for (i, limit) in [7, 14, 28].iter().enumerate() {
                        if waited <= *limit {
                            out.within[i] += 1;
                        }
                    }
                    if withheld > 0 {
                        out.generalized += 1;
                    }
                    if withheld == p.candidate.quasi.len() {
                        out.fully += 1;
                    }
                }
                Some(_) => {}
            }
        }
        pending = left;
    }
    let waiting = pending.iter().filter(|p| counted(p.arrived_day)).count() as u64;
    out.counted += waiting;
    out.waiting = waiting;
    out
}

fn main() {
    let args = Args::parse();
    println!("| visitors a week | k | released within 1 week | 2 weeks | 4 weeks | still waiting | released with detail withheld | everything withheld |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for per_week in [5u32, 20, 100] {
        for k in [5usize, 3] {
            let o = simulate(per_week, k, &args);
            let pct = |n: u64| format!("{:.1} %", 100.0 * n as f64 / o.counted.max(1) as f64);
            println!(
                "| {per_week} | {k} | {} | {} | {} | {} | {} | {} |",
                pct(o.within[0]),
                pct(o.within[1]),
                pct(o.within[2]),
                pct(o.waiting),
                pct(o.generalized),
                pct(o.fully)
            );
        }
    }
    println!(
        "\n{} weeks, a release every {} day(s), hold limit {} weeks, seed {}.",
        args.weeks, args.every_days, args.hold_weeks, args.seed
    );
}
