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
use sqlx::{PgConnection, PgPool};
use std::collections::BTreeMap;

/// One line per station of `station_ids` (by region, then code), stations without
/// responses included ([`pages::overview`]).
pub async fn overview(
    pool: &PgPool,
    station_ids: &[i64],
    filters: &DashboardFilters,
    k: K,
    drop_threshold: f64,
) -> Result<Vec<OverviewRow>, crate::Error> {
    overview_in(&mut *pool.acquire().await?, station_ids, filters, k, drop_threshold).await
}

/// [`overview`] as `conn` sees it: in a release's transaction, the roll-ups it wrote.
pub async fn overview_in(
    conn: &mut PgConnection,
    station_ids: &[i64],
    filters: &DashboardFilters,
    k: K,
    drop_threshold: f64,
) -> Result<Vec<OverviewRow>, crate::Error> {
    pages::overview(&mut Reads(conn), station_ids, filters, k, drop_threshold).await
}

/// A station's page; `None` if there is no such station ([`pages::station_report`]).
pub async fn station_report(
    pool: &PgPool,
    station_id: i64,
    filters: &DashboardFilters,
    k: K,
) -> Result<Option<StationReport>, crate::Error> {
    pages::station_report(&mut Reads(&mut *pool.acquire().await?), station_id, filters, k).await
}

/// One column per group, in the order given ([`pages::compare`]).
pub async fn compare(
    pool: &PgPool,
    groups: &[CompareGroup],
    filters: &DashboardFilters,
    k: K,
) -> Result<Vec<CompareColumn>, crate::Error> {
    pages::compare(&mut Reads(&mut *pool.acquire().await?), groups, filters, k).await
}

/// The grouped reads the pages are made of, on one connection.
struct Reads<'c>(&'c mut PgConnection);

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
/// As one JSON row, as on SQLite: an overview names a thousand stations. Sorted here, by
/// bytes, whatever the database's collation.
pub async fn stations(conn: &mut PgConnection, ids: &[i64]) -> Result<Vec<StationLabel>, crate::Error> {
    let json = sqlx::query_scalar!(
        r#"SELECT COALESCE(json_agg(json_build_object('id', id, 'code', code, 'name', name, 'region', region)),
                           '[]')::TEXT AS "stations!"
           FROM stations
           WHERE id = ANY($1)"#,
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
    pool: &PgPool,
    station_id: i64,
    from: &IsoWeek,
    to: &IsoWeek,
    survey_version: Option<i64>,
) -> Result<Vec<WeekPoint>, crate::Error> {
    let (from, to) = (from.to_string(), to.to_string());
    let weeks = sqlx::query!(
        r#"SELECT iso_week AS "iso_week!", SUM(responses)::BIGINT AS "responses!"
           FROM response_rollups
           WHERE station_id = $1 AND iso_week BETWEEN $2 AND $3 AND NOT suspect
             AND ($4::BIGINT IS NULL OR survey_version = $4)
           GROUP BY iso_week
           ORDER BY iso_week COLLATE "C""#,
        station_id,
        from,
        to,
        survey_version
    )
    .fetch_all(pool)
    .await?;
    let counts = sqlx::query!(
        r#"SELECT a.iso_week AS "iso_week!", a.value AS "value!", SUM(a.answers)::BIGINT AS "answers!"
           FROM answer_rollups a
           JOIN questions q ON q.survey_version = a.survey_version AND q.key = a.question_key
           WHERE a.station_id = $1 AND a.iso_week BETWEEN $2 AND $3 AND NOT a.suspect AND q.in_index
             AND ($4::BIGINT IS NULL OR a.survey_version = $4)
           GROUP BY a.iso_week, a.value"#,
        station_id,
        from,
        to,
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
    pool: &PgPool,
    station_id: i64,
    from: &IsoWeek,
    to: &IsoWeek,
    question_key: &str,
) -> Result<Vec<(String, i64)>, crate::Error> {
    let (from, to) = (from.to_string(), to.to_string());
    let rows = sqlx::query!(
        r#"SELECT value AS "value!", SUM(answers)::BIGINT AS "answers!"
           FROM answer_rollups
           WHERE station_id = $1 AND iso_week BETWEEN $2 AND $3 AND question_key = $4 AND NOT suspect
           GROUP BY value
           ORDER BY value COLLATE "C""#,
        station_id,
        from,
        to,
        question_key
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.value, r.answers)).collect())
}
