//! What the supervisor dashboards read. Only the roll-ups, never `responses` or
//! `answers`: a page view must not scan raw rows.
//!
//! [`overview`], [`station_report`] and [`compare`] return figures with small-cell
//! suppression applied ([`crate::domain::Shown`]): a page never receives a hidden number.
//! Each reads a few grouped queries for every station at once and does the arithmetic
//! here, so that the index, suppression and the gaps follow one set of rules.

use crate::domain::{
    shown_breakdown, suppressed, CategoryRow, CompareColumn, CompareGroup, DashboardFilters, DignityIndex,
    Distribution, IsoWeek, OverviewRow, PickList, QuestionMean, ReportWeek, Shown, StationLabel, StationReport,
    ValueCount, WeekPoint, RATHER_NOT,
};
use sqlx::SqlitePool;
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
    let mut weeks = weekly_figures(pool, &scope).await?;
    Ok(stations
        .into_iter()
        .map(|station| {
            let by_week = weeks.remove(&station.id).unwrap_or_default();
            let now = Period::sum(&by_week, filters.from(), filters.to());
            let index = now.tally.shown_index(now.responses, k);
            let previous_index = match previous {
                Some((from, to)) => {
                    let before = Period::sum(&by_week, from, to);
                    before.tally.shown_index(before.responses, k)
                }
                None => Shown::Suppressed,
            };
            let change = match (index, previous_index) {
                // In tenths, so that 71.1 − 83.3 is −12.2 and not −12.199….
                (Shown::Value(a), Shown::Value(b)) => Shown::Value(((a * 10.0).round() - (b * 10.0).round()) / 10.0),
                _ => Shown::Suppressed,
            };
            let flagged = change.value().is_some_and(|c| c < -drop_threshold);
            let shown: BTreeMap<IsoWeek, Shown<f64>> =
                report_weeks(&by_week, filters, k).into_iter().map(|w| (w.week, w.index)).collect();
            let trend = filters.weeks().iter().map(|w| shown.get(w).and_then(|i| i.value())).collect();
            OverviewRow {
                station,
                responses: Shown::count(now.responses, k),
                index,
                previous_index,
                change,
                trend,
                flagged,
            }
        })
        .collect())
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
    let answers = answer_counts(pool, &scope, station_id).await?;
    let profiles = profile_figures(pool, &scope, station_id).await?;

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
    let respondents = choices.get(crate::domain::RESPONDENT_KEY).cloned().unwrap_or_default();
    let age_bands = choices.get(crate::domain::AGE_BAND_KEY).cloned().unwrap_or_default();
    Ok(Some(StationReport {
        responses: Shown::count(total.responses, k),
        index: total.tally.shown_index(total.responses, k),
        weeks: report_weeks(&by_week, filters, k),
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
    let per_station: BTreeMap<i64, Period> = weekly_figures(pool, &scope)
        .await?
        .into_iter()
        .map(|(id, weeks)| (id, Period::sum(&weeks, filters.from(), filters.to())))
        .collect();
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
                    let mut counts = BTreeMap::new();
                    for p in periods.iter().filter(counted) {
                        let (answers, scored) = p.tally.question(key);
                        if !suppressed(scored, k) {
                            for (value, n) in answers {
                                *counts.entry(value.clone()).or_insert(0) += n;
                            }
                        }
                    }
                    let mean = DignityIndex::from_counts(counts.iter().map(|(v, n)| (v.as_str(), *n)));
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
pub async fn stations(pool: &SqlitePool, ids: &[i64]) -> Result<Vec<StationLabel>, sqlx::Error> {
    let ids = json_ids(ids);
    let rows = sqlx::query!(
        r#"SELECT id AS "id!: i64", code, name, region
           FROM stations
           WHERE id IN (SELECT value FROM json_each(?))
           ORDER BY region, code"#,
        ids
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| StationLabel { id: r.id, code: r.code, name: r.name, region: r.region }).collect())
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

fn json_ids(ids: &[i64]) -> String {
    format!("[{}]", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
}

fn bad_week(e: String) -> sqlx::Error {
    sqlx::Error::Decode(e.into())
}

/// Answers to the questions of the index, by question and value.
#[derive(Clone, Debug, Default, PartialEq)]
struct IndexTally(BTreeMap<String, BTreeMap<String, i64>>);

impl IndexTally {
    fn add(&mut self, question: &str, value: &str, n: i64) {
        *self.0.entry(question.to_string()).or_default().entry(value.to_string()).or_insert(0) += n;
    }

    fn merge(&mut self, other: &IndexTally) {
        for (question, values) in &other.0 {
            for (value, n) in values {
                self.add(question, value, *n);
            }
        }
    }

    fn index(&self) -> Option<DignityIndex> {
        DignityIndex::from_counts(self.0.values().flatten().map(|(v, n)| (v.as_str(), *n)))
    }

    /// How many visitors the index is about, at least. The roll-ups do not say how many
    /// responses scored any question, but a question is answered once per response, so
    /// the most scored question is a lower bound: an index of 6 responses that all but
    /// one declined to score is about one visitor.
    fn visitors(&self) -> i64 {
        self.0.keys().map(|q| self.question(q).1).max().unwrap_or(0)
    }

    /// One question's answers by value, and how many of them were scored.
    fn question(&self, key: &str) -> (BTreeMap<String, i64>, i64) {
        let answers = self.0.get(key).cloned().unwrap_or_default();
        let scored = answers.iter().filter(|(v, _)| DignityIndex::is_scored(v)).map(|(_, n)| n).sum();
        (answers, scored)
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

/// The weeks of the period with a release, responses and index hidden together. The
/// weeks add up to the period's responses, so they are suppressed as one breakdown: a
/// small week hides another, and a hidden week hides its index as well (with the
/// period's index shown, one week's index could otherwise be worked back).
fn report_weeks(weeks: &BTreeMap<IsoWeek, Period>, filters: &DashboardFilters, k: i64) -> Vec<ReportWeek> {
    let released: Vec<(&IsoWeek, &Period)> =
        weeks.range(filters.from()..=filters.to()).filter(|(_, p)| p.responses > 0).collect();
    let counts: Vec<i64> = released.iter().map(|(_, p)| p.responses).collect();
    released
        .iter()
        .zip(shown_breakdown(&counts, k))
        .map(|((week, p), responses)| ReportWeek {
            week: **week,
            index: if responses.is_suppressed() { Shown::Suppressed } else { p.tally.shown_index(p.responses, k) },
            responses,
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

/// Responses and index answers per station and week.
async fn weekly_figures(pool: &SqlitePool, s: &Scope) -> Result<BTreeMap<i64, BTreeMap<IsoWeek, Period>>, sqlx::Error> {
    let responses = sqlx::query!(
        r#"SELECT station_id AS "station_id!", iso_week AS "iso_week!", SUM(responses) AS "responses!: i64"
           FROM response_rollups
           WHERE station_id IN (SELECT value FROM json_each(?)) AND iso_week BETWEEN ? AND ?
             AND (? IS NULL OR survey_version = ?) AND (? IS NULL OR language = ?) AND (suspect = 0 OR ?)
           GROUP BY station_id, iso_week"#,
        s.stations,
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
    // The questions that count are those of the version each answer was given under.
    let answers = sqlx::query!(
        r#"SELECT a.station_id AS "station_id!", a.iso_week AS "iso_week!", a.question_key AS "question_key!",
                  a.value AS "value!", SUM(a.answers) AS "answers!: i64"
           FROM answer_rollups a
           JOIN questions q ON q.survey_version = a.survey_version AND q.key = a.question_key
           WHERE a.station_id IN (SELECT value FROM json_each(?)) AND a.iso_week BETWEEN ? AND ? AND q.in_index = 1
             AND (? IS NULL OR a.survey_version = ?) AND (? IS NULL OR a.language = ?) AND (a.suspect = 0 OR ?)
           GROUP BY a.station_id, a.iso_week, a.question_key, a.value"#,
        s.stations,
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
    let mut out: BTreeMap<i64, BTreeMap<IsoWeek, Period>> = BTreeMap::new();
    for r in responses {
        let week = IsoWeek::parse(&r.iso_week).map_err(bad_week)?;
        out.entry(r.station_id).or_default().entry(week).or_default().responses += r.responses;
    }
    for r in answers {
        let week = IsoWeek::parse(&r.iso_week).map_err(bad_week)?;
        out.entry(r.station_id).or_default().entry(week).or_default().tally.add(&r.question_key, &r.value, r.answers);
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

/// Responses and index answers of one station per language and profile.
async fn profile_figures(
    pool: &SqlitePool,
    s: &Scope,
    station_id: i64,
) -> Result<BTreeMap<ProfileKey, (i64, IndexTally)>, sqlx::Error> {
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
    let answers = sqlx::query!(
        r#"SELECT a.language AS "language!", a.respondent AS "respondent!", a.age_band AS "age_band!",
                  a.question_key AS "question_key!", a.value AS "value!", SUM(a.answers) AS "answers!: i64"
           FROM answer_rollups a
           JOIN questions q ON q.survey_version = a.survey_version AND q.key = a.question_key
           WHERE a.station_id = ? AND a.iso_week BETWEEN ? AND ? AND q.in_index = 1
             AND (? IS NULL OR a.survey_version = ?) AND (? IS NULL OR a.language = ?) AND (a.suspect = 0 OR ?)
           GROUP BY a.language, a.respondent, a.age_band, a.question_key, a.value"#,
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
    let mut out: BTreeMap<ProfileKey, (i64, IndexTally)> = BTreeMap::new();
    for r in responses {
        let key = ProfileKey { language: r.language, respondent: r.respondent, age_band: r.age_band };
        out.entry(key).or_default().0 += r.responses;
    }
    for r in answers {
        let key = ProfileKey { language: r.language, respondent: r.respondent, age_band: r.age_band };
        out.entry(key).or_default().1.add(&r.question_key, &r.value, r.answers);
    }
    Ok(out)
}

/// How often each value was given to each question at one station, by question.
async fn answer_counts(
    pool: &SqlitePool,
    s: &Scope,
    station_id: i64,
) -> Result<BTreeMap<String, BTreeMap<String, i64>>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT question_key AS "question_key!", value AS "value!", SUM(answers) AS "answers!: i64"
           FROM answer_rollups
           WHERE station_id = ? AND iso_week BETWEEN ? AND ?
             AND (? IS NULL OR survey_version = ?) AND (? IS NULL OR language = ?) AND (suspect = 0 OR ?)
           GROUP BY question_key, value"#,
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
    let mut out: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for r in rows {
        out.entry(r.question_key).or_default().insert(r.value, r.answers);
    }
    Ok(out)
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
        let period = |responses, t: &[(&str, &str, i64)]| Period { responses, tally: tally(t) };
        let weeks: BTreeMap<IsoWeek, Period> = [
            (week("2026-W09"), period(50, &[("overall", "1", 50)])), // before the period
            (week("2026-W10"), period(4, &[("overall", "4", 4)])),
            (week("2026-W11"), period(9, &[("overall", "4", 9)])),
            (week("2026-W12"), period(6, &[("overall", "1", 6)])),
            (week("2026-W14"), period(0, &[])), // no release
        ]
        .into_iter()
        .collect();
        let filters = DashboardFilters::parse(week("2026-W10"), week("2026-W14"), None, None, false).unwrap();
        let shown = report_weeks(&weeks, &filters, 5);
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
}
