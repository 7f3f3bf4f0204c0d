//! What the supervisor dashboards read. Only the roll-ups, never `responses` or
//! `answers`: a page view must not scan raw rows.
//!
//! [`overview`], [`station_report`] and [`compare`] return figures with small-cell
//! suppression applied ([`domain::Shown`]): a page never receives a hidden number.
//! Each reads a few grouped queries for every station at once and does the arithmetic
//! here, so that the index, suppression and the gaps follow one set of rules.

use domain::{
    shown_breakdown, suppressed, CategoryRow, CompareColumn, CompareGroup, DashboardFilters, DignityIndex,
    Distribution, IsoWeek, OverviewRow, PickList, QuestionMean, ReportWeek, Shown, StationLabel, StationReport,
    ValueCount, WeekPoint, RATHER_NOT,
};
use sqlx::SqlitePool;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// How far, in points, a station's index may fall from the previous period before the
/// overview flags it.
pub const DEFAULT_DROP_THRESHOLD: f64 = 10.0;

/// One line per station of `station_ids` (by region, then code), stations without
/// responses included. `flagged` when the index fell by more than `drop_threshold`
/// points from the previous period.
pub async fn overview(
    pool: &SqlitePool,
    station_ids: &[i64],
    filters: &DashboardFilters,
    k: i64,
    drop_threshold: f64,
) -> Result<Vec<OverviewRow>, sqlx::Error> {
    let stations = stations(pool, station_ids).await?;
    let previous = filters.previous_period();
    let first = previous.map_or(filters.from(), |(from, _)| from);
    let scope = Scope::new(station_ids, first, filters.to(), filters);
    // A few numbers per station and week; a station's index figures per question only
    // when those cannot tell whether enough visitors scored (see `Summary`).
    let mut weeks = week_summaries(pool, &scope).await?;
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
        let mut exact = weekly_figures(pool, &Scope::new(&unsure, first, filters.to(), filters)).await?;
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

/// A station's line on the overview, or `None` when `now`, `before` or `weeks` cannot
/// tell whether an index is about enough visitors. `period` is the filters and their
/// weeks (worked out once for every station).
fn overview_row(
    station: &StationLabel,
    weeks: &BTreeMap<IsoWeek, Summary>,
    now: Summary,
    before: Option<Summary>,
    period: (&DashboardFilters, &[IsoWeek]),
    k: i64,
    drop_threshold: f64,
) -> Option<OverviewRow> {
    let (filters, trend_weeks) = period;
    let index = now.shown_index(k)?;
    let previous_index = match before {
        Some(before) => before.shown_index(k)?,
        None => Shown::Suppressed,
    };
    let change = match (index, previous_index) {
        // In tenths, so that 71.1 − 83.3 is −12.2 and not −12.199….
        (Shown::Value(a), Shown::Value(b)) => Shown::Value(((a * 10.0).round() - (b * 10.0).round()) / 10.0),
        _ => Shown::Suppressed,
    };
    let flagged = change.value().is_some_and(|c| c < -drop_threshold);
    let shown: BTreeMap<IsoWeek, Shown<f64>> =
        report_weeks(weeks, filters, k)?.into_iter().map(|w| (w.week, w.index)).collect();
    let trend = trend_weeks.iter().map(|w| shown.get(w).and_then(|i| i.value())).collect();
    Some(OverviewRow {
        station: station.clone(),
        responses: Shown::count(now.responses, k),
        index,
        previous_index,
        change,
        trend,
        flagged,
    })
}

/// A station's page; `None` if there is no such station.
pub async fn station_report(
    pool: &SqlitePool,
    station_id: i64,
    filters: &DashboardFilters,
    k: i64,
) -> Result<Option<StationReport>, sqlx::Error> {
    let Some(station) = stations(pool, &[station_id]).await?.pop() else {
        return Ok(None);
    };
    let scope = Scope::new(&[station_id], filters.from(), filters.to(), filters);
    let by_week = weekly_figures(pool, &scope).await?.remove(&station_id).unwrap_or_default();
    let total = Period::sum(&by_week, filters.from(), filters.to());
    let questions = questions_in_scope(pool, filters.survey_version()).await?;
    let choices = choices_in_scope(pool, filters.survey_version()).await?;
    let (answers, profiles) = answers_and_profiles(pool, &scope, station_id).await?;

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
pub async fn compare(
    pool: &SqlitePool,
    groups: &[CompareGroup],
    filters: &DashboardFilters,
    k: i64,
) -> Result<Vec<CompareColumn>, sqlx::Error> {
    let all: Vec<i64> =
        groups.iter().flat_map(|g| g.station_ids.iter().copied()).collect::<BTreeSet<_>>().into_iter().collect();
    let scope = Scope::new(&all, filters.from(), filters.to(), filters);
    let per_station = period_figures(pool, &scope).await?;
    let questions: Vec<String> = questions_in_scope(pool, filters.survey_version())
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

/// The stations of `ids` that exist, by region, then code.
///
/// As one JSON row: the driver hands rows over one at a time (a microsecond or more
/// each), and an overview names a thousand stations.
pub async fn stations(pool: &SqlitePool, ids: &[i64]) -> Result<Vec<StationLabel>, sqlx::Error> {
    let ids = json_ids(ids);
    let json = sqlx::query_scalar!(
        r#"SELECT json_group_array(json_object('id', id, 'code', code, 'name', name, 'region', region))
               AS "stations!: String"
           FROM stations
           WHERE id IN (SELECT value FROM json_each(?))"#,
        ids
    )
    .fetch_one(pool)
    .await?;
    let mut stations: Vec<StationLabel> =
        serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(format!("stations: {e}").into()))?;
    stations.sort_by(|a, b| (&a.region, &a.code).cmp(&(&b.region, &b.code)));
    Ok(stations)
}

/// The filters as the queries bind them.
struct Scope {
    /// A JSON array of station ids, for `json_each`.
    stations: String,
    // Labels have a fixed width, so text order is time order.
    from: String,
    to: String,
    version: Option<i64>,
    language: Option<&'static str>,
    include_suspect: bool,
}

impl Scope {
    fn new(station_ids: &[i64], from: IsoWeek, to: IsoWeek, filters: &DashboardFilters) -> Self {
        Scope {
            stations: json_ids(station_ids),
            from: from.to_string(),
            to: to.to_string(),
            version: filters.survey_version(),
            language: filters.language().map(|l| l.code()),
            include_suspect: filters.include_suspect(),
        }
    }
}

impl Scope {
    /// For `suspect IN (0, ?)`: 1 when suspect responses count too.
    fn suspect(&self) -> i64 {
        i64::from(self.include_suspect)
    }
}

fn json_ids(ids: &[i64]) -> String {
    format!("[{}]", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
}

fn bad_week(e: String) -> sqlx::Error {
    sqlx::Error::Decode(e.into())
}

/// The scored answers to one question of the index, or to several: their points (a
/// face 1 … 4 is 0 … 3 points) and how many there are. All the index needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Scores {
    points: i64,
    scored: i64,
}

impl Scores {
    fn add(&mut self, other: Scores) {
        self.points += other.points;
        self.scored += other.scored;
    }

    fn index(self) -> Option<DignityIndex> {
        // Any answers with these points and this many of them give the same index: as
        // many fours as the points allow, one two or three for the rest, ones after.
        let (fours, rest) = (self.points / 3, self.points % 3);
        let odd = i64::from(rest > 0);
        let counts = [("4", fours), (if rest == 2 { "3" } else { "2" }, odd), ("1", self.scored - fours - odd)];
        if self.points < 0 || self.points > 3 * self.scored {
            return None;
        }
        DignityIndex::from_counts(counts)
    }
}

/// A face's points toward the index; `None` for "rather not" and anything not a face.
fn face_points(value: &str) -> Option<i64> {
    if DignityIndex::is_scored(value) {
        value.parse::<i64>().ok().map(|face| face - 1)
    } else {
        None
    }
}

/// Answers to the questions of the index, by question.
#[derive(Clone, Debug, Default, PartialEq)]
struct IndexTally(BTreeMap<String, Scores>);

impl IndexTally {
    /// `n` answers `value` to `question`; only faces count.
    fn add(&mut self, question: &str, value: &str, n: i64) {
        let scores = self.0.entry(question.to_string()).or_default();
        if let Some(points) = face_points(value) {
            scores.add(Scores { points: points * n, scored: n });
        }
    }

    fn add_scores(&mut self, question: &str, scores: Scores) {
        match self.0.get_mut(question) {
            Some(s) => s.add(scores),
            None => {
                self.0.insert(question.to_string(), scores);
            }
        }
    }

    fn merge(&mut self, other: &IndexTally) {
        for (question, scores) in &other.0 {
            self.add_scores(question, *scores);
        }
    }

    fn total(&self) -> Scores {
        let mut total = Scores::default();
        for scores in self.0.values() {
            total.add(*scores);
        }
        total
    }

    fn index(&self) -> Option<DignityIndex> {
        self.total().index()
    }

    /// How many visitors the index is about, at least. The roll-ups do not say how many
    /// responses scored any question, but a question is answered once per response, so
    /// the most scored question is a lower bound: an index of 6 responses that all but
    /// one declined to score is about one visitor.
    fn visitors(&self) -> i64 {
        self.0.values().map(|s| s.scored).max().unwrap_or(0)
    }

    /// One question's scored answers.
    fn question(&self, key: &str) -> Scores {
        self.0.get(key).copied().unwrap_or_default()
    }

    /// The index, unless it is about fewer than k responses or scoring visitors.
    fn shown_index(&self, responses: i64, k: i64) -> Shown<f64> {
        match self.index() {
            Some(i) if !suppressed(responses, k) && !suppressed(self.visitors(), k) => Shown::Value(i.value()),
            _ => Shown::Suppressed,
        }
    }
}

/// Responses and index answers over some weeks.
#[derive(Clone, Debug, Default)]
struct Period {
    responses: i64,
    tally: IndexTally,
}

impl Period {
    fn sum(weeks: &BTreeMap<IsoWeek, Period>, from: IsoWeek, to: IsoWeek) -> Period {
        let mut total = Period::default();
        for week in weeks.range(from..=to).map(|(_, w)| w) {
            total.responses += week.responses;
            total.tally.merge(&week.tally);
        }
        total
    }
}

/// What the overview needs of some responses, without their answers per question: how
/// many, the index, and bounds on the visitors who scored ([`IndexTally::visitors`]).
/// The bounds hold when weeks or filter cells are added: the most scored question of
/// the whole is scored at least as often as that of any part, and at most as often as
/// all the parts' questions together. When they cannot tell whether k visitors scored
/// (rare: a small week split over languages), the station is counted again exactly.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Summary {
    responses: i64,
    scores: Scores,
    fewest_visitors: i64,
    most_visitors: i64,
}

impl Summary {
    fn exact(p: &Period) -> Summary {
        let visitors = p.tally.visitors();
        Summary { responses: p.responses, scores: p.tally.total(), fewest_visitors: visitors, most_visitors: visitors }
    }

    fn add(&mut self, other: &Summary) {
        self.responses += other.responses;
        self.scores.add(other.scores);
        self.fewest_visitors = self.fewest_visitors.max(other.fewest_visitors);
        self.most_visitors += other.most_visitors;
    }

    fn sum(weeks: &BTreeMap<IsoWeek, Summary>, from: IsoWeek, to: IsoWeek) -> Summary {
        let mut total = Summary::default();
        for week in weeks.range(from..=to).map(|(_, w)| w) {
            total.add(week);
        }
        total
    }

    /// As [`IndexTally::shown_index`]; `None` when the bounds cannot tell.
    fn shown_index(&self, k: i64) -> Option<Shown<f64>> {
        match self.scores.index() {
            Some(_) if suppressed(self.responses, k) => Some(Shown::Suppressed),
            Some(i) if !suppressed(self.fewest_visitors, k) => Some(Shown::Value(i.value())),
            Some(_) if !suppressed(self.most_visitors, k) => None,
            _ => Some(Shown::Suppressed),
        }
    }
}

/// The weeks of the period with a release, responses and index hidden together. The
/// weeks add up to the period's responses, so they are suppressed as one breakdown: a
/// small week hides another, and a hidden week hides its index as well (with the
/// period's index shown, one week's index could otherwise be worked back). `None` when
/// a week's bounds cannot tell whether its index may be shown.
fn report_weeks(weeks: &BTreeMap<IsoWeek, Summary>, filters: &DashboardFilters, k: i64) -> Option<Vec<ReportWeek>> {
    let released: Vec<(&IsoWeek, &Summary)> =
        weeks.range(filters.from()..=filters.to()).filter(|(_, p)| p.responses > 0).collect();
    let counts: Vec<i64> = released.iter().map(|(_, p)| p.responses).collect();
    released
        .iter()
        .zip(shown_breakdown(&counts, k))
        .map(|((week, p), responses)| {
            let index = if responses.is_suppressed() { Shown::Suppressed } else { p.shown_index(k)? };
            Some(ReportWeek { week: **week, index, responses })
        })
        .collect()
}

/// Rows of a breakdown of the responses, suppressed as one: the index of a hidden
/// category is hidden too.
fn category_breakdown(cells: Vec<(Option<String>, i64, IndexTally)>, k: i64) -> Vec<CategoryRow> {
    let counts: Vec<i64> = cells.iter().map(|(_, n, _)| *n).collect();
    cells
        .into_iter()
        .zip(shown_breakdown(&counts, k))
        .map(|((category, n, tally), responses)| CategoryRow {
            category,
            index: if responses.is_suppressed() { Shown::Suppressed } else { tally.shown_index(n, k) },
            responses,
        })
        .collect()
}

/// The answers to a question with one answer per response, with a cell for the
/// responses without one: the cells add up to the responses, which the page shows.
fn distribution(key: &str, values: &[String], given: &BTreeMap<String, i64>, responses: i64, k: i64) -> Distribution {
    let mut order: Vec<&String> = values.iter().collect();
    order.extend(given.keys().filter(|v| !values.contains(v)));
    let mut counts: Vec<i64> = order.iter().map(|v| given.get(*v).copied().unwrap_or(0)).collect();
    let answered: i64 = counts.iter().sum();
    counts.push((responses - answered).max(0));
    let mut shown = shown_breakdown(&counts, k);
    let no_answer = shown.pop().unwrap_or(Shown::Suppressed);
    Distribution {
        question_key: key.to_string(),
        values: order.into_iter().zip(shown).map(|(v, count)| ValueCount { value: v.clone(), count }).collect(),
        no_answer,
    }
}

/// A multiple-choice question's counts, each on its own (they add up to nothing shown),
/// all hidden when the responses are.
fn pick_list(key: &str, choices: &[String], given: &BTreeMap<String, i64>, responses: i64, k: i64) -> PickList {
    let mut order: Vec<&String> = choices.iter().collect();
    order.extend(given.keys().filter(|v| !choices.contains(v)));
    let all_hidden = responses != 0 && suppressed(responses, k);
    let mut counted: Vec<(usize, &String, Shown<i64>)> = order
        .into_iter()
        .enumerate()
        .map(|(position, v)| {
            let n = given.get(v).copied().unwrap_or(0);
            (position, v, if all_hidden { Shown::Suppressed } else { Shown::count(n, k) })
        })
        .collect();
    // Shown counts first, most picked first; hidden ones after, in survey order.
    counted.sort_by_key(|(position, _, count)| match count {
        Shown::Value(n) => (0, -n, *position),
        Shown::Suppressed => (1, 0, *position),
    });
    PickList {
        question_key: key.to_string(),
        choices: counted.into_iter().map(|(_, v, count)| ValueCount { value: v.clone(), count }).collect(),
    }
}

/// Responses and index answers per station and week, from the week and index roll-ups
/// (a few rows per station and week, whatever the number of responses).
async fn weekly_figures(pool: &SqlitePool, s: &Scope) -> Result<BTreeMap<i64, BTreeMap<IsoWeek, Period>>, sqlx::Error> {
    let suspect = s.suspect();
    let responses = sqlx::query!(
        r#"SELECT station_id AS "station_id!", iso_week AS "iso_week!", SUM(responses) AS "responses!: i64"
           FROM week_rollups
           WHERE station_id IN (SELECT value FROM json_each(?)) AND suspect IN (0, ?) AND iso_week BETWEEN ? AND ?
             AND (? IS NULL OR survey_version = ?) AND (? IS NULL OR language = ?)
           GROUP BY station_id, iso_week"#,
        s.stations,
        suspect,
        s.from,
        s.to,
        s.version,
        s.version,
        s.language,
        s.language
    )
    .fetch_all(pool)
    .await?;
    // Only the questions of the index of the version each answer was given under.
    let answers = sqlx::query!(
        r#"SELECT station_id AS "station_id!", iso_week AS "iso_week!", question_key AS "question_key!",
                  SUM(points) AS "points!: i64", SUM(scored) AS "scored!: i64"
           FROM index_rollups
           WHERE station_id IN (SELECT value FROM json_each(?)) AND suspect IN (0, ?) AND iso_week BETWEEN ? AND ?
             AND (? IS NULL OR survey_version = ?) AND (? IS NULL OR language = ?)
           GROUP BY station_id, iso_week, question_key"#,
        s.stations,
        suspect,
        s.from,
        s.to,
        s.version,
        s.version,
        s.language,
        s.language
    )
    .fetch_all(pool)
    .await?;
    let mut out: BTreeMap<i64, BTreeMap<IsoWeek, Period>> = BTreeMap::new();
    for r in responses {
        let week = IsoWeek::parse(&r.iso_week).map_err(bad_week)?;
        out.entry(r.station_id).or_default().entry(week).or_default().responses += r.responses;
    }
    for r in answers {
        let week = IsoWeek::parse(&r.iso_week).map_err(bad_week)?;
        let scores = Scores { points: r.points, scored: r.scored };
        out.entry(r.station_id).or_default().entry(week).or_default().tally.add_scores(&r.question_key, scores);
    }
    Ok(out)
}

/// Responses and index answers per station over the whole scope, summed in the query:
/// a few rows per station, whatever the number of weeks.
async fn period_figures(pool: &SqlitePool, s: &Scope) -> Result<BTreeMap<i64, Period>, sqlx::Error> {
    let suspect = s.suspect();
    let responses = sqlx::query!(
        r#"SELECT station_id AS "station_id!", SUM(responses) AS "responses!: i64"
           FROM week_rollups
           WHERE station_id IN (SELECT value FROM json_each(?)) AND suspect IN (0, ?) AND iso_week BETWEEN ? AND ?
             AND (? IS NULL OR survey_version = ?) AND (? IS NULL OR language = ?)
           GROUP BY station_id"#,
        s.stations,
        suspect,
        s.from,
        s.to,
        s.version,
        s.version,
        s.language,
        s.language
    )
    .fetch_all(pool)
    .await?;
    let answers = sqlx::query!(
        r#"SELECT station_id AS "station_id!", question_key AS "question_key!",
                  SUM(points) AS "points!: i64", SUM(scored) AS "scored!: i64"
           FROM index_rollups
           WHERE station_id IN (SELECT value FROM json_each(?)) AND suspect IN (0, ?) AND iso_week BETWEEN ? AND ?
             AND (? IS NULL OR survey_version = ?) AND (? IS NULL OR language = ?)
           GROUP BY station_id, question_key"#,
        s.stations,
        suspect,
        s.from,
        s.to,
        s.version,
        s.version,
        s.language,
        s.language
    )
    .fetch_all(pool)
    .await?;
    let mut out: BTreeMap<i64, Period> = BTreeMap::new();
    for r in responses {
        out.entry(r.station_id).or_default().responses += r.responses;
    }
    for r in answers {
        let scores = Scores { points: r.points, scored: r.scored };
        out.entry(r.station_id).or_default().tally.add_scores(&r.question_key, scores);
    }
    Ok(out)
}

/// Per station and week: the responses, the index answers of all questions together,
/// and bounds on the visitors who scored. All in one row ("17:2026-W10 12 40 66 11,…;18:…":
/// station, then per week its responses, points, scored answers and the most scored
/// question): the driver hands rows over one at a time, a microsecond or more each, and
/// an overview of a thousand stations over 24 weeks would be 24,000 of them.
/// Without a version or language filter the weeks are read from `station_weeks`, one
/// row per week with its text ready; with one, from `week_rollups`, added up here.
async fn week_summaries(
    pool: &SqlitePool,
    s: &Scope,
) -> Result<BTreeMap<i64, BTreeMap<IsoWeek, Summary>>, sqlx::Error> {
    let suspect = s.suspect();
    // "id:week …,week …;id:…", or nothing at all.
    let packed: Option<String> = if s.version.is_none() && s.language.is_none() {
        sqlx::query_scalar!(
            r#"SELECT group_concat(station_id || ':' || weeks, ';') AS "stations: String"
               FROM (SELECT station_id, group_concat(summary, ',') AS weeks
                     FROM station_weeks
                     WHERE station_id IN (SELECT value FROM json_each(?)) AND suspect IN (0, ?)
                       AND iso_week BETWEEN ? AND ?
                     GROUP BY station_id)"#,
            s.stations,
            suspect,
            s.from,
            s.to
        )
        .fetch_one(pool)
        .await?
    } else {
        sqlx::query_scalar!(
            r#"SELECT group_concat(station_id || ':' || weeks, ';') AS "stations: String"
               FROM (SELECT station_id,
                            group_concat(iso_week || ' ' || responses || ' ' || points || ' ' || scored || ' ' || top,
                                         ',') AS weeks
                     FROM (SELECT station_id, iso_week, SUM(responses) AS responses, SUM(points) AS points,
                                  SUM(scored) AS scored, MAX(top_scored) AS top
                           FROM week_rollups
                           WHERE station_id IN (SELECT value FROM json_each(?)) AND suspect IN (0, ?)
                             AND iso_week BETWEEN ? AND ?
                             AND (? IS NULL OR survey_version = ?) AND (? IS NULL OR language = ?)
                           GROUP BY station_id, iso_week)
                     GROUP BY station_id)"#,
            s.stations,
            suspect,
            s.from,
            s.to,
            s.version,
            s.version,
            s.language,
            s.language
        )
        .fetch_one(pool)
        .await?
    };
    let bad = |what: &str| sqlx::Error::Decode(format!("week summaries: {what:?}").into());
    let mut out: BTreeMap<i64, BTreeMap<IsoWeek, Summary>> = BTreeMap::new();
    for station in packed.as_deref().unwrap_or_default().split(';').filter(|s| !s.is_empty()) {
        let (id, weeks) = station.split_once(':').ok_or_else(|| bad(station))?;
        let by_week = out.entry(id.parse().map_err(|_| bad(station))?).or_default();
        for week in weeks.split(',') {
            let mut parts = week.split(' ');
            let label = IsoWeek::parse(parts.next().unwrap_or_default()).map_err(bad_week)?;
            let mut number = || parts.next().and_then(|n| n.parse::<i64>().ok()).ok_or_else(|| bad(week));
            let (responses, points, scored, top) = (number()?, number()?, number()?, number()?);
            // Cells of a week (suspect or not, several versions or languages) add up.
            by_week.entry(label).or_default().add(&Summary {
                responses,
                scores: Scores { points, scored },
                // The most scored question of a cell, and of all questions together.
                fewest_visitors: top,
                most_visitors: scored,
            });
        }
    }
    Ok(out)
}

/// The profile of a group of responses: '' stands for a skipped item.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct ProfileKey {
    language: String,
    respondent: String,
    age_band: String,
}

/// One station's answers in scope, read in one scan of the answer roll-ups (the part of
/// the page that grows with the responses a station gets a week): how often each value
/// was given to each question, by question; and per profile (language, respondent, age
/// band) the responses and index answers, for the breakdowns by group. Only the questions
/// of the index of the version each answer was given under count towards a profile's
/// index.
///
/// The roll-up rows come back as one JSON array, summed here rather than grouped in the
/// query: hundreds of grouped rows, each a trip through sqlx's connection thread, took
/// longer than the scan (see BENCHMARKS.md, dashboards).
async fn answers_and_profiles(
    pool: &SqlitePool,
    s: &Scope,
    station_id: i64,
) -> Result<(BTreeMap<String, BTreeMap<String, i64>>, BTreeMap<ProfileKey, (i64, IndexTally)>), sqlx::Error> {
    let responses = sqlx::query!(
        r#"SELECT language AS "language!", respondent AS "respondent!", age_band AS "age_band!",
                  SUM(responses) AS "responses!: i64"
           FROM response_rollups
           WHERE station_id = ? AND iso_week BETWEEN ? AND ?
             AND (? IS NULL OR survey_version = ?) AND (? IS NULL OR language = ?) AND (suspect = 0 OR ?)
           GROUP BY language, respondent, age_band"#,
        station_id,
        s.from,
        s.to,
        s.version,
        s.version,
        s.language,
        s.language,
        s.include_suspect
    )
    .fetch_all(pool)
    .await?;
    let cells = sqlx::query_scalar!(
        r#"SELECT COALESCE(json_group_array(json_array(survey_version, language, respondent, age_band, question_key,
                                                        value, answers)), '[]') AS "cells!: String"
           FROM answer_rollups
           WHERE station_id = ? AND iso_week BETWEEN ? AND ?
             AND (? IS NULL OR survey_version = ?) AND (? IS NULL OR language = ?) AND (suspect = 0 OR ?)"#,
        station_id,
        s.from,
        s.to,
        s.version,
        s.version,
        s.language,
        s.language,
        s.include_suspect
    )
    .fetch_one(pool)
    .await?;
    let cells: Vec<AnswerCell> =
        serde_json::from_str(&cells).map_err(|e| sqlx::Error::Decode(format!("answer roll-ups: {e}").into()))?;
    let in_index = sqlx::query_scalar!(
        r#"SELECT COALESCE(json_group_array(json_array(survey_version, key)), '[]') AS "keys!: String"
           FROM questions WHERE in_index = 1"#
    )
    .fetch_one(pool)
    .await?;
    // A few per version: a list is quicker to search than a set is to build.
    let in_index: Vec<(i64, String)> =
        serde_json::from_str(&in_index).map_err(|e| sqlx::Error::Decode(format!("index questions: {e}").into()))?;
    // Summed by borrowed keys first: a few hundred distinct keys among thousands of cells.
    let mut counts: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    let mut by_profile: BTreeMap<(&str, &str, &str, &str, &str), i64> = BTreeMap::new();
    for c in &cells {
        *counts.entry((&c.question_key, &c.value)).or_default() += c.answers;
        if in_index.iter().any(|(version, key)| *version == c.survey_version && *key == c.question_key) {
            let key = (&*c.language, &*c.respondent, &*c.age_band, &*c.question_key, &*c.value);
            *by_profile.entry(key).or_default() += c.answers;
        }
    }
    let mut profiles: BTreeMap<ProfileKey, (i64, IndexTally)> = BTreeMap::new();
    for r in responses {
        let key = ProfileKey { language: r.language, respondent: r.respondent, age_band: r.age_band };
        profiles.entry(key).or_default().0 += r.responses;
    }
    for ((language, respondent, age_band, question, value), n) in by_profile {
        let key = ProfileKey { language: language.into(), respondent: respondent.into(), age_band: age_band.into() };
        profiles.entry(key).or_default().1.add(question, value, n);
    }
    let mut by_question: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for ((question, value), n) in counts {
        by_question.entry(question.into()).or_default().insert(value.into(), n);
    }
    Ok((by_question, profiles))
}

/// One answer roll-up row as [`answers_and_profiles`] reads it: version, language,
/// respondent, age band, question, value, answers.
#[derive(serde::Deserialize)]
struct AnswerCell<'a> {
    survey_version: i64,
    #[serde(borrow)]
    language: Cow<'a, str>,
    #[serde(borrow)]
    respondent: Cow<'a, str>,
    #[serde(borrow)]
    age_band: Cow<'a, str>,
    #[serde(borrow)]
    question_key: Cow<'a, str>,
    #[serde(borrow)]
    value: Cow<'a, str>,
    answers: i64,
}

/// A question as the dashboards lay it out.
struct QuestionInScope {
    key: String,
    kind: String,
    in_index: bool,
}

/// The questions (profile items aside) of one version, or of every published version,
/// in survey order; a key in several versions once.
async fn questions_in_scope(pool: &SqlitePool, version: Option<i64>) -> Result<Vec<QuestionInScope>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT q.key AS "key!", MIN(q.kind) AS "kind!: String", MAX(q.in_index) AS "in_index!: bool"
           FROM questions q
           JOIN survey_versions v ON v.version = q.survey_version
           WHERE q.profile = 0 AND (q.survey_version = ? OR (? IS NULL AND v.published = 1))
           GROUP BY q.key
           ORDER BY MIN(q.position), q.key"#,
        version,
        version
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| QuestionInScope { key: r.key, kind: r.kind, in_index: r.in_index }).collect())
}

/// The choice keys of each question in survey order, for one version or every
/// published one.
async fn choices_in_scope(
    pool: &SqlitePool,
    version: Option<i64>,
) -> Result<BTreeMap<String, Vec<String>>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT c.question_key AS "question_key!", c.key AS "key!"
           FROM choices c
           JOIN survey_versions v ON v.version = c.survey_version
           WHERE c.survey_version = ? OR (? IS NULL AND v.published = 1)
           GROUP BY c.question_key, c.key
           ORDER BY c.question_key, MIN(c.position), c.key"#,
        version,
        version
    )
    .fetch_all(pool)
    .await?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows {
        out.entry(r.question_key).or_default().push(r.key);
    }
    Ok(out)
}

/// A station's dignity index per ISO week from `from` to `to` (both included), under one
/// survey version or all of them, suspect responses left out. Only weeks with released
/// responses appear: a week without a release is absent, never a zero.
///
/// Not suppressed: for the command line and tests. Pages use [`station_report`].
pub async fn weekly_index(
    pool: &SqlitePool,
    station_id: i64,
    from: &IsoWeek,
    to: &IsoWeek,
    survey_version: Option<i64>,
) -> Result<Vec<WeekPoint>, sqlx::Error> {
    let (from, to) = (from.to_string(), to.to_string());
    let weeks = sqlx::query!(
        r#"SELECT iso_week AS "iso_week!", SUM(responses) AS "responses!: i64"
           FROM response_rollups
           WHERE station_id = ? AND iso_week BETWEEN ? AND ? AND suspect = 0
             AND (? IS NULL OR survey_version = ?)
           GROUP BY iso_week
           ORDER BY iso_week"#,
        station_id,
        from,
        to,
        survey_version,
        survey_version
    )
    .fetch_all(pool)
    .await?;
    let counts = sqlx::query!(
        r#"SELECT a.iso_week AS "iso_week!", a.value AS "value!", SUM(a.answers) AS "answers!: i64"
           FROM answer_rollups a
           JOIN questions q ON q.survey_version = a.survey_version AND q.key = a.question_key
           WHERE a.station_id = ? AND a.iso_week BETWEEN ? AND ? AND a.suspect = 0 AND q.in_index = 1
             AND (? IS NULL OR a.survey_version = ?)
           GROUP BY a.iso_week, a.value"#,
        station_id,
        from,
        to,
        survey_version,
        survey_version
    )
    .fetch_all(pool)
    .await?;
    let mut by_week: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    for c in counts {
        by_week.entry(c.iso_week).or_default().push((c.value, c.answers));
    }
    weeks
        .into_iter()
        .filter(|w| w.responses > 0)
        .map(|w| {
            let week = IsoWeek::parse(&w.iso_week).map_err(bad_week)?;
            let counts = by_week.remove(&w.iso_week).unwrap_or_default();
            let index = DignityIndex::from_counts(counts.iter().map(|(v, n)| (v.as_str(), *n)));
            Ok(WeekPoint { week, responses: w.responses, index: index.map(DignityIndex::value) })
        })
        .collect()
}

/// How often each value was given to one question at a station from `from` to `to`, by
/// value: ("1", n) … ("4", n), ("rather_not", n), or a choice key. Suspect responses are
/// left out.
///
/// Not suppressed: for the command line and tests. Pages use [`station_report`].
pub async fn question_distribution(
    pool: &SqlitePool,
    station_id: i64,
    from: &IsoWeek,
    to: &IsoWeek,
    question_key: &str,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let (from, to) = (from.to_string(), to.to_string());
    let rows = sqlx::query!(
        r#"SELECT value AS "value!", SUM(answers) AS "answers!: i64"
           FROM answer_rollups
           WHERE station_id = ? AND iso_week BETWEEN ? AND ? AND question_key = ? AND suspect = 0
           GROUP BY value
           ORDER BY value"#,
        station_id,
        from,
        to,
        question_key
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.value, r.answers)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(s: &str) -> IsoWeek {
        IsoWeek::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn tally(answers: &[(&str, &str, i64)]) -> IndexTally {
        let mut t = IndexTally::default();
        for (q, v, n) in answers {
            t.add(q, v, *n);
        }
        t
    }

    fn given(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|(v, n)| (v.to_string(), *n)).collect()
    }

    fn keys(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn the_index_is_hidden_when_too_few_visitors_scored() {
        // Seven responses, but only one scored anything: the index would be that one's.
        let one = tally(&[("respect", "4", 1), ("respect", RATHER_NOT, 6), ("overall", RATHER_NOT, 7)]);
        assert_eq!(one.visitors(), 1);
        assert_eq!(one.shown_index(7, 5), Shown::Suppressed);
        let five = tally(&[("respect", "4", 5), ("overall", "1", 2), ("overall", RATHER_NOT, 5)]);
        assert_eq!(five.visitors(), 5, "the most scored question");
        assert_eq!(five.shown_index(7, 5), Shown::Value(71.4));
        assert_eq!(five.shown_index(4, 5), Shown::Suppressed, "four responses");
        assert_eq!(IndexTally::default().shown_index(9, 5), Shown::Suppressed, "nothing scored");
    }

    #[test]
    fn a_distribution_adds_up_to_the_responses() {
        let faces = keys(&["1", "2", "3", "4", RATHER_NOT]);
        // 0, 4, 0, 8, 5 and 5 without an answer: the 4 and the smallest other cell go.
        let d = distribution("respect", &faces, &given(&[("2", 4), ("4", 8), (RATHER_NOT, 5)]), 22, 5);
        let counts: Vec<Shown<i64>> = d.values.iter().map(|v| v.count).collect();
        use Shown::{Suppressed as S, Value as V};
        assert_eq!(counts, vec![V(0), S, V(0), V(8), S]);
        assert_eq!(d.no_answer, V(5));
        // A value outside the list still counts, after the listed ones.
        let d = distribution("q", &keys(&["a"]), &given(&[("a", 6), ("b", 6)]), 12, 5);
        assert_eq!(d.values.iter().map(|v| v.value.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(d.no_answer, V(0));
        // Fewer than k responses: everything goes.
        let d = distribution("q", &keys(&["a"]), &given(&[("a", 4)]), 4, 5);
        assert_eq!((d.values[0].count, d.no_answer), (S, S));
    }

    #[test]
    fn a_pick_list_ranks_shown_counts_and_hides_the_order_of_hidden_ones() {
        let choices = keys(&["information", "respect", "privacy", "waiting", "children"]);
        let picks = given(&[("information", 8), ("privacy", 5), ("waiting", 4), ("children", 9), ("respect", 1)]);
        let list = pick_list("improve", &choices, &picks, 20, 5);
        let ranked: Vec<(&str, Shown<i64>)> = list.choices.iter().map(|c| (c.value.as_str(), c.count)).collect();
        assert_eq!(
            ranked,
            vec![
                ("children", Shown::Value(9)),
                ("information", Shown::Value(8)),
                ("privacy", Shown::Value(5)),
                // Survey order, not 4 before 1.
                ("respect", Shown::Suppressed),
                ("waiting", Shown::Suppressed),
            ]
        );
        let list = pick_list("improve", &choices, &picks, 4, 5);
        assert!(list.choices.iter().all(|c| c.count.is_suppressed()), "fewer than k responses");
    }

    #[test]
    fn weeks_are_suppressed_as_one_breakdown() {
        let period = |responses, t: &[(&str, &str, i64)]| Summary::exact(&Period { responses, tally: tally(t) });
        let weeks: BTreeMap<IsoWeek, Summary> = [
            (week("2026-W09"), period(50, &[("overall", "1", 50)])), // before the period
            (week("2026-W10"), period(4, &[("overall", "4", 4)])),
            (week("2026-W11"), period(9, &[("overall", "4", 9)])),
            (week("2026-W12"), period(6, &[("overall", "1", 6)])),
            (week("2026-W14"), period(0, &[])), // no release
        ]
        .into_iter()
        .collect();
        let filters = DashboardFilters::parse(week("2026-W10"), week("2026-W14"), None, None, false).unwrap();
        let shown = report_weeks(&weeks, &filters, 5).expect("exact figures tell");
        let w = |s, responses, index| ReportWeek { week: week(s), responses, index };
        assert_eq!(
            shown,
            vec![
                w("2026-W10", Shown::Suppressed, Shown::Suppressed),
                w("2026-W11", Shown::Value(9), Shown::Value(100.0)),
                // Hidden with W10, or W10 would be the period's 19 minus 9 and 6.
                w("2026-W12", Shown::Suppressed, Shown::Suppressed),
            ]
        );
    }

    #[test]
    fn points_and_scored_answers_give_the_index_of_the_answers() {
        // Every mix of up to six answers per face, "rather not" among them.
        for n1 in 0..6 {
            for n2 in 0..6 {
                for n3 in 0..6 {
                    for n4 in 0..6 {
                        let answers = [("1", n1), ("2", n2), ("3", n3), ("4", n4), (RATHER_NOT, 3)];
                        let t = tally(&answers.map(|(v, n)| ("overall", v, n)));
                        let expected = DignityIndex::from_counts(answers);
                        assert_eq!(t.index(), expected, "{answers:?}");
                        assert_eq!(t.question("overall").scored, n1 + n2 + n3 + n4);
                    }
                }
            }
        }
        assert_eq!(Scores { points: 7, scored: 2 }.index(), None, "more points than answers can have");
    }

    #[test]
    fn bounds_on_the_visitors_tell_or_say_they_cannot() {
        let k = 5;
        // Two filter cells of a week: 4 and 3 visitors scored respect; together 7 ≥ k.
        let cell = |n| Summary {
            responses: n,
            scores: Scores { points: 2 * n, scored: 2 * n },
            fewest_visitors: n,
            most_visitors: 2 * n,
        };
        let mut week = cell(4);
        week.add(&cell(3));
        assert_eq!((week.fewest_visitors, week.most_visitors), (4, 14));
        assert_eq!(week.shown_index(k), None, "4 ≤ visitors ≤ 14: cannot tell");
        week.add(&cell(5));
        assert_eq!(week.shown_index(k), Some(Shown::Value(33.3)), "one cell alone has 5");
        let few =
            Summary { responses: 9, scores: Scores { points: 3, scored: 4 }, fewest_visitors: 1, most_visitors: 4 };
        assert_eq!(few.shown_index(k), Some(Shown::Suppressed), "at most 4 visitors");
        let small = Summary { responses: 4, ..cell(4) };
        assert_eq!(small.shown_index(k), Some(Shown::Suppressed), "4 responses");
        // Exact summaries always tell, as the tally would.
        let t = tally(&[("respect", "4", 1), ("respect", RATHER_NOT, 6), ("overall", "3", 6)]);
        let p = Period { responses: 7, tally: t.clone() };
        assert_eq!(Summary::exact(&p).shown_index(k), Some(t.shown_index(7, k)));
        assert_eq!(Summary::exact(&p).shown_index(k), Some(Shown::Value(71.4)));
    }
}
