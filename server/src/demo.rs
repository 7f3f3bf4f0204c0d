//! Demo data for a newcomer's first run: two stations in two regions, one enrolled
//! tablet and a few hundred synthetic responses over the last 12 weeks ([`seed`]).
//!
//! For benchmarks and trying the dashboards at scale, [`seed_bulk`] generates millions of
//! realistic released responses over many stations and years, fast: see [`Bulk`].

use crate::auth::{random_token as new_token, secret_hash};
use domain::time::calendar::iso_week_label;
use domain::{
    Email, Language, Name, Password, ResponseContent, Role, StationCode, Submission, SubmissionBody, AGE_BAND_KEY,
    RATHER_NOT, RESPONDENT_KEY,
};
use rand::seq::SliceRandom;
use rand::{Rng, RngCore};
use sqlx::SqlitePool;
use std::collections::{BTreeMap, BTreeSet};
use store_sqlite::accounts::Grants;
use store_sqlite::release::write_released_rows;

/// (code, name, region, how well it treats people: 0.0 bad … 1.0 good)
const STATIONS: [(&str, &str, &str, f64); 2] = [
    ("LIM-01", "Comisaría de Familia de Lima Cercado", "Lima Centro", 0.78),
    ("LIM-02", "Comisaría de Villa El Salvador", "Lima Sur", 0.55),
];
const WEEKS: i64 = 12;

/// Seeds demo data into an empty database; does nothing to a database that has stations.
pub async fn seed(pool: &SqlitePool, k: domain::K) -> anyhow::Result<String> {
    let (stations, _, _) = store_sqlite::maintenance::holdings(pool).await?;
    if stations > 0 {
        return Ok("The database already has stations; demo data not added.".into());
    }
    let version =
        store_sqlite::survey::current_version(pool).await?.ok_or_else(|| anyhow::anyhow!("no published survey"))?;
    let survey =
        store_sqlite::survey::load(pool, version).await?.ok_or_else(|| anyhow::anyhow!("no published survey"))?;
    let observable =
        BTreeMap::from([(survey.version, survey.observable_in_release_order().map(|q| q.key.clone()).collect())]);
    let mut rng = rand::thread_rng();
    let mut total = 0usize;
    let now = chrono::Utc::now();
    for (code, name, region, quality) in STATIONS {
        let code = StationCode::parse(code).map_err(anyhow::Error::msg)?;
        let id = store_sqlite::stations::insert(
            pool,
            &code,
            &Name::parse("name", name, 200).map_err(anyhow::Error::msg)?,
            &Name::parse("region", region, 100).map_err(anyhow::Error::msg)?,
            "America/Lima",
        )
        .await?
        .ok_or_else(|| anyhow::anyhow!("station {code} exists"))?;
        let mut tx = pool.begin().await?;
        for weeks_ago in (1..=WEEKS).rev() {
            let week = iso_week_label(now - chrono::Duration::weeks(weeks_ago), "America/Lima");
            // A slow improvement over the weeks, so trends have something to show.
            let q = (quality + (WEEKS - weeks_ago) as f64 * 0.01).min(0.95);
            let n = rng.gen_range(k.rows().max(8)..=k.rows().max(8) + 12);
            let pending = (0..n)
                .map(|_| Ok((synthetic_response(&mut rng, &survey, q)?, true)))
                .collect::<anyhow::Result<Vec<_>>>()?;
            // Released as a scheduled release would: k-anonymous, what cannot be is left out.
            let rows: Vec<_> =
                domain::privacy::release::release_rows(&pending, &observable, k).into_iter().flatten().collect();
            total += rows.len();
            write_released_rows(&mut tx, id, &week, &crate::privacy::release::unordered(rows)).await?;
        }
        tx.commit().await?;
    }
    // One demo tablet at the first station; its token is not needed again.
    let lim01 =
        store_sqlite::stations::by_code(pool, "LIM-01").await?.ok_or_else(|| anyhow::anyhow!("LIM-01 missing"))?;
    let token_hash = secret_hash(&new_token());
    store_sqlite::tablets::insert_with_token(pool, lim01.id, &token_hash).await?;
    Ok(format!(
        "Demo data added: {} stations in 2 regions, 1 tablet, {total} responses over the last {WEEKS} weeks.",
        STATIONS.len()
    ))
}

/// The demo's staff accounts: (email, password, role, stations, regions). For a
/// newcomer's own machine only; `make run` prints them.
type DemoAccount = (&'static str, &'static str, Role, &'static [&'static str], &'static [&'static str]);

pub const DEMO_ACCOUNTS: [DemoAccount; 3] = [
    ("admin@digna.demo", "demo-admin-digna", Role::Admin, &[], &[]),
    ("supervisora@digna.demo", "demo-supervisora", Role::Supervisor, &["LIM-01"], &[]),
    ("investigadora@digna.demo", "demo-investigadora", Role::Researcher, &[], &["Lima Centro", "Lima Sur"]),
];

/// Adds the demo accounts to a database that has none, and says how to sign in.
pub async fn seed_accounts(pool: &SqlitePool) -> anyhow::Result<String> {
    let mut lines = Vec::new();
    if store_sqlite::accounts::count(pool).await? == 0 {
        for (email, password, role, stations, regions) in DEMO_ACCOUNTS {
            let email = Email::parse(email).map_err(anyhow::Error::msg)?;
            let password = Password::parse(password).map_err(anyhow::Error::msg)?;
            let hash = crate::auth::hash_password(&password).await?;
            let grants = Grants {
                stations: stations.iter().map(|s| s.to_string()).collect(),
                regions: regions.iter().map(|s| s.to_string()).collect(),
            };
            store_sqlite::accounts::create(pool, &email, role, &hash, &grants).await?;
        }
        lines.push("Demo accounts added.".to_string());
    }
    lines.push("Demo accounts (unless their passwords were changed), sign in at /signin:".to_string());
    for (email, password, role, _, _) in DEMO_ACCOUNTS {
        let note = if role.requires_two_factor() { "  (sets up two-step verification at first sign-in)" } else { "" };
        lines.push(format!("    {:<10}  {email:<26}  {password}{note}", role.as_str()));
    }
    Ok(lines.join("\n"))
}

/// A synthetic response, made as a tablet's would be: a body, parsed against the survey.
fn synthetic_response(rng: &mut impl Rng, survey: &domain::Survey, quality: f64) -> anyhow::Result<ResponseContent> {
    let language = if rng.gen_bool(0.9) { Language::Es } else { Language::En };
    let mut answers = serde_json::Map::new();
    for q in &survey.questions {
        if rng.gen_bool(0.08) {
            continue; // skipped
        }
        let value = match q.kind {
            domain::QuestionKind::Scale4 => {
                if rng.gen_bool(0.04) {
                    serde_json::Value::from(RATHER_NOT)
                } else {
                    let x: f64 = rng.gen::<f64>() * 0.6 + quality * 0.7;
                    let score = (1.0 + x * 3.0).round().clamp(1.0, 4.0) as u8;
                    serde_json::Value::from(score)
                }
            }
            domain::QuestionKind::Single => {
                let keys: Vec<&str> = match q.key.as_str() {
                    RESPONDENT_KEY => vec!["self", "self", "self", "companion", "child"],
                    AGE_BAND_KEY => vec!["18-plus", "18-plus", "18-plus", "12-17", "under-12"],
                    _ => q.choices.iter().map(|c| c.key.as_str()).collect(),
                };
                serde_json::Value::from(keys.choose(rng).copied().unwrap_or_default())
            }
            domain::QuestionKind::Multi => {
                let n = rng.gen_range(1..=3.min(q.choices.len()));
                serde_json::Value::from(q.choices.choose_multiple(rng, n).map(|c| c.key.as_str()).collect::<Vec<_>>())
            }
        };
        answers.insert(q.key.clone(), value);
    }
    let body = SubmissionBody {
        id: uuid::Builder::from_random_bytes(rng.gen()).into_uuid().to_string(),
        survey_version: survey.version,
        language: language.code().to_string(),
        answers,
        durations: None,
    };
    Ok(Submission::parse(&body, survey).map_err(anyhow::Error::msg)?.into_content())
}

// ---------------------------------------------------------------- at scale

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

/// (region, code prefix, share of the stations, share of visitors answering in Quechua,
/// in Aymara). Lima Centro and Lima Sur are the small demo's regions.
const REGIONS: [(&str, &str, u32, f64, f64); 12] = [
    ("Lima Centro", "LIMC", 12, 0.03, 0.0),
    ("Lima Sur", "LIMS", 10, 0.04, 0.0),
    ("Lima Norte", "LIMN", 11, 0.04, 0.0),
    ("Callao", "CALL", 6, 0.02, 0.0),
    ("Arequipa", "AREQ", 8, 0.06, 0.01),
    ("La Libertad", "LIBE", 8, 0.01, 0.0),
    ("Piura", "PIUR", 8, 0.0, 0.0),
    ("Junín", "JUNI", 6, 0.08, 0.0),
    ("Cusco", "CUSC", 7, 0.30, 0.0),
    ("Ayacucho", "AYAC", 5, 0.35, 0.0),
    ("Puno", "PUNO", 6, 0.20, 0.20),
    ("Loreto", "LORE", 4, 0.0, 0.0),
];
/// Visitors answering in English, anywhere.
const ENGLISH: f64 = 0.015;
/// Stations whose treatment falls sharply in their last weeks.
const DROPPING: f64 = 0.04;
const DROP_WEEKS: usize = 6;
/// Responses per transaction when writing rows.
const BATCH: usize = 25_000;
/// Bound values per multi-row INSERT (SQLite allows 32,766).
const VALUES_PER_STATEMENT: usize = 6_000;

/// Generates [`Bulk`] synthetic released responses into the database.
pub async fn seed_bulk(pool: &SqlitePool, bulk: &Bulk, k: domain::K, progress: Progress<'_>) -> anyhow::Result<String> {
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
    let plan = Plan::new(seed, stations, weeks, bulk.responses, k.rows());

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

/// Adds `n` stations over the regions in proportion to their shares, interleaved.
async fn add_stations(pool: &SqlitePool, n: usize, seed: u64, progress: Progress<'_>) -> anyhow::Result<Vec<Site>> {
    let total: i64 = REGIONS.iter().map(|r| i64::from(r.2)).sum();
    let mut credit = [0i64; REGIONS.len()];
    let mut numbers = [0usize; REGIONS.len()];
    let mut rng = Mix::new(seed, u64::MAX);
    let mut out = Vec::with_capacity(n);
    for done in 0..n {
        // Smooth weighted round robin: each region's turn comes as often as its share.
        for (c, r) in credit.iter_mut().zip(&REGIONS) {
            *c += i64::from(r.2);
        }
        let region = (0..REGIONS.len()).max_by_key(|&i| (credit[i], std::cmp::Reverse(i))).unwrap_or(0);
        credit[region] -= total;
        let (region_name, prefix, _, _, _) = REGIONS[region];
        let id = loop {
            numbers[region] += 1;
            let number = numbers[region];
            let code = StationCode::parse(&format!("{prefix}-{number:03}")).map_err(anyhow::Error::msg)?;
            let name = Name::parse("name", &format!("Comisaría de Familia {region_name} {number}"), 200)
                .map_err(anyhow::Error::msg)?;
            let region = Name::parse("region", region_name, 100).map_err(anyhow::Error::msg)?;
            if let Some(id) = store_sqlite::stations::insert(pool, &code, &name, &region, "America/Lima").await? {
                break id;
            }
        };
        // How many come (log-normal), how well they are treated and where that heads.
        let size = (0.55 * rng.normal()).exp().clamp(0.25, 4.0);
        let base = 0.35 + 0.5 * (rng.unit() + rng.unit()) / 2.0;
        let drift = 0.2 * (rng.unit() - 0.4);
        let drops = rng.chance(DROPPING);
        out.push(Site { id, region, size, base, drift, drops });
        if done % 50 == 0 {
            progress("Adding stations", done as u64, n as u64);
        }
    }
    progress("Adding stations", n as u64, n as u64);
    Ok(out)
}

/// A synthetic station.
struct Site {
    id: i64,
    region: usize,
    size: f64,
    base: f64,
    drift: f64,
    drops: bool,
}

/// Who answers how much where: responses per station and week, and how well the
/// station treats people that week. Cell `s * weeks + t` is station `s`, week `t`.
struct Plan {
    seed: u64,
    stations: Vec<Site>,
    weeks: Vec<String>,
    quality: Vec<f64>,
    counts: Vec<u32>,
    /// Where each cell's responses start in the numbering of all responses.
    offsets: Vec<u64>,
}

impl Plan {
    fn new(seed: u64, stations: Vec<Site>, weeks: Vec<String>, responses: u64, k: usize) -> Plan {
        let w = weeks.len();
        let cells = stations.len() * w;
        let mut quality = Vec::with_capacity(cells);
        let mut weight = Vec::with_capacity(cells);
        for (s, site) in stations.iter().enumerate() {
            let phase = Mix::new(seed ^ 0x5EA5_0115, s as u64).unit() * std::f64::consts::TAU;
            for t in 0..w {
                let mut rng = Mix::new(seed ^ 0x0C0F_FEE5, (s * w + t) as u64);
                let along = if w > 1 { t as f64 / (w - 1) as f64 } else { 1.0 };
                let mut q = site.base + site.drift * along + 0.03 * rng.normal();
                if site.drops && t + DROP_WEEKS >= w {
                    q -= 0.3;
                }
                quality.push(q.clamp(0.05, 0.95));
                // The programme grows, and more people come in some seasons.
                let growth = 0.7 + 0.6 * along;
                let season = 1.0 + 0.12 * (t as f64 * std::f64::consts::TAU / 52.0 + phase).sin();
                weight.push(site.size * growth * season * (0.2 * rng.normal()).exp());
            }
        }
        // k per cell, and the rest in proportion to the weights (largest remainders).
        let rest = responses - (cells * k) as u64;
        let total: f64 = weight.iter().sum();
        let shares: Vec<f64> = weight.iter().map(|x| rest as f64 * x / total).collect();
        let mut counts: Vec<u64> = shares.iter().map(|x| x.floor() as u64).collect();
        let given: u64 = counts.iter().sum();
        let mut by_remainder: Vec<usize> = (0..cells).collect();
        by_remainder.sort_by(|&a, &b| (shares[b] - shares[b].floor()).total_cmp(&(shares[a] - shares[a].floor())));
        for &i in by_remainder.iter().cycle().take(rest.saturating_sub(given) as usize) {
            counts[i] += 1;
        }
        let counts: Vec<u32> = counts.into_iter().map(|n| (n + k as u64).min(u64::from(u32::MAX)) as u32).collect();
        let mut offsets = Vec::with_capacity(cells + 1);
        let mut at = 0u64;
        offsets.push(0);
        for n in &counts {
            at += u64::from(*n);
            offsets.push(at);
        }
        Plan { seed, stations, weeks, quality, counts, offsets }
    }

    fn total(&self) -> u64 {
        self.offsets.last().copied().unwrap_or(0)
    }

    /// The cell of response number `g`.
    fn cell_of(&self, g: u64) -> usize {
        self.offsets.partition_point(|&o| o <= g) - 1
    }

    fn station(&self, cell: usize) -> &Site {
        &self.stations[cell / self.weeks.len()]
    }

    fn week(&self, cell: usize) -> &str {
        &self.weeks[cell % self.weeks.len()]
    }

    /// Response number `g` of cell `cell`: the same every time it is asked for.
    fn respond(&self, model: &Model, cell: usize, g: u64, out: &mut Synthetic) {
        let mut rng = Mix::new(self.seed, g);
        let site = self.station(cell);
        let (_, _, _, quechua, aymara) = REGIONS[site.region];
        let u = rng.unit();
        out.language = if u < quechua {
            "qu"
        } else if u < quechua + aymara {
            "ay"
        } else if u < quechua + aymara + ENGLISH {
            "en"
        } else {
            "es"
        };
        out.respondent = model.respondent.pick(&mut rng, None);
        out.age_band = model.age_band.pick(&mut rng, out.respondent.map(|r| model.respondent.is_child(r)));
        out.suspect = rng.chance(0.02);
        // How it went for her, and each question around that.
        let experience = self.quality[cell] + 0.12 * rng.normal();
        out.answers.clear();
        for (qi, q) in model.care.iter().enumerate() {
            match &q.kind {
                Kind::Scale { aspect } => {
                    if rng.chance(0.06) {
                        continue;
                    }
                    let v = if rng.chance(0.04) {
                        4 // rather not say
                    } else {
                        let x = experience + aspect + 0.15 * rng.normal();
                        ((3.0 * x).round().clamp(0.0, 3.0)) as usize
                    };
                    out.answers.push((qi, v));
                }
                Kind::Waiting => {
                    if rng.chance(0.07) {
                        continue;
                    }
                    // Worse stations keep people waiting longer.
                    let x = (1.0 - experience) * (q.values.len() as f64) + 0.9 * rng.normal();
                    out.answers.push((qi, x.floor().clamp(0.0, (q.values.len() - 1) as f64) as usize));
                }
                Kind::Single => {
                    if rng.chance(0.07) {
                        continue;
                    }
                    out.answers.push((qi, rng.below(q.values.len())));
                }
                Kind::Multi { base, slope } => {
                    if rng.chance(0.15) {
                        continue;
                    }
                    let n = (1 + usize::from(rng.chance(0.45)) + usize::from(rng.chance(0.15))).min(base.len());
                    let mut weights: Vec<f64> =
                        base.iter().zip(slope).map(|(b, s)| (b + s * (1.0 - experience)).max(0.05)).collect();
                    for _ in 0..n {
                        let mut r = rng.unit() * weights.iter().sum::<f64>();
                        let mut chosen = weights.len() - 1;
                        for (i, w) in weights.iter().enumerate() {
                            if r < *w && *w > 0.0 {
                                chosen = i;
                                break;
                            }
                            r -= w;
                        }
                        weights[chosen] = 0.0;
                        out.answers.push((qi, chosen));
                    }
                }
            }
        }
        // In the order of the answers table's key, so rows are appended.
        out.answers.sort_by(|a, b| model.answer_key(*a).cmp(&model.answer_key(*b)));
    }
}

/// One generated response: indices into the [`Model`].
#[derive(Default)]
struct Synthetic {
    language: &'static str,
    respondent: Option<usize>,
    age_band: Option<usize>,
    suspect: bool,
    /// (care question, value)
    answers: Vec<(usize, usize)>,
}

/// The current survey as the generator needs it.
struct Model {
    version: i64,
    care: Vec<CareQuestion>,
    respondent: Profile,
    age_band: Profile,
}

struct CareQuestion {
    key: String,
    kind: Kind,
    /// The stored values, by index: "1" … "4" and "rather_not" for a face scale.
    values: Vec<String>,
}

enum Kind {
    /// How much better or worse than the station's usual this aspect goes.
    Scale {
        aspect: f64,
    },
    /// The waiting time bands, shortest first.
    Waiting,
    Single,
    /// Picks weigh `base + slope × (1 − experience)`.
    Multi {
        base: Vec<f64>,
        slope: Vec<f64>,
    },
}

/// A profile item: its choices and how often each is given.
struct Profile {
    choices: Vec<String>,
    weights: Vec<f64>,
    /// Weights when a child answers (for the age band).
    child_weights: Vec<f64>,
    skipped: f64,
}

impl Profile {
    fn new(choices: Vec<String>, known: &[(&str, f64, f64)], skipped: f64) -> Profile {
        let weight =
            |c: &String, pick: fn(&(&str, f64, f64)) -> f64| known.iter().find(|k| k.0 == c.as_str()).map_or(1.0, pick);
        let weights = choices.iter().map(|c| weight(c, |k| k.1)).collect();
        let child_weights = choices.iter().map(|c| weight(c, |k| k.2)).collect();
        Profile { choices, weights, child_weights, skipped }
    }

    fn pick(&self, rng: &mut Mix, child: Option<bool>) -> Option<usize> {
        if self.choices.is_empty() || rng.chance(self.skipped) {
            return None;
        }
        let weights = if child == Some(true) { &self.child_weights } else { &self.weights };
        let mut r = rng.unit() * weights.iter().sum::<f64>();
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return Some(i);
            }
            r -= w;
        }
        Some(weights.len() - 1)
    }

    fn is_child(&self, i: usize) -> bool {
        self.choices.get(i).is_some_and(|c| c == "child")
    }

    fn stored(&self, i: Option<usize>) -> &str {
        i.and_then(|i| self.choices.get(i)).map_or("", String::as_str)
    }
}

impl Model {
    async fn load(pool: &SqlitePool) -> anyhow::Result<Model> {
        let version =
            store_sqlite::survey::current_version(pool).await?.ok_or_else(|| anyhow::anyhow!("no published survey"))?;
        let survey =
            store_sqlite::survey::load(pool, version).await?.ok_or_else(|| anyhow::anyhow!("no published survey"))?;
        let keys = |key: &str| -> Vec<String> {
            survey.question(key).map(|q| q.choices.iter().map(|c| c.key.clone()).collect()).unwrap_or_default()
        };
        let respondent = Profile::new(
            keys(RESPONDENT_KEY),
            &[("self", 0.67, 0.67), ("companion", 0.22, 0.22), ("child", 0.11, 0.11)],
            0.06,
        );
        let age_band = Profile::new(
            keys(AGE_BAND_KEY),
            &[("18-plus", 0.93, 0.0), ("12-17", 0.06, 0.65), ("under-12", 0.01, 0.35)],
            0.07,
        );
        let mut care = Vec::new();
        for q in survey.questions.iter().filter(|q| q.key != RESPONDENT_KEY && q.key != AGE_BAND_KEY) {
            let choices: Vec<String> = q.choices.iter().map(|c| c.key.clone()).collect();
            let (kind, values) = match q.kind {
                domain::QuestionKind::Scale4 => {
                    let aspect = match q.key.as_str() {
                        "informed" => -0.12,
                        "privacy" => -0.08,
                        "believed" => -0.03,
                        "respect" => 0.03,
                        "language" => 0.08,
                        _ => 0.0,
                    };
                    let values = ["1", "2", "3", "4", domain::RATHER_NOT].map(String::from).to_vec();
                    (Kind::Scale { aspect }, values)
                }
                domain::QuestionKind::Single if choices.is_empty() => continue,
                domain::QuestionKind::Single if q.key == "waiting_time" => (Kind::Waiting, choices),
                domain::QuestionKind::Single => (Kind::Single, choices),
                domain::QuestionKind::Multi if choices.is_empty() => continue,
                domain::QuestionKind::Multi => {
                    let lean = |c: &String| match c.as_str() {
                        "waiting" => (1.0, 2.5),
                        "information" => (1.2, 1.5),
                        "respect" => (0.3, 1.5),
                        "privacy" => (0.6, 1.0),
                        _ => (0.5, 0.3),
                    };
                    let (base, slope) = choices.iter().map(lean).unzip();
                    (Kind::Multi { base, slope }, choices)
                }
            };
            care.push(CareQuestion { key: q.key.clone(), kind, values });
        }
        Ok(Model { version, care, respondent, age_band })
    }

    fn answer_key(&self, (q, v): (usize, usize)) -> (&str, &str) {
        let q = &self.care[q];
        (q.key.as_str(), q.values[v].as_str())
    }
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

/// SplitMix64: a small, fast generator whose stream is fixed by its seed, so that the
/// n-th response comes out the same whenever it is generated.
struct Mix(u64);

impl Mix {
    fn new(seed: u64, stream: u64) -> Mix {
        let mut m = Mix(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        m.next_u64();
        m
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// About normal (mean 0, deviation 1): the sum of four uniforms, rescaled.
    fn normal(&mut self) -> f64 {
        (self.unit() + self.unit() + self.unit() + self.unit() - 2.0) * 3f64.sqrt()
    }
}

impl rand::RngCore for Mix {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
