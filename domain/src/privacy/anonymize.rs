//! k-anonymity for the researchers' microdata export.
//!
//! An export holds one row per released response. Its quasi-identifiers are the station
//! (and its region), a time unit, the survey language, the respondent type and the age
//! band. Every combination of those values in the export must hold at least k rows.
//!
//! Where a combination falls short, only the rows of that combination are generalized
//! (local recoding), in the documented order of [`Step`], re-counting after each step:
//! the age band becomes [`ANY`], the language becomes [`OTHER`], the station becomes its
//! region, the month becomes its quarter. Rows still in a combination of fewer than k
//! after the four steps are left out. Steps are cumulative: a row generalized at step 3
//! also shows the generalizations of steps 1 and 2.
//!
//! The export reads its rows once: it counts rows per [`RawKey`] as it reads them, keeping
//! each row (coded, with its key's index, never its id) in a work file, then hands the
//! counts to [`plan`] and asks [`Plan::publish`] what to write for each row kept. Memory
//! grows with the number of distinct raw keys, never with the number of rows. The plan
//! counts exactly the rows written; a row whose key was not counted is left out.

use crate::{month_of, IsoWeek, K};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// The age band of a row whose age band was merged ([`Step::AgeBandMerged`]).
pub const ANY: &str = "any";
/// The language of a row whose language was grouped ([`Step::LanguageToOther`]).
pub const OTHER: &str = "other";

/// The time unit a researcher asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// ISO weeks, granted only when every week-cell already holds k rows.
    Week,
    /// Calendar months, widened to quarters where a month holds too few rows.
    Month,
}

/// The time label a row is published with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// `2026-W05`
    Week(IsoWeek),
    /// `2026-03`
    Month { year: u16, month: u8 },
    /// `2026-Q1`
    Quarter { year: u16, q: u8 },
}

impl Period {
    /// The month containing the week's Thursday (the ISO rule that also fixes a week's year).
    pub fn month_of(week: IsoWeek) -> Self {
        let (year, month) = month_of(week);
        Period::Month { year, month }
    }

    /// The quarter a week or month lies in; a quarter is itself.
    pub fn quarter(self) -> Self {
        match self {
            Period::Week(week) => Period::month_of(week).quarter(),
            Period::Month { year, month } => Period::Quarter { year, q: (month - 1) / 3 + 1 },
            quarter @ Period::Quarter { .. } => quarter,
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Week(week) => week.fmt(f),
            Period::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Period::Quarter { year, q } => write!(f, "{year:04}-Q{q}"),
        }
    }
}

/// Where a row comes from, as published: the station, or only its region when the
/// station was generalized ([`Step::StationToRegion`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    Station { code: String, region: String },
    Region(String),
}

impl Place {
    /// What the place column shows: the station code, or the region name.
    pub fn name(&self) -> &str {
        match self {
            Place::Station { code, .. } => code,
            Place::Region(region) => region,
        }
    }

    /// The region, known in both cases.
    pub fn region(&self) -> &str {
        match self {
            Place::Station { region, .. } | Place::Region(region) => region,
        }
    }

    pub fn is_region(&self) -> bool {
        matches!(self, Place::Region(_))
    }
}

/// What identifies a row before anonymization. An empty string is a skipped profile item.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RawKey {
    pub station: String,
    pub region: String,
    pub week: IsoWeek,
    pub language: String,
    pub respondent: String,
    pub age_band: String,
    /// Marked suspect by the kiosk: a quasi-identifier when the export includes the flag
    /// (never generalized; a suspect combination short of k is left out).
    pub suspect: bool,
}

/// The quasi-identifiers a row is published with.
///
/// A raw language or age band that already reads [`OTHER`] or [`ANY`] is published as
/// is; it then shares its combination with generalized rows, which only makes the
/// combination larger.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PublishedKey {
    pub place: Place,
    pub period: Period,
    pub language: String,
    pub respondent: String,
    pub age_band: String,
    pub suspect: bool,
}

/// One generalization, in the order the engine applies them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    AgeBandMerged,
    LanguageToOther,
    StationToRegion,
    MonthToQuarter,
}

impl Step {
    /// In the order they are applied; the derived `Ord` follows it.
    pub const ALL: [Step; 4] =
        [Step::AgeBandMerged, Step::LanguageToOther, Step::StationToRegion, Step::MonthToQuarter];

    /// A stable name for files and the codebook.
    pub fn code(self) -> &'static str {
        match self {
            Step::AgeBandMerged => "age_band_merged",
            Step::LanguageToOther => "language_to_other",
            Step::StationToRegion => "station_to_region",
            Step::MonthToQuarter => "month_to_quarter",
        }
    }

    /// The codebook's explanation, in Spanish.
    pub fn description_es(self) -> &'static str {
        match self {
            Step::AgeBandMerged => {
                "Franja de edad unificada: la franja de edad se publica como «any» (cualquiera) en las filas \
                 cuya combinación tenía menos de k respuestas."
            }
            Step::LanguageToOther => {
                "Idioma agrupado: el idioma se publica como «other» (otro) en las filas cuya combinación seguía \
                 teniendo menos de k respuestas."
            }
            Step::StationToRegion => {
                "Comisaría reemplazada por su región: la columna de lugar muestra la región en lugar del código \
                 de la comisaría."
            }
            Step::MonthToQuarter => {
                "Mes ampliado a su trimestre: el periodo se publica como trimestre (p. ej. 2026-Q2)."
            }
        }
    }

    /// The codebook's explanation, in English.
    pub fn description_en(self) -> &'static str {
        match self {
            Step::AgeBandMerged => {
                "Age band merged: the age band is published as \"any\" in rows whose combination held fewer than \
                 k responses."
            }
            Step::LanguageToOther => {
                "Language grouped: the language is published as \"other\" in rows whose combination still held \
                 fewer than k responses."
            }
            Step::StationToRegion => {
                "Station replaced by its region: the place column shows the region instead of the station code."
            }
            Step::MonthToQuarter => {
                "Month widened to its quarter: the period is published as a quarter (e.g. 2026-Q2)."
            }
        }
    }
}

/// How many released rows carry a step's generalization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepReport {
    pub step: Step,
    pub rows: u64,
}

/// What the engine did, for the export's codebook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The k applied: the one asked for, never below [`K::MIN`].
    pub k: K,
    /// The time unit used.
    pub unit: Unit,
    /// Weeks were asked for but some week-cell held fewer than k rows: months were used.
    pub weeks_refused: bool,
    /// Every step, in order, with the released rows showing its generalization (a row
    /// generalized at step 3 counts under steps 1, 2 and 3). Left-out rows are not counted.
    pub steps: Vec<StepReport>,
    pub suppressed_rows: u64,
    pub rows_in: u64,
    pub rows_out: u64,
}

/// What to publish for each distinct raw key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// `None`: the key's rows are left out.
    published: BTreeMap<RawKey, Option<PublishedKey>>,
}

impl Plan {
    /// The published quasi-identifiers of a row, or `None` when the row is left out
    /// (also for a key that was not counted when the plan was made).
    pub fn publish(&self, key: &RawKey) -> Option<&PublishedKey> {
        self.published.get(key).and_then(Option::as_ref)
    }
}

/// Plans an export from the number of rows per raw key (keys may repeat; their counts
/// add up). The same counts give the same plan in any order.
///
/// With [`Unit::Week`], weeks are kept only if every week-cell, before any
/// generalization, holds at least k rows; nothing is then generalized. Otherwise the
/// export falls back to months (`weeks_refused`) and generalizes as the module explains.
/// So [`Step::MonthToQuarter`] only ever meets months: generalization never starts from
/// weeks.
pub fn plan(counts: &[(RawKey, u64)], k: K, unit: Unit) -> (Plan, Report) {
    let report_k = k;
    let k = u64::from(k.get());
    // Sorted, so that nothing below depends on the input order.
    let mut rows: BTreeMap<&RawKey, u64> = BTreeMap::new();
    for (key, n) in counts.iter().filter(|(_, n)| *n > 0) {
        *rows.entry(key).or_default() += n;
    }
    let rows_in = rows.values().sum();

    let weeks_refused = unit == Unit::Week && {
        let cells = tally(rows.iter().map(|(key, &n)| (by_week(key), n)));
        cells.values().any(|&n| n < k)
    };
    let (unit, published) = if unit == Unit::Week && !weeks_refused {
        (Unit::Week, rows.keys().map(|key| ((*key).clone(), (Some(by_week(key)), None))).collect())
    } else {
        (Unit::Month, recode(&rows, k))
    };

    let released = |step: Option<Step>| -> u64 {
        rows.iter()
            .filter_map(|(key, &n)| published.get(*key).and_then(|(p, last)| p.as_ref().map(|_| (*last, n))))
            .filter(|(last, _)| step.is_none_or(|s| *last >= Some(s)))
            .map(|(_, n)| n)
            .sum()
    };
    let rows_out = released(None);
    let report = Report {
        k: report_k,
        unit,
        weeks_refused,
        steps: Step::ALL.iter().map(|&step| StepReport { step, rows: released(Some(step)) }).collect(),
        suppressed_rows: rows_in - rows_out,
        rows_in,
        rows_out,
    };
    let plan = Plan { published: published.into_iter().map(|(key, (p, _))| (key, p)).collect() };
    (plan, report)
}

/// Each raw key's published key (`None`: left out) and the last step applied to it.
type Recoded = BTreeMap<RawKey, (Option<PublishedKey>, Option<Step>)>;

/// Local recoding over months: after each step, only the keys in a combination of
/// fewer than k rows move on to the next step.
fn recode(rows: &BTreeMap<&RawKey, u64>, k: u64) -> Recoded {
    let mut last: Vec<Option<Step>> = vec![None; rows.len()];
    let published = |last: &[Option<Step>]| -> Vec<PublishedKey> {
        rows.keys().zip(last).map(|(key, &last)| by_month(key, last)).collect()
    };
    for step in Step::ALL {
        let keys = published(&last);
        let cells = tally(keys.iter().cloned().zip(rows.values().copied()));
        for (last, key) in last.iter_mut().zip(&keys) {
            if cells[key] < k {
                *last = Some(step);
            }
        }
    }
    let keys = published(&last);
    let cells = tally(keys.iter().cloned().zip(rows.values().copied()));
    rows.keys()
        .zip(keys)
        .zip(last)
        .map(|((raw, key), last)| {
            let kept = cells[&key] >= k;
            ((*raw).clone(), (kept.then_some(key), last))
        })
        .collect()
}

fn tally(rows: impl Iterator<Item = (PublishedKey, u64)>) -> HashMap<PublishedKey, u64> {
    let mut cells = HashMap::new();
    for (key, n) in rows {
        *cells.entry(key).or_default() += n;
    }
    cells
}

fn by_week(raw: &RawKey) -> PublishedKey {
    PublishedKey {
        place: Place::Station { code: raw.station.clone(), region: raw.region.clone() },
        period: Period::Week(raw.week),
        language: raw.language.clone(),
        respondent: raw.respondent.clone(),
        age_band: raw.age_band.clone(),
        suspect: raw.suspect,
    }
}

/// The published key of a row by months, with every step up to `last` applied.
fn by_month(raw: &RawKey, last: Option<Step>) -> PublishedKey {
    let applied = |step: Step| last >= Some(step);
    let month = Period::month_of(raw.week);
    PublishedKey {
        place: if applied(Step::StationToRegion) {
            Place::Region(raw.region.clone())
        } else {
            Place::Station { code: raw.station.clone(), region: raw.region.clone() }
        },
        period: if applied(Step::MonthToQuarter) { month.quarter() } else { month },
        language: if applied(Step::LanguageToOther) { OTHER.to_string() } else { raw.language.clone() },
        respondent: raw.respondent.clone(),
        age_band: if applied(Step::AgeBandMerged) { ANY.to_string() } else { raw.age_band.clone() },
        suspect: raw.suspect,
    }
}

#[cfg(test)]
mod tests;
