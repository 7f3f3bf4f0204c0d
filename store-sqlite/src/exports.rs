//! What the researchers' exports read and write: released responses (never pending,
//! never suspect unless asked), the export audit and the privacy budget.

use sqlx::{SqliteConnection, SqlitePool};
pub use store::exports::{Audit, Page, Selection, Spent};

/// `selection` bound for SQL.
pub fn bind(selection: &Selection) -> Bound {
    Bound {
        stations: serde_json::to_string(&selection.station_ids).unwrap_or_else(|_| "[]".into()),
        weeks: serde_json::to_string(&selection.iso_weeks).unwrap_or_else(|_| "[]".into()),
        version: selection.survey_version,
        suspect: selection.include_suspect,
    }
}

/// A [`Selection`] bound for SQL.
pub struct Bound {
    stations: String,
    weeks: String,
    version: i64,
    suspect: bool,
}

/// A reader of a selection: a read transaction of its own, in the snapshot it shares
/// with the readers opened with it.
pub struct Reader {
    pub(crate) tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    pub(crate) bound: std::sync::Arc<Bound>,
}

/// `n` readers of `selection`, each on a connection of its own, all in one snapshot: they
/// make their first read while a write transaction is held, so that nothing can be
/// committed in between. (Their connections are taken first: the lock is never held while
/// waiting for one.) Also the selected stations' (id, code, region), and about how many
/// responses the selection holds.
#[allow(clippy::type_complexity)]
pub async fn open_readers(
    pool: &SqlitePool,
    selection: &Selection,
    n: usize,
) -> Result<(Vec<Reader>, Vec<(i64, String, String)>, i64), crate::Error> {
    let bound = std::sync::Arc::new(bind(selection));
    let mut txs = Vec::with_capacity(n);
    for _ in 0..n {
        txs.push(pool.begin().await?);
    }
    // Holds the database's write lock until it is rolled back (it writes nothing), so that
    // the readers' first reads all see one snapshot.
    let hold = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut stations = Vec::new();
    let mut readers = Vec::with_capacity(n);
    for (i, mut tx) in txs.into_iter().enumerate() {
        // The first read fixes the transaction's snapshot.
        let names = station_names(&mut tx, &bound).await?;
        if i == 0 {
            stations = names;
        }
        readers.push(Reader { tx, bound: bound.clone() });
    }
    hold.rollback().await?;
    let total = match readers.first_mut() {
        Some(r) => estimated_count(&mut r.tx, &r.bound).await?,
        None => 0,
    };
    Ok((readers, stations, total))
}

/// The code and region of each selected station, by id.
async fn station_names(conn: &mut SqliteConnection, b: &Bound) -> Result<Vec<(i64, String, String)>, crate::Error> {
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
async fn estimated_count(conn: &mut SqliteConnection, b: &Bound) -> Result<i64, crate::Error> {
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
