//! What the researchers' exports read and write: released responses (never pending,
//! never suspect unless asked), the export audit and the privacy budget.

use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use sqlx::SqlitePool;

/// The quasi-identifiers of a released response. '' stands for a skipped profile item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quasi {
    pub station: String,
    pub region: String,
    pub iso_week: String,
    pub language: String,
    pub respondent: String,
    pub age_band: String,
    pub suspect: bool,
}

/// How many released responses share one combination of quasi-identifiers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyCount {
    pub quasi: Quasi,
    pub responses: i64,
}

/// Which released responses an export reads.
#[derive(Clone, Debug)]
pub struct Selection {
    pub station_ids: Vec<i64>,
    pub iso_weeks: Vec<String>,
    pub survey_version: i64,
    pub include_suspect: bool,
}

impl Selection {
    fn stations_json(&self) -> String {
        serde_json::to_string(&self.station_ids).unwrap_or_else(|_| "[]".into())
    }

    fn weeks_json(&self) -> String {
        serde_json::to_string(&self.iso_weeks).unwrap_or_else(|_| "[]".into())
    }
}

/// Counts per quasi-identifier combination: the first of an export's two passes.
pub async fn key_counts(pool: &SqlitePool, s: &Selection) -> Result<Vec<KeyCount>, sqlx::Error> {
    let (stations, weeks) = (s.stations_json(), s.weeks_json());
    let rows = sqlx::query!(
        r#"SELECT s.code AS "station!", s.region AS "region!", r.iso_week AS "iso_week!",
                  r.language AS "language!", COALESCE(r.respondent, '') AS "respondent!: String",
                  COALESCE(r.age_band, '') AS "age_band!: String", r.suspect AS "suspect!: i64",
                  COUNT(*) AS "responses!: i64"
           FROM responses r JOIN stations s ON s.id = r.station_id
           WHERE r.station_id IN (SELECT value FROM json_each(?))
             AND r.iso_week IN (SELECT value FROM json_each(?))
             AND r.survey_version = ? AND (r.suspect = 0 OR ?)
           GROUP BY s.code, s.region, r.iso_week, r.language, r.respondent, r.age_band, r.suspect
           ORDER BY s.code, r.iso_week"#,
        stations,
        weeks,
        s.survey_version,
        s.include_suspect
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| KeyCount {
            quasi: Quasi {
                station: r.station,
                region: r.region,
                iso_week: r.iso_week,
                language: r.language,
                respondent: r.respondent,
                age_band: r.age_band,
                suspect: r.suspect != 0,
            },
            responses: r.responses,
        })
        .collect())
}

/// One answer of one released response, in response-id order (random, so the order
/// says nothing about who came first); a response without answers has one line with no
/// question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerLine {
    pub response_id: Vec<u8>,
    pub quasi: Quasi,
    pub question_key: Option<String>,
    pub value: Option<String>,
}

/// A [`Selection`] bound for SQL, kept alive while its answer lines stream.
pub struct Bound {
    stations: String,
    weeks: String,
    version: i64,
    suspect: bool,
}

impl Selection {
    pub fn bind(&self) -> Bound {
        Bound {
            stations: self.stations_json(),
            weeks: self.weeks_json(),
            version: self.survey_version,
            suspect: self.include_suspect,
        }
    }
}

/// Every answer line of the selection, streamed from SQLite row by row: the second
/// pass, in flat memory.
pub fn answer_lines<'a>(pool: &'a SqlitePool, b: &'a Bound) -> BoxStream<'a, Result<AnswerLine, sqlx::Error>> {
    sqlx::query!(
        r#"SELECT r.id AS "id!", s.code AS "station!", s.region AS "region!", r.iso_week AS "iso_week!",
                  r.language AS "language!", COALESCE(r.respondent, '') AS "respondent!: String",
                  COALESCE(r.age_band, '') AS "age_band!: String", r.suspect AS "suspect!: i64",
                  a.question_key AS "question_key?", a.value AS "value?"
           FROM responses r JOIN stations s ON s.id = r.station_id
           LEFT JOIN answers a ON a.response_id = r.id
           WHERE r.station_id IN (SELECT value FROM json_each(?))
             AND r.iso_week IN (SELECT value FROM json_each(?))
             AND r.survey_version = ? AND (r.suspect = 0 OR ?)
           ORDER BY r.id"#,
        b.stations,
        b.weeks,
        b.version,
        b.suspect
    )
    .fetch(pool)
    .map(|row| {
        row.map(|r| AnswerLine {
            response_id: r.id,
            quasi: Quasi {
                station: r.station,
                region: r.region,
                iso_week: r.iso_week,
                language: r.language,
                respondent: r.respondent,
                age_band: r.age_band,
                suspect: r.suspect != 0,
            },
            question_key: r.question_key,
            value: r.value,
        })
    })
    .boxed()
}

/// An export's audit record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audit {
    pub id: i64,
    pub actor: String,
    pub created_at: String,
    pub kind: String,
    pub filters: String,
    pub rows: i64,
    pub anonymization: String,
    pub suppressed: i64,
    pub file_hashes: String,
    pub zip_sha256: String,
}

/// Writes an export's audit record; returns its id.
pub async fn insert_audit(pool: &SqlitePool, a: &Audit) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"INSERT INTO export_audit (actor, kind, filters, rows, anonymization, suppressed, file_hashes, zip_sha256)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id AS "id!""#,
        a.actor,
        a.kind,
        a.filters,
        a.rows,
        a.anonymization,
        a.suppressed,
        a.file_hashes,
        a.zip_sha256
    )
    .fetch_one(pool)
    .await
}

/// The most recent audit records first.
pub async fn list_audit(pool: &SqlitePool, limit: i64) -> Result<Vec<Audit>, sqlx::Error> {
    sqlx::query_as!(
        Audit,
        r#"SELECT id AS "id!", actor, created_at, kind, filters, rows, anonymization, suppressed, file_hashes,
                  zip_sha256
           FROM export_audit ORDER BY id DESC LIMIT ?"#,
        limit
    )
    .fetch_all(pool)
    .await
}

/// Released responses per region and ISO week, from the roll-ups (suspect left out).
pub async fn region_week_counts(
    pool: &SqlitePool,
    station_ids: &[i64],
    weeks: &[String],
    survey_version: i64,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    let (stations, weeks) = (json(station_ids), json(weeks));
    let rows = sqlx::query!(
        r#"SELECT s.region AS "region!", r.iso_week AS "iso_week!", SUM(r.responses) AS "n!: i64"
           FROM response_rollups r JOIN stations s ON s.id = r.station_id
           WHERE r.station_id IN (SELECT value FROM json_each(?)) AND r.iso_week IN (SELECT value FROM json_each(?))
             AND r.survey_version = ? AND r.suspect = 0
           GROUP BY s.region, r.iso_week"#,
        stations,
        weeks,
        survey_version
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.region, r.iso_week, r.n)).collect())
}

/// Answers per region, ISO week, question and value, from the roll-ups (suspect left out).
pub async fn region_week_answers(
    pool: &SqlitePool,
    station_ids: &[i64],
    weeks: &[String],
    survey_version: i64,
) -> Result<Vec<(String, String, String, String, i64)>, sqlx::Error> {
    let (stations, weeks) = (json(station_ids), json(weeks));
    let rows = sqlx::query!(
        r#"SELECT s.region AS "region!", a.iso_week AS "iso_week!", a.question_key AS "question_key!",
                  a.value AS "value!", SUM(a.answers) AS "n!: i64"
           FROM answer_rollups a JOIN stations s ON s.id = a.station_id
           WHERE a.station_id IN (SELECT value FROM json_each(?)) AND a.iso_week IN (SELECT value FROM json_each(?))
             AND a.survey_version = ? AND a.suspect = 0
           GROUP BY s.region, a.iso_week, a.question_key, a.value"#,
        stations,
        weeks,
        survey_version
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.region, r.iso_week, r.question_key, r.value, r.n)).collect())
}

fn json<T: serde::Serialize>(v: &[T]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// The epsilons already spent on each of `months` ("2026-03"), by month.
pub async fn privacy_spent(pool: &SqlitePool, months: &[String]) -> Result<Vec<(String, String)>, sqlx::Error> {
    let months = json(months);
    let rows = sqlx::query!(
        r#"SELECT month AS "month!", epsilon AS "epsilon!" FROM privacy_spend
           WHERE month IN (SELECT value FROM json_each(?)) ORDER BY month"#,
        months
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.month, r.epsilon)).collect())
}

/// Every month's releases, newest month first: (month, epsilons spent).
pub async fn privacy_ledger(pool: &SqlitePool) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT month AS "month!", epsilon AS "epsilon!" FROM privacy_spend ORDER BY month DESC, audit_id"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.month, r.epsilon)).collect())
}

/// Writes an open-data release's audit record and the epsilon it spends on each month,
/// in one transaction; returns the audit id.
pub async fn record_release(
    pool: &SqlitePool,
    audit: &Audit,
    months: &[String],
    epsilon: &str,
) -> Result<i64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO export_audit (actor, kind, filters, rows, anonymization, suppressed, file_hashes, zip_sha256)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id AS "id!""#,
        audit.actor,
        audit.kind,
        audit.filters,
        audit.rows,
        audit.anonymization,
        audit.suppressed,
        audit.file_hashes,
        audit.zip_sha256
    )
    .fetch_one(&mut *tx)
    .await?;
    for month in months {
        sqlx::query!("INSERT INTO privacy_spend (month, audit_id, epsilon) VALUES (?, ?, ?)", month, id, epsilon)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}
