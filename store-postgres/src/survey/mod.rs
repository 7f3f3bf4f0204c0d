//! The survey in the database: its published versions, read for the kiosk and the
//! dashboards (here); drafts and publication (`draft`); the languages offered to
//! visitors (`languages`).

pub use store::survey::{
    offered, DraftStart, Edit, LanguageChange, Publication, QuestionChange, TextRow, TextWrite, VersionSummary,
};

mod draft;
mod languages;

pub use draft::*;
use languages::enabled_in;
pub use languages::*;

use domain::{Choice, Language, Question, QuestionKind, ReviewState, Survey, Texts};
use sqlx::{PgConnection, PgPool};
use std::collections::BTreeMap;

/// The newest published survey version, the one tablets are given.
pub async fn current_version(pool: &PgPool) -> Result<Option<i64>, crate::Error> {
    Ok(sqlx::query_scalar!(r#"SELECT MAX(version) AS "version" FROM survey_versions WHERE published"#)
        .fetch_one(pool)
        .await?)
}

/// A published survey version with its questions, choices and texts; `None` if the
/// version was never published. Its `languages` are those enabled and complete in it.
pub async fn load(pool: &PgPool, version: i64) -> Result<Option<Survey>, crate::Error> {
    let mut tx = snapshot(pool).await?;
    let survey = match published(&mut tx, version).await? {
        Some(true) => load_in(&mut tx, version).await?,
        _ => None,
    };
    tx.commit().await?;
    Ok(survey)
}

/// A survey version, published or draft, with its questions, choices and texts; `None`
/// if there is no such version. Its `languages` are those enabled and complete in it.
pub async fn load_any(pool: &PgPool, version: i64) -> Result<Option<Survey>, crate::Error> {
    let mut tx = snapshot(pool).await?;
    let survey = load_in(&mut tx, version).await?;
    tx.commit().await?;
    Ok(survey)
}

/// A read-only transaction whose statements all see one snapshot: a version read in
/// several statements is never half a draft edit.
async fn snapshot(pool: &PgPool) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, crate::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    Ok(tx)
}

pub(super) async fn load_in(conn: &mut PgConnection, version: i64) -> Result<Option<Survey>, crate::Error> {
    if published(conn, version).await?.is_none() {
        return Ok(None);
    }
    let question_rows = sqlx::query!(
        "SELECT key, kind, in_index, profile, observable FROM questions WHERE survey_version = $1 ORDER BY position",
        version
    )
    .fetch_all(&mut *conn)
    .await?;
    let choice_rows = sqlx::query!(
        "SELECT question_key, key FROM choices WHERE survey_version = $1 ORDER BY question_key, position",
        version
    )
    .fetch_all(&mut *conn)
    .await?;
    let text_rows = sqlx::query!(
        "SELECT question_key, choice_key, language, text, child_text FROM texts WHERE survey_version = $1",
        version
    )
    .fetch_all(&mut *conn)
    .await?;

    type TextKey = (String, String);
    let mut texts: BTreeMap<TextKey, (Texts, Texts)> = BTreeMap::new();
    for t in text_rows {
        let Ok(lang) = Language::parse(&t.language) else { continue };
        let entry = texts.entry((t.question_key, t.choice_key)).or_default();
        entry.0.insert(lang, t.text);
        entry.1.insert(lang, t.child_text);
    }
    let mut take_texts = |q: &str, c: &str| texts.remove(&(q.to_string(), c.to_string())).unwrap_or_default();

    let mut choices: BTreeMap<String, Vec<Choice>> = BTreeMap::new();
    for c in choice_rows {
        let (text, child_text) = take_texts(&c.question_key, &c.key);
        choices.entry(c.question_key).or_default().push(Choice { key: c.key, text, child_text });
    }
    let mut questions = Vec::with_capacity(question_rows.len());
    for q in question_rows {
        let kind = QuestionKind::parse(&q.kind).map_err(|e| crate::Error::Corrupt(e.to_string()))?;
        let (text, child_text) = take_texts(&q.key, "");
        questions.push(Question {
            choices: choices.remove(&q.key).unwrap_or_default(),
            key: q.key,
            kind,
            text,
            child_text,
            in_index: q.in_index,
            profile: q.profile,
            observable: q.observable,
        });
    }
    let mut survey = Survey { version, languages: Vec::new(), questions };
    let enabled = enabled_in(conn).await?;
    survey.languages = Language::ALL.into_iter().filter(|l| enabled.contains(l) && survey.is_complete_in(*l)).collect();
    Ok(Some(survey))
}

/// Whether `version` is published; `None` if there is no such version.
pub(super) async fn published(conn: &mut PgConnection, version: i64) -> Result<Option<bool>, crate::Error> {
    let row = sqlx::query_scalar!("SELECT published FROM survey_versions WHERE version = $1", version)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row)
}

/// Every published survey version, oldest first.
pub async fn published_versions(pool: &PgPool) -> Result<Vec<i64>, crate::Error> {
    Ok(sqlx::query_scalar!("SELECT version FROM survey_versions WHERE published ORDER BY version")
        .fetch_all(pool)
        .await?)
}

// ---------------------------------------------------------------- the admin console

pub(super) fn decode(e: String) -> crate::Error {
    crate::Error::Corrupt(e.to_string())
}

/// Every survey version, published or draft, oldest first.
pub async fn versions(pool: &PgPool) -> Result<Vec<VersionSummary>, crate::Error> {
    Ok(sqlx::query_as!(
        VersionSummary,
        r#"SELECT v.version, v.published, v.created_at,
                  (SELECT COUNT(*) FROM questions q WHERE q.survey_version = v.version) AS "questions!"
           FROM survey_versions v
           ORDER BY v.version"#
    )
    .fetch_all(pool)
    .await?)
}

/// The draft's version, if there is a draft (there is at most one).
pub async fn draft_version(pool: &PgPool) -> Result<Option<i64>, crate::Error> {
    Ok(sqlx::query_scalar!("SELECT version FROM survey_versions WHERE NOT published").fetch_optional(pool).await?)
}

/// Whether `version` is published; `None` if there is no such version.
pub async fn is_published(pool: &PgPool, version: i64) -> Result<Option<bool>, crate::Error> {
    published(&mut *pool.acquire().await?, version).await
}

/// Every text of a version, in every language it exists in.
pub async fn text_rows(pool: &PgPool, version: i64) -> Result<Vec<TextRow>, crate::Error> {
    let rows = sqlx::query!(
        "SELECT question_key, choice_key, language, text, child_text, review FROM texts WHERE survey_version = $1",
        version
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(TextRow {
                language: Language::parse(&r.language).map_err(decode)?,
                review: ReviewState::parse(&r.review).map_err(decode)?,
                question_key: r.question_key,
                choice_key: r.choice_key,
                text: r.text,
                child_text: r.child_text,
            })
        })
        .collect()
}

/// How `key` is answered in each published version that has it, oldest first.
pub async fn published_kinds(pool: &PgPool, key: &str) -> Result<Vec<(i64, QuestionKind)>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT q.survey_version AS "version", q.kind
           FROM questions q JOIN survey_versions v ON v.version = q.survey_version
           WHERE q.key = $1 AND v.published
           ORDER BY q.survey_version"#,
        key
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| Ok((r.version, QuestionKind::parse(&r.kind).map_err(decode)?))).collect()
}

/// The published versions that hold each question key, oldest first.
pub async fn question_versions(pool: &PgPool) -> Result<BTreeMap<String, Vec<i64>>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT q.key, q.survey_version AS "version"
           FROM questions q JOIN survey_versions v ON v.version = q.survey_version
           WHERE v.published
           ORDER BY q.survey_version"#
    )
    .fetch_all(pool)
    .await?;
    let mut out: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for r in rows {
        out.entry(r.key).or_default().push(r.version);
    }
    Ok(out)
}

/// The survey versions under which the released responses of a station that the
/// dashboard filters select were given, oldest first. Reads the roll-ups only.
pub async fn versions_with_responses(
    pool: &PgPool,
    station_id: i64,
    filters: &domain::DashboardFilters,
) -> Result<Vec<i64>, crate::Error> {
    let (from, to) = (filters.from().to_string(), filters.to().to_string());
    let version = filters.survey_version();
    let language = filters.language().map(Language::code);
    let include_suspect = filters.include_suspect();
    Ok(sqlx::query_scalar!(
        r#"SELECT survey_version
           FROM response_rollups
           WHERE station_id = $1 AND iso_week BETWEEN $2 AND $3 AND responses > 0
             AND ($4::BIGINT IS NULL OR survey_version = $4) AND ($5::TEXT IS NULL OR language = $5)
             AND (NOT suspect OR $6)
           GROUP BY survey_version
           ORDER BY survey_version"#,
        station_id,
        from,
        to,
        version,
        language,
        include_suspect
    )
    .fetch_all(pool)
    .await?)
}
