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

use anyhow::Context;
use app::db::exports::{self as store, Audit, Selection};
use app::domain::{
    plan as plan_anonymization, IsoWeek, Language, Place, PublishedKey, QuestionKind, RawKey, Report, Survey, Unit,
};
use chrono::{Datelike, NaiveDate};
use futures_util::stream::{FuturesUnordered, StreamExt};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Excel's last row, less the header.
pub const XLSX_MAX_ROWS: u32 = 1_048_575;
/// The code of "I'd rather not answer" in the files.
pub const RATHER_NOT_CODE: i64 = 9;
/// The code of a single choice that a release withheld so that no visitor stood out
/// (`app::domain::release`): "not recorded (privacy)", never a guess.
pub const WITHHELD_CODE: i64 = 8;
/// Its label, in Spanish and English.
const WITHHELD_LABEL: (&str, &str) = ("No registrado (privacidad)", "Not recorded (privacy)");
/// Responses read from the database at a time (see [`store::page`]).
const PAGE: i64 = 2048;
/// Ranges of ids read at once, each on a connection (and a SQLite thread) of its own: the
/// read is most of an export's time, and SQLite reads one page at a time per connection.
const READERS: usize = 2;
/// The deflate level of the files in the ZIP: the fastest. A CSV of a million rows is
/// about 80 MB; level 6 (the default) took seconds longer for a ZIP about a quarter
/// smaller. The XLSX, itself a ZIP, is stored as it is.
const ZIP_LEVEL: i64 = 1;

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

/// The longest period an export or an open-data release may cover.
pub const MAX_PERIOD_MONTHS: i32 = 60;

/// Why a period of whole months (`from` the first day of a month, `to` the last day of
/// one) cannot be exported, in Spanish and in English; `None` when it can. It must end
/// no later than this month, not before the first release (`first_release`, the day
/// the first released week starts; `None` before any), and span at most
/// [`MAX_PERIOD_MONTHS`]. Checked before anything is read: a period is walked week by
/// week.
pub fn period_problem(
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    first_release: Option<NaiveDate>,
) -> Option<(String, String)> {
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 + 1;
    if months > MAX_PERIOD_MONTHS {
        return Some((
            format!("Un periodo abarca como máximo {MAX_PERIOD_MONTHS} meses; este abarca {months}."),
            format!("A period spans at most {MAX_PERIOD_MONTHS} months; this one spans {months}."),
        ));
    }
    if to > month_end(today) {
        return Some(("El periodo termina después de este mes.".into(), "The period ends after this month.".into()));
    }
    match first_release {
        None => {
            Some(("Todavía no se ha publicado ninguna respuesta.".into(), "No answers have been released yet.".into()))
        }
        Some(first) if to < first => {
            let month = first.format("%Y-%m");
            Some((
                format!("El periodo termina antes de la primera publicación de respuestas ({month})."),
                format!("The period ends before the first answers were released ({month})."),
            ))
        }
        Some(_) => None,
    }
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
#[derive(Clone, Copy, Debug, PartialEq)]
enum Cell<'a> {
    Text(&'a str),
    Int(i64),
    Empty,
}

/// A cell of the columns before the answers: the published quasi-identifiers, the survey
/// version and the suspect flag.
fn fixed_cell<'a>(kind: &ColumnKind, key: &'a PublishedKey, period: &'a str, suspect: bool) -> Cell<'a> {
    let text_or_empty = |s: &'a str| if s.is_empty() { Cell::Empty } else { Cell::Text(s) };
    match kind {
        ColumnKind::Station => match &key.place {
            Place::Station { code, .. } => Cell::Text(code),
            Place::Region(_) => Cell::Empty,
        },
        ColumnKind::Region => Cell::Text(key.place.region()),
        ColumnKind::Period => Cell::Text(period),
        ColumnKind::Language => Cell::Text(&key.language),
        ColumnKind::Respondent => text_or_empty(&key.respondent),
        ColumnKind::AgeBand => text_or_empty(&key.age_band),
        ColumnKind::SurveyVersion(v) => Cell::Int(*v),
        ColumnKind::Suspect => Cell::Int(i64::from(suspect)),
        ColumnKind::Scale(_) | ColumnKind::Single(..) | ColumnKind::Dummy(..) => Cell::Empty,
    }
}

/// How one question's answers fill the answer cells.
#[derive(Debug)]
enum Slot {
    /// A face scale: 1–4, [`RATHER_NOT_CODE`] for "rather not answer".
    Scale(usize),
    /// One choice: its position among the choices, from 1.
    Single(usize, Vec<String>),
    /// Several choices: each choice's cell, 1 chosen, 0 not (all empty if unanswered).
    Multi(Vec<(String, usize)>),
}

/// Codes a response's answers (`{"key":"value",…}`, as [`store::Page`] holds them) into
/// the cells of the answer columns: the columns after the quasi-identifiers, the survey
/// version and the suspect flag.
#[derive(Debug)]
struct Coder {
    /// Each question's slot, sorted by question key.
    slots: Vec<(String, Slot)>,
    /// The index of the first answer column among all the columns.
    first: usize,
    /// How many answer columns there are.
    width: usize,
}

impl Coder {
    fn new(cols: &[Column]) -> Coder {
        let first = cols
            .iter()
            .position(|c| matches!(c.kind, ColumnKind::Scale(_) | ColumnKind::Single(..) | ColumnKind::Dummy(..)))
            .unwrap_or(cols.len());
        let mut slots: Vec<(String, Slot)> = Vec::new();
        for (i, c) in cols.iter().enumerate().skip(first) {
            let cell = i - first;
            match &c.kind {
                ColumnKind::Scale(q) => slots.push((q.clone(), Slot::Scale(cell))),
                ColumnKind::Single(q, choices) => slots.push((q.clone(), Slot::Single(cell, choices.clone()))),
                ColumnKind::Dummy(q, choice) => match slots.iter_mut().find(|(k, _)| k == q) {
                    Some((_, Slot::Multi(dummies))) => dummies.push((choice.clone(), cell)),
                    _ => slots.push((q.clone(), Slot::Multi(vec![(choice.clone(), cell)]))),
                },
                _ => {}
            }
        }
        slots.sort_by(|a, b| a.0.cmp(&b.0));
        Coder { slots, first, width: cols.len() - first }
    }

    /// Fills `cells` (one per answer column) from `answers`; `seen` is scratch space, one
    /// per slot. A question's first value counts (a scale or a single choice has one).
    fn code(&self, answers: &str, cells: &mut [Option<i64>], seen: &mut [bool]) {
        cells.fill(None);
        seen.fill(false);
        // The answers come in key order, as the slots are: look forward from the last
        // slot found, then (whatever the order) from the start.
        let mut at = 0;
        for (key, value) in answer_pairs(answers) {
            let found = |slots: &[(String, Slot)]| slots.iter().position(|(k, _)| k == key);
            let Some(i) = found(&self.slots[at..]).map(|i| at + i).or_else(|| found(&self.slots[..at])) else {
                continue;
            };
            at = i;
            let first = !std::mem::replace(&mut seen[i], true);
            match &self.slots[i].1 {
                Slot::Scale(c) if first => {
                    cells[*c] =
                        if value == app::domain::RATHER_NOT { Some(RATHER_NOT_CODE) } else { value.parse().ok() };
                }
                Slot::Single(c, choices) if first => {
                    cells[*c] = if value == app::domain::release::WITHHELD {
                        Some(WITHHELD_CODE)
                    } else {
                        choices.iter().position(|ch| ch == value).map(|p| p as i64 + 1)
                    };
                }
                Slot::Multi(dummies) => {
                    for (choice, c) in dummies {
                        if first {
                            cells[*c] = Some(0);
                        }
                        if choice == value {
                            cells[*c] = Some(1);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// The (key, value) pairs of a JSON object of stored answers, as `json_group_object`
/// writes it: keys may repeat, and neither keys nor values hold '"', ',', ':' or '\\'
/// (see [`store::Page::answers`]); a pair that does not read as one is skipped.
fn answer_pairs(object: &str) -> impl Iterator<Item = (&str, &str)> {
    let inner = object.strip_prefix('{').and_then(|o| o.strip_suffix('}')).unwrap_or("");
    fn unquote(s: &str) -> Option<&str> {
        s.strip_prefix('"')?.strip_suffix('"')
    }
    inner.split(',').filter_map(|pair| {
        let (key, value) = pair.split_once(':')?;
        Some((unquote(key)?, unquote(value).unwrap_or(value)))
    })
}

/// The distinct quasi-identifier combinations read, with their row counts.
#[derive(Default)]
struct Keys {
    /// The combination as read, its parts joined by a unit separator, → its index.
    index: HashMap<String, u32>,
    /// `None`: a combination that is no key (an unknown station or a malformed week):
    /// its rows are left out.
    keys: Vec<Option<RawKey>>,
    counts: Vec<u64>,
    scratch: String,
}

impl Keys {
    fn intern(&mut self, parts: [&str; 6], stations: &HashMap<i64, (String, String)>) -> u32 {
        self.scratch.clear();
        for p in parts {
            self.scratch.push_str(p);
            self.scratch.push('\u{1f}');
        }
        if let Some(&i) = self.index.get(self.scratch.as_str()) {
            return i;
        }
        let [station, week, language, respondent, age_band, suspect] = parts;
        let key = station.parse().ok().and_then(|id| stations.get(&id)).and_then(|(code, region)| {
            Some(RawKey {
                station: code.clone(),
                region: region.clone(),
                week: IsoWeek::parse(week).ok()?,
                language: language.to_string(),
                respondent: respondent.to_string(),
                age_band: age_band.to_string(),
                suspect: suspect == "1",
            })
        });
        let i = self.keys.len() as u32;
        self.keys.push(key);
        self.counts.push(0);
        self.index.insert(self.scratch.clone(), i);
        i
    }
}

/// Coded rows between the read and the write, in a work file: per row the index of its
/// combination (4 bytes), its suspect flag (1 byte), then each answer cell: 0 empty,
/// 1–251 the values 0–250, or 255 and the value in 8 bytes. No id, no order but the
/// random one of the ids.
struct Spool;

impl Spool {
    fn put(
        w: &mut impl Write,
        key: u32,
        suspect: bool,
        cells: &[Option<i64>],
        buf: &mut Vec<u8>,
    ) -> std::io::Result<()> {
        buf.clear();
        buf.extend_from_slice(&key.to_le_bytes());
        buf.push(u8::from(suspect));
        for c in cells {
            match *c {
                None => buf.push(0),
                Some(v @ 0..=250) => buf.push(v as u8 + 1),
                Some(v) => {
                    buf.push(255);
                    buf.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
        w.write_all(buf)
    }

    /// The next row into `cells`: (combination index, suspect), or `None` at the end.
    fn get(r: &mut impl Read, cells: &mut [Option<i64>]) -> std::io::Result<Option<(u32, bool)>> {
        let mut head = [0u8; 5];
        match r.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let mut byte = [0u8; 1];
        for c in cells.iter_mut() {
            r.read_exact(&mut byte)?;
            *c = match byte[0] {
                0 => None,
                255 => {
                    let mut v = [0u8; 8];
                    r.read_exact(&mut v)?;
                    Some(i64::from_le_bytes(v))
                }
                b => Some(i64::from(b) - 1),
            };
        }
        Ok(Some((u32::from_le_bytes([head[0], head[1], head[2], head[3]]), head[4] != 0)))
    }
}

/// A published combination, ready to write: its key, its period as text, and the CSV of
/// its columns before the answers (without and with the suspect flag set).
struct Prepared {
    key: PublishedKey,
    period: String,
    csv_prefix: [Vec<u8>; 2],
}

impl Prepared {
    fn new(key: PublishedKey, fixed: &[Column]) -> anyhow::Result<Prepared> {
        let period = key.period.to_string();
        let mut csv_prefix = [Vec::new(), Vec::new()];
        for (suspect, prefix) in csv_prefix.iter_mut().enumerate() {
            let cells: Vec<Cell> = fixed.iter().map(|c| fixed_cell(&c.kind, &key, &period, suspect == 1)).collect();
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(cells.iter().map(cell_text))?;
            *prefix = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
            prefix.pop(); // the record terminator: the answer cells follow
        }
        Ok(Prepared { key, period, csv_prefix })
    }
}

/// Text a spreadsheet would not run as a formula: text that starts like one (`=`, `+`,
/// `-`, `@`, a tab or a carriage return) gets a leading apostrophe. Station and region
/// names, and whatever else someone typed, reach CSV files this way.
pub fn formula_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// A cell as CSV text, before quoting.
fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => formula_safe(s).into_owned(),
        Cell::Int(n) => n.to_string(),
        Cell::Empty => String::new(),
    }
}

/// A CSV record into `line`: `prefix`, the combination's columns the csv crate wrote
/// once (`has_prefix`: there are such columns), then the answer cells, numbers or empty,
/// which CSV never quotes.
fn csv_line(line: &mut Vec<u8>, prefix: &[u8], has_prefix: bool, answers: &[Option<i64>]) {
    line.clear();
    line.extend_from_slice(prefix);
    for (i, c) in answers.iter().enumerate() {
        if i > 0 || has_prefix {
            line.push(b',');
        }
        if let Some(n) = c {
            push_int(line, *n);
        }
    }
    line.push(b'\n');
}

/// Appends `n` in decimal.
fn push_int(out: &mut Vec<u8>, n: i64) {
    if (0..10).contains(&n) {
        out.push(b'0' + n as u8);
    } else {
        out.extend_from_slice(n.to_string().as_bytes());
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
    csv: Option<ZipPipe>,
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
                    sheet.write_string(r, i as u16, *s)?;
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
    /// Opens the writers of `formats`; the CSV, if asked for, goes into `csv`.
    fn open(
        dir: &Path,
        formats: Formats,
        header: &[String],
        rows_per_sheet: u32,
        csv: Option<ZipPipe>,
    ) -> anyhow::Result<Writers> {
        let mut names = Vec::new();
        let csv = match csv {
            Some(mut pipe) => {
                let mut w = csv::Writer::from_writer(Vec::new());
                w.write_record(header)?;
                pipe.write_all(&w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?;
                Some(pipe)
            }
            None => None,
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

    /// Writes one row: a published combination's columns, then the answer cells.
    fn write(
        &mut self,
        header: &[String],
        fixed: &[Column],
        row: &Prepared,
        suspect: bool,
        answers: &[Option<i64>],
        line: &mut Vec<u8>,
    ) -> anyhow::Result<()> {
        if let Some(w) = &mut self.csv {
            csv_line(line, &row.csv_prefix[usize::from(suspect)], !fixed.is_empty(), answers);
            w.write_all(line)?;
        }
        if self.json.is_none() && self.xlsx.is_none() {
            return Ok(());
        }
        let cells: Vec<Cell> = fixed
            .iter()
            .map(|c| fixed_cell(&c.kind, &row.key, &row.period, suspect))
            .chain(answers.iter().map(|c| c.map_or(Cell::Empty, Cell::Int)))
            .collect();
        if let Some((w, first)) = &mut self.json {
            let object: serde_json::Map<String, serde_json::Value> = header
                .iter()
                .zip(&cells)
                .map(|(h, c)| {
                    let v = match c {
                        Cell::Text(s) => serde_json::Value::String(s.to_string()),
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
            x.write(&cells)?;
        }
        Ok(())
    }

    /// Completes the files: the names of those written to the work folder, and the CSV's
    /// pipe, to finish.
    fn finish(self, dir: &Path, labels: &[(String, String, String)]) -> anyhow::Result<(Vec<String>, Option<ZipPipe>)> {
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
        Ok((self.names, self.csv))
    }
}

type Zip = zip::ZipWriter<BufWriter<File>>;

/// The CSV on its way into the ZIP: rows gather here and go in chunks to a thread that
/// deflates them into the ZIP's open entry and hashes them, while the rows are written.
struct ZipPipe {
    buf: Vec<u8>,
    tx: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<(Zip, String)>>>,
}

impl ZipPipe {
    const CHUNK: usize = 256 * 1024;

    /// Takes `zip`, whose entry is open, until [`ZipPipe::finish`].
    fn start(mut zip: Zip) -> std::io::Result<ZipPipe> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
        let thread = std::thread::Builder::new().name("digna-export-zip".into()).spawn(move || {
            let mut hash = Sha256::new();
            for chunk in rx {
                hash.update(&chunk);
                zip.write_all(&chunk)?;
            }
            Ok((zip, hex(&hash.finalize())))
        })?;
        Ok(ZipPipe { buf: Vec::with_capacity(Self::CHUNK), tx: Some(tx), thread: Some(thread) })
    }

    fn send(&mut self) -> std::io::Result<()> {
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(Self::CHUNK));
        match &self.tx {
            Some(tx) if tx.send(chunk).is_ok() => Ok(()),
            // The thread stopped: finish() tells why.
            _ => Err(std::io::Error::other("the ZIP writer stopped")),
        }
    }

    /// The ZIP back, with the entry's SHA-256.
    fn finish(mut self) -> anyhow::Result<(Zip, String)> {
        let sent = if self.buf.is_empty() { Ok(()) } else { self.send() };
        self.tx = None;
        let thread = self.thread.take().context("the ZIP writer is gone")?;
        let done = thread.join().map_err(|_| anyhow::anyhow!("the ZIP writer panicked"))??;
        sent?;
        Ok(done)
    }
}

impl Write for ZipPipe {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= Self::CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn zip_options(name: &str) -> zip::write::SimpleFileOptions {
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(ZIP_LEVEL))
        .large_file(true);
    if name.ends_with(".xlsx") {
        deflated.compression_method(zip::CompressionMethod::Stored).compression_level(None)
    } else {
        deflated
    }
}

/// One range of ids of the selection, read page by page in its own read transaction.
struct Reader {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    /// The last id read (the range's start, excluded, before the first page).
    after: Vec<u8>,
    /// The range's last id, included.
    upto: Vec<u8>,
}

impl Reader {
    /// The next page, asked for at once on a task of its own.
    fn next_page(
        mut self,
        bound: &std::sync::Arc<store::Bound>,
    ) -> tokio::task::JoinHandle<(Reader, Result<store::Page, sqlx::Error>)> {
        let bound = bound.clone();
        tokio::spawn(async move {
            let page = store::page(&mut self.tx, &bound, &self.after, &self.upto, PAGE).await;
            (self, page)
        })
    }
}

/// The readers of a selection, each on a connection of its own, all in one snapshot: they
/// make their first read while a write transaction is held, so that nothing can be
/// committed in between. (Their connections are taken first: the lock is never held while
/// waiting for one.) Also the selected stations' codes and regions, and about how many
/// responses the selection holds, for the progress bar.
async fn open_readers(
    pool: &SqlitePool,
    bound: &store::Bound,
) -> anyhow::Result<(Vec<Reader>, HashMap<i64, (String, String)>, u64)> {
    let mut txs = Vec::with_capacity(READERS);
    for _ in 0..READERS {
        txs.push(pool.begin().await?);
    }
    let hold = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut stations = HashMap::new();
    let mut readers = Vec::with_capacity(READERS);
    for (i, mut tx) in txs.into_iter().enumerate() {
        // The first read fixes the transaction's snapshot.
        let names = store::station_names(&mut tx, bound).await?;
        if i == 0 {
            stations = names.into_iter().map(|(id, code, region)| (id, (code, region))).collect();
        }
        let (after, upto) = id_range(i, READERS);
        readers.push(Reader { tx, after, upto });
    }
    hold.rollback().await?;
    let total = match readers.first_mut() {
        Some(r) => store::estimated_count(&mut r.tx, bound).await?.max(0) as u64,
        None => 0,
    };
    Ok((readers, stations, total))
}

/// The `i`th of `n` ranges of 16-byte ids by their first byte, as (after, upto): ids
/// above `after`, up to `upto` included. Consecutive ranges share their bound, so the
/// ranges cover every id once.
fn id_range(i: usize, n: usize) -> (Vec<u8>, Vec<u8>) {
    let bound = |i: usize| -> Vec<u8> {
        if i == 0 {
            Vec::new()
        } else if i >= n {
            vec![0xff; 17]
        } else {
            let mut b = vec![(256 * i / n - 1) as u8];
            b.extend([0xff; 16]);
            b
        }
    };
    (bound(i), bound(i + 1))
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
    let started = std::time::Instant::now();
    let weeks = weeks_between(req.from, req.to);
    let selection = Selection {
        station_ids: req.station_ids.clone(),
        iso_weeks: weeks,
        survey_version: req.survey_version,
        include_suspect: req.include_suspect,
    };
    let bound = selection.bind();
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let work = tempfile::Builder::new().prefix(".digna-export-").tempdir_in(parent)?;
    let dir = work.path().to_path_buf();
    let cols = columns(survey, req.include_suspect);
    let header: Vec<String> = cols.iter().map(|c| c.name.clone()).collect();
    let coder = Coder::new(&cols);
    let fixed = &cols[..coder.first];

    // The read: every response of the selection once, in pages, from READERS ranges of
    // ids at once, all in one snapshot. Each response is coded and spooled with its
    // combination's index; the combinations are counted.
    let spool_path = dir.join("rows.spool");
    let mut keys = Keys::default();
    let mut read = 0u64;
    {
        let bound = std::sync::Arc::new(bound);
        let (readers, stations, total) = open_readers(pool, &bound).await?;
        let mut spool = BufWriter::with_capacity(256 * 1024, File::create(&spool_path)?);
        let (mut cells, mut seen) = (vec![None; coder.width], vec![false; coder.slots.len()]);
        let mut buf = Vec::new();
        // One page asked for ahead on every reader: SQLite reads the next pages while this
        // one is coded.
        let mut pages: FuturesUnordered<_> = readers.into_iter().map(|r| r.next_page(&bound)).collect();
        while let Some(done) = pages.next().await {
            let (mut reader, page) = done.context("an export reader stopped")?;
            let page = page?;
            if page.rows <= 0 {
                reader.tx.commit().await?;
                continue;
            }
            reader.after.clone_from(&page.last);
            pages.push(reader.next_page(&bound));
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
                let (station, week, language, respondent, age_band) =
                    (next(0)?, next(1)?, next(2)?, next(3)?, next(4)?);
                let (suspect, answers) = (next(5)?, next(6)?);
                // The suspect flag is part of the combination: asked for, it is a
                // quasi-identifier like the others (without it, no row is suspect).
                let key = keys.intern([station, week, language, respondent, age_band, suspect], &stations);
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
            anyhow::ensure!(parts.iter_mut().all(|p| p.next().is_none()), "an export page's columns do not line up");
        }
        spool.flush()?;
    }

    let read_for = started.elapsed();
    // The plan, from the counts of exactly the rows read.
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
        .collect::<anyhow::Result<_>>()?;

    // The write: the spooled rows, published or left out as planned. The ZIP is written
    // in the work folder and renamed into place when complete; the CSV goes straight into
    // it.
    let partial = dir.join("export.zip");
    let mut zip = zip::ZipWriter::new(BufWriter::with_capacity(256 * 1024, File::create(&partial)?));
    let (mut zip, pipe) = if req.formats.csv {
        zip.start_file("responses.csv", zip_options("responses.csv"))?;
        (None, Some(ZipPipe::start(zip)?))
    } else {
        (Some(zip), None)
    };
    let mut writers = Writers::open(&dir, req.formats, &header, req.xlsx_rows_per_sheet, pipe)?;
    let mut written = 0u64;
    {
        let mut spool = BufReader::with_capacity(256 * 1024, File::open(&spool_path)?);
        let mut cells = vec![None; coder.width];
        let mut line = Vec::new();
        while let Some((key, suspect)) = Spool::get(&mut spool, &mut cells)? {
            if let Some(row) = prepared.get(key as usize).and_then(Option::as_ref) {
                writers.write(&header, fixed, row, suspect, &cells, &mut line)?;
                written += 1;
            }
        }
    }
    std::fs::remove_file(&spool_path)?;
    progress.set(read, read);

    let written_by = started.elapsed();
    let labels = value_labels(&cols, survey);
    let (mut names, pipe) = writers.finish(&dir, &labels)?;
    let mut files = Vec::new();
    if let Some(pipe) = pipe {
        let (back, hash) = pipe.finish()?;
        zip = Some(back);
        files.push(("responses.csv".to_string(), hash));
    }
    let mut zip = zip.context("the ZIP is gone")?;
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
    tracing::debug!(
        rows = read,
        read_ms = read_for.as_millis() as u64,
        written_ms = written_by.as_millis() as u64,
        done_ms = started.elapsed().as_millis() as u64,
        "export done"
    );
    Ok(ExportSummary { rows: written, suppressed: report.suppressed_rows, report, files, zip_sha256, audit_id })
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
                out.push((c.name.clone(), WITHHELD_CODE.to_string(), WITHHELD_LABEL.0.into()));
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
                                .chain(std::iter::once(Code {
                                    code: WITHHELD_CODE.to_string(),
                                    labels: [("es", WITHHELD_LABEL.0), ("en", WITHHELD_LABEL.1)]
                                        .into_iter()
                                        .map(|(l, t)| (l.to_string(), t.to_string()))
                                        .collect(),
                                }))
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
        "Every combination of station (or region), period, language, respondent type, age band and, when it is \
         exported, the suspect flag holds at least k = {} rows. / Cada combinación tiene al menos k = {} filas.\n\n",
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
                    .chain(std::iter::once((WITHHELD_CODE, WITHHELD_LABEL.0.to_string())))
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
        let names: Vec<String> = labels.iter().map(|(_, l)| r_string(l)).collect();
        s.push_str(&format!(
            "responses${name} <- factor(responses${name}, levels = c({}), labels = c({}))\n",
            levels.join(", "),
            names.join(", ")
        ));
    }
    s
}

/// `s` as an R string literal: backslashes, quotes and line breaks escaped, so that a
/// label cannot end the string and run code when the script is sourced.
fn r_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
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

    fn col(name: &str, kind: ColumnKind) -> Column {
        Column { name: name.into(), kind }
    }

    /// The fixed columns as `columns` makes them, with the suspect flag, then a scale, a
    /// single choice and a multiple choice.
    fn some_columns() -> Vec<Column> {
        let choices = |c: &[&str]| c.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        vec![
            col("station", ColumnKind::Station),
            col("region", ColumnKind::Region),
            col("period", ColumnKind::Period),
            col("survey_language", ColumnKind::Language),
            col("respondent", ColumnKind::Respondent),
            col("age_band", ColumnKind::AgeBand),
            col("survey_version", ColumnKind::SurveyVersion(3)),
            col("suspect", ColumnKind::Suspect),
            col("respect", ColumnKind::Scale("respect".into())),
            col("waiting_time", ColumnKind::Single("waiting_time".into(), choices(&["under-15", "15-30", "30-60"]))),
            col("improve_information", ColumnKind::Dummy("improve".into(), "information".into())),
            col("improve_children", ColumnKind::Dummy("improve".into(), "children".into())),
            col("overall", ColumnKind::Scale("overall".into())),
        ]
    }

    fn coded(answers: &str) -> Vec<Option<i64>> {
        let coder = Coder::new(&some_columns());
        assert_eq!((coder.first, coder.width), (8, 5));
        let (mut cells, mut seen) = (vec![Some(77); coder.width], vec![true; coder.slots.len()]);
        coder.code(answers, &mut cells, &mut seen);
        cells
    }

    #[test]
    fn answers_are_coded_as_the_codebook_says() {
        // As json_group_object writes them: in key order, a multiple choice repeated.
        let all = r#"{"improve":"children","improve":"information","overall":"4","respect":"rather_not","waiting_time":"30-60"}"#;
        assert_eq!(coded(all), [Some(9), Some(3), Some(1), Some(1), Some(4)]);
        // Skipped questions are empty; a multiple choice answered is 0 where not chosen.
        assert_eq!(coded(r#"{"improve":"children","respect":"2"}"#), [Some(2), None, Some(0), Some(1), None]);
        assert_eq!(coded("{}"), [None; 5]);
        // Whatever the order; unknown questions and choices are no answer.
        let shuffled = r#"{"waiting_time":"over-60","respect":"1","unknown":"3","improve":"garden"}"#;
        assert_eq!(coded(shuffled), [Some(1), None, Some(0), Some(0), None]);
        // A scale that is not a number is empty; only a question's first value counts.
        assert_eq!(coded(r#"{"overall":"x","respect":"3","respect":"4"}"#), [Some(3), None, None, None, None]);
        assert_eq!(answer_pairs("").count(), 0);
        assert_eq!(answer_pairs(r#"{"a":"1","b":2}"#).collect::<Vec<_>>(), [("a", "1"), ("b", "2")]);
    }

    #[test]
    fn the_spool_gives_back_every_cell() {
        let rows: Vec<(u32, bool, Vec<Option<i64>>)> = vec![
            (0, false, vec![None, Some(0), Some(1), Some(9)]),
            (7, true, vec![Some(250), Some(251), Some(-1), Some(i64::MAX)]),
            (u32::MAX, false, vec![Some(i64::MIN), None, None, Some(255)]),
        ];
        let (mut file, mut buf) = (Vec::new(), Vec::new());
        for (key, suspect, cells) in &rows {
            Spool::put(&mut file, *key, *suspect, cells, &mut buf).unwrap();
        }
        let mut reader = &file[..];
        let mut cells = vec![None; 4];
        for (key, suspect, expected) in &rows {
            assert_eq!(Spool::get(&mut reader, &mut cells).unwrap(), Some((*key, *suspect)));
            assert_eq!(&cells, expected);
        }
        assert_eq!(Spool::get(&mut reader, &mut cells).unwrap(), None);
    }

    #[test]
    fn a_period_must_end_by_this_month_after_the_first_release_and_span_sixty_months_at_most() {
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let today = day("2026-12-06");
        let first = Some(day("2025-03-03"));
        let problem = |from: &str, to: &str, first| super::period_problem(day(from), day(to), today, first);
        assert_eq!(problem("2026-01-01", "2026-12-31", first), None);
        assert_eq!(
            problem("2000-01-01", "2026-12-31", first).map(|p| p.1).unwrap(),
            "A period spans at most 60 months; this one spans 324."
        );
        assert_eq!(problem("2022-01-01", "2026-12-31", first), None, "exactly 60 months");
        assert!(problem("2021-12-01", "2026-12-31", first).is_some(), "61 months");
        assert_eq!(
            problem("2026-12-01", "2027-01-31", first).map(|p| p.1).unwrap(),
            "The period ends after this month."
        );
        assert!(problem("0001-01-01", "9999-12-31", first).is_some(), "the years chrono accepts");
        let before = problem("2024-01-01", "2025-02-28", first).map(|p| p.1).unwrap();
        assert_eq!(before, "The period ends before the first answers were released (2025-03).");
        assert_eq!(problem("2024-01-01", "2025-03-31", first), None, "it reaches the first release");
        assert_eq!(
            problem("2026-01-01", "2026-12-31", None).map(|p| p.1).unwrap(),
            "No answers have been released yet."
        );
    }

    #[test]
    fn an_r_label_cannot_end_its_string() {
        assert_eq!(super::r_string(r#"Sí, "bien""#), r#""Sí, \"bien\"""#);
        // Escaping only the quote would leave `\\"`: an escaped backslash, then a quote
        // that ends the string and lets `system(...)` run.
        assert_eq!(super::r_string(r#"a\"); system("x")#"#), r#""a\\\"); system(\"x\")#""#);
        assert_eq!(super::r_string("two\nlines\r"), r#""two\nlines\r""#);
        // Inside the outer quotes, no quote is left unescaped.
        let literal = super::r_string(r#"\\"\"#);
        let mut escaped = false;
        for c in literal[1..literal.len() - 1].chars() {
            assert!(escaped || c != '"', "an unescaped quote in {literal}");
            escaped = !escaped && c == '\\';
        }
    }

    #[test]
    fn a_csv_line_is_what_the_csv_crate_writes() {
        let cols = some_columns();
        let fixed = &cols[..8];
        let keys = [
            PublishedKey {
                place: Place::Station { code: "LIM-01".into(), region: "Lima, \"Centro\"".into() },
                period: app::domain::Period::Month { year: 2026, month: 3 },
                language: "es".into(),
                respondent: String::new(),
                age_band: "18-plus".into(),
                suspect: false,
            },
            PublishedKey {
                place: Place::Region("Lima\nSur".into()),
                period: app::domain::Period::Quarter { year: 2026, q: 1 },
                language: app::domain::OTHER.into(),
                respondent: "self".into(),
                age_band: app::domain::ANY.into(),
                suspect: true,
            },
        ];
        let answers = [Some(3), None, Some(0), Some(1), Some(-12)];
        for key in keys {
            let prepared = Prepared::new(key.clone(), fixed).unwrap();
            for suspect in [false, true] {
                let mut line = Vec::new();
                csv_line(&mut line, &prepared.csv_prefix[usize::from(suspect)], true, &answers);
                let period = key.period.to_string();
                let cells: Vec<Cell> = fixed
                    .iter()
                    .map(|c| fixed_cell(&c.kind, &key, &period, suspect))
                    .chain(answers.iter().map(|a| a.map_or(Cell::Empty, Cell::Int)))
                    .collect();
                let mut expected = csv::Writer::from_writer(Vec::new());
                expected.write_record(cells.iter().map(cell_text)).unwrap();
                let expected = expected.into_inner().unwrap();
                assert_eq!(String::from_utf8(line).unwrap(), String::from_utf8(expected).unwrap());
            }
        }
    }

    #[test]
    fn the_id_ranges_cover_every_id_once() {
        let mut ids: Vec<Vec<u8>> = vec![vec![0; 16], vec![0xff; 16], vec![0x80; 16], vec![0x7f; 16]];
        ids.push([vec![0x7f], vec![0xff; 15]].concat());
        ids.push([vec![0x80], vec![0; 15]].concat());
        ids.push([vec![0x3f], vec![0xff; 15]].concat());
        ids.push([vec![0x40], vec![0; 15]].concat());
        for i in 0..=255u8 {
            ids.push((0..16).map(|j| i.wrapping_mul(37).wrapping_add(j * 11)).collect());
        }
        for n in 1..=4 {
            let ranges: Vec<_> = (0..n).map(|i| id_range(i, n)).collect();
            assert_eq!(ranges[0].0, Vec::<u8>::new());
            assert_eq!(ranges[n - 1].1, vec![0xff; 17]);
            for id in &ids {
                let holding = ranges.iter().filter(|(after, upto)| id > after && id <= upto).count();
                assert_eq!(holding, 1, "{id:02x?} in {n} ranges");
            }
        }
    }
}
