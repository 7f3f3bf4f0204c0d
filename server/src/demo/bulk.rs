//! The bulk seed: [`Bulk`] synthetic released responses, written station by station and
//! week by week through the release's own writer.

use super::model::{Model, Synthetic};
use super::plan::{add_stations, Plan};
use super::Progress;
use crate::privacy::release::unordered;
use domain::privacy::release::ReleasedRow;
use domain::time::calendar::iso_week_label;
use rand::Rng;
use std::collections::BTreeSet;
use store::Releases;

/// A bulk seed (`digna seed-demo --responses N --stations S --weeks W`): N released
/// responses over S new stations in several regions and the W ISO weeks up to last week.
///
/// Realistic on purpose, for the dashboards and their benchmark: stations differ in size
/// (log-normal), in how well they treat people and in where that is heading (some drop
/// sharply in the last weeks, so the overview flags them); the programme grows over the
/// years and follows the seasons; visitors skip questions, decline to score some, pick
/// one to three improvements, answer in the region's languages, and a few are suspect.
/// Every station has at least k responses in every week, so no week is hidden for being
/// small. Only released data: rows in `responses` and `answers` under random ids with the
/// ISO week as their only time label, and the roll-ups that match them exactly.
///
/// Written as a real release writes: each station's responses of a week shuffled and
/// under random ids, the roll-ups counted from the rows by the same function, so they
/// equal a GROUP BY of the released rows as a release's do. Every response is a pure
/// function of the seed and its number; many weeks go in one transaction.
#[derive(Clone, Debug)]
pub struct Bulk {
    pub responses: u64,
    pub stations: usize,
    pub weeks: usize,
    /// Add to a database that already holds stations or responses.
    pub add: bool,
    /// The same seed gives the same data; a random one without.
    pub seed: Option<u64>,
}

impl Bulk {
    pub const DEFAULT_STATIONS: usize = 100;
    pub const DEFAULT_WEEKS: usize = 52;
    pub const MAX_RESPONSES: u64 = 200_000_000;
    pub const MAX_STATIONS: usize = 100_000;
    pub const MAX_WEEKS: usize = 520;
}

/// Responses per transaction (at least a week of one station).
const BATCH: u64 = 25_000;
/// Generates [`Bulk`] synthetic released responses into the database.
pub async fn seed_bulk(db: &crate::Db, bulk: &Bulk, k: domain::K, progress: Progress<'_>) -> anyhow::Result<String> {
    let started = std::time::Instant::now();
    if !(1..=Bulk::MAX_STATIONS).contains(&bulk.stations) {
        anyhow::bail!("--stations must be from 1 to {}, not {}", Bulk::MAX_STATIONS, bulk.stations);
    }
    if !(1..=Bulk::MAX_WEEKS).contains(&bulk.weeks) {
        anyhow::bail!("--weeks must be from 1 to {}, not {}", Bulk::MAX_WEEKS, bulk.weeks);
    }
    let cells = bulk.stations as u64 * bulk.weeks as u64;
    let least = cells * u64::from(k.get());
    if bulk.responses < least {
        anyhow::bail!(
            "--responses {} is too few: every station needs at least k = {k} responses in each week \
             ({} stations × {} weeks × {k} = {least})",
            bulk.responses,
            bulk.stations,
            bulk.weeks
        );
    }
    if bulk.responses > Bulk::MAX_RESPONSES {
        anyhow::bail!("--responses may be at most {}, not {}", Bulk::MAX_RESPONSES, bulk.responses);
    }
    let (stations, responses, pending) = store::Maintenance::holdings(db).await?;
    if !bulk.add && (stations > 0 || responses > 0 || pending) {
        // Pending responses are never counted, not even here.
        anyhow::bail!(
            "the database is not empty ({} stations, {} released responses{}): \
             seed-demo --responses fills an empty database only. Point DATABASE_URL at a new file, \
             or pass --add to add the synthetic stations and their responses to this one.",
            stations,
            responses,
            if pending { ", some awaiting release" } else { "" }
        );
    }
    let model = Model::load(db).await?;
    let seed = bulk.seed.unwrap_or_else(|| rand::rngs::OsRng.gen());
    let now = chrono::Utc::now();
    let weeks: Vec<String> = (1..=bulk.weeks as i64)
        .rev()
        .map(|ago| iso_week_label(now - chrono::Duration::weeks(ago), "America/Lima"))
        .collect();

    progress("Adding stations", 0, bulk.stations as u64);
    let stations = add_stations(db, bulk.stations, seed, progress).await?;
    let plan = Plan::new(seed, stations, weeks, bulk.responses, k.rows());

    let answers = write_released(db, &model, &plan, progress).await?;
    let station_ids: Vec<i64> = plan.stations.iter().map(|s| s.id).collect();
    let (response_rollups, answer_rollups) = store::Maintenance::rollup_rows(db, &station_ids).await?;

    let seconds = started.elapsed().as_secs_f64();
    let regions: BTreeSet<usize> = plan.stations.iter().map(|s| s.region).collect();
    Ok(format!(
        "Synthetic data added: {} released responses ({answers} answers) over {} stations in {} regions and {} weeks \
         ({} to {}), {response_rollups} response and {answer_rollups} answer roll-up rows, in {seconds:.1} s \
         ({:.0} responses/s). Seed {seed}.",
        bulk.responses,
        plan.stations.len(),
        regions.len(),
        plan.weeks.len(),
        plan.weeks.first().map_or("", String::as_str),
        plan.weeks.last().map_or("", String::as_str),
        bulk.responses as f64 / seconds.max(1e-9),
    ))
}

/// Writes every station's responses week by week as a release writes them (shuffled,
/// under random ids, by [`unordered`]; written and added to the roll-ups by
/// [`write_released_rows`]), many weeks a transaction. Returns the answers written.
async fn write_released(db: &crate::Db, model: &Model, plan: &Plan, progress: Progress<'_>) -> anyhow::Result<u64> {
    let (cells, total) = (plan.counts.len(), plan.total());
    progress("Writing responses", 0, total);
    let mut one = Synthetic::default();
    let mut answers = 0u64;
    let mut cell = 0;
    while cell < cells {
        let first = plan.offsets[cell];
        let mut weeks = Vec::new();
        while cell < cells && plan.offsets[cell] - first < BATCH {
            let rows: Vec<ReleasedRow> = (plan.offsets[cell]..plan.offsets[cell + 1])
                .map(|g| {
                    plan.respond(model, cell, g, &mut one);
                    answers += one.answers.len() as u64;
                    model.released_row(&one)
                })
                .collect();
            weeks.push((plan.station(cell).id, plan.week(cell).to_string(), unordered(rows)));
            cell += 1;
        }
        db.write_released(&weeks).await?;
        progress("Writing responses", plan.offsets[cell], total);
    }
    Ok(answers)
}
