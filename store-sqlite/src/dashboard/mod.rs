//! What the supervisor dashboards read. Only the roll-ups, never `responses` or
//! `answers`: a page view must not scan raw rows.
//!
//! [`overview`], [`station_report`] and [`compare`] return figures with small-cell
//! suppression applied ([`domain::Shown`]): a page never receives a hidden number.
//! Each reads a few grouped queries for every station at once and hands the sums to
//! the domain's tallies (`domain::dashboard::tally`), which do the arithmetic and the
//! suppression, so that the index, suppression and the gaps follow one set of rules.

pub use store::dashboard::DEFAULT_DROP_THRESHOLD;

use domain::dashboard::tally::{
    category_breakdown, distribution, overview_row, pick_list, report_weeks, IndexTally, Period, Scores, Summary,
};
use domain::{
    suppressed, CompareColumn, CompareGroup, DashboardFilters, DignityIndex, IsoWeek, OverviewRow, QuestionMean, Shown,
    StationLabel, StationReport, WeekPoint, K, RATHER_NOT,
};
mod figures;

use figures::*;
use sqlx::{SqliteConnection, SqlitePool};
use std::collections::{BTreeMap, BTreeSet};

/// One line per station of `station_ids` (by region, then code), stations without
/// responses included. `flagged` when the index fell by more than `drop_threshold`
/// points from the previous period.
pub async fn overview(
    pool: &SqlitePool,
    station_ids: &[i64],
    filters: &DashboardFilters,
    k: K,
    drop_threshold: f64,
) -> Result<Vec<OverviewRow>, crate::Error> {
    overview_in(&mut *pool.acquire().await?, station_ids, filters, k, drop_threshold).await
}

/// [`overview`] as `conn` sees it: in a release's transaction, the roll-ups it wrote.
pub async fn overview_in(
    conn: &mut SqliteConnection,
    station_ids: &[i64],
    filters: &DashboardFilters,
    k: K,
    drop_threshold: f64,
) -> Result<Vec<OverviewRow>, crate::Error> {
    let stations = stations(&mut *conn, station_ids).await?;
    let previous = filters.previous_period();
    let first = previous.map_or(filters.from(), |(from, _)| from);
    let scope = Scope::new(station_ids, first, filters.to(), filters);
    // A few numbers per station and week; a station's index figures per question only
    // when those cannot tell whether enough visitors scored (see `Summary`).
    let mut weeks = week_summaries(&mut *conn, &scope).await?;
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
        let mut exact = weekly_figures(&mut *conn, &Scope::new(&unsure, first, filters.to(), filters)).await?;
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
pub async fn station_report(
    pool: &SqlitePool,
    station_id: i64,
    filters: &DashboardFilters,
    k: K,
) -> Result<Option<StationReport>, crate::Error> {
    let mut conn = pool.acquire().await?;
    let Some(station) = stations(&mut conn, &[station_id]).await?.pop() else {
        return Ok(None);
    };
    let scope = Scope::new(&[station_id], filters.from(), filters.to(), filters);
    let by_week = weekly_figures(&mut conn, &scope).await?.remove(&station_id).unwrap_or_default();
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
    k: K,
) -> Result<Vec<CompareColumn>, crate::Error> {
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
pub async fn stations(conn: &mut SqliteConnection, ids: &[i64]) -> Result<Vec<StationLabel>, crate::Error> {
    let ids = json_ids(ids);
    let json = sqlx::query_scalar!(
        r#"SELECT json_group_array(json_object('id', id, 'code', code, 'name', name, 'region', region))
               AS "stations!: String"
           FROM stations
           WHERE id IN (SELECT value FROM json_each(?))"#,
        ids
    )
    .fetch_one(&mut *conn)
    .await?;
    let mut stations: Vec<StationLabel> =
        serde_json::from_str(&json).map_err(|e| crate::Error::Corrupt(format!("stations: {e}")))?;
    stations.sort_by(|a, b| (&a.region, &a.code).cmp(&(&b.region, &b.code)));
    Ok(stations)
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
) -> Result<Vec<WeekPoint>, crate::Error> {
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
) -> Result<Vec<(String, i64)>, crate::Error> {
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
