//! Open data: per region and month, the count of responses and every question's answer
//! distribution, each cell with discrete Laplace noise (differential privacy, δ = 0).
//! Each release spends its ε on every month it covers; a release that would take a
//! month past the cap is refused before any noise is drawn.

use crate::export::{hex, month_end, month_start, weeks_between};
use anyhow::Context;
use app::db::exports::{self as store, Audit};
use app::domain::{month_of, IsoWeek, QuestionKind, Survey};
use app::dp::{self, Epsilon};
use chrono::NaiveDate;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

/// ε per release, unless the request says otherwise.
pub const DEFAULT_EPSILON: &str = "1.0";
/// ε any one month of data may have spent on it, over all releases.
pub const DEFAULT_CAP: &str = "3.0";

/// Serializes budget checks and their records within this process.
static BUDGET: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[derive(Clone, Debug, Serialize)]
pub struct OpenDataRequest {
    /// Regions, all of whose stations (within scope) are counted.
    pub regions: Vec<String>,
    #[serde(skip)]
    pub station_ids: Vec<i64>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub survey_version: i64,
    #[serde(serialize_with = "as_text")]
    pub epsilon: Epsilon,
}

fn as_text<S: serde::Serializer>(e: &Epsilon, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&e.to_string())
}

#[derive(Debug, thiserror::Error)]
pub enum OpenDataError {
    #[error("the release would spend ε = {asking} on {month}, which has already spent {spent} of its cap of {cap}")]
    OverBudget { month: String, asking: String, spent: String, cap: String },
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The months from `from` to `to` as "YYYY-MM".
pub fn months(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    let mut d = month_start(from);
    while d <= to {
        out.push(d.format("%Y-%m").to_string());
        match month_end(d).succ_opt() {
            Some(next) => d = next,
            None => break,
        }
    }
    out
}

/// One table of the release: its cells are disjoint, so each response counts in at most
/// one cell of it (sensitivity 1).
struct Table {
    name: String,
    question: String,
    values: Vec<String>,
}

fn tables(survey: &Survey) -> Vec<Table> {
    let mut out = vec![Table { name: "responses".into(), question: String::new(), values: vec![String::new()] }];
    for q in survey.questions.iter().filter(|q| !q.profile) {
        match q.kind {
            QuestionKind::Scale4 => out.push(Table {
                name: q.key.clone(),
                question: q.key.clone(),
                values: ["1", "2", "3", "4", app::domain::RATHER_NOT].map(String::from).to_vec(),
            }),
            QuestionKind::Single => out.push(Table {
                name: q.key.clone(),
                question: q.key.clone(),
                values: q.choices.iter().map(|c| c.key.clone()).collect(),
            }),
            // One response may pick several choices: each choice is its own table of
            // "picked it" counts, so that no table counts anyone twice.
            QuestionKind::Multi => {
                for c in &q.choices {
                    out.push(Table {
                        name: format!("{}.{}", q.key, c.key),
                        question: q.key.clone(),
                        values: vec![c.key.clone()],
                    })
                }
            }
        }
    }
    out
}

fn month_label(iso_week: &str) -> Option<String> {
    let (y, m) = month_of(IsoWeek::parse(iso_week).ok()?);
    Some(format!("{y:04}-{m:02}"))
}

/// What a release wrote.
#[derive(Clone, Debug, Serialize)]
pub struct OpenDataSummary {
    pub cells: u64,
    pub tables: usize,
    pub epsilon: String,
    pub zip_sha256: String,
    pub audit_id: i64,
}

/// Builds the release as a ZIP in memory (it is small: regions × months × values),
/// spending `req.epsilon` on every month if the cap allows.
pub async fn release(
    pool: &SqlitePool,
    survey: &Survey,
    req: &OpenDataRequest,
    cap: Epsilon,
    actor: &str,
    rng: &mut (impl RngCore + Send),
) -> Result<(Vec<u8>, OpenDataSummary), OpenDataError> {
    let months = months(req.from, req.to);
    let _guard = BUDGET.lock().await;
    let spent = store::privacy_spent(pool, &months).await.map_err(anyhow::Error::from)?;
    for month in &months {
        let before: Vec<Epsilon> =
            spent.iter().filter(|(m, _)| m == month).filter_map(|(_, e)| e.parse().ok()).collect();
        if !dp::within_cap(&before, req.epsilon, cap) {
            let total = if before.is_empty() {
                "0".to_string()
            } else {
                before.iter().map(Epsilon::to_string).collect::<Vec<_>>().join(" + ")
            };
            return Err(OpenDataError::OverBudget {
                month: month.clone(),
                asking: req.epsilon.to_string(),
                spent: total,
                cap: cap.to_string(),
            });
        }
    }
    let weeks = weeks_between(req.from, req.to);
    let counts = store::region_week_counts(pool, &req.station_ids, &weeks, req.survey_version)
        .await
        .map_err(anyhow::Error::from)?;
    let answers = store::region_week_answers(pool, &req.station_ids, &weeks, req.survey_version)
        .await
        .map_err(anyhow::Error::from)?;
    // True counts on a grid fixed before looking at the data: every region asked for,
    // every month, every table and value, zeros included.
    let mut truth: BTreeMap<(String, String, String, String), u64> = BTreeMap::new();
    for (region, week, n) in counts {
        if let Some(m) = month_label(&week) {
            *truth.entry((region, m, "responses".into(), String::new())).or_default() += n.max(0) as u64;
        }
    }
    let tables = tables(survey);
    for (region, week, question, value, n) in answers {
        let Some(m) = month_label(&week) else { continue };
        let table = tables.iter().find(|t| t.question == question && t.values.contains(&value));
        if let Some(t) = table {
            *truth.entry((region, m, t.name.clone(), value)).or_default() += n.max(0) as u64;
        }
    }
    let per_table = req
        .epsilon
        .split(tables.len() as u32)
        .context("ε cannot be split across the tables")
        .map_err(OpenDataError::Other)?;
    let regions: BTreeSet<&String> = req.regions.iter().collect();
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(["region", "month", "table", "value", "noisy_count"]).map_err(anyhow::Error::from)?;
    let mut cells = 0u64;
    for region in &regions {
        for month in &months {
            for t in &tables {
                for value in &t.values {
                    let key = ((*region).clone(), month.clone(), t.name.clone(), value.clone());
                    let noisy = dp::noisy_count(truth.get(&key).copied().unwrap_or(0), per_table, rng);
                    let region = crate::export::formula_safe(region);
                    csv.write_record([region.as_ref(), month, &t.name, value, &noisy.to_string()])
                        .map_err(anyhow::Error::from)?;
                    cells += 1;
                }
            }
        }
    }
    let csv = csv.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?;
    let codebook = codebook(req, &tables, per_table, cap);
    let hash = |b: &[u8]| -> String { hex(&Sha256::digest(b)) };
    let files = [("open-data.csv", csv), ("codebook.md", codebook.into_bytes())];
    let mut summary = String::from("# Digna open data: summary\n\n## SHA-256\n\n");
    for (name, bytes) in &files {
        summary.push_str(&format!("- `{}`  {name}\n", hash(bytes)));
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files.iter().map(|(n, b)| (*n, b.as_slice())).chain([("SUMMARY.md", summary.as_bytes())]) {
        zip.start_file(name, options).map_err(anyhow::Error::from)?;
        zip.write_all(bytes).map_err(anyhow::Error::from)?;
    }
    let bytes = zip.finish().map_err(anyhow::Error::from)?.into_inner();
    let zip_sha256 = hash(&bytes);
    let file_hashes: BTreeMap<&str, String> = files.iter().map(|(n, b)| (*n, hash(b))).collect();
    let audit = Audit {
        id: 0,
        actor: actor.to_string(),
        created_at: String::new(),
        kind: "open_data".into(),
        filters: serde_json::to_string(req).map_err(anyhow::Error::from)?,
        rows: cells as i64,
        anonymization: serde_json::json!({
            "mechanism": dp::MECHANISM, "epsilon": req.epsilon.to_string(), "delta": dp::DELTA,
            "tables": tables.len(), "epsilon_per_table": per_table.to_string(),
        })
        .to_string(),
        suppressed: 0,
        file_hashes: serde_json::to_string(&file_hashes).map_err(anyhow::Error::from)?,
        zip_sha256: zip_sha256.clone(),
    };
    let audit_id =
        store::record_release(pool, &audit, &months, &req.epsilon.to_string()).await.map_err(anyhow::Error::from)?;
    Ok((bytes, OpenDataSummary { cells, tables: tables.len(), epsilon: req.epsilon.to_string(), zip_sha256, audit_id }))
}

fn codebook(req: &OpenDataRequest, tables: &[Table], per_table: Epsilon, cap: Epsilon) -> String {
    format!(
        "# Digna open data (differentially private)\n\n\
         - Regions: {}\n- Period: {} – {} (calendar months; a week counts in the month of its Thursday)\n\
         - Survey version: {}\n\n\
         ## Privacy\n\n\
         - Mechanism: {}\n- ε = {} for the whole release, δ = {}\n\
         - The release has {} tables (response counts, one per single-answer question, one per choice of a \
         multiple-choice question); each gets ε/{} = {}. Within a table every response counts in at most one \
         cell (sensitivity 1), so by composition the release spends ε = {} on every month it covers.\n\
         - Every cell of the fixed grid (every region asked for, month, table and value) is published, zeros \
         included, with noise; noisy counts below 0 are shown as 0 (post-processing).\n\
         - Each month of data may spend at most ε = {} over all releases.\n\n\
         ## Columns of open-data.csv\n\n\
         - `region`, `month` (YYYY-MM), `table` (`responses`, a question key, or `question.choice`), \
         `value` (a face 1–4, `rather_not`, or a choice key; empty for `responses`), `noisy_count`.\n",
        req.regions.join(", "),
        req.from,
        req.to,
        req.survey_version,
        dp::MECHANISM,
        req.epsilon,
        dp::DELTA,
        tables.len(),
        tables.len(),
        per_table,
        req.epsilon,
        cap,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_cover_the_period() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(months(d("2025-11-15"), d("2026-02-01")), ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert_eq!(months(d("2026-03-01"), d("2026-03-31")), ["2026-03"]);
    }
}
