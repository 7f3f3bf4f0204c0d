use crate::domain::{
    Choice, Language, MissingText, PublicationProblem, Question, QuestionKey, QuestionKind, ReviewState, Survey, Texts,
};
use sqlx::{SqliteConnection, SqlitePool};
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
    let mut conn = pool.acquire().await?;
    match published(&mut conn, version).await? {
        Some(true) => load_in(&mut conn, version).await,
        _ => Ok(None),
    }
}

/// A survey version, published or draft, with its questions, choices and texts; `None`
/// if there is no such version. Its `languages` are those enabled and complete in it.
pub async fn load_any(pool: &SqlitePool, version: i64) -> Result<Option<Survey>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    load_in(&mut conn, version).await
}

async fn load_in(conn: &mut SqliteConnection, version: i64) -> Result<Option<Survey>, sqlx::Error> {
    if published(conn, version).await?.is_none() {
        return Ok(None);
    }
    let question_rows = sqlx::query!(
        "SELECT key, kind, in_index, profile, observable FROM questions WHERE survey_version = ? ORDER BY position",
        version
    )
    .fetch_all(&mut *conn)
    .await?;
    let choice_rows = sqlx::query!(
        "SELECT question_key, key FROM choices WHERE survey_version = ? ORDER BY question_key, position",
        version
    )
    .fetch_all(&mut *conn)
    .await?;
    let text_rows = sqlx::query!(
        "SELECT question_key, choice_key, language, text, child_text FROM texts WHERE survey_version = ?",
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
            observable: q.observable != 0,
        });
    }
    let mut survey = Survey { version, languages: Vec::new(), questions };
    let enabled = enabled_in(conn).await?;
    survey.languages = Language::ALL.into_iter().filter(|l| enabled.contains(l) && survey.is_complete_in(*l)).collect();
    Ok(Some(survey))
}

/// Whether `version` is published; `None` if there is no such version.
async fn published(conn: &mut SqliteConnection, version: i64) -> Result<Option<bool>, sqlx::Error> {
    let row =
        sqlx::query_scalar!(r#"SELECT published AS "published: bool" FROM survey_versions WHERE version = ?"#, version)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row)
}

/// Languages an administrator has enabled for visitors.
pub async fn enabled_languages(pool: &SqlitePool) -> Result<Vec<Language>, sqlx::Error> {
    enabled_in(&mut *pool.acquire().await?).await
}

async fn enabled_in(conn: &mut SqliteConnection) -> Result<Vec<Language>, sqlx::Error> {
    let rows =
        sqlx::query_scalar!(r#"SELECT code AS "code!" FROM languages WHERE enabled = 1"#).fetch_all(&mut *conn).await?;
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

// ---------------------------------------------------------------- the admin console

/// Takes the write lock at once, so that what a transaction checks still holds when it
/// writes (and a concurrent writer waits instead of failing).
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

fn decode(e: String) -> sqlx::Error {
    sqlx::Error::Decode(e.into())
}

/// A survey version as the admin console lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionSummary {
    pub version: i64,
    pub published: bool,
    pub created_at: String,
    pub questions: i64,
}

/// Every survey version, published or draft, oldest first.
pub async fn versions(pool: &SqlitePool) -> Result<Vec<VersionSummary>, sqlx::Error> {
    sqlx::query_as!(
        VersionSummary,
        r#"SELECT v.version AS "version!: i64", v.published AS "published!: bool", v.created_at AS "created_at!",
                  (SELECT COUNT(*) FROM questions q WHERE q.survey_version = v.version) AS "questions!: i64"
           FROM survey_versions v
           ORDER BY v.version"#
    )
    .fetch_all(pool)
    .await
}

/// The draft's version, if there is a draft (there is at most one).
pub async fn draft_version(pool: &SqlitePool) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT version AS "version!: i64" FROM survey_versions WHERE published = 0"#)
        .fetch_optional(pool)
        .await
}

/// Whether `version` is published; `None` if there is no such version.
pub async fn is_published(pool: &SqlitePool, version: i64) -> Result<Option<bool>, sqlx::Error> {
    published(&mut *pool.acquire().await?, version).await
}

/// One text of a version in one language, with its review state. `choice_key` is ''
/// for the question's own text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextRow {
    pub question_key: String,
    pub choice_key: String,
    pub language: Language,
    pub text: String,
    pub child_text: String,
    pub review: ReviewState,
}

/// Every text of a version, in every language it exists in.
pub async fn text_rows(pool: &SqlitePool, version: i64) -> Result<Vec<TextRow>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT question_key, choice_key, language, text, child_text, review FROM texts WHERE survey_version = ?",
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
pub async fn published_kinds(pool: &SqlitePool, key: &str) -> Result<Vec<(i64, QuestionKind)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT q.survey_version AS "version!: i64", q.kind
           FROM questions q JOIN survey_versions v ON v.version = q.survey_version
           WHERE q.key = ? AND v.published = 1
           ORDER BY q.survey_version"#,
        key
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| Ok((r.version, QuestionKind::parse(&r.kind).map_err(decode)?))).collect()
}

/// The published versions that hold each question key, oldest first.
pub async fn question_versions(pool: &SqlitePool) -> Result<BTreeMap<String, Vec<i64>>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT q.key, q.survey_version AS "version!: i64"
           FROM questions q JOIN survey_versions v ON v.version = q.survey_version
           WHERE v.published = 1
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
    pool: &SqlitePool,
    station_id: i64,
    filters: &crate::domain::DashboardFilters,
) -> Result<Vec<i64>, sqlx::Error> {
    let (from, to) = (filters.from().to_string(), filters.to().to_string());
    let version = filters.survey_version();
    let language = filters.language().map(Language::code);
    let include_suspect = filters.include_suspect();
    sqlx::query_scalar!(
        r#"SELECT survey_version AS "version!: i64"
           FROM response_rollups
           WHERE station_id = ? AND iso_week BETWEEN ? AND ? AND responses > 0
             AND (? IS NULL OR survey_version = ?) AND (? IS NULL OR language = ?) AND (suspect = 0 OR ?)
           GROUP BY survey_version
           ORDER BY survey_version"#,
        station_id,
        from,
        to,
        version,
        version,
        language,
        language,
        include_suspect
    )
    .fetch_all(pool)
    .await
}

/// What became of an edit of a draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    Done,
    /// The version is published: nothing changed.
    Published,
    NoSuchVersion,
    NoSuchQuestion,
    /// A question with that key is already in the draft.
    KeyTaken,
}

/// `None` when `version` is a draft, else why it cannot be edited.
async fn refuse_unless_draft(conn: &mut SqliteConnection, version: i64) -> Result<Option<Edit>, sqlx::Error> {
    Ok(match published(conn, version).await? {
        None => Some(Edit::NoSuchVersion),
        Some(true) => Some(Edit::Published),
        Some(false) => None,
    })
}

/// What became of a request to start a draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DraftStart {
    Started {
        draft: i64,
        from: i64,
    },
    /// There is already a draft: this one.
    DraftExists(i64),
    NothingPublished,
}

/// Copies the current version (questions, choices, texts and their review states) to
/// a new draft, numbered one above every version.
pub async fn start_draft(pool: &SqlitePool) -> Result<DraftStart, sqlx::Error> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let existing = sqlx::query_scalar!(r#"SELECT version AS "version!: i64" FROM survey_versions WHERE published = 0"#)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(draft) = existing {
        return Ok(DraftStart::DraftExists(draft));
    }
    let Some(from) =
        sqlx::query_scalar!(r#"SELECT MAX(version) AS "version: i64" FROM survey_versions WHERE published = 1"#)
            .fetch_one(&mut *tx)
            .await?
    else {
        return Ok(DraftStart::NothingPublished);
    };
    let draft: i64 = sqlx::query_scalar!(r#"SELECT COALESCE(MAX(version), 0) + 1 AS "v!: i64" FROM survey_versions"#)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query!("INSERT INTO survey_versions (version, published) VALUES (?, 0)", draft).execute(&mut *tx).await?;
    sqlx::query!(
        "INSERT INTO questions (survey_version, key, position, kind, in_index, profile, observable)
         SELECT ?, key, position, kind, in_index, profile, observable FROM questions WHERE survey_version = ?",
        draft,
        from
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO choices (survey_version, question_key, key, position)
         SELECT ?, question_key, key, position FROM choices WHERE survey_version = ?",
        draft,
        from
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO texts (survey_version, question_key, choice_key, language, text, child_text, review)
         SELECT ?, question_key, choice_key, language, text, child_text, review FROM texts WHERE survey_version = ?",
        draft,
        from
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(DraftStart::Started { draft, from })
}

/// A text to write in a draft: a question's (`choice_key` '') or a choice's, in one
/// language. When both wordings are blank the text is removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextWrite {
    pub question_key: String,
    pub choice_key: String,
    pub language: Language,
    pub text: String,
    pub child_text: String,
    pub review: ReviewState,
}

/// A question of a draft as its form leaves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionChange {
    pub kind: QuestionKind,
    pub in_index: bool,
    /// Whether the station's staff could see the answer for themselves (a release
    /// withholds it rather than let one visitor stand out).
    pub observable: bool,
    /// The question's choices afterwards, in order: keys not listed are removed with
    /// their texts, new keys are added.
    pub choices: Vec<String>,
    pub texts: Vec<TextWrite>,
}

/// Changes a question of a draft, its choices and texts, all or nothing.
pub async fn update_question(
    pool: &SqlitePool,
    version: i64,
    key: &str,
    change: &QuestionChange,
) -> Result<Edit, sqlx::Error> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    if let Some(refused) = refuse_unless_draft(&mut tx, version).await? {
        return Ok(refused);
    }
    let (kind, in_index, observable) = (change.kind.code(), i64::from(change.in_index), i64::from(change.observable));
    let updated = sqlx::query!(
        "UPDATE questions SET kind = ?, in_index = ?, observable = ?
         WHERE survey_version = ? AND key = ?
           AND survey_version IN (SELECT version FROM survey_versions WHERE published = 0)",
        kind,
        in_index,
        observable,
        version,
        key
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(Edit::NoSuchQuestion);
    }
    let existing = sqlx::query_scalar!(
        r#"SELECT key AS "key!" FROM choices WHERE survey_version = ? AND question_key = ?"#,
        version,
        key
    )
    .fetch_all(&mut *tx)
    .await?;
    for gone in existing.iter().filter(|c| !change.choices.contains(c)) {
        sqlx::query!(
            "DELETE FROM texts
             WHERE survey_version = ? AND question_key = ? AND choice_key = ?
               AND survey_version IN (SELECT version FROM survey_versions WHERE published = 0)",
            version,
            key,
            gone
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "DELETE FROM choices
             WHERE survey_version = ? AND question_key = ? AND key = ?
               AND survey_version IN (SELECT version FROM survey_versions WHERE published = 0)",
            version,
            key,
            gone
        )
        .execute(&mut *tx)
        .await?;
    }
    for (i, choice) in change.choices.iter().enumerate() {
        let position = i as i64 + 1;
        sqlx::query!(
            "INSERT INTO choices (survey_version, question_key, key, position)
             SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM survey_versions WHERE version = ? AND published = 0)
             ON CONFLICT (survey_version, question_key, key) DO UPDATE SET position = excluded.position",
            version,
            key,
            choice,
            position,
            version
        )
        .execute(&mut *tx)
        .await?;
    }
    write_texts_in(&mut tx, version, &change.texts).await?;
    tx.commit().await?;
    Ok(Edit::Done)
}

/// Writes texts of a draft (see [`TextWrite`]), all or nothing. A text of a question or
/// choice the draft does not have is not written.
pub async fn write_texts(pool: &SqlitePool, version: i64, texts: &[TextWrite]) -> Result<Edit, sqlx::Error> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    if let Some(refused) = refuse_unless_draft(&mut tx, version).await? {
        return Ok(refused);
    }
    write_texts_in(&mut tx, version, texts).await?;
    tx.commit().await?;
    Ok(Edit::Done)
}

async fn write_texts_in(conn: &mut SqliteConnection, version: i64, texts: &[TextWrite]) -> Result<(), sqlx::Error> {
    for t in texts {
        let language = t.language.code();
        if t.text.trim().is_empty() && t.child_text.trim().is_empty() {
            sqlx::query!(
                "DELETE FROM texts
                 WHERE survey_version = ? AND question_key = ? AND choice_key = ? AND language = ?
                   AND survey_version IN (SELECT version FROM survey_versions WHERE published = 0)",
                version,
                t.question_key,
                t.choice_key,
                language
            )
            .execute(&mut *conn)
            .await?;
            continue;
        }
        let review = t.review.code();
        sqlx::query!(
            "INSERT INTO texts (survey_version, question_key, choice_key, language, text, child_text, review)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7
             WHERE EXISTS (SELECT 1 FROM survey_versions WHERE version = ?1 AND published = 0)
               AND EXISTS (SELECT 1 FROM questions WHERE survey_version = ?1 AND key = ?2)
               AND (?3 = '' OR EXISTS (
                   SELECT 1 FROM choices WHERE survey_version = ?1 AND question_key = ?2 AND key = ?3))
             ON CONFLICT (survey_version, question_key, choice_key, language)
             DO UPDATE SET text = excluded.text, child_text = excluded.child_text, review = excluded.review",
            version,
            t.question_key,
            t.choice_key,
            language,
            t.text,
            t.child_text,
            review
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Adds a question at the end of a draft, without texts or choices yet; `observable`
/// as [`QuestionChange::observable`].
pub async fn add_question(
    pool: &SqlitePool,
    version: i64,
    key: &QuestionKey,
    kind: QuestionKind,
    in_index: bool,
    observable: bool,
) -> Result<Edit, sqlx::Error> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    if let Some(refused) = refuse_unless_draft(&mut tx, version).await? {
        return Ok(refused);
    }
    let key = key.as_ref();
    let taken = sqlx::query_scalar!("SELECT key FROM questions WHERE survey_version = ? AND key = ?", version, key)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Ok(Edit::KeyTaken);
    }
    let (kind, in_index, observable) = (kind.code(), i64::from(in_index), i64::from(observable));
    sqlx::query!(
        "INSERT INTO questions (survey_version, key, position, kind, in_index, profile, observable)
         VALUES (?1, ?2, (SELECT COALESCE(MAX(position), 0) + 1 FROM questions WHERE survey_version = ?1), ?3, ?4, 0, ?5)",
        version,
        key,
        kind,
        in_index,
        observable
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Edit::Done)
}

/// Removes a question from a draft, with its choices and texts.
pub async fn remove_question(pool: &SqlitePool, version: i64, key: &str) -> Result<Edit, sqlx::Error> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    if let Some(refused) = refuse_unless_draft(&mut tx, version).await? {
        return Ok(refused);
    }
    sqlx::query!(
        "DELETE FROM texts WHERE survey_version = ? AND question_key = ?
           AND survey_version IN (SELECT version FROM survey_versions WHERE published = 0)",
        version,
        key
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM choices WHERE survey_version = ? AND question_key = ?
           AND survey_version IN (SELECT version FROM survey_versions WHERE published = 0)",
        version,
        key
    )
    .execute(&mut *tx)
    .await?;
    let removed = sqlx::query!(
        "DELETE FROM questions WHERE survey_version = ? AND key = ?
           AND survey_version IN (SELECT version FROM survey_versions WHERE published = 0)",
        version,
        key
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if removed == 0 {
        return Ok(Edit::NoSuchQuestion);
    }
    tx.commit().await?;
    Ok(Edit::Done)
}

/// Swaps a question of a draft with the one before it (`up`) or after it; at either end
/// nothing moves.
pub async fn move_question(pool: &SqlitePool, version: i64, key: &str, up: bool) -> Result<Edit, sqlx::Error> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    if let Some(refused) = refuse_unless_draft(&mut tx, version).await? {
        return Ok(refused);
    }
    let Some(position) = sqlx::query_scalar!(
        r#"SELECT position AS "position!: i64" FROM questions WHERE survey_version = ? AND key = ?"#,
        version,
        key
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(Edit::NoSuchQuestion);
    };
    let neighbour = if up {
        sqlx::query!(
            r#"SELECT key AS "key!", position AS "position!: i64" FROM questions
               WHERE survey_version = ? AND position < ? ORDER BY position DESC LIMIT 1"#,
            version,
            position
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| (r.key, r.position))
    } else {
        sqlx::query!(
            r#"SELECT key AS "key!", position AS "position!: i64" FROM questions
               WHERE survey_version = ? AND position > ? ORDER BY position LIMIT 1"#,
            version,
            position
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| (r.key, r.position))
    };
    let Some((other, other_position)) = neighbour else {
        return Ok(Edit::Done);
    };
    // Positions are unique in a version: one question steps aside while they swap.
    for (k, p) in [(key, -1), (other.as_str(), position), (key, other_position)] {
        sqlx::query!(
            "UPDATE questions SET position = ? WHERE survey_version = ? AND key = ?
               AND survey_version IN (SELECT version FROM survey_versions WHERE published = 0)",
            p,
            version,
            k
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Edit::Done)
}

/// Deletes a draft with everything in it.
pub async fn discard_draft(pool: &SqlitePool, version: i64) -> Result<Edit, sqlx::Error> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    if let Some(refused) = refuse_unless_draft(&mut tx, version).await? {
        return Ok(refused);
    }
    sqlx::query!("DELETE FROM texts WHERE survey_version = ?", version).execute(&mut *tx).await?;
    sqlx::query!("DELETE FROM choices WHERE survey_version = ?", version).execute(&mut *tx).await?;
    sqlx::query!("DELETE FROM questions WHERE survey_version = ?", version).execute(&mut *tx).await?;
    sqlx::query!("DELETE FROM survey_versions WHERE version = ? AND published = 0", version).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(Edit::Done)
}

/// The languages a version offers once published: Spanish, and every language enabled
/// for visitors.
pub fn offered(enabled: &[Language]) -> Vec<Language> {
    Language::ALL.into_iter().filter(|l| l.always_offered() || enabled.contains(l)).collect()
}

/// What became of a request to publish a draft.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Publication {
    Published {
        offered: Vec<Language>,
    },
    /// Not published: why.
    Refused(Vec<PublicationProblem>),
    AlreadyPublished,
    NoSuchVersion,
}

/// Publishes a draft if it is complete in every language it offers (checked in the same
/// transaction that publishes it). Tablets are given it from then on.
pub async fn publish(pool: &SqlitePool, version: i64) -> Result<Publication, sqlx::Error> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    match published(&mut tx, version).await? {
        None => return Ok(Publication::NoSuchVersion),
        Some(true) => return Ok(Publication::AlreadyPublished),
        Some(false) => {}
    }
    let Some(survey) = load_in(&mut tx, version).await? else {
        return Ok(Publication::NoSuchVersion);
    };
    let offered = offered(&enabled_in(&mut tx).await?);
    let problems = survey.publication_problems(&offered);
    if !problems.is_empty() {
        return Ok(Publication::Refused(problems));
    }
    sqlx::query!("UPDATE survey_versions SET published = 1 WHERE version = ? AND published = 0", version)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Publication::Published { offered })
}

/// What became of a request to offer a language to visitors, or to stop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LanguageChange {
    Changed,
    /// It was already so.
    Unchanged,
    /// Spanish cannot be turned off.
    AlwaysOffered,
    NothingPublished,
    /// The current version lacks these texts in the language.
    Missing {
        version: i64,
        missing: Vec<MissingText>,
    },
}

/// Offers `lang` to visitors (only when every text of the current published version
/// exists in it) or stops offering it (never Spanish), checked where it is written.
pub async fn offer_language(pool: &SqlitePool, lang: Language, offer: bool) -> Result<LanguageChange, sqlx::Error> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    if !offer && lang.always_offered() {
        return Ok(LanguageChange::AlwaysOffered);
    }
    if offer {
        let current =
            sqlx::query_scalar!(r#"SELECT MAX(version) AS "version: i64" FROM survey_versions WHERE published = 1"#)
                .fetch_one(&mut *tx)
                .await?;
        let Some(version) = current else {
            return Ok(LanguageChange::NothingPublished);
        };
        let Some(survey) = load_in(&mut tx, version).await? else {
            return Ok(LanguageChange::NothingPublished);
        };
        let missing = survey.missing_in(lang);
        if !missing.is_empty() {
            return Ok(LanguageChange::Missing { version, missing });
        }
    }
    let code = lang.code();
    let was = sqlx::query_scalar!(r#"SELECT enabled AS "enabled: bool" FROM languages WHERE code = ?"#, code)
        .fetch_optional(&mut *tx)
        .await?;
    if was == Some(offer) {
        return Ok(LanguageChange::Unchanged);
    }
    let enabled = i64::from(offer);
    sqlx::query!("UPDATE languages SET enabled = ? WHERE code = ?", enabled, code).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(LanguageChange::Changed)
}
