//! Drafts of the next survey version: copied from the current one, edited question by
//! question, then published whole or discarded. A published version never changes.

use store::survey::*;

use super::{enabled_in, load_in, published};
use domain::{QuestionKey, QuestionKind};
use sqlx::SqliteConnection;

/// `None` when `version` is a draft, else why it cannot be edited.
async fn refuse_unless_draft(conn: &mut SqliteConnection, version: i64) -> Result<Option<Edit>, crate::Error> {
    Ok(match published(conn, version).await? {
        None => Some(Edit::NoSuchVersion),
        Some(true) => Some(Edit::Published),
        Some(false) => None,
    })
}

/// Copies the current version (questions, choices, texts and their review states) to
/// a new draft, numbered one above every version.
pub async fn start_draft(conn: &mut sqlx::SqliteConnection) -> Result<DraftStart, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
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

/// Changes a question of a draft, its choices and texts, all or nothing.
pub async fn update_question(
    conn: &mut sqlx::SqliteConnection,
    version: i64,
    key: &str,
    change: &QuestionChange,
) -> Result<Edit, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
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
pub async fn write_texts(
    conn: &mut sqlx::SqliteConnection,
    version: i64,
    texts: &[TextWrite],
) -> Result<Edit, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    if let Some(refused) = refuse_unless_draft(&mut tx, version).await? {
        return Ok(refused);
    }
    write_texts_in(&mut tx, version, texts).await?;
    tx.commit().await?;
    Ok(Edit::Done)
}

async fn write_texts_in(conn: &mut SqliteConnection, version: i64, texts: &[TextWrite]) -> Result<(), crate::Error> {
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
    conn: &mut sqlx::SqliteConnection,
    version: i64,
    key: &QuestionKey,
    kind: QuestionKind,
    in_index: bool,
    observable: bool,
) -> Result<Edit, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
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
pub async fn remove_question(conn: &mut sqlx::SqliteConnection, version: i64, key: &str) -> Result<Edit, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
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
pub async fn move_question(
    conn: &mut sqlx::SqliteConnection,
    version: i64,
    key: &str,
    up: bool,
) -> Result<Edit, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
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
pub async fn discard_draft(conn: &mut sqlx::SqliteConnection, version: i64) -> Result<Edit, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
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

/// Publishes a draft if it is complete in every language it offers (checked in the same
/// transaction that publishes it). Tablets are given it from then on.
pub async fn publish(conn: &mut sqlx::SqliteConnection, version: i64) -> Result<Publication, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
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
