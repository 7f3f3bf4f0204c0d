//! What the supervisor dashboards read. Only the roll-ups, never `responses` or
//! `answers`: a page view must not scan raw rows.
//!
//! [`overview`], [`station_report`] and [`compare`] are put together by the store's
//! [`pages`] from the grouped reads here ([`Reads`], in `figures`), the same on every
//! backend: they return figures with small-cell suppression applied
//! ([`domain::Shown`]), and a page never receives a hidden number.

pub use store::dashboard::DEFAULT_DROP_THRESHOLD;

use domain::dashboard::tally::{Period, Summary};
use domain::{
    CompareColumn, CompareGroup, DashboardFilters, DignityIndex, IsoWeek, OverviewRow, StationLabel, StationReport,
    WeekPoint, K,
};
use store::dashboard::pages::{self, AnswerCounts, PageReads, ProfileCounts, QuestionInScope};
mod figures;

use figures::*;
use sqlx::{SqliteConnection, SqlitePool};
use std::collections::BTreeMap;

/// One line per station of `station_ids` (by region, then code), stations without
/// responses included ([`pages::overview`]).
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
    pages::overview(&mut Reads(conn), station_ids, filters, k, drop_threshold).await
}

/// A station's page; `None` if there is no such station ([`pages::station_report`]).
pub async fn station_report(
    pool: &SqlitePool,
    station_id: i64,
    filters: &DashboardFilters,
    k: K,
) -> Result<Option<StationReport>, crate::Error> {
    pages::station_report(&mut Reads(&mut *pool.acquire().await?), station_id, filters, k).await
}

/// One column per group, in the order given ([`pages::compare`]).
pub async fn compare(
    pool: &SqlitePool,
    groups: &[CompareGroup],
    filters: &DashboardFilters,
    k: K,
) -> Result<Vec<CompareColumn>, crate::Error> {
    pages::compare(&mut Reads(&mut *pool.acquire().await?), groups, filters, k).await
}

/// The grouped reads the pages are made of, on one connection.
struct Reads<'c>(&'c mut SqliteConnection);

impl PageReads for Reads<'_> {
    type Error = crate::Error;

    async fn stations(&mut self, ids: &[i64]) -> Result<Vec<StationLabel>, crate::Error> {
        stations(&mut *self.0, ids).await
    }

    async fn week_summaries(
        &mut self,
        s: &pages::Scope<'_>,
    ) -> Result<BTreeMap<i64, BTreeMap<IsoWeek, Summary>>, crate::Error> {
        week_summaries(&mut *self.0, &Scope::new(s.stations, s.from, s.to, s.filters)).await
    }

    async fn weekly_figures(
        &mut self,
        s: &pages::Scope<'_>,
    ) -> Result<BTreeMap<i64, BTreeMap<IsoWeek, Period>>, crate::Error> {
        weekly_figures(&mut *self.0, &Scope::new(s.stations, s.from, s.to, s.filters)).await
    }

    async fn period_figures(&mut self, s: &pages::Scope<'_>) -> Result<BTreeMap<i64, Period>, crate::Error> {
        period_figures(&mut *self.0, &Scope::new(s.stations, s.from, s.to, s.filters)).await
    }

    async fn questions_in_scope(&mut self, version: Option<i64>) -> Result<Vec<QuestionInScope>, crate::Error> {
        questions_in_scope(&mut *self.0, version).await
    }

    async fn choices_in_scope(&mut self, version: Option<i64>) -> Result<BTreeMap<String, Vec<String>>, crate::Error> {
        choices_in_scope(&mut *self.0, version).await
    }

    async fn answers_and_profiles(
        &mut self,
        s: &pages::Scope<'_>,
        station_id: i64,
    ) -> Result<(AnswerCounts, ProfileCounts), crate::Error> {
        answers_and_profiles(&mut *self.0, &Scope::new(s.stations, s.from, s.to, s.filters), station_id).await
    }
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
