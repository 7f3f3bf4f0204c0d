//! Open data: per region and month, the count of responses and every question's answer
//! distribution, each cell with discrete Laplace noise (differential privacy, δ = 0).
//!
//! The budget is kept per region and month: each release spends its ε on every region
//! and month it covers, and one that would take any of them past the cap is refused,
//! before anything is read and again, atomically, when it is recorded.
//!
//! Bounded: a period is at most [`crate::export::MAX_PERIOD_MONTHS`] months, the data are
//! read one month at a time, and memory holds only the grid's true counts (regions ×
//! months × cells of the tables, zeros left out); the CSV is written into the ZIP, a file,
//! as its cells are drawn, on a blocking thread. No lock is held while a release is built.

use crate::export::error::{Context, Error};
use crate::export::{hex, sha256_file};
use chrono::NaiveDate;
use domain::privacy::dp::{self, Epsilon};
use domain::time::calendar::{month_end, month_starts, months, weeks_between};
use domain::{QuestionKind, Survey};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use store::exports::{Audit, Spent};
use store::Exports;

/// ε per release, unless the request says otherwise.
pub const DEFAULT_EPSILON: &str = "1.0";
/// ε any one region's month of data may have spent on it, over all releases.
pub const DEFAULT_CAP: &str = "3.0";

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
    #[error("the release would spend ε = {asking} on {region} in {month}, which has already spent {spent} of its cap of {cap}")]
    OverBudget { region: String, month: String, asking: String, spent: String, cap: String },
    #[error(transparent)]
    Export(#[from] crate::export::error::Error),
}

/// Why a release of `asking` on `regions` in `months` would pass the cap, given what they
/// have `spent` (what was spent on every region counts for each): the first region and
/// month it would take past it. An ε in the ledger that does not read as one counts as
/// the cap spent.
pub fn over_budget(
    spent: &[Spent],
    regions: &[String],
    months: &[String],
    asking: Epsilon,
    cap: Epsilon,
) -> Option<OpenDataError> {
    for region in regions {
        for month in months {
            let on_it: Vec<&str> = spent
                .iter()
                .filter(|s| &s.month == month && s.region.as_ref().is_none_or(|r| r == region))
                .map(|s| s.epsilon.as_str())
                .collect();
            let before: Option<Vec<Epsilon>> = on_it.iter().map(|e| e.parse().ok()).collect();
            let fits = before.is_some_and(|before| dp::within_cap(&before, asking, cap));
            if !fits {
                return Some(OpenDataError::OverBudget {
                    region: region.clone(),
                    month: month.clone(),
                    asking: asking.to_string(),
                    spent: if on_it.is_empty() { "0".to_string() } else { on_it.join(" + ") },
                    cap: cap.to_string(),
                });
            }
        }
    }
    None
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
                values: ["1", "2", "3", "4", domain::RATHER_NOT].map(String::from).to_vec(),
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

/// What a release wrote.
#[derive(Clone, Debug, Serialize)]
pub struct OpenDataSummary {
    pub cells: u64,
    pub tables: usize,
    pub epsilon: String,
    pub zip_sha256: String,
    pub audit_id: i64,
}

/// The grid's true counts: (region, month, table, value) → responses, read one month at a
/// time (a week counts in the month of its Thursday); cells without a response are left
/// out.
type Truth = BTreeMap<(String, String, String, String), u64>;

async fn true_counts(db: &crate::Db, req: &OpenDataRequest, tables: &[Table]) -> Result<Truth, store::Error> {
    let mut truth = Truth::new();
    for start in month_starts(req.from, req.to) {
        let month = start.format("%Y-%m").to_string();
        let weeks = weeks_between(start, month_end(start));
        let counts = Exports::region_week_counts(db, &req.station_ids, &weeks, req.survey_version).await?;
        for (region, _week, n) in counts {
            *truth.entry((region, month.clone(), "responses".into(), String::new())).or_default() += n.max(0) as u64;
        }
        let answers = Exports::region_week_answers(db, &req.station_ids, &weeks, req.survey_version).await?;
        for (region, _week, question, value, n) in answers {
            let table = tables.iter().find(|t| t.question == question && t.values.contains(&value));
            if let Some(t) = table {
                *truth.entry((region, month.clone(), t.name.clone(), value)).or_default() += n.max(0) as u64;
            }
        }
    }
    Ok(truth)
}

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(data)?;
        self.hash.update(&data[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// What [`write_zip`] needs, owned, to run on a blocking thread.
struct Build {
    req: OpenDataRequest,
    months: Vec<String>,
    tables: Vec<Table>,
    truth: Truth,
    per_table: Epsilon,
    cap: Epsilon,
}

/// Writes the release into `file`: every cell of the grid fixed in advance (every region
/// asked for, month, table and value, zeros included) with its noise, as it is drawn,
/// straight into the ZIP's CSV entry; then the codebook and the summary. Returns the
/// number of cells and each file's SHA-256.
fn write_zip(
    file: File,
    b: &Build,
    rng: &mut impl RngCore,
) -> crate::export::error::Result<(u64, BTreeMap<String, String>)> {
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut zip = zip::ZipWriter::new(BufWriter::with_capacity(64 * 1024, file));
    zip.start_file("open-data.csv", options)?;
    let mut csv = csv::Writer::from_writer(Hashing { inner: &mut zip, hash: Sha256::new() });
    csv.write_record(["region", "month", "table", "value", "noisy_count"])?;
    let regions: BTreeSet<&String> = b.req.regions.iter().collect();
    let mut cells = 0u64;
    for region in &regions {
        for month in &b.months {
            for t in &b.tables {
                for value in &t.values {
                    let key = ((*region).clone(), month.clone(), t.name.clone(), value.clone());
                    let noisy = dp::noisy_count(b.truth.get(&key).copied().unwrap_or(0), b.per_table, rng);
                    let region = crate::export::formula_safe(region);
                    csv.write_record([region.as_ref(), month, &t.name, value, &noisy.to_string()])?;
                    cells += 1;
                }
            }
        }
    }
    let csv_hash =
        hex(&csv.into_inner().map_err(|e| crate::export::error::Error::Broken(format!("csv: {e}")))?.hash.finalize());
    let codebook = codebook(&b.req, &b.tables, b.per_table, b.cap);
    zip.start_file("codebook.md", options)?;
    zip.write_all(codebook.as_bytes())?;
    let hashes: BTreeMap<String, String> = [
        ("open-data.csv".to_string(), csv_hash),
        ("codebook.md".to_string(), hex(&Sha256::digest(codebook.as_bytes()))),
    ]
    .into();
    let mut summary = String::from("# Digna open data: summary\n\n## SHA-256\n\n");
    for (name, hash) in &hashes {
        summary.push_str(&format!("- `{hash}`  {name}\n"));
    }
    zip.start_file("SUMMARY.md", options)?;
    zip.write_all(summary.as_bytes())?;
    zip.finish()?
        .into_inner()
        .map_err(|e| crate::export::error::Error::Broken(format!("cannot write the ZIP: {}", e.error())))?
        .sync_all()?;
    Ok((cells, hashes))
}

/// Builds the release into the ZIP file `out` and spends `req.epsilon` on every region
/// and month it covers, if the cap allows: checked before anything is read, and again
/// in the transaction that records the spending, so that a release is never given out
/// unrecorded and two at once cannot both pass. The ZIP is written beside `out` and
/// renamed into place only once recorded; a refused release leaves no file.
pub async fn release(
    db: &crate::Db,
    survey: &Survey,
    req: &OpenDataRequest,
    cap: Epsilon,
    actor: &str,
    out: &Path,
    mut rng: impl RngCore + Send + 'static,
) -> Result<OpenDataSummary, OpenDataError> {
    let months = months(req.from, req.to);
    let spent = Exports::privacy_spent(db, &req.regions, &months).await.map_err(Error::from)?;
    if let Some(refused) = over_budget(&spent, &req.regions, &months, req.epsilon, cap) {
        return Err(refused);
    }
    let tables = tables(survey);
    let per_table = req.epsilon.split(tables.len() as u32).context("ε cannot be split across the tables")?;
    let truth = true_counts(db, req, &tables).await.map_err(Error::from)?;
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let work = tempfile::Builder::new()
        .prefix(".digna-open-data-")
        .tempfile_in(parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    let file = work.reopen().context("cannot reopen the release's work file")?;
    let build = Build { req: req.clone(), months: months.clone(), tables, truth, per_table, cap };
    let (cells, file_hashes, tables) = tokio::task::spawn_blocking(move || {
        write_zip(file, &build, &mut rng).map(|(cells, hashes)| (cells, hashes, build.tables.len()))
    })
    .await
    .context("the open-data writer stopped")??;
    let zip_sha256 = sha256_file(work.path()).context("cannot read the release back")?;
    let audit = Audit {
        id: 0,
        actor: actor.to_string(),
        created_at: String::new(),
        kind: "open_data".into(),
        filters: serde_json::to_string(req).map_err(Error::from)?,
        rows: cells as i64,
        anonymization: serde_json::json!({
            "mechanism": dp::MECHANISM, "epsilon": req.epsilon.to_string(), "delta": dp::DELTA,
            "tables": tables, "epsilon_per_table": per_table.to_string(),
        })
        .to_string(),
        suppressed: 0,
        file_hashes: serde_json::to_string(&file_hashes).map_err(Error::from)?,
        zip_sha256: zip_sha256.clone(),
    };
    let recorded = Exports::record_release(db, &audit, &req.regions, &months, &req.epsilon.to_string(), |spent| {
        over_budget(spent, &req.regions, &months, req.epsilon, cap)
    })
    .await
    .map_err(Error::from)?;
    // Refused: the work file goes with `work`.
    let audit_id = recorded?;
    work.persist(out).map_err(|e| e.error).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(OpenDataSummary { cells, tables, epsilon: req.epsilon.to_string(), zip_sha256, audit_id })
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
         cell (sensitivity 1), so by composition the release spends ε = {} on every region and month it covers.\n\
         - Every cell of the fixed grid (every region asked for, month, table and value) is published, zeros \
         included, with noise; noisy counts below 0 are shown as 0 (post-processing).\n\
         - Each region's month of data may spend at most ε = {} over all releases.\n\n\
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
