//! The microdata's columns, and each response coded into cells: the quasi-identifier
//! combinations counted, the coded rows spooled to a work file, and CSV lines written.

use super::{RATHER_NOT_CODE, WITHHELD_CODE};
use domain::{IsoWeek, Place, PublishedKey, QuestionKind, RawKey, Survey};
use std::collections::HashMap;
use std::io::{Read, Write};

/// One column of the microdata.
#[derive(Clone, Debug)]
pub(super) struct Column {
    pub(super) name: String,
    pub(super) kind: ColumnKind,
}

#[derive(Clone, Debug)]
pub(super) enum ColumnKind {
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

pub(super) fn columns(survey: &Survey, flag_suspect: bool) -> Vec<Column> {
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
pub(super) enum Cell<'a> {
    Text(&'a str),
    Int(i64),
    Empty,
}

/// A cell of the columns before the answers: the published quasi-identifiers, the survey
/// version and the suspect flag.
pub(super) fn fixed_cell<'a>(kind: &ColumnKind, key: &'a PublishedKey, period: &'a str, suspect: bool) -> Cell<'a> {
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
pub(super) enum Slot {
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
pub(super) struct Coder {
    /// Each question's slot, sorted by question key.
    pub(super) slots: Vec<(String, Slot)>,
    /// The index of the first answer column among all the columns.
    pub(super) first: usize,
    /// How many answer columns there are.
    pub(super) width: usize,
}

impl Coder {
    pub(super) fn new(cols: &[Column]) -> Coder {
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
    pub(super) fn code(&self, answers: &str, cells: &mut [Option<i64>], seen: &mut [bool]) {
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
                    cells[*c] = if value == domain::RATHER_NOT { Some(RATHER_NOT_CODE) } else { value.parse().ok() };
                }
                Slot::Single(c, choices) if first => {
                    cells[*c] = if value == domain::privacy::release::WITHHELD {
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
pub(super) fn answer_pairs(object: &str) -> impl Iterator<Item = (&str, &str)> {
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
pub(super) struct Keys {
    /// The combination as read, its parts joined by a unit separator, → its index.
    pub(super) index: HashMap<String, u32>,
    /// `None`: a combination that is no key (an unknown station or a malformed week):
    /// its rows are left out.
    pub(super) keys: Vec<Option<RawKey>>,
    pub(super) counts: Vec<u64>,
    pub(super) scratch: String,
}

impl Keys {
    pub(super) fn intern(&mut self, parts: [&str; 6], stations: &HashMap<i64, (String, String)>) -> u32 {
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
pub(super) struct Spool;

impl Spool {
    pub(super) fn put(
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
    pub(super) fn get(r: &mut impl Read, cells: &mut [Option<i64>]) -> std::io::Result<Option<(u32, bool)>> {
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
pub(super) struct Prepared {
    pub(super) key: PublishedKey,
    pub(super) period: String,
    pub(super) csv_prefix: [Vec<u8>; 2],
}

impl Prepared {
    pub(super) fn new(key: PublishedKey, fixed: &[Column]) -> crate::export::error::Result<Prepared> {
        let period = key.period.to_string();
        let mut csv_prefix = [Vec::new(), Vec::new()];
        for (suspect, prefix) in csv_prefix.iter_mut().enumerate() {
            let cells: Vec<Cell> = fixed.iter().map(|c| fixed_cell(&c.kind, &key, &period, suspect == 1)).collect();
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(cells.iter().map(cell_text))?;
            *prefix = w.into_inner().map_err(|e| crate::export::error::Error::Broken(format!("{e}")))?;
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
pub(super) fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => formula_safe(s).into_owned(),
        Cell::Int(n) => n.to_string(),
        Cell::Empty => String::new(),
    }
}

/// A CSV record into `line`: `prefix`, the combination's columns the csv crate wrote
/// once (`has_prefix`: there are such columns), then the answer cells, numbers or empty,
/// which CSV never quotes.
pub(super) fn csv_line(line: &mut Vec<u8>, prefix: &[u8], has_prefix: bool, answers: &[Option<i64>]) {
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
pub(super) fn push_int(out: &mut Vec<u8>, n: i64) {
    if (0..10).contains(&n) {
        out.push(b'0' + n as u8);
    } else {
        out.extend_from_slice(n.to_string().as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_csv_line_is_what_the_csv_crate_writes() {
        let cols = some_columns();
        let fixed = &cols[..8];
        let keys = [
            PublishedKey {
                place: Place::Station { code: "LIM-01".into(), region: "Lima, \"Centro\"".into() },
                period: domain::Period::Month { year: 2026, month: 3 },
                language: "es".into(),
                respondent: String::new(),
                age_band: "18-plus".into(),
                suspect: false,
            },
            PublishedKey {
                place: Place::Region("Lima\nSur".into()),
                period: domain::Period::Quarter { year: 2026, q: 1 },
                language: domain::OTHER.into(),
                respondent: "self".into(),
                age_band: domain::ANY.into(),
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
}
