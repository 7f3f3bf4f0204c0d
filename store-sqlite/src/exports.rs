//! What the researchers' exports read and write: released responses (never pending,
//! never suspect unless asked), the export audit and the privacy budget.

use sqlx::{SqliteConnection, SqlitePool};

/// Which released responses an export reads.
#[derive(Clone, Debug)]
pub struct Selection {
    pub station_ids: Vec<i64>,
    pub iso_weeks: Vec<String>,
    pub survey_version: i64,
    pub include_suspect: bool,
}

/// A [`Selection`] bound for SQL.
pub struct Bound {
    stations: String,
    weeks: String,
    version: i64,
    suspect: bool,
}

impl Selection {
    pub fn bind(&self) -> Bound {
        Bound {
            stations: serde_json::to_string(&self.station_ids).unwrap_or_else(|_| "[]".into()),
            weeks: serde_json::to_string(&self.iso_weeks).unwrap_or_else(|_| "[]".into()),
            version: self.survey_version,
            suspect: self.include_suspect,
        }
    }
}

/// Holds the database's write lock until the transaction ends (rolled back: it writes
/// nothing), so that readers opened meanwhile all see one snapshot.
pub async fn hold_writes(pool: &SqlitePool) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, crate::Error> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}

/// The code and region of each selected station, by id.
pub async fn station_names(conn: &mut SqliteConnection, b: &Bound) -> Result<Vec<(i64, String, String)>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT id AS "id!", code, region FROM stations WHERE id IN (SELECT value FROM json_each(?))"#,
        b.stations
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.code, r.region)).collect())
}

/// About how many released responses the selection holds, from the roll-ups (which keep
/// counting responses the retention purge removed): for a progress bar, never for the
/// anonymization.
pub async fn estimated_count(conn: &mut SqliteConnection, b: &Bound) -> Result<i64, crate::Error> {
    Ok(sqlx::query_scalar!(
        r#"SELECT COALESCE(SUM(responses), 0) AS "n!: i64" FROM response_rollups
           WHERE station_id IN (SELECT value FROM json_each(?)) AND iso_week IN (SELECT value FROM json_each(?))
             AND survey_version = ? AND (suspect = 0 OR ?)"#,
        b.stations,
        b.weeks,
        b.version,
        b.suspect
    )
    .fetch_one(&mut *conn)
    .await?)
}

/// Released responses of a selection, many in one row: each column holds the page's
/// values, in the same order, joined.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Page {
    /// How many responses the page holds; 0 after the last one.
    pub rows: i64,
    /// The id to read on after (the largest on the page); never written anywhere.
    pub last: Vec<u8>,
    /// Station ids, joined by ','.
    pub station_ids: String,
    /// ISO weeks (`2026-W10`), joined by ','.
    pub iso_weeks: String,
    /// Survey languages, joined by ','.
    pub languages: String,
    /// Respondent types ('' when skipped), joined by ','.
    pub respondents: String,
    /// Age bands ('' when skipped), joined by ','.
    pub age_bands: String,
    /// Suspect flags (0 or 1), joined by ','.
    pub suspects: String,
    /// Each response's answers as a JSON object of question keys and stored values, in key
    /// order (a multiple choice repeats its key, once per chosen option), `{}` for a
    /// response without answers; joined by '|'. None of the stored values holds ',', '|',
    /// '"', ':' or '\\': they are checked keys (lower-case letters, digits, '_' and '-'),
    /// language codes, weeks, digits or "rather_not"; [`Page::rows`] lets the caller check
    /// that every column splits into as many values.
    pub answers: String,
}

/// Up to `limit` released responses of the selection whose ids follow `after`, up to
/// `upto` included, in id order (random, so the order says nothing about who came first),
/// as one [`Page`]. Ids are 16 random bytes: 17 bytes of 0xff follow every one.
///
/// A page, not a row per response: rows cross from SQLite's thread to the caller's one by
/// one, and that crossing (a copy of every value, an allocation each, a wake-up) cost more
/// than SQLite's own work. The answers as JSON, not `key=value` texts: SQLite builds
/// `json_group_object` in one buffer but allocates for every `||`, which cost a third
/// more of its time. Read every page inside one read transaction, so that the pages are
/// one snapshot.
pub async fn page(
    conn: &mut SqliteConnection,
    b: &Bound,
    after: &[u8],
    upto: &[u8],
    limit: i64,
) -> Result<Page, crate::Error> {
    let row = sqlx::query!(
        r#"SELECT COUNT(*) AS "rows!: i64", max(id) AS "last: Vec<u8>",
                  group_concat(station_id) AS "station_ids: String", group_concat(iso_week) AS "iso_weeks: String",
                  group_concat(language) AS "languages: String", group_concat(respondent) AS "respondents: String",
                  group_concat(age_band) AS "age_bands: String", group_concat(suspect) AS "suspects: String",
                  group_concat(answers, '|') AS "answers: String"
           FROM (SELECT r.id, r.station_id, r.iso_week, r.language, COALESCE(r.respondent, '') AS respondent,
                        COALESCE(r.age_band, '') AS age_band, r.suspect,
                        (SELECT json_group_object(a.question_key, a.value) FROM answers a
                                  WHERE a.response_id = r.id) AS answers
                 FROM responses r
                 WHERE r.id > ? AND r.id <= ? AND r.station_id IN (SELECT value FROM json_each(?))
                   AND r.iso_week IN (SELECT value FROM json_each(?))
                   AND r.survey_version = ? AND (r.suspect = 0 OR ?)
                 ORDER BY r.id LIMIT ?)"#,
        after,
        upto,
        b.stations,
        b.weeks,
        b.version,
        b.suspect,
        limit
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Page {
        rows: row.rows,
        last: row.last.unwrap_or_default(),
        station_ids: row.station_ids.unwrap_or_default(),
        iso_weeks: row.iso_weeks.unwrap_or_default(),
        languages: row.languages.unwrap_or_default(),
        respondents: row.respondents.unwrap_or_default(),
        age_bands: row.age_bands.unwrap_or_default(),
        suspects: row.suspects.unwrap_or_default(),
        answers: row.answers.unwrap_or_default(),
    })
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
pub async fn insert_audit(pool: &SqlitePool, a: &Audit) -> Result<i64, crate::Error> {
    Ok(sqlx::query_scalar!(
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
    .await?)
}

/// The most recent audit records first.
pub async fn list_audit(pool: &SqlitePool, limit: i64) -> Result<Vec<Audit>, crate::Error> {
    Ok(sqlx::query_as!(
        Audit,
        r#"SELECT id AS "id!", actor, created_at, kind, filters, rows, anonymization, suppressed, file_hashes,
                  zip_sha256
           FROM export_audit ORDER BY id DESC LIMIT ?"#,
        limit
    )
    .fetch_all(pool)
    .await?)
}

/// Released responses per region and ISO week, from the roll-ups (suspect left out).
pub async fn region_week_counts(
    pool: &SqlitePool,
    station_ids: &[i64],
    weeks: &[String],
    survey_version: i64,
) -> Result<Vec<(String, String, i64)>, crate::Error> {
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
) -> Result<Vec<(String, String, String, String, i64)>, crate::Error> {
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

/// An epsilon an open-data release spent on a region's month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spent {
    /// `None`: every region (spent before the budget was kept per region).
    pub region: Option<String>,
    /// "2026-03".
    pub month: String,
    /// Exact, as text ("0.25", "1/3").
    pub epsilon: String,
}

/// The epsilons already spent on `regions` in `months` ("2026-03"), those spent on every
/// region included, by month.
pub async fn privacy_spent(
    pool: &SqlitePool,
    regions: &[String],
    months: &[String],
) -> Result<Vec<Spent>, crate::Error> {
    let mut conn = pool.acquire().await?;
    spent_on(&mut conn, regions, months).await
}

async fn spent_on(
    conn: &mut SqliteConnection,
    regions: &[String],
    months: &[String],
) -> Result<Vec<Spent>, crate::Error> {
    let (regions, months) = (json(regions), json(months));
    let rows = sqlx::query!(
        r#"SELECT region, month AS "month!", epsilon AS "epsilon!" FROM privacy_spend
           WHERE month IN (SELECT value FROM json_each(?))
             AND (region IS NULL OR region IN (SELECT value FROM json_each(?)))
           ORDER BY month, audit_id"#,
        months,
        regions
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|r| Spent { region: r.region, month: r.month, epsilon: r.epsilon }).collect())
}

/// Every release's spending, newest month first, then by region (every region first) and
/// release.
pub async fn privacy_ledger(pool: &SqlitePool) -> Result<Vec<Spent>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT region, month AS "month!", epsilon AS "epsilon!" FROM privacy_spend
           ORDER BY month DESC, region, audit_id"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| Spent { region: r.region, month: r.month, epsilon: r.epsilon }).collect())
}

/// Writes an open-data release's audit record and the epsilon it spends on each of
/// `regions` in each of `months`, unless `refuse`, asked with what those have spent so
/// far, gives a reason not to: the check and the record are one write transaction, so two
/// releases at once (from this process or another) cannot both pass a check that only
/// one of them fits. Returns the audit id, or `refuse`'s reason.
pub async fn record_release<E>(
    pool: &SqlitePool,
    audit: &Audit,
    regions: &[String],
    months: &[String],
    epsilon: &str,
    refuse: impl FnOnce(&[Spent]) -> Option<E>,
) -> Result<Result<i64, E>, crate::Error> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let spent = spent_on(&mut tx, regions, months).await?;
    if let Some(reason) = refuse(&spent) {
        tx.rollback().await?;
        return Ok(Err(reason));
    }
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
    for region in regions {
        for month in months {
            sqlx::query!(
                "INSERT INTO privacy_spend (region, month, audit_id, epsilon) VALUES (?, ?, ?, ?)",
                region,
                month,
                id,
                epsilon
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(Ok(id))
}
