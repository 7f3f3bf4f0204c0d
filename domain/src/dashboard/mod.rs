//! What the supervisor dashboards ask for (a period and filters) and what they receive:
//! figures already suppressed on the server, so a page never holds a hidden number.

pub mod tally;

use crate::{FieldError, IsoWeek, Language, Shown};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The period and filters of a dashboard page. Valid by construction: `from` is not
/// after `to` and the period holds at most [`DashboardFilters::MAX_WEEKS`] weeks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "FiltersBody")]
pub struct DashboardFilters {
    from: IsoWeek,
    to: IsoWeek,
    survey_version: Option<i64>,
    language: Option<Language>,
    include_suspect: bool,
}

/// [`DashboardFilters`] as it travels, before [`DashboardFilters::parse`].
#[derive(Deserialize)]
struct FiltersBody {
    from: IsoWeek,
    to: IsoWeek,
    #[serde(default)]
    survey_version: Option<i64>,
    #[serde(default)]
    language: Option<Language>,
    #[serde(default)]
    include_suspect: bool,
}

impl TryFrom<FiltersBody> for DashboardFilters {
    type Error = FieldError;
    fn try_from(b: FiltersBody) -> Result<Self, FieldError> {
        DashboardFilters::parse(b.from, b.to, b.survey_version, b.language, b.include_suspect)
    }
}

impl DashboardFilters {
    /// Five years: longer periods are exports, not pages.
    pub const MAX_WEEKS: usize = 260;
    /// The period a page opens with.
    pub const DEFAULT_WEEKS: usize = 12;

    pub fn parse(
        from: IsoWeek,
        to: IsoWeek,
        survey_version: Option<i64>,
        language: Option<Language>,
        include_suspect: bool,
    ) -> Result<Self, FieldError> {
        if from > to {
            return Err(FieldError::new("from", format!("{from} is after {to}")));
        }
        if weeks_between(from, to) > Self::MAX_WEEKS {
            return Err(FieldError::new("to", format!("a period holds at most {} weeks", Self::MAX_WEEKS)));
        }
        if survey_version.is_some_and(|v| v < 1) {
            return Err(FieldError::new("survey_version", "survey versions start at 1"));
        }
        Ok(DashboardFilters { from, to, survey_version, language, include_suspect })
    }

    /// The last [`DEFAULT_WEEKS`](Self::DEFAULT_WEEKS) ISO weeks ending with `this_week`,
    /// every version and language, suspect responses left out.
    pub fn last_weeks(this_week: IsoWeek) -> Self {
        let from = weeks_before(this_week, Self::DEFAULT_WEEKS - 1).unwrap_or_else(|| earliest(this_week));
        DashboardFilters { from, to: this_week, survey_version: None, language: None, include_suspect: false }
    }

    pub fn from(&self) -> IsoWeek {
        self.from
    }

    pub fn to(&self) -> IsoWeek {
        self.to
    }

    pub fn survey_version(&self) -> Option<i64> {
        self.survey_version
    }

    pub fn language(&self) -> Option<Language> {
        self.language
    }

    pub fn include_suspect(&self) -> bool {
        self.include_suspect
    }

    /// Every week of the period, in order.
    pub fn weeks(&self) -> Vec<IsoWeek> {
        IsoWeek::range(self.from, self.to)
    }

    /// As many weeks as the period, right before it; `None` when they would start before
    /// the first supported week.
    pub fn previous_period(&self) -> Option<(IsoWeek, IsoWeek)> {
        let to = self.from.prev()?;
        let from = weeks_before(to, weeks_between(self.from, self.to) - 1)?;
        Some((from, to))
    }
}

/// The first supported week, reached from `week`.
fn earliest(week: IsoWeek) -> IsoWeek {
    let mut w = week;
    while let Some(p) = w.prev() {
        w = p;
    }
    w
}

/// How many weeks from `from` to `to`, both included, counting no further than one past
/// the longest period.
fn weeks_between(from: IsoWeek, to: IsoWeek) -> usize {
    let mut n = 0;
    let mut week = Some(from);
    while let Some(w) = week.filter(|w| *w <= to && n <= DashboardFilters::MAX_WEEKS) {
        n += 1;
        week = w.next();
    }
    n
}

fn weeks_before(week: IsoWeek, n: usize) -> Option<IsoWeek> {
    (0..n).try_fold(week, |w, _| w.prev())
}

/// A station as the dashboards name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationLabel {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub region: String,
}

/// One station's line on the overview.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OverviewRow {
    pub station: StationLabel,
    pub responses: Shown<i64>,
    pub index: Shown<f64>,
    /// The index over as many weeks right before the period.
    pub previous_index: Shown<f64>,
    /// `index − previous_index`, in points; hidden when either is.
    pub change: Shown<f64>,
    /// The index per week of the period, in order; `None` for a week without a release
    /// or whose figures are hidden, which a chart draws as a gap.
    pub trend: Vec<Option<f64>>,
    /// The index fell by more than the threshold since the previous period.
    pub flagged: bool,
}

/// One week of a station report. Weeks without a release have none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportWeek {
    pub week: IsoWeek,
    pub responses: Shown<i64>,
    pub index: Shown<f64>,
}

/// How many gave one value (a face "1"…"4", "rather_not", or a choice key).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValueCount {
    pub value: String,
    pub count: Shown<i64>,
}

/// The answers to one question with one answer per response: its values in order, and
/// the responses without an answer, so that the counts add up to the responses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    pub question_key: String,
    pub values: Vec<ValueCount>,
    pub no_answer: Shown<i64>,
}

/// The choices of a multiple-choice question, most often picked first; hidden counts
/// come last, in the survey's order, so that their place tells nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PickList {
    pub question_key: String,
    pub choices: Vec<ValueCount>,
}

/// Responses and index of one category of a breakdown (respondent type, age band,
/// language). `None` is the responses that skipped the profile item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryRow {
    pub category: Option<String>,
    pub responses: Shown<i64>,
    pub index: Shown<f64>,
}

/// A station's page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StationReport {
    pub station: StationLabel,
    pub responses: Shown<i64>,
    pub index: Shown<f64>,
    pub weeks: Vec<ReportWeek>,
    /// Face-scale questions, in survey order.
    pub scales: Vec<Distribution>,
    /// Single-choice questions such as the waiting time, in survey order.
    pub single_choices: Vec<Distribution>,
    /// Multiple-choice questions such as what to improve.
    pub pick_lists: Vec<PickList>,
    pub by_respondent: Vec<CategoryRow>,
    pub by_age_band: Vec<CategoryRow>,
    pub by_language: Vec<CategoryRow>,
}

/// A column of the comparison: one station, a region, or any set of stations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompareGroup {
    pub label: String,
    pub station_ids: Vec<i64>,
}

impl CompareGroup {
    pub fn station(station: &StationLabel) -> Self {
        CompareGroup { label: station.code.clone(), station_ids: vec![station.id] }
    }

    /// One group per region, with every station of it in `stations`, by region name.
    pub fn by_region(stations: &[StationLabel]) -> Vec<Self> {
        let mut regions: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        for s in stations {
            regions.entry(&s.region).or_default().push(s.id);
        }
        regions.into_iter().map(|(label, station_ids)| CompareGroup { label: label.to_string(), station_ids }).collect()
    }
}

/// The mean answer to one question, on the index's 0–100 scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionMean {
    pub question_key: String,
    pub mean: Shown<f64>,
}

/// One group's figures in the comparison.
///
/// A station with too few responses for its own figures is left out of every group's
/// figures (and counted in `left_out`), and so is a station's question with too few
/// answers: otherwise a region beside one of its stations would give away the rest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompareColumn {
    pub label: String,
    /// Stations in the group.
    pub stations: usize,
    /// Stations with some responses, but too few to count.
    pub left_out: usize,
    pub responses: Shown<i64>,
    pub index: Shown<f64>,
    /// Per question of the index, in survey order.
    pub questions: Vec<QuestionMean>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(s: &str) -> IsoWeek {
        IsoWeek::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn filters(from: &str, to: &str) -> Result<DashboardFilters, FieldError> {
        DashboardFilters::parse(week(from), week(to), None, None, false)
    }

    #[test]
    fn accepts_periods_of_one_to_260_weeks() {
        for (from, to, weeks) in [
            ("2026-W10", "2026-W10", 1),
            ("2026-W01", "2026-W12", 12),
            ("2025-W50", "2026-W02", 5),
            ("2022-W01", "2026-W52", 260), // 2022–2025 have 52 weeks each, 2026 has 53.
        ] {
            let f = filters(from, to).unwrap_or_else(|e| panic!("{from}..{to}: {e}"));
            assert_eq!(f.weeks().len(), weeks, "{from}..{to}");
        }
    }

    #[test]
    fn refuses_invalid_periods() {
        let cases = [
            ("2026-W11", "2026-W10", "from", "from after to"),
            ("2021-W52", "2026-W52", "to", "261 weeks"),
            ("2000-W01", "2100-W52", "to", "a century"),
        ];
        for (from, to, field, why) in cases {
            match filters(from, to) {
                Err(e) => assert_eq!(e.field, field, "{why}"),
                Ok(_) => panic!("{why}: {from}..{to} was accepted"),
            }
        }
        let bad_version = DashboardFilters::parse(week("2026-W01"), week("2026-W02"), Some(0), None, false);
        assert_eq!(bad_version.map_err(|e| e.field), Err("survey_version".to_string()));
    }

    #[test]
    fn defaults_to_the_last_12_weeks_without_suspect_responses() {
        let f = DashboardFilters::last_weeks(week("2026-W05"));
        assert_eq!((f.from(), f.to()), (week("2025-W46"), week("2026-W05")));
        assert_eq!(f.weeks().len(), 12);
        assert_eq!((f.survey_version(), f.language(), f.include_suspect()), (None, None, false));
        // Too close to the first supported week: as many weeks as there are.
        let f = DashboardFilters::last_weeks(week("2000-W03"));
        assert_eq!((f.from(), f.to()), (week("2000-W01"), week("2000-W03")));
    }

    #[test]
    fn the_previous_period_has_as_many_weeks_right_before() {
        let f = filters("2026-W01", "2026-W04").unwrap();
        assert_eq!(f.previous_period(), Some((week("2025-W49"), week("2025-W52"))));
        let f = filters("2027-W01", "2027-W02").unwrap();
        assert_eq!(f.previous_period(), Some((week("2026-W52"), week("2026-W53"))), "2026 has 53 weeks");
        assert_eq!(filters("2000-W01", "2000-W05").unwrap().previous_period(), None);
        assert_eq!(filters("2000-W03", "2000-W05").unwrap().previous_period(), None);
    }

    #[test]
    fn deserializing_goes_through_parse() {
        let f: DashboardFilters =
            serde_json::from_str(r#"{"from":"2026-W01","to":"2026-W04","language":"qu"}"#).unwrap();
        assert_eq!((f.language(), f.include_suspect()), (Some(Language::Qu), false));
        assert_eq!(serde_json::from_str::<DashboardFilters>(&serde_json::to_string(&f).unwrap()).unwrap(), f);
        assert!(serde_json::from_str::<DashboardFilters>(r#"{"from":"2026-W05","to":"2026-W04"}"#).is_err());
    }

    #[test]
    fn groups_stations_by_region() {
        let s =
            |id, region: &str| StationLabel { id, code: format!("S-{id}"), name: "n".into(), region: region.into() };
        let groups = CompareGroup::by_region(&[s(1, "Lima"), s(2, "Cusco"), s(3, "Lima")]);
        assert_eq!(
            groups,
            vec![
                CompareGroup { label: "Cusco".into(), station_ids: vec![2] },
                CompareGroup { label: "Lima".into(), station_ids: vec![1, 3] },
            ]
        );
        assert_eq!(CompareGroup::station(&s(7, "Lima")), CompareGroup { label: "S-7".into(), station_ids: vec![7] });
    }
}
