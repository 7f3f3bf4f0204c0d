//! The researchers' microdata export: released responses of a selection, k-anonymized,
//! as CSV, XLSX and JSON with a codebook and label scripts, in one ZIP whose summary
//! carries the SHA-256 of every file.
//!
//! One read of the database, in one snapshot: pages of responses with their answers
//! gathered, from two ranges of ids at once (two connections, so two SQLite threads),
//! each page asked for before the last one is handled. Each response's answers are coded
//! into cells at once and spooled, coded, to a work file with the index of its
//! quasi-identifier combination, while the combinations are counted. The counts then plan
//! the anonymization (so the plan counts exactly the rows that are written), and the spool
//! is read back into the files; the CSV goes straight into the ZIP, deflated on a thread
//! of its own. Memory stays flat however many responses there are: it grows with the
//! number of combinations, never with the number of rows.
//!
//! - period.rs: which periods may be exported, and their months and weeks;
//! - coding.rs: the columns, the coding of answers into cells, the spool and CSV lines;
//! - read.rs: the readers of a selection, in one snapshot;
//! - files.rs: the writers of the CSV, XLSX and JSON, and the ZIP;
//! - codebook.rs: the codebook, the summary and the label scripts.

mod codebook;
mod coding;
pub mod error;
mod files;
mod period;
mod read;

pub use coding::formula_safe;
use domain::time::calendar::weeks_between;
pub use files::{hex, sha256_file};
pub use period::{period_problem, MAX_PERIOD_MONTHS};
use store::Exports;

use crate::export::error::Context;
use chrono::NaiveDate;
use codebook::{r_script, spss_script, stata_script, summary_markdown, value_labels, version_questions, Codebook};
use coding::{columns, Coder, Keys, Prepared, Spool};
use domain::{plan as plan_anonymization, RawKey, Report, Survey, Unit};
use files::{zip_options, Writers, ZipPipe};
use futures_util::stream::{FuturesUnordered, StreamExt};
use read::open_readers;
use serde::Serialize;
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use store::exports::{self, Audit, Selection};

/// Excel's last row, less the header.
pub const XLSX_MAX_ROWS: u32 = 1_048_575;
/// The code of "I'd rather not answer" in the files.
pub const RATHER_NOT_CODE: i64 = 9;
/// The code of a single choice that a release withheld so that no visitor stood out
/// (`domain::privacy::release`): "not recorded (privacy)", never a guess.
pub const WITHHELD_CODE: i64 = 8;
/// Its label, in Spanish and English.
pub(super) const WITHHELD_LABEL: (&str, &str) = ("No registrado (privacidad)", "Not recorded (privacy)");
/// Responses read from the database at a time (see [`exports::page`]).
pub(super) const PAGE: i64 = 2048;
/// The database connections one export holds at most: one per reader, and one more
/// while the readers' snapshot is fixed.
pub const CONNECTIONS: u32 = READERS as u32 + 1;
/// Ranges of ids read at once, each on a connection (and a SQLite thread) of its own: the
/// read is most of an export's time, and SQLite reads one page at a time per connection.
pub(super) const READERS: usize = 2;
/// The deflate level of the files in the ZIP: the fastest. A CSV of a million rows is
/// about 80 MB; level 6 (the default) took seconds longer for a ZIP about a quarter
/// smaller. The XLSX, itself a ZIP, is stored as it is.
pub(super) const ZIP_LEVEL: i64 = 1;

/// Which files the ZIP holds besides the codebook, the scripts and the summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Formats {
    pub csv: bool,
    pub xlsx: bool,
    pub json: bool,
}

impl Formats {
    pub const ALL: Formats = Formats { csv: true, xlsx: true, json: true };

    pub fn parse(s: &str) -> Result<Formats, String> {
        match s.trim() {
            "all" => Ok(Formats::ALL),
            "csv" => Ok(Formats { csv: true, xlsx: false, json: false }),
            "xlsx" => Ok(Formats { csv: false, xlsx: true, json: false }),
            "json" => Ok(Formats { csv: false, xlsx: false, json: true }),
            other => Err(format!("{other:?} is not a format: use csv, xlsx, json or all")),
        }
    }
}

/// What a researcher asks for, checked: her stations, whole months, one survey version.
#[derive(Clone, Debug, Serialize)]
pub struct ExportRequest {
    /// Station codes, already limited to her scope.
    pub stations: Vec<String>,
    #[serde(skip)]
    pub station_ids: Vec<i64>,
    /// The regions she asked for, for the record.
    pub regions: Vec<String>,
    /// First and last day of the period: whole months.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub survey_version: i64,
    pub unit: UnitName,
    pub formats: Formats,
    pub include_suspect: bool,
    pub k: domain::K,
    /// Data rows per XLSX sheet before the next sheet starts: Excel's limit, lower only
    /// in tests.
    #[serde(skip)]
    pub xlsx_rows_per_sheet: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitName {
    Month,
    Week,
}

/// What an export did, for its summary, its audit record and the page that ran it.
#[derive(Clone, Debug, Serialize)]
pub struct ExportSummary {
    pub rows: u64,
    pub suppressed: u64,
    pub report: Report,
    /// (file name, SHA-256 hex) of every file in the ZIP but the summary itself.
    pub files: Vec<(String, String)>,
    pub zip_sha256: String,
    pub audit_id: i64,
}

/// How far an export is: rows written of rows to write.
pub trait Progress: Send + Sync {
    fn set(&self, done: u64, total: u64);
}

impl<F: Fn(u64, u64) + Send + Sync> Progress for F {
    fn set(&self, done: u64, total: u64) {
        self(done, total)
    }
}

/// Runs an export into the ZIP file `out`, writes its audit record as `actor`, and
/// reports progress. Work files go to a temporary folder beside `out` and are removed.
///
/// The database is read here; the work on what was read (coding each response, the
/// anonymization, writing the files and the ZIP) runs on blocking threads, never on the
/// runtime's workers, so an export does not hold up the requests served meanwhile.
pub async fn export_zip(
    db: &crate::Db,
    survey: &Survey,
    req: &ExportRequest,
    actor: &str,
    out: &Path,
    progress: Arc<dyn Progress>,
) -> crate::export::error::Result<ExportSummary> {
    let started = std::time::Instant::now();
    let weeks = weeks_between(req.from, req.to);
    let selection = Selection {
        station_ids: req.station_ids.clone(),
        iso_weeks: weeks,
        survey_version: req.survey_version,
        include_suspect: req.include_suspect,
    };
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let work = tempfile::Builder::new().prefix(".digna-export-").tempdir_in(parent)?;
    let dir = work.path().to_path_buf();
    let cols = columns(survey, req.include_suspect);
    let spool_path = dir.join("rows.spool");

    // The read: every response of the selection once, in pages, from READERS ranges of
    // ids at once, all in one snapshot; each page goes to the coder on a blocking thread.
    let (keys, read) = {
        let (readers, stations, total) = open_readers(db, &selection).await?;
        let (pages_tx, pages_rx) = tokio::sync::mpsc::channel::<exports::Page>(READERS);
        let coding = {
            let (coder, spool_path, progress) = (Coder::new(&cols), spool_path.clone(), progress.clone());
            tokio::task::spawn_blocking(move || code_pages(pages_rx, &coder, &stations, &spool_path, total, &*progress))
        };
        // One page asked for ahead on every reader: SQLite reads the next pages while this
        // one is coded.
        let mut pages: FuturesUnordered<_> = readers.into_iter().map(|r| r.next_page()).collect();
        while let Some(done) = pages.next().await {
            let (mut reader, page) = done.context("an export reader stopped")?;
            let page = page?;
            if page.rows <= 0 {
                // The range is read: its reader's read transaction ends as it drops.
                drop(reader);
                continue;
            }
            reader.after.clone_from(&page.last);
            pages.push(reader.next_page());
            if pages_tx.send(page).await.is_err() {
                // The coder stopped: what it returns says why.
                break;
            }
        }
        drop(pages_tx);
        coding.await.context("the export's coder stopped")??
    };
    let read_for = started.elapsed();

    let versions = version_questions(db, survey.version).await?;
    let (survey, req_owned, out_owned) = (survey.clone(), req.clone(), out.to_path_buf());
    let Written { rows: written, report, files, zip_sha256 } = tokio::task::spawn_blocking(move || {
        write_files(&survey, &req_owned, cols, keys, &dir, &spool_path, versions, &out_owned)
    })
    .await
    .context("the export's writer stopped")??;
    progress.set(read, read);
    drop(work);

    let file_hashes: BTreeMap<&str, &str> = files.iter().map(|(n, h)| (n.as_str(), h.as_str())).collect();
    let audit = Audit {
        id: 0,
        actor: actor.to_string(),
        created_at: String::new(),
        kind: "microdata".into(),
        filters: serde_json::to_string(req)?,
        rows: written as i64,
        anonymization: serde_json::to_string(&report)?,
        suppressed: report.suppressed_rows as i64,
        file_hashes: serde_json::to_string(&file_hashes)?,
        zip_sha256: zip_sha256.clone(),
    };
    let audit_id = Exports::insert_audit(db, &audit).await.context("cannot write the export's audit record")?;
    tracing::debug!(
        rows = read,
        read_ms = read_for.as_millis() as u64,
        done_ms = started.elapsed().as_millis() as u64,
        "export done"
    );
    Ok(ExportSummary { rows: written, suppressed: report.suppressed_rows, report, files, zip_sha256, audit_id })
}

/// Codes every page the readers send into the spool at `spool_path`, with the index of
/// its quasi-identifier combination, and counts the combinations; returns them with the
/// number of responses read. Runs on a blocking thread.
fn code_pages(
    mut pages: tokio::sync::mpsc::Receiver<exports::Page>,
    coder: &Coder,
    stations: &HashMap<i64, (String, String)>,
    spool_path: &Path,
    total: u64,
    progress: &dyn Progress,
) -> crate::export::error::Result<(Keys, u64)> {
    let mut keys = Keys::default();
    let mut read = 0u64;
    let mut spool = BufWriter::with_capacity(256 * 1024, File::create(spool_path)?);
    let (mut cells, mut seen) = (vec![None; coder.width], vec![false; coder.slots.len()]);
    let mut buf = Vec::new();
    while let Some(page) = pages.blocking_recv() {
        let mut parts = [
            page.station_ids.split(','),
            page.iso_weeks.split(','),
            page.languages.split(','),
            page.respondents.split(','),
            page.age_bands.split(','),
            page.suspects.split(','),
            page.answers.split('|'),
        ];
        for _ in 0..page.rows {
            let mut next = |i: usize| parts[i].next().context("an export page's columns do not line up");
            let (station, week, language, respondent, age_band) = (next(0)?, next(1)?, next(2)?, next(3)?, next(4)?);
            let (suspect, answers) = (next(5)?, next(6)?);
            // The suspect flag is part of the combination: asked for, it is a
            // quasi-identifier like the others (without it, no row is suspect).
            let key = keys.intern([station, week, language, respondent, age_band, suspect], stations);
            let suspect = suspect == "1";
            if keys.keys[key as usize].is_none() {
                continue;
            }
            keys.counts[key as usize] += 1;
            coder.code(answers, &mut cells, &mut seen);
            Spool::put(&mut spool, key, suspect, &cells, &mut buf)?;
            read += 1;
            if read.is_multiple_of(1000) {
                progress.set(read, total.max(read));
            }
        }
        if !parts.iter_mut().all(|p| p.next().is_none()) {
            return Err(crate::export::error::Error::Broken("an export page's columns do not line up".into()));
        }
    }
    spool.flush()?;
    Ok((keys, read))
}

/// The plan, from the counts of exactly the rows read, then the files: the spooled rows,
/// published or left out as planned, the codebook, the scripts and the summary, in a ZIP
/// written in the work folder `dir` and renamed to `out` when complete. Runs on a
/// blocking thread.
#[allow(clippy::too_many_arguments)]
fn write_files(
    survey: &Survey,
    req: &ExportRequest,
    cols: Vec<coding::Column>,
    keys: Keys,
    dir: &Path,
    spool_path: &Path,
    versions: Vec<codebook::VersionQuestions>,
    out: &Path,
) -> crate::export::error::Result<Written> {
    let header: Vec<String> = cols.iter().map(|c| c.name.clone()).collect();
    let coder = Coder::new(&cols);
    let fixed = &cols[..coder.first];
    let raw: Vec<(RawKey, u64)> =
        keys.keys.iter().zip(&keys.counts).filter_map(|(k, n)| k.clone().map(|k| (k, *n))).collect();
    let unit = match req.unit {
        UnitName::Month => Unit::Month,
        UnitName::Week => Unit::Week,
    };
    let (plan, report) = plan_anonymization(&raw, req.k, unit);
    let prepared: Vec<Option<Prepared>> = keys
        .keys
        .iter()
        .map(|k| k.as_ref().and_then(|k| plan.publish(k)).map(|p| Prepared::new(p.clone(), fixed)).transpose())
        .collect::<crate::export::error::Result<_>>()?;

    // The write: the CSV goes straight into the ZIP.
    let partial = dir.join("export.zip");
    let mut zip = zip::ZipWriter::new(BufWriter::with_capacity(256 * 1024, File::create(&partial)?));
    let (mut zip, pipe) = if req.formats.csv {
        zip.start_file("responses.csv", zip_options("responses.csv"))?;
        (None, Some(ZipPipe::start(zip)?))
    } else {
        (Some(zip), None)
    };
    let mut writers = Writers::open(dir, req.formats, &header, req.xlsx_rows_per_sheet, pipe)?;
    let mut written = 0u64;
    {
        let mut spool = BufReader::with_capacity(256 * 1024, File::open(spool_path)?);
        let mut cells = vec![None; coder.width];
        let mut line = Vec::new();
        while let Some((key, suspect)) = Spool::get(&mut spool, &mut cells)? {
            if let Some(row) = prepared.get(key as usize).and_then(Option::as_ref) {
                writers.write(&header, fixed, row, suspect, &cells, &mut line)?;
                written += 1;
            }
        }
    }
    std::fs::remove_file(spool_path)?;

    let labels = value_labels(&cols, survey);
    let (mut names, pipe) = writers.finish(dir, &labels)?;
    let mut files = Vec::new();
    if let Some(pipe) = pipe {
        let (back, hash) = pipe.finish()?;
        zip = Some(back);
        files.push(("responses.csv".to_string(), hash));
    }
    let mut zip = zip.context("the ZIP is gone")?;
    // The codebook and the label scripts.
    let codebook = Codebook::new(survey, req, &report, &cols, versions);
    std::fs::write(dir.join("codebook.md"), codebook.markdown())?;
    std::fs::write(dir.join("codebook.json"), serde_json::to_vec_pretty(&codebook)?)?;
    names.extend(["codebook.md".to_string(), "codebook.json".to_string()]);
    if req.formats.csv {
        std::fs::write(dir.join("labels.sps"), spss_script(&cols, survey))?;
        std::fs::write(dir.join("labels.do"), stata_script(&cols, survey))?;
        std::fs::write(dir.join("labels.R"), r_script(&cols, survey))?;
        names.extend(["labels.sps".to_string(), "labels.do".to_string(), "labels.R".to_string()]);
    }
    for name in &names {
        files.push((name.clone(), sha256_file(&dir.join(name))?));
    }
    let summary_md = summary_markdown(req, &report, written, &files);
    std::fs::write(dir.join("SUMMARY.md"), &summary_md)?;
    for name in names.iter().chain(std::iter::once(&"SUMMARY.md".to_string())) {
        zip.start_file(name.as_str(), zip_options(name))?;
        let mut f = File::open(dir.join(name))?;
        std::io::copy(&mut f, &mut zip)?;
    }
    zip.finish()?.flush()?;
    let zip_sha256 = sha256_file(&partial)?;
    std::fs::rename(&partial, out).or_else(|_| std::fs::copy(&partial, out).map(|_| ()))?;
    Ok(Written { rows: written, report, files, zip_sha256 })
}

/// What [`write_files`] wrote.
struct Written {
    rows: u64,
    report: Report,
    /// (file name, SHA-256 hex) of every file in the ZIP but the summary.
    files: Vec<(String, String)>,
    zip_sha256: String,
}

/// Where a finished web export waits for its download.
pub fn job_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("export-{id}.zip"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse() {
        assert_eq!(Formats::parse("all"), Ok(Formats::ALL));
        assert!(Formats::parse("csv").unwrap().csv && !Formats::parse("csv").unwrap().xlsx);
        assert!(Formats::parse("pdf").is_err());
    }
}
