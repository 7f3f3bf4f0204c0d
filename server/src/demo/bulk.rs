//! The bulk seed: [`Bulk`] synthetic released responses, written station by station and
//! week by week.

use super::mix::Mix;
use super::model::{Model, Synthetic};
use super::plan::{add_stations, Plan};
use rand::seq::SliceRandom;
use rand::{Rng, RngCore};
use sqlx::SqlitePool;
use std::collections::{BTreeMap, BTreeSet};
use store_sqlite::responses::iso_week_label;

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
/// Fast: every response is a pure function of the seed and its number, so the roll-ups
/// are counted in memory station by station and written once, then the rows are written
/// in random order of responses but in order of their random ids (the tables' keys), in
/// large transactions of multi-row prepared inserts.
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

/// How a bulk seed reports its progress: the phase, and responses done out of all.
pub type Progress<'a> = &'a (dyn Fn(&'static str, u64, u64) + Sync);

/// Responses per transaction when writing rows.
const BATCH: usize = 25_000;
/// Bound values per multi-row INSERT (SQLite allows 32,766).
const VALUES_PER_STATEMENT: usize = 6_000;
/// Generates [`Bulk`] synthetic released responses into the database.
pub async fn seed_bulk(pool: &SqlitePool, bulk: &Bulk, k: usize, progress: Progress<'_>) -> anyhow::Result<String> {
    let started = std::time::Instant::now();
    if !(1..=Bulk::MAX_STATIONS).contains(&bulk.stations) {
        anyhow::bail!("--stations must be from 1 to {}, not {}", Bulk::MAX_STATIONS, bulk.stations);
    }
    if !(1..=Bulk::MAX_WEEKS).contains(&bulk.weeks) {
        anyhow::bail!("--weeks must be from 1 to {}, not {}", Bulk::MAX_WEEKS, bulk.weeks);
    }
    let cells = bulk.stations as u64 * bulk.weeks as u64;
    let least = cells * k as u64;
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
    let (stations, responses, pending) = store_sqlite::maintenance::holdings(pool).await?;
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
    let model = Model::load(pool).await?;
    let seed = bulk.seed.unwrap_or_else(|| rand::rngs::OsRng.gen());
    let now = chrono::Utc::now();
    let weeks: Vec<String> = (1..=bulk.weeks as i64)
        .rev()
        .map(|ago| iso_week_label(now - chrono::Duration::weeks(ago), "America/Lima"))
        .collect();

    progress("Adding stations", 0, bulk.stations as u64);
    let stations = add_stations(pool, bulk.stations, seed, progress).await?;
    let plan = Plan::new(seed, stations, weeks, bulk.responses, k);

    let (response_rollups, answer_rollups) = write_rollups(pool, &model, &plan, progress).await?;
    let answers = write_rows(pool, &model, &plan, progress).await?;

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

/// Counts every cell's responses into the roll-ups, station by station and week by week
/// (the order of their keys), and writes them. Returns the rows written.
async fn write_rollups(
    pool: &SqlitePool,
    model: &Model,
    plan: &Plan,
    progress: Progress<'_>,
) -> anyhow::Result<(u64, u64)> {
    type Dims<'a> = (&'static str, &'a str, &'a str, bool);
    let total = plan.total();
    let mut responses: BTreeMap<Dims<'_>, i64> = BTreeMap::new();
    let mut answers: BTreeMap<(Dims<'_>, &str, &str), i64> = BTreeMap::new();
    let mut response_cells: Vec<Cell> = Vec::new();
    let mut answer_cells: Vec<Cell> = Vec::new();
    let (mut response_rows, mut answer_rows) = (0u64, 0u64);
    let mut one = Synthetic::default();
    let mut tx = pool.begin().await?;
    progress("Counting roll-ups", 0, total);
    for cell in 0..plan.counts.len() {
        responses.clear();
        answers.clear();
        for g in plan.offsets[cell]..plan.offsets[cell + 1] {
            plan.respond(model, cell, g, &mut one);
            let dims: Dims<'_> = (
                one.language,
                model.respondent.stored(one.respondent),
                model.age_band.stored(one.age_band),
                one.suspect,
            );
            *responses.entry(dims).or_default() += 1;
            for &answer in &one.answers {
                let (q, v) = model.answer_key(answer);
                *answers.entry((dims, q, v)).or_default() += 1;
            }
        }
        let (station, week) = (plan.station(cell).id, plan.week(cell));
        for (&(language, respondent, age_band, suspect), &n) in &responses {
            response_cells.extend([
                Cell::Int(station),
                Cell::Text(week),
                Cell::Int(model.version),
                Cell::Text(language),
                Cell::Text(respondent),
                Cell::Text(age_band),
                Cell::Int(i64::from(suspect)),
                Cell::Int(n),
            ]);
        }
        for (&((language, respondent, age_band, suspect), q, v), &n) in &answers {
            answer_cells.extend([
                Cell::Int(station),
                Cell::Text(week),
                Cell::Int(model.version),
                Cell::Text(language),
                Cell::Text(respondent),
                Cell::Text(age_band),
                Cell::Int(i64::from(suspect)),
                Cell::Text(q),
                Cell::Text(v),
                Cell::Int(n),
            ]);
        }
        if answer_cells.len() >= BATCH * 10 || cell + 1 == plan.counts.len() {
            response_rows += (response_cells.len() / 8) as u64;
            answer_rows += (answer_cells.len() / 10) as u64;
            insert_many(
                &mut tx,
                "INSERT INTO response_rollups (station_id, iso_week, survey_version, language, respondent, age_band, \
                 suspect, responses)",
                8,
                &response_cells,
            )
            .await?;
            insert_many(
                &mut tx,
                "INSERT INTO answer_rollups (station_id, iso_week, survey_version, language, respondent, age_band, \
                 suspect, question_key, value, answers)",
                10,
                &answer_cells,
            )
            .await?;
            response_cells.clear();
            answer_cells.clear();
            tx.commit().await?;
            tx = pool.begin().await?;
            progress("Counting roll-ups", plan.offsets[cell + 1], total);
        }
    }
    tx.commit().await?;
    Ok((response_rows, answer_rows))
}

/// Writes every response and its answers, in random order of responses, under random
/// ids given out in ascending order so that both tables are appended to. Returns the
/// answer rows written.
async fn write_rows(pool: &SqlitePool, model: &Model, plan: &Plan, progress: Progress<'_>) -> anyhow::Result<u64> {
    let total = plan.total();
    // The ids: random (never from the seed, so that data added twice gets other ids),
    // sorted; each goes to a response drawn at random.
    let mut rng = Mix::new(rand::rngs::OsRng.gen(), 0);
    let mut ids: Vec<u128> =
        (0..total).map(|_| (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64())).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() as u64 != total {
        anyhow::bail!("two random ids were equal; run again");
    }
    // At most MAX_RESPONSES, well within u32.
    let mut order: Vec<u32> = (0..total as u32).collect();
    order.shuffle(&mut rng);
    progress("Writing responses", 0, total);
    let (mut written, mut answers_written) = (0u64, 0u64);
    let mut one = Synthetic::default();
    for (ids, order) in ids.chunks(BATCH).zip(order.chunks(BATCH)) {
        let ids: Vec<[u8; 16]> = ids.iter().map(|id| id.to_be_bytes()).collect();
        #[allow(clippy::type_complexity)]
        let mut rows: Vec<(usize, &'static str, Option<usize>, Option<usize>, bool)> = Vec::with_capacity(ids.len());
        let mut answers: Vec<(usize, (usize, usize))> = Vec::with_capacity(ids.len() * 12);
        for (i, &g) in order.iter().enumerate() {
            let g = u64::from(g);
            let cell = plan.cell_of(g);
            plan.respond(model, cell, g, &mut one);
            rows.push((cell, one.language, one.respondent, one.age_band, one.suspect));
            answers.extend(one.answers.iter().map(|a| (i, *a)));
        }
        let mut response_cells = Vec::with_capacity(rows.len() * 8);
        for (id, &(cell, language, respondent, age_band, suspect)) in ids.iter().zip(&rows) {
            response_cells.extend([
                Cell::Blob(id),
                Cell::Int(plan.station(cell).id),
                Cell::Int(model.version),
                Cell::Text(plan.week(cell)),
                Cell::Text(language),
                Cell::OptText(respondent.map(|r| model.respondent.stored(Some(r)))),
                Cell::OptText(age_band.map(|a| model.age_band.stored(Some(a)))),
                Cell::Int(i64::from(suspect)),
            ]);
        }
        let mut answer_cells = Vec::with_capacity(answers.len() * 3);
        for &(i, answer) in &answers {
            let (q, v) = model.answer_key(answer);
            answer_cells.extend([Cell::Blob(&ids[i]), Cell::Text(q), Cell::Text(v)]);
        }
        let mut tx = pool.begin().await?;
        insert_many(
            &mut tx,
            "INSERT INTO responses (id, station_id, survey_version, iso_week, language, respondent, age_band, suspect)",
            8,
            &response_cells,
        )
        .await?;
        insert_many(&mut tx, "INSERT INTO answers (response_id, question_key, value)", 3, &answer_cells).await?;
        tx.commit().await?;
        written += rows.len() as u64;
        answers_written += answers.len() as u64;
        progress("Writing responses", written, total);
    }
    Ok(answers_written)
}

/// A value to bind.
#[derive(Clone, Copy)]
enum Cell<'a> {
    Int(i64),
    Text(&'a str),
    OptText(Option<&'a str>),
    Blob(&'a [u8]),
}

/// Inserts rows of `width` cells each with multi-row prepared statements: one per
/// [`VALUES_PER_STATEMENT`] values, prepared once per size and kept by the connection.
async fn insert_many(
    conn: &mut sqlx::SqliteConnection,
    head: &str,
    width: usize,
    cells: &[Cell<'_>],
) -> Result<(), sqlx::Error> {
    let per_statement = (VALUES_PER_STATEMENT / width).max(1) * width;
    let full = values_sql(head, width, per_statement / width);
    for chunk in cells.chunks(per_statement) {
        let partial;
        let sql = if chunk.len() == per_statement {
            &full
        } else {
            partial = values_sql(head, width, chunk.len() / width);
            &partial
        };
        let mut query = sqlx::query(sql);
        for cell in chunk {
            query = match *cell {
                Cell::Int(n) => query.bind(n),
                Cell::Text(s) => query.bind(s),
                Cell::OptText(s) => query.bind(s),
                Cell::Blob(b) => query.bind(b),
            };
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// `head VALUES (?, …), (?, …)…` for `rows` rows of `width` values.
fn values_sql(head: &str, width: usize, rows: usize) -> String {
    let row = format!("({})", vec!["?"; width].join(","));
    format!("{head} VALUES {}", vec![row; rows].join(","))
}
