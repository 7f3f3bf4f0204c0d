//! What the researchers' exports read and write: released responses (never pending,
//! never suspect unless asked), the export audit and the privacy budget.

use sqlx::{PgConnection, PgPool};
pub use store::exports::{Audit, Page, Selection, Spent};

/// `selection` bound for SQL.
pub fn bind(selection: &Selection) -> Bound {
    Bound {
        stations: selection.station_ids.clone(),
        weeks: selection.iso_weeks.clone(),
        version: selection.survey_version,
        suspect: selection.include_suspect,
    }
}

/// A [`Selection`] bound for SQL.
pub struct Bound {
    stations: Vec<i64>,
    weeks: Vec<String>,
    version: i64,
    suspect: bool,
}

/// A reader of a selection: a read-only REPEATABLE READ transaction of its own, in the
/// snapshot it shares with the readers opened with it.
pub struct Reader {
    pub(crate) tx: sqlx::Transaction<'static, sqlx::Postgres>,
    pub(crate) bound: std::sync::Arc<Bound>,
}

/// How every reader's transaction begins: one snapshot for its whole life, never a write.
const READ_SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

/// `n` readers of `selection`, each on a connection of its own, all in one snapshot: the
/// first exports its snapshot (`pg_export_snapshot`) and every other one imports it (`SET
/// TRANSACTION SNAPSHOT`) before its first read, while the first is still open. (Their
/// connections are taken first, so that no snapshot is taken while waiting for one.)
/// Also the selected stations' (id, code, region), and about how many responses the
/// selection holds.
#[allow(clippy::type_complexity)]
pub async fn open_readers(
    pool: &PgPool,
    selection: &Selection,
    n: usize,
) -> Result<(Vec<Reader>, Vec<(i64, String, String)>, i64), crate::Error> {
    let bound = std::sync::Arc::new(bind(selection));
    let mut txs = Vec::with_capacity(n);
    for _ in 0..n {
        // Under REPEATABLE READ the snapshot is taken by the first statement, not BEGIN.
        txs.push(pool.begin_with(READ_SNAPSHOT).await?);
    }
    let mut txs = txs.into_iter();
    let Some(mut first) = txs.next() else {
        return Ok((Vec::new(), Vec::new(), 0));
    };
    let snapshot = sqlx::query_scalar!(r#"SELECT pg_export_snapshot() AS "snapshot!""#).fetch_one(&mut *first).await?;
    // Not a bind parameter: SET takes none. The server wrote it; checked all the same.
    if snapshot.is_empty() || !snapshot.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        return Err(crate::Error::Corrupt(format!("an exported snapshot named {snapshot:?}")));
    }
    let import = format!("SET TRANSACTION SNAPSHOT '{snapshot}'");
    let mut readers = vec![Reader { tx: first, bound: bound.clone() }];
    for mut tx in txs {
        // As text, without parameters: sent as a simple query, never prepared.
        sqlx::Executor::execute(&mut *tx, import.as_str()).await?;
        readers.push(Reader { tx, bound: bound.clone() });
    }
    let Some(reader) = readers.first_mut() else {
        return Ok((readers, Vec::new(), 0));
    };
    let stations = station_names(&mut reader.tx, &bound).await?;
    let total = estimated_count(&mut reader.tx, &bound).await?;
    Ok((readers, stations, total))
}

/// The code and region of each selected station, by id.
async fn station_names(conn: &mut PgConnection, b: &Bound) -> Result<Vec<(i64, String, String)>, crate::Error> {
    let rows = sqlx::query!(r#"SELECT id, code, region FROM stations WHERE id = ANY($1)"#, &b.stations)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.code, r.region)).collect())
}

/// About how many released responses the selection holds, from the roll-ups (which keep
/// counting responses the retention purge removed): for a progress bar, never for the
/// anonymization.
async fn estimated_count(conn: &mut PgConnection, b: &Bound) -> Result<i64, crate::Error> {
    Ok(sqlx::query_scalar!(
        r#"SELECT COALESCE(SUM(responses), 0)::BIGINT AS "n!" FROM response_rollups
           WHERE station_id = ANY($1) AND iso_week = ANY($2) AND survey_version = $3 AND (NOT suspect OR $4)"#,
        &b.stations,
        &b.weeks,
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
/// A page, not a row per response, as on SQLite: fewer rows to hand over and decode.
/// Each response's answers are written as `json_group_object` writes them on SQLite
/// (`{"key":"value",…}`, no spaces, in key then value order by bytes), which is what the
/// export's coder reads; by concatenation, since no stored key or value needs escaping
/// ([`Page::answers`]: `to_json` on each cost a third of the query). Every column is
/// aggregated by the one aggregate over the same rows, the page's rows in id order, so
/// the columns line up; only `last` sorts on its own (eight sorts of each page cost a
/// quarter of the query). Read every page inside one read transaction, so that the pages
/// are one snapshot.
pub async fn page(
    conn: &mut PgConnection,
    b: &Bound,
    after: &[u8],
    upto: &[u8],
    limit: i64,
) -> Result<Page, crate::Error> {
    let row = sqlx::query!(
        r#"SELECT COUNT(*) AS "rows!", (array_agg(p.id ORDER BY p.id DESC))[1] AS "last",
                  string_agg(p.station_id::TEXT, ',') AS "station_ids",
                  string_agg(p.iso_week, ',') AS "iso_weeks",
                  string_agg(p.language, ',') AS "languages",
                  string_agg(p.respondent, ',') AS "respondents",
                  string_agg(p.age_band, ',') AS "age_bands",
                  string_agg(CASE WHEN p.suspect THEN '1' ELSE '0' END, ',') AS "suspects",
                  string_agg(p.answers, '|') AS "answers"
           FROM (SELECT r.id, r.station_id, r.iso_week, r.language, COALESCE(r.respondent, '') AS respondent,
                        COALESCE(r.age_band, '') AS age_band, r.suspect,
                        COALESCE((SELECT '{' || string_agg('"' || a.question_key || '":"' || a.value || '"',
                                                           ',' ORDER BY a.question_key COLLATE "C", a.value COLLATE "C")
                                         || '}'
                                  FROM answers a WHERE a.response_id = r.id), '{}') AS answers
                 FROM responses r
                 WHERE r.id > $1 AND r.id <= $2 AND r.station_id = ANY($3) AND r.iso_week = ANY($4)
                   AND r.survey_version = $5 AND (NOT r.suspect OR $6)
                 ORDER BY r.id LIMIT $7) AS p"#,
        after,
        upto,
        &b.stations,
        &b.weeks,
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
pub async fn insert_audit<'e, E>(db: E, a: &Audit) -> Result<i64, crate::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Postgres>,
{
    Ok(sqlx::query_scalar!(
        r#"INSERT INTO export_audit (actor, kind, filters, rows, anonymization, suppressed, file_hashes, zip_sha256)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"#,
        a.actor,
        a.kind,
        a.filters,
        a.rows,
        a.anonymization,
        a.suppressed,
        a.file_hashes,
        a.zip_sha256
    )
    .fetch_one(db)
    .await?)
}

/// The most recent audit records first.
pub async fn list_audit(pool: &PgPool, limit: i64) -> Result<Vec<Audit>, crate::Error> {
    Ok(sqlx::query_as!(
        Audit,
        r#"SELECT id, actor, created_at, kind, filters, rows, anonymization, suppressed, file_hashes, zip_sha256
           FROM export_audit ORDER BY id DESC LIMIT $1"#,
        limit
    )
    .fetch_all(pool)
    .await?)
}

/// Released responses per region and ISO week, from the roll-ups (suspect left out).
pub async fn region_week_counts(
    pool: &PgPool,
    station_ids: &[i64],
    weeks: &[String],
    survey_version: i64,
) -> Result<Vec<(String, String, i64)>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT s.region, r.iso_week, SUM(r.responses)::BIGINT AS "n!"
           FROM response_rollups r JOIN stations s ON s.id = r.station_id
           WHERE r.station_id = ANY($1) AND r.iso_week = ANY($2) AND r.survey_version = $3 AND NOT r.suspect
           GROUP BY s.region, r.iso_week"#,
        station_ids,
        weeks,
        survey_version
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.region, r.iso_week, r.n)).collect())
}

/// Answers per region, ISO week, question and value, from the roll-ups (suspect left out).
pub async fn region_week_answers(
    pool: &PgPool,
    station_ids: &[i64],
    weeks: &[String],
    survey_version: i64,
) -> Result<Vec<(String, String, String, String, i64)>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT s.region, a.iso_week, a.question_key, a.value, SUM(a.answers)::BIGINT AS "n!"
           FROM answer_rollups a JOIN stations s ON s.id = a.station_id
           WHERE a.station_id = ANY($1) AND a.iso_week = ANY($2) AND a.survey_version = $3 AND NOT a.suspect
           GROUP BY s.region, a.iso_week, a.question_key, a.value"#,
        station_ids,
        weeks,
        survey_version
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.region, r.iso_week, r.question_key, r.value, r.n)).collect())
}

/// The epsilons already spent on `regions` in `months` ("2026-03"), those spent on every
/// region included, by month.
pub async fn privacy_spent(pool: &PgPool, regions: &[String], months: &[String]) -> Result<Vec<Spent>, crate::Error> {
    let mut conn = pool.acquire().await?;
    spent_on(&mut conn, regions, months).await
}

async fn spent_on(conn: &mut PgConnection, regions: &[String], months: &[String]) -> Result<Vec<Spent>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT region, month, epsilon FROM privacy_spend
           WHERE month = ANY($1) AND (region IS NULL OR region = ANY($2))
           ORDER BY month COLLATE "C", audit_id"#,
        months,
        regions
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|r| Spent { region: r.region, month: r.month, epsilon: r.epsilon }).collect())
}

/// Every release's spending, newest month first, then by region (every region first) and
/// release.
pub async fn privacy_ledger(pool: &PgPool) -> Result<Vec<Spent>, crate::Error> {
    // As SQLite orders: NULL (every region) before any region, regions by their bytes.
    let rows = sqlx::query!(
        r#"SELECT region, month, epsilon FROM privacy_spend
           ORDER BY month COLLATE "C" DESC, region COLLATE "C" NULLS FIRST, audit_id"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| Spent { region: r.region, month: r.month, epsilon: r.epsilon }).collect())
}

/// Writes an open-data release's audit record and the epsilon it spends on each of
/// `regions` in each of `months`, unless `refuse`, asked with what those have spent so
/// far, gives a reason not to: the check and the record are one write transaction
/// holding [`crate::WRITER_LOCK`], taken before what was spent is read, so two releases
/// at once (from this server or another) cannot both pass a check that only one of them
/// fits. Returns the audit id, or `refuse`'s reason.
pub async fn record_release<E>(
    pool: &PgPool,
    audit: &Audit,
    regions: &[String],
    months: &[String],
    epsilon: &str,
    refuse: impl FnOnce(&[Spent]) -> Option<E>,
) -> Result<Result<i64, E>, crate::Error> {
    let mut tx = crate::begin_write(pool).await?;
    // READ COMMITTED: this read sees every release committed before the lock was granted.
    let spent = spent_on(&mut tx, regions, months).await?;
    if let Some(reason) = refuse(&spent) {
        tx.rollback().await?;
        return Ok(Err(reason));
    }
    let id = insert_audit(&mut *tx, audit).await?;
    for region in regions {
        for month in months {
            sqlx::query!(
                "INSERT INTO privacy_spend (region, month, audit_id, epsilon) VALUES ($1, $2, $3, $4)",
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
