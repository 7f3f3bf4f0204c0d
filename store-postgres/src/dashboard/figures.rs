//! The grouped queries the dashboards are made of: a few rows per station and week (or
//! per filter cell), summed into the domain's tallies.

use domain::dashboard::tally::{IndexTally, Period, Scores, Summary};
use domain::{DashboardFilters, IsoWeek};
use sqlx::PgConnection;
use std::borrow::Cow;
use std::collections::BTreeMap;
use store::dashboard::pages::{ProfileKey, QuestionInScope};

/// The filters as the queries bind them.
pub(super) struct Scope {
    /// The station ids, for `= ANY($1)`.
    pub(super) stations: Vec<i64>,
    // Labels have a fixed width, so text order is time order.
    pub(super) from: String,
    pub(super) to: String,
    pub(super) version: Option<i64>,
    pub(super) language: Option<&'static str>,
    pub(super) include_suspect: bool,
}

impl Scope {
    pub(super) fn new(station_ids: &[i64], from: IsoWeek, to: IsoWeek, filters: &DashboardFilters) -> Self {
        Scope {
            stations: station_ids.to_vec(),
            from: from.to_string(),
            to: to.to_string(),
            version: filters.survey_version(),
            language: filters.language().map(|l| l.code()),
            include_suspect: filters.include_suspect(),
        }
    }
}

pub(super) fn bad_week(e: String) -> crate::Error {
    crate::Error::Corrupt(e.to_string())
}

/// Responses and index answers per station and week, from the week and index roll-ups
/// (a few rows per station and week, whatever the number of responses).
pub(super) async fn weekly_figures(
    conn: &mut PgConnection,
    s: &Scope,
) -> Result<BTreeMap<i64, BTreeMap<IsoWeek, Period>>, crate::Error> {
    let responses = sqlx::query!(
        r#"SELECT station_id AS "station_id!", iso_week AS "iso_week!", SUM(responses)::BIGINT AS "responses!"
           FROM week_rollups
           WHERE station_id = ANY($1) AND (NOT suspect OR $2) AND iso_week BETWEEN $3 AND $4
             AND ($5::BIGINT IS NULL OR survey_version = $5) AND ($6::TEXT IS NULL OR language = $6)
           GROUP BY station_id, iso_week"#,
        &s.stations,
        s.include_suspect,
        s.from,
        s.to,
        s.version,
        s.language
    )
    .fetch_all(&mut *conn)
    .await?;
    // Only the questions of the index of the version each answer was given under.
    let answers = sqlx::query!(
        r#"SELECT station_id AS "station_id!", iso_week AS "iso_week!", question_key AS "question_key!",
                  SUM(points)::BIGINT AS "points!", SUM(scored)::BIGINT AS "scored!"
           FROM index_rollups
           WHERE station_id = ANY($1) AND (NOT suspect OR $2) AND iso_week BETWEEN $3 AND $4
             AND ($5::BIGINT IS NULL OR survey_version = $5) AND ($6::TEXT IS NULL OR language = $6)
           GROUP BY station_id, iso_week, question_key"#,
        &s.stations,
        s.include_suspect,
        s.from,
        s.to,
        s.version,
        s.language
    )
    .fetch_all(&mut *conn)
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
pub(super) async fn period_figures(conn: &mut PgConnection, s: &Scope) -> Result<BTreeMap<i64, Period>, crate::Error> {
    let responses = sqlx::query!(
        r#"SELECT station_id AS "station_id!", SUM(responses)::BIGINT AS "responses!"
           FROM week_rollups
           WHERE station_id = ANY($1) AND (NOT suspect OR $2) AND iso_week BETWEEN $3 AND $4
             AND ($5::BIGINT IS NULL OR survey_version = $5) AND ($6::TEXT IS NULL OR language = $6)
           GROUP BY station_id"#,
        &s.stations,
        s.include_suspect,
        s.from,
        s.to,
        s.version,
        s.language
    )
    .fetch_all(&mut *conn)
    .await?;
    let answers = sqlx::query!(
        r#"SELECT station_id AS "station_id!", question_key AS "question_key!",
                  SUM(points)::BIGINT AS "points!", SUM(scored)::BIGINT AS "scored!"
           FROM index_rollups
           WHERE station_id = ANY($1) AND (NOT suspect OR $2) AND iso_week BETWEEN $3 AND $4
             AND ($5::BIGINT IS NULL OR survey_version = $5) AND ($6::TEXT IS NULL OR language = $6)
           GROUP BY station_id, question_key"#,
        &s.stations,
        s.include_suspect,
        s.from,
        s.to,
        s.version,
        s.language
    )
    .fetch_all(&mut *conn)
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
/// question), as on SQLite: an overview of a thousand stations over 24 weeks would
/// otherwise be 24,000 rows to hand over and decode.
/// Without a version or language filter the weeks are read from `station_weeks`, one
/// row per week with its text ready; with one, from `week_rollups`, added up here.
pub(super) async fn week_summaries(
    conn: &mut PgConnection,
    s: &Scope,
) -> Result<BTreeMap<i64, BTreeMap<IsoWeek, Summary>>, crate::Error> {
    // "id:week …,week …;id:…", or nothing at all.
    let packed: Option<String> = if s.version.is_none() && s.language.is_none() {
        sqlx::query_scalar!(
            r#"SELECT string_agg(station_id::TEXT || ':' || weeks, ';') AS "stations"
               FROM (SELECT station_id, string_agg(summary, ',') AS weeks
                     FROM station_weeks
                     WHERE station_id = ANY($1) AND (NOT suspect OR $2) AND iso_week BETWEEN $3 AND $4
                     GROUP BY station_id) AS by_station"#,
            &s.stations,
            s.include_suspect,
            s.from,
            s.to
        )
        .fetch_one(&mut *conn)
        .await?
    } else {
        sqlx::query_scalar!(
            r#"SELECT string_agg(station_id::TEXT || ':' || weeks, ';') AS "stations"
               FROM (SELECT station_id,
                            string_agg(iso_week || ' ' || responses::TEXT || ' ' || points::TEXT || ' '
                                       || scored::TEXT || ' ' || top::TEXT, ',') AS weeks
                     FROM (SELECT station_id, iso_week, SUM(responses) AS responses, SUM(points) AS points,
                                  SUM(scored) AS scored, MAX(top_scored) AS top
                           FROM week_rollups
                           WHERE station_id = ANY($1) AND (NOT suspect OR $2) AND iso_week BETWEEN $3 AND $4
                             AND ($5::BIGINT IS NULL OR survey_version = $5) AND ($6::TEXT IS NULL OR language = $6)
                           GROUP BY station_id, iso_week) AS by_week
                     GROUP BY station_id) AS by_station"#,
            &s.stations,
            s.include_suspect,
            s.from,
            s.to,
            s.version,
            s.language
        )
        .fetch_one(&mut *conn)
        .await?
    };
    let bad = |what: &str| crate::Error::Corrupt(format!("week summaries: {what:?}"));
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

/// One station's answers in scope, read in one scan of the answer roll-ups (the part of
/// the page that grows with the responses a station gets a week): how often each value
/// was given to each question, by question; and per profile (language, respondent, age
/// band) the responses and index answers, for the breakdowns by group. Only the questions
/// of the index of the version each answer was given under count towards a profile's
/// index.
///
/// The roll-up rows come back as one JSON array, summed here rather than grouped in the
/// query, as on SQLite (where hundreds of grouped rows, each a trip through sqlx's
/// connection thread, took longer than the scan: see BENCHMARKS.md, dashboards).
pub(super) async fn answers_and_profiles(
    conn: &mut PgConnection,
    s: &Scope,
    station_id: i64,
) -> Result<(BTreeMap<String, BTreeMap<String, i64>>, BTreeMap<ProfileKey, (i64, IndexTally)>), crate::Error> {
    let responses = sqlx::query!(
        r#"SELECT language AS "language!", respondent AS "respondent!", age_band AS "age_band!",
                  SUM(responses)::BIGINT AS "responses!"
           FROM response_rollups
           WHERE station_id = $1 AND iso_week BETWEEN $2 AND $3
             AND ($4::BIGINT IS NULL OR survey_version = $4) AND ($5::TEXT IS NULL OR language = $5)
             AND (NOT suspect OR $6)
           GROUP BY language, respondent, age_band"#,
        station_id,
        s.from,
        s.to,
        s.version,
        s.language,
        s.include_suspect
    )
    .fetch_all(&mut *conn)
    .await?;
    let cells = sqlx::query_scalar!(
        r#"SELECT COALESCE(json_agg(json_build_array(survey_version, language, respondent, age_band, question_key,
                                                      value, answers)), '[]')::TEXT AS "cells!"
           FROM answer_rollups
           WHERE station_id = $1 AND iso_week BETWEEN $2 AND $3
             AND ($4::BIGINT IS NULL OR survey_version = $4) AND ($5::TEXT IS NULL OR language = $5)
             AND (NOT suspect OR $6)"#,
        station_id,
        s.from,
        s.to,
        s.version,
        s.language,
        s.include_suspect
    )
    .fetch_one(&mut *conn)
    .await?;
    let cells: Vec<AnswerCell> =
        serde_json::from_str(&cells).map_err(|e| crate::Error::Corrupt(format!("answer roll-ups: {e}")))?;
    let in_index = sqlx::query_scalar!(
        r#"SELECT COALESCE(json_agg(json_build_array(survey_version, key)), '[]')::TEXT AS "keys!"
           FROM questions WHERE in_index"#
    )
    .fetch_one(&mut *conn)
    .await?;
    // A few per version: a list is quicker to search than a set is to build.
    let in_index: Vec<(i64, String)> =
        serde_json::from_str(&in_index).map_err(|e| crate::Error::Corrupt(format!("index questions: {e}")))?;
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
pub(super) struct AnswerCell<'a> {
    pub(super) survey_version: i64,
    #[serde(borrow)]
    pub(super) language: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) respondent: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) age_band: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) question_key: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) value: Cow<'a, str>,
    pub(super) answers: i64,
}

/// The questions (profile items aside) of one version, or of every published version,
/// in survey order; a key in several versions once.
pub(super) async fn questions_in_scope(
    conn: &mut PgConnection,
    version: Option<i64>,
) -> Result<Vec<QuestionInScope>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT q.key AS "key!", MIN(q.kind) AS "kind!", bool_or(q.in_index) AS "in_index!"
           FROM questions q
           JOIN survey_versions v ON v.version = q.survey_version
           WHERE NOT q.profile AND (q.survey_version = $1 OR ($1::BIGINT IS NULL AND v.published))
           GROUP BY q.key
           ORDER BY MIN(q.position), q.key COLLATE "C""#,
        version
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|r| QuestionInScope { key: r.key, kind: r.kind, in_index: r.in_index }).collect())
}

/// The choice keys of each question in survey order, for one version or every
/// published one.
pub(super) async fn choices_in_scope(
    conn: &mut PgConnection,
    version: Option<i64>,
) -> Result<BTreeMap<String, Vec<String>>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT c.question_key AS "question_key!", c.key AS "key!"
           FROM choices c
           JOIN survey_versions v ON v.version = c.survey_version
           WHERE c.survey_version = $1 OR ($1::BIGINT IS NULL AND v.published)
           GROUP BY c.question_key, c.key
           ORDER BY c.question_key, MIN(c.position), c.key COLLATE "C""#,
        version
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows {
        out.entry(r.question_key).or_default().push(r.key);
    }
    Ok(out)
}
