//! Demo data for a newcomer's first run: two stations in two regions, one enrolled
//! tablet and a few hundred synthetic responses over the last 12 weeks ([`seed`]).
//!
//! For benchmarks and trying the dashboards at scale, [`seed_bulk`] generates millions of
//! realistic released responses over many stations and years, fast: see [`Bulk`].

pub mod bodies;
mod bulk;
mod mix;
mod model;
mod plan;

pub use bulk::{seed_bulk, Bulk};

/// How a bulk seed reports its progress: the phase, and responses done out of all.
pub type Progress<'a> = &'a (dyn Fn(&'static str, u64, u64) + Sync);

use crate::auth::{random_token as new_token, secret_hash};
use domain::time::calendar::iso_week_label;
use domain::{
    Email, Language, Name, Password, ResponseContent, Role, StationCode, Submission, SubmissionBody, AGE_BAND_KEY,
    RATHER_NOT, RESPONDENT_KEY,
};
use rand::seq::SliceRandom;
use rand::Rng;
use std::collections::BTreeMap;
use store::accounts::Grants;
use store::audit::Entry;
use store::Releases;

/// (code, name, region, how well it treats people: 0.0 bad … 1.0 good)
const STATIONS: [(&str, &str, &str, f64); 2] = [
    ("LIM-01", "Comisaría de Familia de Lima Cercado", "Lima Centro", 0.78),
    ("LIM-02", "Comisaría de Villa El Salvador", "Lima Sur", 0.55),
];
const WEEKS: i64 = 12;

/// Seeds demo data into an empty database; does nothing to a database that has stations.
pub async fn seed(db: &crate::Db, k: domain::K) -> anyhow::Result<String> {
    let (stations, _, _) = store::Maintenance::holdings(db).await?;
    if stations > 0 {
        return Ok("The database already has stations; demo data not added.".into());
    }
    let version = store::Surveys::current_version(db).await?.ok_or_else(|| anyhow::anyhow!("no published survey"))?;
    let survey = store::Surveys::load(db, version).await?.ok_or_else(|| anyhow::anyhow!("no published survey"))?;
    let observable =
        BTreeMap::from([(survey.version, survey.observable_in_release_order().map(|q| q.key.clone()).collect())]);
    let mut rng = rand::thread_rng();
    let mut total = 0usize;
    let now = chrono::Utc::now();
    for (code, name, region, quality) in STATIONS {
        let code = StationCode::parse(code).map_err(anyhow::Error::msg)?;
        let audit = Entry::new(DEMO_ACTOR, "station.create", code.as_ref(), "demo station");
        let id = store::Stations::insert(
            db,
            &code,
            &Name::parse("name", name, 200).map_err(anyhow::Error::msg)?,
            &Name::parse("region", region, 100).map_err(anyhow::Error::msg)?,
            "America/Lima",
            &audit,
        )
        .await?
        .ok_or_else(|| anyhow::anyhow!("station {code} exists"))?;
        let mut weeks = Vec::new();
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
            weeks.push((id, week, crate::privacy::release::unordered(rows)));
        }
        db.write_released(&weeks).await?;
    }
    // One demo tablet at the first station; its token is not needed again.
    let lim01 = store::Stations::by_code(db, "LIM-01").await?.ok_or_else(|| anyhow::anyhow!("LIM-01 missing"))?;
    let token_hash = secret_hash(&new_token());
    store::Tablets::insert_with_token(db, lim01.id, &token_hash).await?;
    Ok(format!(
        "Demo data added: {} stations in 2 regions, 1 tablet, {total} responses over the last {WEEKS} weeks.",
        STATIONS.len()
    ))
}

/// Who the audit log names for what demo data adds.
pub(crate) const DEMO_ACTOR: &str = "demo data";

/// The demo's staff accounts: (email, password, role, stations, regions). For a
/// newcomer's own machine only; `make run` prints them.
type DemoAccount = (&'static str, &'static str, Role, &'static [&'static str], &'static [&'static str]);

pub const DEMO_ACCOUNTS: [DemoAccount; 3] = [
    ("admin@digna.demo", "demo-admin-digna", Role::Admin, &[], &[]),
    ("supervisora@digna.demo", "demo-supervisora", Role::Supervisor, &["LIM-01"], &[]),
    ("investigadora@digna.demo", "demo-investigadora", Role::Researcher, &[], &["Lima Centro", "Lima Sur"]),
];

/// Adds the demo accounts to a database that has none, and says how to sign in.
pub async fn seed_accounts(db: &crate::Db) -> anyhow::Result<String> {
    let mut lines = Vec::new();
    if store::Accounts::count(db).await? == 0 {
        for (email, password, role, stations, regions) in DEMO_ACCOUNTS {
            let email = Email::parse(email).map_err(anyhow::Error::msg)?;
            let password = Password::parse(password).map_err(anyhow::Error::msg)?;
            let hash = crate::auth::hash_password(&password).await?;
            let grants = Grants {
                stations: stations.iter().map(|s| s.to_string()).collect(),
                regions: regions.iter().map(|s| s.to_string()).collect(),
            };
            let audit = Entry::new(DEMO_ACTOR, "account.create", email.as_ref(), format!("role: {role}; demo account"));
            store::Accounts::create(db, &email, role, &hash, &grants, &audit).await?;
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
