//! The three dashboard pages, put together the same way on every backend from a few
//! grouped reads of the roll-ups ([`PageReads`], which each backend answers with its own
//! SQL): the sums go to the domain's tallies (`domain::dashboard::tally`), which do the
//! arithmetic and the small-cell suppression, so that the index, suppression and the gaps
//! follow one set of rules. A page never receives a hidden number.

use domain::dashboard::tally::{
    category_breakdown, distribution, overview_row, pick_list, report_weeks, IndexTally, Period, Scores, Summary,
};
use domain::{
    suppressed, CompareColumn, CompareGroup, DashboardFilters, IsoWeek, OverviewRow, QuestionMean, Shown, StationLabel,
    StationReport, K, RATHER_NOT,
};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

/// The stations and weeks one read covers, with the page's filters (survey version,
/// language, suspect responses).
pub struct Scope<'a> {
    pub stations: &'a [i64],
    pub from: IsoWeek,
    pub to: IsoWeek,
    pub filters: &'a DashboardFilters,
}

/// The profile of a group of responses: '' stands for a skipped item.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProfileKey {
    pub language: String,
    pub respondent: String,
    pub age_band: String,
}

/// A question as the dashboards lay it out.
pub struct QuestionInScope {
    pub key: String,
    pub kind: String,
    pub in_index: bool,
}

/// How often each value was given to each question, by question.
pub type AnswerCounts = BTreeMap<String, BTreeMap<String, i64>>;

/// Per profile, the responses and their index answers.
pub type ProfileCounts = BTreeMap<ProfileKey, (i64, IndexTally)>;

/// The grouped reads of the roll-ups the pages are made of, in one connection (or
/// transaction) of a backend.
pub trait PageReads: Send {
    /// The backend's own error.
    type Error: Send;

    /// The stations of `ids` that exist, by region, then code.
    fn stations(&mut self, ids: &[i64]) -> impl Future<Output = Result<Vec<StationLabel>, Self::Error>> + Send;

    /// Per station and week: responses and enough of the index's figures to tell whether
    /// enough visitors scored (see [`Summary`]).
    fn week_summaries(
        &mut self,
        scope: &Scope<'_>,
    ) -> impl Future<Output = Result<BTreeMap<i64, BTreeMap<IsoWeek, Summary>>, Self::Error>> + Send;

    /// Responses and index answers per station and week.
    fn weekly_figures(
        &mut self,
        scope: &Scope<'_>,
    ) -> impl Future<Output = Result<BTreeMap<i64, BTreeMap<IsoWeek, Period>>, Self::Error>> + Send;

    /// Responses and index answers per station over the whole scope.
    fn period_figures(
        &mut self,
        scope: &Scope<'_>,
    ) -> impl Future<Output = Result<BTreeMap<i64, Period>, Self::Error>> + Send;

    /// The questions (profile items aside) of one version, or of every published version,
    /// in survey order; a key in several versions once.
    fn questions_in_scope(
        &mut self,
        version: Option<i64>,
    ) -> impl Future<Output = Result<Vec<QuestionInScope>, Self::Error>> + Send;

    /// The choice keys of each question in survey order, for one version or every
    /// published one.
    fn choices_in_scope(
        &mut self,
        version: Option<i64>,
    ) -> impl Future<Output = Result<BTreeMap<String, Vec<String>>, Self::Error>> + Send;

    /// One station's answers in scope by question and value, and per profile its
    /// responses and index answers.
    fn answers_and_profiles(
        &mut self,
        scope: &Scope<'_>,
        station_id: i64,
    ) -> impl Future<Output = Result<(AnswerCounts, ProfileCounts), Self::Error>> + Send;
}

/// One line per station of `station_ids` (by region, then code), stations without
/// responses included. `flagged` when the index fell by more than `drop_threshold`
/// points from the previous period.
pub async fn overview<R: PageReads>(
    reads: &mut R,
    station_ids: &[i64],
    filters: &DashboardFilters,
    k: K,
    drop_threshold: f64,
) -> Result<Vec<OverviewRow>, R::Error> {
    let stations = reads.stations(station_ids).await?;
    let previous = filters.previous_period();
    let first = previous.map_or(filters.from(), |(from, _)| from);
    let scope = Scope { stations: station_ids, from: first, to: filters.to(), filters };
    // A few numbers per station and week; a station's index figures per question only
    // when those cannot tell whether enough visitors scored (see `Summary`).
    let mut weeks = reads.week_summaries(&scope).await?;
    let trend_weeks = filters.weeks();
    let mut rows: Vec<Result<OverviewRow, StationLabel>> = stations
        .into_iter()
        .map(|station| {
            let by_week = weeks.remove(&station.id).unwrap_or_default();
            let now = Summary::sum(&by_week, filters.from(), filters.to());
            let before = previous.map(|(from, to)| Summary::sum(&by_week, from, to));
            overview_row(&station, &by_week, now, before, (filters, &trend_weeks), k, drop_threshold).ok_or(station)
        })
        .collect();
    let unsure: Vec<i64> = rows.iter().filter_map(|r| r.as_ref().err().map(|s| s.id)).collect();
    if !unsure.is_empty() {
        let unsure = Scope { stations: &unsure, from: first, to: filters.to(), filters };
        let mut exact = reads.weekly_figures(&unsure).await?;
        for row in &mut rows {
            if let Err(station) = row {
                let periods = exact.remove(&station.id).unwrap_or_default();
                let by_week: BTreeMap<IsoWeek, Summary> =
                    periods.iter().map(|(w, p)| (*w, Summary::exact(p))).collect();
                let now = Summary::exact(&Period::sum(&periods, filters.from(), filters.to()));
                let before = previous.map(|(from, to)| Summary::exact(&Period::sum(&periods, from, to)));
                // Exact figures always tell.
                let period = (filters, trend_weeks.as_slice());
                if let Some(done) = overview_row(station, &by_week, now, before, period, k, drop_threshold) {
                    *row = Ok(done);
                }
            }
        }
    }
    Ok(rows.into_iter().filter_map(Result::ok).collect())
}

/// A station's page; `None` if there is no such station.
pub async fn station_report<R: PageReads>(
    reads: &mut R,
    station_id: i64,
    filters: &DashboardFilters,
    k: K,
) -> Result<Option<StationReport>, R::Error> {
    let Some(station) = reads.stations(&[station_id]).await?.pop() else {
        return Ok(None);
    };
    let scope = Scope { stations: &[station_id], from: filters.from(), to: filters.to(), filters };
    let by_week = reads.weekly_figures(&scope).await?.remove(&station_id).unwrap_or_default();
    let total = Period::sum(&by_week, filters.from(), filters.to());
    let questions = reads.questions_in_scope(filters.survey_version()).await?;
    let choices = reads.choices_in_scope(filters.survey_version()).await?;
    let (answers, profiles) = reads.answers_and_profiles(&scope, station_id).await?;

    let (mut scales, mut single_choices, mut pick_lists) = (Vec::new(), Vec::new(), Vec::new());
    for q in &questions {
        let given = answers.get(&q.key).cloned().unwrap_or_default();
        let known = choices.get(&q.key).cloned().unwrap_or_default();
        match q.kind.as_str() {
            "scale4" => {
                let faces = ["1", "2", "3", "4", RATHER_NOT].map(String::from).to_vec();
                scales.push(distribution(&q.key, &faces, &given, total.responses, k));
            }
            "single" => single_choices.push(distribution(&q.key, &known, &given, total.responses, k)),
            _ => pick_lists.push(pick_list(&q.key, &known, &given, total.responses, k)),
        }
    }
    let category_rows = |pick: fn(&ProfileKey) -> &str, known: &[String]| {
        let mut cells: BTreeMap<&str, (i64, IndexTally)> =
            known.iter().map(|c| (c.as_str(), Default::default())).collect();
        for (key, (n, tally)) in &profiles {
            let cell = cells.entry(pick(key)).or_default();
            cell.0 += n;
            cell.1.merge(tally);
        }
        // Known categories in survey order, then any other, then those who skipped.
        let mut order: Vec<&str> = known.iter().map(String::as_str).collect();
        order.extend(cells.keys().filter(|c| !c.is_empty() && !known.iter().any(|k| k == *c)));
        order.extend(cells.keys().filter(|c| c.is_empty()));
        let cells: Vec<(Option<String>, i64, IndexTally)> = order
            .into_iter()
            .filter_map(|c| cells.get(c).map(|(n, t)| ((!c.is_empty()).then(|| c.to_string()), *n, t.clone())))
            .collect();
        category_breakdown(cells, k)
    };
    let respondents = choices.get(domain::RESPONDENT_KEY).cloned().unwrap_or_default();
    let age_bands = choices.get(domain::AGE_BAND_KEY).cloned().unwrap_or_default();
    Ok(Some(StationReport {
        responses: Shown::count(total.responses, k),
        index: total.tally.shown_index(total.responses, k),
        // Exact figures always tell.
        weeks: report_weeks(&by_week.iter().map(|(w, p)| (*w, Summary::exact(p))).collect(), filters, k)
            .unwrap_or_default(),
        scales,
        single_choices,
        pick_lists,
        by_respondent: category_rows(|p| &p.respondent, &respondents),
        by_age_band: category_rows(|p| &p.age_band, &age_bands),
        by_language: category_rows(|p| &p.language, &[]),
        station,
    }))
}

/// One column per group, in the order given. A station with too few responses to show
/// its own figures is left out of every group (see [`CompareColumn`]).
pub async fn compare<R: PageReads>(
    reads: &mut R,
    groups: &[CompareGroup],
    filters: &DashboardFilters,
    k: K,
) -> Result<Vec<CompareColumn>, R::Error> {
    let all: Vec<i64> =
        groups.iter().flat_map(|g| g.station_ids.iter().copied()).collect::<BTreeSet<_>>().into_iter().collect();
    let scope = Scope { stations: &all, from: filters.from(), to: filters.to(), filters };
    let per_station = reads.period_figures(&scope).await?;
    let questions: Vec<String> = reads
        .questions_in_scope(filters.survey_version())
        .await?
        .into_iter()
        .filter(|q| q.in_index)
        .map(|q| q.key)
        .collect();
    Ok(groups
        .iter()
        .map(|group| {
            let members: BTreeSet<i64> = group.station_ids.iter().copied().collect();
            let periods: Vec<&Period> = members.iter().filter_map(|id| per_station.get(id)).collect();
            // Only a station's figures that could be shown on their own take part.
            let counted = |p: &&&Period| p.responses > 0 && !suppressed(p.responses, k);
            let left_out = periods.iter().filter(|p| p.responses > 0 && suppressed(p.responses, k)).count();
            let responses: i64 = periods.iter().filter(counted).map(|p| p.responses).sum();
            let mut tally = IndexTally::default();
            for p in periods.iter().filter(counted).filter(|p| !suppressed(p.tally.visitors(), k)) {
                tally.merge(&p.tally);
            }
            let questions = questions
                .iter()
                .map(|key| {
                    let mut scores = Scores::default();
                    for p in periods.iter().filter(counted) {
                        let question = p.tally.question(key);
                        if !suppressed(question.scored, k) {
                            scores.add(question);
                        }
                    }
                    let mean = scores.index();
                    QuestionMean {
                        question_key: key.clone(),
                        mean: mean.map_or(Shown::Suppressed, |m| Shown::Value(m.value())),
                    }
                })
                .collect();
            CompareColumn {
                label: group.label.clone(),
                stations: members.len(),
                left_out,
                responses: if responses == 0 && left_out > 0 { Shown::Suppressed } else { Shown::Value(responses) },
                index: tally.shown_index(responses, k),
                questions,
            }
        })
        .collect())
}
