use crate::domain::{Choice, Language, Question, QuestionKind, Survey, Texts};
use sqlx::SqlitePool;
use std::collections::BTreeMap;

/// The newest published survey version, the one tablets are given.
pub async fn current_version(pool: &SqlitePool) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT MAX(version) AS "version: i64" FROM survey_versions WHERE published = 1"#)
        .fetch_one(pool)
        .await
}

/// A published survey version with its questions, choices and texts; `None` if the
/// version was never published. Its `languages` are those enabled and complete in it.
pub async fn load(pool: &SqlitePool, version: i64) -> Result<Option<Survey>, sqlx::Error> {
    let published =
        sqlx::query_scalar!("SELECT version FROM survey_versions WHERE version = ? AND published = 1", version)
            .fetch_optional(pool)
            .await?;
    if published.is_none() {
        return Ok(None);
    }
    let question_rows = sqlx::query!(
        "SELECT key, kind, in_index, profile FROM questions WHERE survey_version = ? ORDER BY position",
        version
    )
    .fetch_all(pool)
    .await?;
    let choice_rows = sqlx::query!(
        "SELECT question_key, key FROM choices WHERE survey_version = ? ORDER BY question_key, position",
        version
    )
    .fetch_all(pool)
    .await?;
    let text_rows = sqlx::query!(
        "SELECT question_key, choice_key, language, text, child_text FROM texts WHERE survey_version = ?",
        version
    )
    .fetch_all(pool)
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
        let kind = QuestionKind::parse(&q.kind).map_err(|e| sqlx::Error::Decode(e.into()))?;
        let (text, child_text) = take_texts(&q.key, "");
        questions.push(Question {
            choices: choices.remove(&q.key).unwrap_or_default(),
            key: q.key,
            kind,
            text,
            child_text,
            in_index: q.in_index != 0,
            profile: q.profile != 0,
        });
    }
    let mut survey = Survey { version, languages: Vec::new(), questions };
    let enabled = enabled_languages(pool).await?;
    survey.languages = Language::ALL.into_iter().filter(|l| enabled.contains(l) && survey.is_complete_in(*l)).collect();
    Ok(Some(survey))
}

/// Languages an administrator has enabled for visitors.
pub async fn enabled_languages(pool: &SqlitePool) -> Result<Vec<Language>, sqlx::Error> {
    let rows =
        sqlx::query_scalar!(r#"SELECT code AS "code!" FROM languages WHERE enabled = 1"#).fetch_all(pool).await?;
    Ok(rows.iter().filter_map(|c| Language::parse(c).ok()).collect())
}

pub async fn set_language_enabled(pool: &SqlitePool, lang: Language, enabled: bool) -> Result<(), sqlx::Error> {
    let (code, enabled) = (lang.code(), i64::from(enabled));
    sqlx::query!("UPDATE languages SET enabled = ? WHERE code = ?", enabled, code).execute(pool).await?;
    Ok(())
}

/// How many texts of a survey version in `lang` still await a native speaker's review.
pub async fn texts_needing_review(pool: &SqlitePool, version: i64, lang: Language) -> Result<i64, sqlx::Error> {
    let code = lang.code();
    sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "n!: i64" FROM texts
           WHERE survey_version = ? AND language = ? AND review <> 'reviewed'"#,
        version,
        code
    )
    .fetch_one(pool)
    .await
}

/// Every published survey version, oldest first.
pub async fn published_versions(pool: &SqlitePool) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT version AS "version!: i64" FROM survey_versions WHERE published = 1 ORDER BY version"#
    )
    .fetch_all(pool)
    .await
}
