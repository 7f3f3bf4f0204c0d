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
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn week(s: &str) -> IsoWeek {
        IsoWeek::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn raw(station: &str, region: &str, w: &str, language: &str, respondent: &str, age_band: &str) -> RawKey {
        RawKey {
            station: station.into(),
            region: region.into(),
            week: week(w),
            language: language.into(),
            respondent: respondent.into(),
            age_band: age_band.into(),
            suspect: false,
        }
    }

    /// A respondent of type "self" at a station of region "North".
    fn at(station: &str, w: &str, language: &str, age_band: &str) -> RawKey {
        raw(station, "North", w, language, "self", age_band)
    }

    fn station(code: &str) -> Place {
        Place::Station { code: code.into(), region: "North".into() }
    }

    fn month(year: u16, month: u8) -> Period {
        Period::Month { year, month }
    }

    fn published(place: Place, period: Period, language: &str, age_band: &str) -> PublishedKey {
        PublishedKey {
            place,
            period,
            language: language.into(),
            respondent: "self".into(),
            age_band: age_band.into(),
            suspect: false,
        }
    }

    fn step_rows(report: &Report) -> [u64; 4] {
        let rows: Vec<u64> = report.steps.iter().map(|s| s.rows).collect();
        rows.try_into().expect("four steps")
    }

    #[test]
    fn month_of_takes_the_month_of_the_thursday() {
        let cases = [
            ("2026-W01", (2026, 1), "Thursday 2026-01-01, the week starts in 2025"),
            ("2020-W53", (2020, 12), "Thursday 2020-12-31, the week ends in 2021"),
            ("2026-W53", (2026, 12), "Thursday 2026-12-31"),
            ("2015-W53", (2015, 12), "Thursday 2015-12-31"),
            ("2004-W53", (2004, 12), "Thursday 2004-12-30"),
            ("2027-W52", (2027, 12), "Thursday 2027-12-30"),
            ("2100-W52", (2100, 12), "Thursday 2100-12-30, 2100 is not a leap year"),
            ("2025-W01", (2025, 1), "Thursday 2025-01-02, the week starts in 2024"),
            ("2000-W01", (2000, 1), "Thursday 2000-01-06"),
            ("2026-W05", (2026, 1), "Thursday 2026-01-29, the week ends in February"),
            ("2026-W06", (2026, 2), "Thursday 2026-02-05"),
            ("2024-W09", (2024, 2), "Thursday 2024-02-29, a leap day"),
            ("2024-W10", (2024, 3), "Thursday 2024-03-07"),
            ("2021-W13", (2021, 4), "Thursday 2021-04-01, though the week starts in March"),
            ("2021-W14", (2021, 4), "Thursday 2021-04-08"),
        ];
        for (w, expected, why) in cases {
            assert_eq!(month_of(week(w)), expected, "{w}: {why}");
        }
    }

    /// Every week of 2000–2100 against chrono (a test-only dependency: chrono is not in
    /// the browser build).
    #[test]
    fn month_of_agrees_with_chrono_on_every_week() {
        use chrono::{Datelike, NaiveDate, Weekday};
        for w in IsoWeek::range(week("2000-W01"), week("2100-W52")) {
            let thursday = NaiveDate::from_isoywd_opt(i32::from(w.year()), u32::from(w.week()), Weekday::Thu)
                .unwrap_or_else(|| panic!("{w}"));
            let expected = (u16::try_from(thursday.year()).unwrap(), u8::try_from(thursday.month()).unwrap());
            assert_eq!(month_of(w), expected, "{w}");
        }
    }

    #[test]
    fn periods_print_as_the_codebook_says() {
        assert_eq!(Period::Week(week("2026-W05")).to_string(), "2026-W05");
        assert_eq!(month(2026, 3).to_string(), "2026-03");
        assert_eq!(Period::Quarter { year: 2026, q: 1 }.to_string(), "2026-Q1");
        let quarters = [(1, 1), (3, 1), (4, 2), (6, 2), (7, 3), (9, 3), (10, 4), (12, 4)];
        for (m, q) in quarters {
            assert_eq!(month(2026, m).quarter(), Period::Quarter { year: 2026, q }, "month {m}");
        }
        assert_eq!(Period::Week(week("2021-W13")).quarter(), Period::Quarter { year: 2021, q: 2 });
    }

    #[test]
    fn a_small_station_is_merged_into_its_region() {
        let big = at("LP-01", "2026-W10", "es", "30-44");
        let small = at("LP-02", "2026-W10", "es", "30-44");
        let smaller = at("LP-03", "2026-W11", "es", "18-29");
        let (plan, report) =
            plan(&[(big.clone(), 10), (small.clone(), 3), (smaller.clone(), 2)], K::new(5), Unit::Month);
        assert_eq!(plan.publish(&big), Some(&published(station("LP-01"), month(2026, 3), "es", "30-44")));
        // 3 and 2 are short through steps 1 and 2; together in the region they are 5.
        let region = published(Place::Region("North".into()), month(2026, 3), OTHER, ANY);
        assert_eq!(plan.publish(&small), Some(&region));
        assert_eq!(plan.publish(&smaller), Some(&region));
        assert_eq!(step_rows(&report), [5, 5, 5, 0]);
        assert_eq!((report.rows_in, report.rows_out, report.suppressed_rows), (15, 15, 0));
    }

    #[test]
    fn rare_languages_become_other() {
        let es = at("LP-01", "2026-W10", "es", "30-44");
        let qu = at("LP-01", "2026-W10", "qu", "30-44");
        let ay = at("LP-01", "2026-W11", "ay", "45-59");
        let (plan, report) = plan(&[(es.clone(), 10), (qu.clone(), 2), (ay.clone(), 3)], K::new(5), Unit::Month);
        assert_eq!(plan.publish(&es), Some(&published(station("LP-01"), month(2026, 3), "es", "30-44")));
        let other = published(station("LP-01"), month(2026, 3), OTHER, ANY);
        assert_eq!(plan.publish(&qu), Some(&other));
        assert_eq!(plan.publish(&ay), Some(&other));
        assert_eq!(step_rows(&report), [5, 5, 0, 0]);
    }

    #[test]
    fn short_age_bands_are_merged() {
        let common = at("LP-01", "2026-W10", "es", "30-44");
        let young = at("LP-01", "2026-W10", "es", "18-29");
        let older = at("LP-01", "2026-W11", "es", "45-59");
        let skipped = at("LP-01", "2026-W12", "es", "");
        let counts = [(common.clone(), 10), (young.clone(), 3), (older.clone(), 2), (skipped.clone(), 1)];
        let (plan, report) = plan(&counts, K::new(5), Unit::Month);
        assert_eq!(plan.publish(&common), Some(&published(station("LP-01"), month(2026, 3), "es", "30-44")));
        let any = published(station("LP-01"), month(2026, 3), "es", ANY);
        for key in [&young, &older, &skipped] {
            assert_eq!(plan.publish(key), Some(&any), "{key:?}");
        }
        assert_eq!(step_rows(&report), [6, 0, 0, 0]);
    }

    #[test]
    fn short_months_become_their_quarter() {
        let january = at("LP-01", "2026-W02", "es", "30-44");
        let february = at("LP-01", "2026-W07", "es", "30-44");
        let march = at("LP-01", "2026-W11", "es", "30-44");
        let april = at("LP-01", "2026-W15", "es", "30-44");
        let counts = [(january.clone(), 2), (february.clone(), 3), (march.clone(), 1), (april.clone(), 8)];
        let (plan, report) = plan(&counts, K::new(5), Unit::Month);
        let q1 = published(Place::Region("North".into()), Period::Quarter { year: 2026, q: 1 }, OTHER, ANY);
        for key in [&january, &february, &march] {
            assert_eq!(plan.publish(key), Some(&q1), "{key:?}");
        }
        assert_eq!(plan.publish(&april), Some(&published(station("LP-01"), month(2026, 4), "es", "30-44")));
        assert_eq!(step_rows(&report), [6, 6, 6, 6]);
    }

    #[test]
    fn rows_still_short_after_every_step_are_left_out() {
        let kept = at("LP-01", "2026-W02", "es", "30-44");
        let alone = at("LP-01", "2026-W20", "qu", "60+");
        let (plan, report) = plan(&[(kept.clone(), 10), (alone.clone(), 4)], K::new(5), Unit::Month);
        assert!(plan.publish(&kept).is_some());
        assert_eq!(plan.publish(&alone), None);
        assert_eq!((report.rows_in, report.rows_out, report.suppressed_rows), (14, 10, 4));
        assert_eq!(step_rows(&report), [0, 0, 0, 0], "left-out rows are not counted under a step");
    }

    #[test]
    fn weeks_are_refused_when_a_week_cell_is_short() {
        let first = at("LP-01", "2026-W10", "es", "30-44");
        let second = at("LP-01", "2026-W11", "es", "30-44");
        let (plan, report) = plan(&[(first.clone(), 6), (second.clone(), 4)], K::new(5), Unit::Week);
        assert!(report.weeks_refused);
        assert_eq!(report.unit, Unit::Month);
        // Both weeks lie in March: by month they are one cell of 10.
        let march = published(station("LP-01"), month(2026, 3), "es", "30-44");
        assert_eq!(plan.publish(&first), Some(&march));
        assert_eq!(plan.publish(&second), Some(&march));
        assert_eq!(step_rows(&report), [0, 0, 0, 0]);
    }

    #[test]
    fn weeks_are_granted_when_every_week_cell_holds_k() {
        let first = at("LP-01", "2026-W10", "es", "30-44");
        let second = at("LP-02", "2026-W11", "qu", "");
        let (plan, report) = plan(&[(first.clone(), 5), (second.clone(), 7)], K::new(5), Unit::Week);
        assert!(!report.weeks_refused);
        assert_eq!(report.unit, Unit::Week);
        assert_eq!(
            plan.publish(&first),
            Some(&published(station("LP-01"), Period::Week(week("2026-W10")), "es", "30-44"))
        );
        assert_eq!(plan.publish(&second), Some(&published(station("LP-02"), Period::Week(week("2026-W11")), "qu", "")));
        assert_eq!((report.rows_in, report.rows_out, report.suppressed_rows), (12, 12, 0));
    }

    #[test]
    fn months_are_not_refused_and_weeks_are_not_reported_as_refused() {
        let key = at("LP-01", "2026-W10", "es", "30-44");
        let (_, report) = plan(&[(key, 2)], K::new(5), Unit::Month);
        assert!(!report.weeks_refused);
        assert_eq!(report.unit, Unit::Month);
    }

    #[test]
    fn k_is_never_below_the_minimum() {
        let key = at("LP-01", "2026-W10", "es", "30-44");
        let (short, report) = plan(&[(key.clone(), 2)], K::new(1), Unit::Month);
        assert_eq!(report.k, K::MIN);
        assert_eq!(short.publish(&key), None, "a cell of 2 is short even at k = 1");
        let (enough, _) = plan(&[(key.clone(), 3)], K::new(0), Unit::Month);
        assert!(enough.publish(&key).is_some());
    }

    #[test]
    fn repeated_keys_add_up_and_empty_or_unknown_keys_publish_nothing() {
        let key = at("LP-01", "2026-W10", "es", "30-44");
        let empty = at("LP-09", "2026-W10", "es", "30-44");
        let (plan, report) = plan(&[(key.clone(), 2), (key.clone(), 3), (empty.clone(), 0)], K::new(5), Unit::Month);
        assert_eq!(plan.publish(&key), Some(&published(station("LP-01"), month(2026, 3), "es", "30-44")));
        assert_eq!(report.rows_in, 5);
        assert_eq!(plan.publish(&empty), None);
        assert_eq!(plan.publish(&at("LP-01", "2026-W10", "en", "30-44")), None, "not counted: left out");
    }

    #[test]
    fn steps_are_described_in_both_languages() {
        for step in Step::ALL {
            assert!(!step.description_es().is_empty() && !step.description_en().is_empty(), "{step:?}");
            assert_eq!(serde_json::to_string(&step).unwrap(), format!("\"{}\"", step.code()));
        }
    }

    const REGIONS: [&str; 3] = ["North", "South", "Altiplano"];
    const LANGUAGES: [&str; 5] = ["es", "qu", "ay", "en", ""];
    const RESPONDENTS: [&str; 3] = ["self", "companion", ""];
    const AGE_BANDS: [&str; 7] = ["18-29", "30-44", "45-59", "60+", "<18", "rather_not", ""];

    /// Data sets of a few to many stations in 1–3 regions, weeks from late 2025 into 2026
    /// (across a year end and quarter ends), Spanish far more common than the rest. Most
    /// are sparse (many small cells, every step at work); one in four is dense (a few large
    /// cells), so that weeks are sometimes granted.
    fn data_set() -> impl Strategy<Value = Vec<(RawKey, u64)>> {
        let shape = (1usize..=3, prop::collection::vec(0usize..3, 1..=12), prop::bool::weighted(0.25));
        shape.prop_flat_map(|(regions, stations, dense)| {
            let stations: Vec<(String, &str)> =
                stations.iter().enumerate().map(|(i, r)| (format!("S{i:02}"), REGIONS[r % regions])).collect();
            let weeks = IsoWeek::range(week("2025-W45"), week("2026-W32"));
            let n = if dense { (3u64..30).boxed() } else { prop_oneof![3 => 1u64..4, 1 => 1u64..30].boxed() };
            let row = (
                prop::sample::select(stations),
                prop::sample::select(weeks),
                prop_oneof![12 => Just(LANGUAGES[0]), 1 => prop::sample::select(&LANGUAGES[1..])],
                prop::sample::select(&RESPONDENTS[..]),
                prop::sample::select(&AGE_BANDS[..]),
                n,
            )
                .prop_map(|((station, region), week, language, respondent, age_band, n)| {
                    let (region, language) = (region.to_string(), language.to_string());
                    let (respondent, age_band) = (respondent.to_string(), age_band.to_string());
                    (RawKey { station, region, week, language, respondent, age_band, suspect: false }, n)
                });
            prop::collection::vec(row, if dense { 1..6 } else { 0..80 })
        })
    }

    fn unit() -> impl Strategy<Value = Unit> {
        prop_oneof![Just(Unit::Week), Just(Unit::Month)]
    }

    proptest! {
        #[test]
        fn every_published_combination_holds_k_rows(counts in data_set(), k in 3u64..=10, unit in unit()) {
            let (plan, _) = plan(&counts, K::new(k as u32), unit);
            let mut cells: HashMap<&PublishedKey, u64> = HashMap::new();
            for (key, n) in &counts {
                if let Some(p) = plan.publish(key) {
                    *cells.entry(p).or_default() += n;
                }
            }
            for (key, n) in cells {
                prop_assert!(n >= k, "{:?} holds {} rows at k = {}", key, n, k);
            }
        }

        #[test]
        fn the_report_counts_match_the_plan(counts in data_set(), k in 3u64..=10, unit in unit()) {
            let (plan, report) = plan(&counts, K::new(k as u32), unit);
            let sum = |keep: &dyn Fn(Option<&PublishedKey>) -> bool| -> u64 {
                counts.iter().filter(|(key, _)| keep(plan.publish(key))).map(|(_, n)| n).sum()
            };
            prop_assert_eq!(report.rows_in, counts.iter().map(|(_, n)| n).sum::<u64>());
            prop_assert_eq!(report.rows_out, sum(&|p| p.is_some()));
            prop_assert_eq!(report.suppressed_rows, sum(&|p| p.is_none()));
            prop_assert_eq!(report.rows_in, report.rows_out + report.suppressed_rows);
            let steps: Vec<Step> = report.steps.iter().map(|s| s.step).collect();
            prop_assert_eq!(steps, Step::ALL.to_vec());
            for s in &report.steps {
                let shows = |p: &PublishedKey| match s.step {
                    Step::AgeBandMerged => p.age_band == ANY,
                    Step::LanguageToOther => p.language == OTHER,
                    Step::StationToRegion => p.place.is_region(),
                    Step::MonthToQuarter => matches!(p.period, Period::Quarter { .. }),
                };
                prop_assert_eq!(s.rows, sum(&|p| p.is_some_and(shows)), "{:?}", s.step);
            }
            let short_week = {
                let mut cells: HashMap<PublishedKey, u64> = HashMap::new();
                for (key, n) in &counts {
                    *cells.entry(by_week(key)).or_default() += n;
                }
                cells.values().any(|&n| n < k)
            };
            prop_assert_eq!(report.weeks_refused, unit == Unit::Week && short_week);
            prop_assert_eq!(report.unit, if unit == Unit::Week && !short_week { Unit::Week } else { Unit::Month });
            prop_assert_eq!(report.k, K::new(k as u32));
        }

        #[test]
        fn nothing_is_published_finer_than_it_was(counts in data_set(), k in 3u64..=10, unit in unit()) {
            let (plan, report) = plan(&counts, K::new(k as u32), unit);
            for (key, _) in &counts {
                let Some(p) = plan.publish(key) else { continue };
                let month = Period::month_of(key.week);
                let station = Place::Station { code: key.station.clone(), region: key.region.clone() };
                prop_assert_eq!(&p.respondent, &key.respondent);
                prop_assert!(p.age_band == key.age_band || p.age_band == ANY, "{:?} → {:?}", key, p);
                prop_assert!(p.language == key.language || p.language == OTHER, "{:?} → {:?}", key, p);
                prop_assert!(p.place == station || p.place == Place::Region(key.region.clone()), "{:?} → {:?}", key, p);
                let periods = match report.unit {
                    Unit::Week => vec![Period::Week(key.week)],
                    Unit::Month => vec![month, month.quarter()],
                };
                prop_assert!(periods.contains(&p.period), "{:?} → {:?}", key, p);
                // Cumulative: each step shows every step before it.
                let shown = [
                    p.age_band == ANY,
                    p.language == OTHER,
                    p.place.is_region(),
                    matches!(p.period, Period::Quarter { .. }),
                ];
                prop_assert!(shown.windows(2).all(|w| w[0] || !w[1]), "{:?} → {:?}", key, p);
            }
        }

        /// Local recoding: a row whose combination already held k by month is published
        /// as it is.
        #[test]
        fn rows_in_combinations_of_k_are_left_as_they_are(counts in data_set(), k in 3u64..=10) {
            let (plan, _) = plan(&counts, K::new(k as u32), Unit::Month);
            let mut cells: HashMap<PublishedKey, u64> = HashMap::new();
            for (key, n) in &counts {
                *cells.entry(by_month(key, None)).or_default() += n;
            }
            for (key, _) in &counts {
                let exact = by_month(key, None);
                if cells[&exact] >= k {
                    prop_assert_eq!(plan.publish(key), Some(&exact));
                }
            }
        }

        #[test]
        fn the_input_order_does_not_matter(
            (counts, shuffled) in data_set().prop_flat_map(|c| (Just(c.clone()), Just(c).prop_shuffle())),
            k in 3u64..=10,
            unit in unit(),
        ) {
            prop_assert_eq!(plan(&counts, K::new(k as u32), unit), plan(&shuffled, K::new(k as u32), unit));
        }
    }
}
