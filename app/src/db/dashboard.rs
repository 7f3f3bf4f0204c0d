//! What the supervisor dashboards read. Only the roll-ups, never `responses` or
//! `answers`: a page view must not scan raw rows. Suspect responses are left out.

use crate::domain::{DignityIndex, IsoWeek, WeekPoint};
use sqlx::SqlitePool;
use std::collections::BTreeMap;

/// A station's dignity index per ISO week from `from` to `to` (both included), under one
/// survey version or all of them. Only weeks with released responses appear: a week
/// without a release is absent, never a zero.
pub async fn weekly_index(
    pool: &SqlitePool,
    station_id: i64,
    from: &IsoWeek,
    to: &IsoWeek,
    survey_version: Option<i64>,
) -> Result<Vec<WeekPoint>, sqlx::Error> {
    let (from, to) = (from.to_string(), to.to_string());
    // Labels have a fixed width, so text order is time order.
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
    // The questions that count are those of the version each answer was given under.
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
            let week = IsoWeek::parse(&w.iso_week).map_err(|e| sqlx::Error::Decode(e.into()))?;
            let counts = by_week.remove(&w.iso_week).unwrap_or_default();
            let index = DignityIndex::from_counts(counts.iter().map(|(v, n)| (v.as_str(), *n)));
            Ok(WeekPoint { week, responses: w.responses, index: index.map(DignityIndex::value) })
        })
        .collect()
}

/// How often each value was given to one question at a station from `from` to `to`, by
/// value: ("1", n) … ("4", n), ("rather_not", n), or a choice key.
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
