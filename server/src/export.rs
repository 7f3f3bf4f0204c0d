//! The researchers' microdata export: released responses of a selection, k-anonymized,
//! as CSV, XLSX and JSON with a codebook and label scripts, in one ZIP whose summary
//! carries the SHA-256 of every file. Two passes over the database: counts per
//! quasi-identifier combination (to plan the anonymization), then every answer streamed
//! row by row, so memory stays flat however many responses there are.

use anyhow::Context;
use app::db::exports::{self as store, Audit, Quasi, Selection};
use app::domain::{
    plan as plan_anonymization, IsoWeek, Language, Place, PublishedKey, QuestionKind, RawKey, Report, Survey, Unit,
};
use chrono::{Datelike, NaiveDate};
use futures_util::StreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Excel's last row, less the header.
pub const XLSX_MAX_ROWS: u32 = 1_048_575;
/// The code of "I'd rather not answer" in the files.
pub const RATHER_NOT_CODE: i64 = 9;

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
    pub k: u64,
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

/// The first day of `date`'s month.
pub fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The last day of `date`'s month.
pub fn month_end(date: NaiveDate) -> NaiveDate {
    let (y, m) = (date.year(), date.month());
    let next = if m == 12 { NaiveDate::from_ymd_opt(y + 1, 1, 1) } else { NaiveDate::from_ymd_opt(y, m + 1, 1) };
    next.and_then(|d| d.pred_opt()).unwrap_or(date)
}

/// The ISO weeks whose Thursday falls from `from` to `to`: a week belongs to the month
/// of its Thursday, so whole months hold whole weeks.
pub fn weeks_between(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    let mut weeks = Vec::new();
    let mut day = from;
    while day <= to {
        if day.weekday() == chrono::Weekday::Thu {
            let w = day.iso_week();
            weeks.push(format!("{:04}-W{:02}", w.year(), w.week()));
        }
        match day.succ_opt() {
            Some(d) => day = d,
            None => break,
        }
    }
    weeks
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

/// One column of the microdata.
#[derive(Clone, Debug)]
struct Column {
    name: String,
    kind: ColumnKind,
}

#[derive(Clone, Debug)]
enum ColumnKind {
    Station,
    Region,
    Period,
    Language,
    Respondent,
    AgeBand,
    /// The survey version the answers were given under (the export's one version).
    SurveyVersion(i64),
    /// Only when suspect responses were asked for: 1 for a response the kiosk marked
    /// suspect (too fast, or too soon after the previous one), 0 otherwise.
    Suspect,
    /// A face scale: 1–4, 9 for "rather not answer".
    Scale(String),
    /// One choice among several: its position, from 1.
    Single(String, Vec<String>),
    /// One of the choices of a multiple-choice question: 1 chosen, 0 not.
    Dummy(String, String),
}

fn columns(survey: &Survey, flag_suspect: bool) -> Vec<Column> {
    let mut cols = vec![
        Column { name: "station".into(), kind: ColumnKind::Station },
        Column { name: "region".into(), kind: ColumnKind::Region },
        Column { name: "period".into(), kind: ColumnKind::Period },
        // Not "language": the survey has a question of that name.
        Column { name: "survey_language".into(), kind: ColumnKind::Language },
        Column { name: "respondent".into(), kind: ColumnKind::Respondent },
        Column { name: "age_band".into(), kind: ColumnKind::AgeBand },
        Column { name: "survey_version".into(), kind: ColumnKind::SurveyVersion(survey.version) },
    ];
    if flag_suspect {
        cols.push(Column { name: "suspect".into(), kind: ColumnKind::Suspect });
    }
    for q in survey.questions.iter().filter(|q| !q.profile) {
        match q.kind {
            QuestionKind::Scale4 => cols.push(Column { name: q.key.clone(), kind: ColumnKind::Scale(q.key.clone()) }),
            QuestionKind::Single => cols.push(Column {
                name: q.key.clone(),
                kind: ColumnKind::Single(q.key.clone(), q.choices.iter().map(|c| c.key.clone()).collect()),
            }),
            QuestionKind::Multi => {
                for c in &q.choices {
                    cols.push(Column {
                        name: format!("{}_{}", q.key, c.key.replace('-', "_")),
                        kind: ColumnKind::Dummy(q.key.clone(), c.key.clone()),
                    });
                }
            }
        }
    }
    cols
}

/// A cell of the microdata.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Text(String),
    Int(i64),
    Empty,
}

/// One response, anonymized, with its answers.
struct Row<'a> {
    key: &'a PublishedKey,
    suspect: bool,
    answers: BTreeMap<String, Vec<String>>,
}

fn cells(cols: &[Column], row: &Row) -> Vec<Cell> {
    cols.iter()
        .map(|c| match &c.kind {
            ColumnKind::Station => match &row.key.place {
                Place::Station { code, .. } => Cell::Text(code.clone()),
                Place::Region(_) => Cell::Empty,
            },
            ColumnKind::Region => match &row.key.place {
                Place::Station { region, .. } => Cell::Text(region.clone()),
                Place::Region(region) => Cell::Text(region.clone()),
            },
            ColumnKind::Period => Cell::Text(row.key.period.to_string()),
            ColumnKind::Language => Cell::Text(row.key.language.clone()),
            ColumnKind::Respondent => text_or_empty(&row.key.respondent),
            ColumnKind::AgeBand => text_or_empty(&row.key.age_band),
            ColumnKind::SurveyVersion(v) => Cell::Int(*v),
            ColumnKind::Suspect => Cell::Int(i64::from(row.suspect)),
            ColumnKind::Scale(q) => match row.answers.get(q).and_then(|v| v.first()).map(String::as_str) {
                None => Cell::Empty,
                Some(app::domain::RATHER_NOT) => Cell::Int(RATHER_NOT_CODE),
                Some(v) => v.parse().map(Cell::Int).unwrap_or(Cell::Empty),
            },
            ColumnKind::Single(q, choices) => row
                .answers
                .get(q)
                .and_then(|v| v.first())
                .and_then(|v| choices.iter().position(|c| c == v))
                .map(|i| Cell::Int(i as i64 + 1))
                .unwrap_or(Cell::Empty),
            ColumnKind::Dummy(q, choice) => match row.answers.get(q) {
                None => Cell::Empty,
                Some(chosen) => Cell::Int(i64::from(chosen.contains(choice))),
            },
        })
        .collect()
}

fn text_or_empty(s: &str) -> Cell {
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_string())
    }
}

/// Bytes as lower-case hexadecimal, as SHA-256 sums are written.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
    }
    Ok(hex(&hash.finalize()))
}

/// The writers of one export, each streaming to its own file in a work folder.
struct Writers {
    csv: Option<csv::Writer<BufWriter<File>>>,
    json: Option<(BufWriter<File>, bool)>,
    xlsx: Option<Xlsx>,
    names: Vec<String>,
}

struct Xlsx {
    workbook: rust_xlsxwriter::Workbook,
    sheet: usize,
    row: u32,
    rows_per_sheet: u32,
    header: Vec<String>,
}

impl Xlsx {
    fn new(header: &[String], rows_per_sheet: u32) -> anyhow::Result<Xlsx> {
        let mut x = Xlsx {
            workbook: rust_xlsxwriter::Workbook::new(),
            sheet: 0,
            row: 0,
            rows_per_sheet: rows_per_sheet.clamp(1, XLSX_MAX_ROWS),
            header: header.to_vec(),
        };
        x.new_sheet(1)?;
        Ok(x)
    }

    fn new_sheet(&mut self, n: usize) -> anyhow::Result<()> {
        let sheet = self.workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(format!("responses{}", if n == 1 { String::new() } else { format!("_{n}") }))?;
        for (i, h) in self.header.iter().enumerate() {
            sheet.write_string(0, i as u16, h)?;
        }
        self.sheet = n - 1;
        self.row = 0;
        Ok(())
    }

    fn write(&mut self, row: &[Cell]) -> anyhow::Result<()> {
        if self.row == self.rows_per_sheet {
            let next = self.sheet + 2;
            self.new_sheet(next)?;
        }
        self.row += 1;
        let (r, index) = (self.row, self.sheet);
        let sheet = self.workbook.worksheet_from_index(index)?;
        for (i, c) in row.iter().enumerate() {
            match c {
                Cell::Text(s) => {
                    sheet.write_string(r, i as u16, s)?;
                }
                Cell::Int(n) => {
                    sheet.write_number(r, i as u16, *n as f64)?;
                }
                Cell::Empty => {}
            }
        }
        Ok(())
    }
}

impl Writers {
    fn open(dir: &Path, formats: Formats, header: &[String], rows_per_sheet: u32) -> anyhow::Result<Writers> {
        let mut names = Vec::new();
        let csv = if formats.csv {
            names.push("responses.csv".to_string());
            let mut w = csv::Writer::from_writer(BufWriter::new(File::create(dir.join("responses.csv"))?));
            w.write_record(header)?;
            Some(w)
        } else {
            None
        };
        let json = if formats.json {
            names.push("responses.json".to_string());
            let mut w = BufWriter::new(File::create(dir.join("responses.json"))?);
            w.write_all(b"[")?;
            Some((w, true))
        } else {
            None
        };
        let xlsx = if formats.xlsx {
            names.push("responses.xlsx".to_string());
            Some(Xlsx::new(header, rows_per_sheet)?)
        } else {
            None
        };
        Ok(Writers { csv, json, xlsx, names })
    }

    fn write(&mut self, header: &[String], row: &[Cell]) -> anyhow::Result<()> {
        if let Some(w) = &mut self.csv {
            w.write_record(row.iter().map(|c| match c {
                Cell::Text(s) => s.clone(),
                Cell::Int(n) => n.to_string(),
                Cell::Empty => String::new(),
            }))?;
        }
        if let Some((w, first)) = &mut self.json {
            let object: serde_json::Map<String, serde_json::Value> = header
                .iter()
                .zip(row)
                .map(|(h, c)| {
                    let v = match c {
                        Cell::Text(s) => serde_json::Value::String(s.clone()),
                        Cell::Int(n) => serde_json::Value::from(*n),
                        Cell::Empty => serde_json::Value::Null,
                    };
                    (h.clone(), v)
                })
                .collect();
            w.write_all(if *first { b"\n" } else { b",\n" })?;
            *first = false;
            serde_json::to_writer(&mut *w, &object)?;
        }
        if let Some(x) = &mut self.xlsx {
            x.write(row)?;
        }
        Ok(())
    }

    fn finish(self, dir: &Path, labels: &[(String, String, String)]) -> anyhow::Result<Vec<String>> {
        if let Some(mut w) = self.csv {
            w.flush()?;
        }
        if let Some((mut w, _)) = self.json {
            w.write_all(b"\n]\n")?;
            w.flush()?;
        }
        if let Some(mut x) = self.xlsx {
            let sheet = x.workbook.add_worksheet_with_constant_memory()?;
            sheet.set_name("labels")?;
            for (i, h) in ["variable", "code", "label"].iter().enumerate() {
                sheet.write_string(0, i as u16, *h)?;
            }
            for (r, (var, code, label)) in labels.iter().enumerate() {
                let r = r as u32 + 1;
                sheet.write_string(r, 0, var)?;
                sheet.write_string(r, 1, code)?;
                sheet.write_string(r, 2, label)?;
            }
            x.workbook.save(dir.join("responses.xlsx"))?;
        }
        Ok(self.names)
    }
}

/// Runs an export into the ZIP file `out`, writes its audit record as `actor`, and
/// reports progress. Work files go to a temporary folder beside `out` and are removed.
pub async fn export_zip(
    pool: &SqlitePool,
    survey: &Survey,
    req: &ExportRequest,
    actor: &str,
    out: &Path,
    progress: &dyn Progress,
) -> anyhow::Result<ExportSummary> {
    let weeks = weeks_between(req.from, req.to);
    let selection = Selection {
        station_ids: req.station_ids.clone(),
        iso_weeks: weeks,
        survey_version: req.survey_version,
        include_suspect: req.include_suspect,
    };
    // Pass 1: how many responses share each combination of quasi-identifiers.
    let counts = store::key_counts(pool, &selection).await?;
    let raw: Vec<(RawKey, u64)> =
        counts.iter().filter_map(|c| raw_key(&c.quasi).map(|k| (k, c.responses.max(0) as u64))).collect();
    let unit = match req.unit {
        UnitName::Month => Unit::Month,
        UnitName::Week => Unit::Week,
    };
    let (plan, report) = plan_anonymization(&raw, req.k, unit);
    let total: u64 = raw.iter().map(|(_, n)| n).sum();

    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let work = tempfile::Builder::new().prefix(".digna-export-").tempdir_in(parent)?;
    let dir = work.path().to_path_buf();
    let cols = columns(survey, req.include_suspect);
    let header: Vec<String> = cols.iter().map(|c| c.name.clone()).collect();
    let mut writers = Writers::open(&dir, req.formats, &header, req.xlsx_rows_per_sheet)?;

    // Pass 2: every answer, grouped by response, in random (id) order.
    let bound = selection.bind();
    let mut lines = store::answer_lines(pool, &bound);
    let mut current: Option<Pending> = None;
    let (mut done, mut written) = (0u64, 0u64);
    let mut flush = |current: Option<Pending>, writers: &mut Writers| -> anyhow::Result<()> {
        if let Some(Pending { key, suspect, answers, .. }) = current {
            done += 1;
            if let Some(published) = plan.publish(&key) {
                writers.write(&header, &cells(&cols, &Row { key: published, suspect, answers }))?;
                written += 1;
            }
            if done % 1000 == 0 {
                progress.set(done, total);
            }
        }
        Ok(())
    };
    while let Some(line) = lines.next().await {
        let line = line?;
        let same = current.as_ref().is_some_and(|p| p.id == line.response_id);
        if !same {
            flush(current.take(), &mut writers)?;
            let Some(key) = raw_key(&line.quasi) else { continue };
            current = Some(Pending {
                id: line.response_id.clone(),
                key,
                suspect: line.quasi.suspect,
                answers: BTreeMap::new(),
            });
        }
        if let (Some(p), Some(q), Some(v)) = (current.as_mut(), line.question_key, line.value) {
            p.answers.entry(q).or_default().push(v);
        }
    }
    flush(current.take(), &mut writers)?;
    drop(lines);
    progress.set(total, total);

    let labels = value_labels(&cols, survey);
    let mut names = writers.finish(&dir, &labels)?;
    // The codebook and the label scripts.
    let versions = version_questions(pool, survey.version).await?;
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
    let files: Vec<(String, String)> =
        names.iter().map(|n| Ok((n.clone(), sha256_file(&dir.join(n))?))).collect::<std::io::Result<_>>()?;
    let summary_md = summary_markdown(req, &report, written, &files);
    std::fs::write(dir.join("SUMMARY.md"), &summary_md)?;

    // The ZIP, written beside `out` and renamed into place when complete.
    let partial = dir.join("export.zip");
    {
        let file = File::create(&partial)?;
        let mut zip = zip::ZipWriter::new(BufWriter::new(file));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        for name in names.iter().chain(std::iter::once(&"SUMMARY.md".to_string())) {
            zip.start_file(name.as_str(), options)?;
            let mut f = File::open(dir.join(name))?;
            std::io::copy(&mut f, &mut zip)?;
        }
        zip.finish()?.flush()?;
    }
    let zip_sha256 = sha256_file(&partial)?;
    std::fs::rename(&partial, out).or_else(|_| std::fs::copy(&partial, out).map(|_| ()))?;

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
    let audit_id = store::insert_audit(pool, &audit).await.context("cannot write the export's audit record")?;
    Ok(ExportSummary { rows: written, suppressed: report.suppressed_rows, report, files, zip_sha256, audit_id })
}

/// The response being read: its id, quasi-identifiers, flag and answers so far.
struct Pending {
    id: Vec<u8>,
    key: RawKey,
    suspect: bool,
    answers: BTreeMap<String, Vec<String>>,
}

fn raw_key(q: &Quasi) -> Option<RawKey> {
    Some(RawKey {
        station: q.station.clone(),
        region: q.region.clone(),
        week: IsoWeek::parse(&q.iso_week).ok()?,
        language: q.language.clone(),
        respondent: q.respondent.clone(),
        age_band: q.age_band.clone(),
    })
}

fn text_in(texts: &app::domain::Texts, lang: Language) -> String {
    texts.get(&lang).cloned().unwrap_or_default()
}

/// (variable, code, label in Spanish) for every coded value of every column.
fn value_labels(cols: &[Column], survey: &Survey) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for c in cols {
        match &c.kind {
            ColumnKind::Scale(_) => {
                for (code, label) in scale_labels() {
                    out.push((c.name.clone(), code.to_string(), label.to_string()));
                }
            }
            ColumnKind::Single(q, choices) => {
                let question = survey.question(q);
                for (i, key) in choices.iter().enumerate() {
                    let label = question.and_then(|q| q.choice(key)).map(|c| text_in(&c.text, Language::Es));
                    out.push((c.name.clone(), (i + 1).to_string(), label.unwrap_or_else(|| key.clone())));
                }
            }
            ColumnKind::Dummy(..) => {
                out.push((c.name.clone(), "0".into(), "No elegida".into()));
                out.push((c.name.clone(), "1".into(), "Elegida".into()));
            }
            ColumnKind::Suspect => {
                out.push((c.name.clone(), "0".into(), "No".into()));
                out.push((c.name.clone(), "1".into(), "Sospechosa".into()));
            }
            _ => {}
        }
    }
    out
}

fn scale_labels() -> [(i64, &'static str); 5] {
    [(1, "Muy mal"), (2, "Mal"), (3, "Bien"), (4, "Muy bien"), (RATHER_NOT_CODE, "Prefiero no responder")]
}

/// The face codes with the words the kiosk shows for them, in every language.
fn face_codes() -> Vec<Code> {
    type Label = fn(&app::i18n::KioskTexts) -> &'static str;
    let pick: [(i64, Label); 5] = [
        (1, |t| t.very_bad),
        (2, |t| t.bad),
        (3, |t| t.good),
        (4, |t| t.very_good),
        (RATHER_NOT_CODE, |t| t.rather_not),
    ];
    pick.iter()
        .map(|(code, label)| Code {
            code: code.to_string(),
            labels: Language::ALL
                .iter()
                .map(|l| (l.code().to_string(), label(app::i18n::texts(*l)).to_string()))
                .collect(),
        })
        .collect()
}

/// Every variable of the export, documented.
#[derive(Serialize)]
struct Codebook {
    title: String,
    survey_version: i64,
    period: String,
    time_unit: String,
    stations: Vec<String>,
    anonymization: Report,
    variables: Vec<Variable>,
    missing_values: String,
    /// Every published version's questions, so that exports of different versions can
    /// be read side by side.
    versions: Vec<VersionQuestions>,
}

/// A published survey version's questions, as the codebook lists them.
#[derive(Serialize)]
struct VersionQuestions {
    version: i64,
    /// Whether this export's rows were given under this version.
    exported: bool,
    questions: Vec<VersionQuestion>,
}

#[derive(Serialize)]
struct VersionQuestion {
    key: String,
    kind: String,
    in_index: bool,
    text: BTreeMap<String, String>,
}

/// The questions of every published version, oldest first.
async fn version_questions(pool: &SqlitePool, exported: i64) -> anyhow::Result<Vec<VersionQuestions>> {
    let mut out = Vec::new();
    for version in app::db::survey::published_versions(pool).await? {
        let Some(survey) = app::db::survey::load(pool, version).await? else { continue };
        let questions = survey
            .questions
            .iter()
            .map(|q| VersionQuestion {
                key: q.key.clone(),
                kind: q.kind.code().to_string(),
                in_index: q.in_index,
                text: q.text.iter().map(|(l, t)| (l.code().to_string(), t.clone())).collect(),
            })
            .collect();
        out.push(VersionQuestions { version, exported: version == exported, questions });
    }
    Ok(out)
}

#[derive(Serialize)]
struct Variable {
    name: String,
    description: BTreeMap<String, String>,
    codes: Vec<Code>,
}

#[derive(Serialize)]
struct Code {
    code: String,
    labels: BTreeMap<String, String>,
}

impl Codebook {
    fn new(
        survey: &Survey,
        req: &ExportRequest,
        report: &Report,
        cols: &[Column],
        versions: Vec<VersionQuestions>,
    ) -> Codebook {
        let texts = |t: &app::domain::Texts| -> BTreeMap<String, String> {
            t.iter().map(|(l, s)| (l.code().to_string(), s.clone())).collect()
        };
        let both = |es: &str, en: &str| -> BTreeMap<String, String> {
            BTreeMap::from([("es".to_string(), es.to_string()), ("en".to_string(), en.to_string())])
        };
        let variables = cols
            .iter()
            .map(|c| {
                let (description, codes) = match &c.kind {
                    ColumnKind::Station => (
                        both(
                            "Código de la comisaría; vacío cuando se generalizó a su región",
                            "Station code; empty when generalized to its region",
                        ),
                        vec![],
                    ),
                    ColumnKind::Region => (both("Región de la comisaría", "Region of the station"), vec![]),
                    ColumnKind::SurveyVersion(_) => (
                        both(
                            "Versión de la encuesta con la que se respondió; las preguntas de cada versión están en «versions»",
                            "Survey version the answers were given under; each version's questions are under \"versions\"",
                        ),
                        vec![],
                    ),
                    ColumnKind::Suspect => (
                        both(
                            "Marcada por el quiosco como sospechosa: terminada demasiado rápido o demasiado pronto tras la anterior",
                            "Marked suspect by the kiosk: finished too fast, or too soon after the previous one",
                        ),
                        vec![
                            Code { code: "0".into(), labels: both("No", "No") },
                            Code { code: "1".into(), labels: both("Sospechosa", "Suspect") },
                        ],
                    ),
                    ColumnKind::Period => (
                        both(
                            "Mes de publicación (AAAA-MM), semana ISO (AAAA-Www) o trimestre (AAAA-Qn) si se generalizó",
                            "Month of release (YYYY-MM), ISO week (YYYY-Www), or quarter (YYYY-Qn) when generalized",
                        ),
                        vec![],
                    ),
                    ColumnKind::Language => (
                        both(
                            "Idioma de la encuesta (es, qu, ay, en); «other» si se generalizó",
                            "Survey language (es, qu, ay, en); \"other\" when generalized",
                        ),
                        vec![],
                    ),
                    ColumnKind::Respondent | ColumnKind::AgeBand => {
                        let key = if matches!(c.kind, ColumnKind::Respondent) {
                            app::domain::RESPONDENT_KEY
                        } else {
                            app::domain::AGE_BAND_KEY
                        };
                        let q = survey.question(key);
                        let mut codes: Vec<Code> = q
                            .map(|q| {
                                q.choices.iter().map(|ch| Code { code: ch.key.clone(), labels: texts(&ch.text) }).collect()
                            })
                            .unwrap_or_default();
                        if matches!(c.kind, ColumnKind::AgeBand) {
                            codes.push(Code {
                                code: app::domain::ANY.to_string(),
                                labels: both("Cualquier edad (generalizado)", "Any age (generalized)"),
                            });
                        }
                        (q.map(|q| texts(&q.text)).unwrap_or_default(), codes)
                    }
                    ColumnKind::Scale(q) => (
                        survey.question(q).map(|q| texts(&q.text)).unwrap_or_default(),
                        face_codes(),
                    ),
                    ColumnKind::Single(q, choices) => {
                        let question = survey.question(q);
                        (
                            question.map(|q| texts(&q.text)).unwrap_or_default(),
                            choices
                                .iter()
                                .enumerate()
                                .map(|(i, key)| Code {
                                    code: (i + 1).to_string(),
                                    labels: question
                                        .and_then(|q| q.choice(key))
                                        .map(|ch| texts(&ch.text))
                                        .unwrap_or_default(),
                                })
                                .collect(),
                        )
                    }
                    ColumnKind::Dummy(q, choice) => {
                        let question = survey.question(q);
                        let mut d = question.map(|q| texts(&q.text)).unwrap_or_default();
                        if let Some(ch) = question.and_then(|q| q.choice(choice)) {
                            for (l, t) in texts(&ch.text) {
                                d.entry(l).and_modify(|s| *s = format!("{s} — {t}")).or_insert(t);
                            }
                        }
                        (
                            d,
                            vec![
                                Code { code: "0".into(), labels: both("No elegida", "Not chosen") },
                                Code { code: "1".into(), labels: both("Elegida", "Chosen") },
                            ],
                        )
                    }
                };
                Variable { name: c.name.clone(), description, codes }
            })
            .collect();
        Codebook {
            title: "Digna: respuestas anonimizadas / anonymized responses".into(),
            survey_version: req.survey_version,
            period: format!("{} – {}", req.from, req.to),
            time_unit: format!("{:?}", report.unit).to_lowercase(),
            stations: req.stations.clone(),
            anonymization: report.clone(),
            variables,
            missing_values: "Empty cell (CSV, XLSX) or null (JSON): question skipped or not shown. \
                             Celda vacía o null: pregunta saltada."
                .into(),
            versions,
        }
    }

    fn markdown(&self) -> String {
        let mut md = String::new();
        md.push_str(&format!("# {}\n\n", self.title));
        md.push_str(&format!(
            "- Survey version / versión de la encuesta: {}\n- Period / periodo: {}\n- Time unit / unidad de tiempo: {}\n- Stations / comisarías: {}\n\n",
            self.survey_version,
            self.period,
            self.time_unit,
            self.stations.join(", ")
        ));
        md.push_str("## Anonymization / anonimización\n\n");
        md.push_str(&anonymization_markdown(&self.anonymization));
        md.push_str(&format!("\n## Missing values / valores perdidos\n\n{}\n\n## Variables\n\n", self.missing_values));
        for v in &self.variables {
            md.push_str(&format!("### `{}`\n\n", v.name));
            for (l, d) in &v.description {
                md.push_str(&format!("- {l}: {d}\n"));
            }
            if !v.codes.is_empty() {
                md.push_str("\n| code | labels |\n|---|---|\n");
                for c in &v.codes {
                    let labels: Vec<String> = c.labels.iter().map(|(l, t)| format!("{l}: {t}")).collect();
                    md.push_str(&format!("| `{}` | {} |\n", c.code, labels.join("; ").replace('|', "\\|")));
                }
            }
            md.push('\n');
        }
        md.push_str(&format!(
            "## Survey versions / versiones de la encuesta\n\nEvery row of this export was given under version {v} \
             (column `survey_version`). A question key means the same in every version that has it. / Todas las \
             filas se respondieron con la versión {v}. Una clave de pregunta significa lo mismo en todas las \
             versiones que la tienen.\n\n",
            v = self.survey_version
        ));
        for v in &self.versions {
            let this = if v.exported { " (this export / esta exportación)" } else { "" };
            md.push_str(&format!("### Version / versión {}{this}\n\n", v.version));
            md.push_str("| key | kind | index | es | en |\n|---|---|---|---|---|\n");
            for q in &v.questions {
                let text = |l: &str| q.text.get(l).cloned().unwrap_or_default().replace('|', "\\|");
                md.push_str(&format!(
                    "| `{}` | {} | {} | {} | {} |\n",
                    q.key,
                    q.kind,
                    if q.in_index { "yes / sí" } else { "no" },
                    text("es"),
                    text("en")
                ));
            }
            md.push('\n');
        }
        md
    }
}

fn anonymization_markdown(r: &Report) -> String {
    let mut md = format!(
        "Every combination of station (or region), period, language, respondent type and age band holds at least \
         k = {} rows. / Cada combinación tiene al menos k = {} filas.\n\n",
        r.k, r.k
    );
    if r.weeks_refused {
        md.push_str("- Weeks were asked for but a week-cell held fewer than k rows: months are used.\n");
    }
    for s in &r.steps {
        md.push_str(&format!("- {}: {} rows / filas\n", s.step.description_en(), s.rows));
    }
    md.push_str(&format!(
        "- Rows in / filas: {}; rows exported / exportadas: {}; rows suppressed / suprimidas: {}\n",
        r.rows_in, r.rows_out, r.suppressed_rows
    ));
    md
}

fn summary_markdown(req: &ExportRequest, report: &Report, rows: u64, files: &[(String, String)]) -> String {
    let mut md = String::from("# Digna export: summary / resumen\n\n");
    md.push_str(&format!(
        "- Period / periodo: {} – {}\n- Survey version: {}\n- Stations: {}\n- Regions asked for: {}\n- Rows: {rows}\n\n",
        req.from,
        req.to,
        req.survey_version,
        req.stations.join(", "),
        req.regions.join(", ")
    ));
    md.push_str(&anonymization_markdown(report));
    md.push_str("\n## SHA-256\n\n");
    for (name, hash) in files {
        md.push_str(&format!("- `{hash}`  {name}\n"));
    }
    md
}

fn coded_columns<'a>(cols: &'a [Column], survey: &'a Survey) -> Vec<(&'a str, Vec<(i64, String)>)> {
    cols.iter()
        .filter_map(|c| match &c.kind {
            ColumnKind::Scale(_) => {
                Some((c.name.as_str(), scale_labels().iter().map(|(n, l)| (*n, l.to_string())).collect()))
            }
            ColumnKind::Single(q, choices) => Some((
                c.name.as_str(),
                choices
                    .iter()
                    .enumerate()
                    .map(|(i, key)| {
                        let label = survey
                            .question(q)
                            .and_then(|q| q.choice(key))
                            .map(|ch| text_in(&ch.text, Language::Es))
                            .unwrap_or_else(|| key.clone());
                        (i as i64 + 1, label)
                    })
                    .collect(),
            )),
            ColumnKind::Dummy(..) => Some((c.name.as_str(), vec![(0, "No elegida".into()), (1, "Elegida".into())])),
            ColumnKind::Suspect => Some((c.name.as_str(), vec![(0, "No".into()), (1, "Sospechosa".into())])),
            _ => None,
        })
        .collect()
}

fn quoted(s: &str) -> String {
    s.replace('"', "'")
}

fn spss_script(cols: &[Column], survey: &Survey) -> String {
    let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
    let mut s = String::from("* Digna: value labels for responses.csv (SPSS syntax).\n");
    s.push_str("GET DATA /TYPE=TXT /FILE='responses.csv' /ENCODING='UTF8' /DELIMITERS=',' /QUALIFIER='\"'\n");
    s.push_str("  /ARRANGEMENT=DELIMITED /FIRSTCASE=2 /VARIABLES=\n");
    for c in cols {
        let ty = match c.kind {
            ColumnKind::Scale(_) | ColumnKind::Single(..) | ColumnKind::Dummy(..) | ColumnKind::Suspect => "F2.0",
            _ => "A64",
        };
        s.push_str(&format!("  {} {ty}\n", c.name));
    }
    s.push_str(".\n");
    for (name, labels) in coded_columns(cols, survey) {
        s.push_str(&format!("VALUE LABELS {name}\n"));
        for (code, label) in labels {
            s.push_str(&format!("  {code} \"{}\"\n", quoted(&label)));
        }
        s.push_str(".\n");
    }
    s.push_str(&format!("MISSING VALUES {} ().\nEXECUTE.\n", names.last().copied().unwrap_or("station")));
    s
}

fn stata_script(cols: &[Column], survey: &Survey) -> String {
    let mut s = String::from("* Digna: value labels for responses.csv (Stata do-file)\n");
    s.push_str("import delimited using \"responses.csv\", varnames(1) encoding(\"utf-8\") clear\n");
    for (name, labels) in coded_columns(cols, survey) {
        let body: Vec<String> = labels.iter().map(|(code, label)| format!("{code} \"{}\"", quoted(label))).collect();
        s.push_str(&format!("label define {name}_lbl {}\n", body.join(" ")));
        s.push_str(&format!("label values {name} {name}_lbl\n"));
    }
    s
}

fn r_script(cols: &[Column], survey: &Survey) -> String {
    let mut s = String::from("# Digna: value labels for responses.csv (R)\n");
    s.push_str("responses <- read.csv(\"responses.csv\", encoding = \"UTF-8\", stringsAsFactors = FALSE)\n");
    for (name, labels) in coded_columns(cols, survey) {
        let levels: Vec<String> = labels.iter().map(|(c, _)| c.to_string()).collect();
        let names: Vec<String> = labels.iter().map(|(_, l)| format!("\"{}\"", l.replace('"', "\\\""))).collect();
        s.push_str(&format!(
            "responses${name} <- factor(responses${name}, levels = c({}), labels = c({}))\n",
            levels.join(", "),
            names.join(", ")
        ));
    }
    s
}

/// Where a finished web export waits for its download.
pub fn job_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("export-{id}.zip"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn whole_months_hold_the_weeks_whose_thursday_they_hold() {
        assert_eq!(month_start(d("2026-02-17")), d("2026-02-01"));
        assert_eq!(month_end(d("2026-02-17")), d("2026-02-28"));
        assert_eq!(month_end(d("2024-02-01")), d("2024-02-29"));
        assert_eq!(month_end(d("2026-12-05")), d("2026-12-31"));
        // January 2026: Thursdays 1, 8, 15, 22, 29 → W01…W05.
        assert_eq!(
            weeks_between(d("2026-01-01"), d("2026-01-31")),
            ["2026-W01", "2026-W02", "2026-W03", "2026-W04", "2026-W05"]
        );
        // December 2020: Thursday 31 is in 2020-W53.
        assert_eq!(weeks_between(d("2020-12-01"), d("2020-12-31")).last().unwrap(), "2020-W53");
    }

    #[test]
    fn formats_parse() {
        assert_eq!(Formats::parse("all"), Ok(Formats::ALL));
        assert!(Formats::parse("csv").unwrap().csv && !Formats::parse("csv").unwrap().xlsx);
        assert!(Formats::parse("pdf").is_err());
    }
}
