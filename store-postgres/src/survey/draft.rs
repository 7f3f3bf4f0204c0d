//! Drafts of the next survey version: copied from the current one, edited question by
//! question, then published whole or discarded. A published version never changes (the
//! schema's triggers refuse it too; every edit checks first and says so).

use store::survey::*;

use super::{enabled_in, load_in, published};
use domain::{QuestionKey, QuestionKind};
use sqlx::PgConnection;

/// `None` when `version` is a draft, else why it cannot be edited.
async fn refuse_unless_draft(conn: &mut PgConnection, version: i64) -> Result<Option<Edit>, crate::Error> {
    Ok(match published(conn, version).await? {
        None => Some(Edit::NoSuchVersion),
        Some(true) => Some(Edit::Published),
        Some(false) => None,
    })
}

/// Copies the current version (questions, choices, texts and their review states) to
/// a new draft, numbered one above every version.
pub async fn start_draft(conn: &mut PgConnection) -> Result<DraftStart, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    let existing =
        sqlx::query_scalar!("SELECT version FROM survey_versions WHERE NOT published").fetch_optional(&mut *tx).await?;
    if let Some(draft) = existing {
        return Ok(DraftStart::DraftExists(draft));
    }
    let Some(from) = sqlx::query_scalar!(r#"SELECT MAX(version) AS "version" FROM survey_versions WHERE published"#)
        .fetch_one(&mut *tx)
        .await?
    else {
        return Ok(DraftStart::NothingPublished);
    };
    let draft: i64 = sqlx::query_scalar!(r#"SELECT COALESCE(MAX(version), 0) + 1 AS "v!" FROM survey_versions"#)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query!("INSERT INTO survey_versions (version, published) VALUES ($1, FALSE)", draft)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "INSERT INTO questions (survey_version, key, position, kind, in_index, profile, observable)
         SELECT $1, key, position, kind, in_index, profile, observable FROM questions WHERE survey_version = $2",
        draft,
        from
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO choices (survey_version, question_key, key, position)
         SELECT $1, question_key, key, position FROM choices WHERE survey_version = $2",
        draft,
        from
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO texts (survey_version, question_key, choice_key, language, text, child_text, review)
         SELECT $1, question_key, choice_key, language, text, child_text, review FROM texts WHERE survey_version = $2",
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
    conn: &mut PgConnection,
    version: i64,
    key: &str,
    change: &QuestionChange,
) -> Result<Edit, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    if let Some(refused) = refuse_unless_draft(&mut tx, version).await? {
        return Ok(refused);
    }
    let updated = sqlx::query!(
        "UPDATE questions SET kind = $1, in_index = $2, observable = $3
         WHERE survey_version = $4 AND key = $5
           AND survey_version IN (SELECT version FROM survey_versions WHERE NOT published)",
        change.kind.code(),
        change.in_index,
        change.observable,
        version,
        key
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(Edit::NoSuchQuestion);
    }
    let existing =
        sqlx::query_scalar!("SELECT key FROM choices WHERE survey_version = $1 AND question_key = $2", version, key)
            .fetch_all(&mut *tx)
            .await?;
    for gone in existing.iter().filter(|c| !change.choices.contains(c)) {
        sqlx::query!(
            "DELETE FROM texts
             WHERE survey_version = $1 AND question_key = $2 AND choice_key = $3
               AND survey_version IN (SELECT version FROM survey_versions WHERE NOT published)",
            version,
            key,
            gone
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "DELETE FROM choices
             WHERE survey_version = $1 AND question_key = $2 AND key = $3
               AND survey_version IN (SELECT version FROM survey_versions WHERE NOT published)",
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
             SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM survey_versions WHERE version = $1 AND NOT published)
             ON CONFLICT (survey_version, question_key, key) DO UPDATE SET position = excluded.position",
            version,
            key,
            choice,
            position
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
pub async fn write_texts(conn: &mut PgConnection, version: i64, texts: &[TextWrite]) -> Result<Edit, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    if let Some(refused) = refuse_unless_draft(&mut tx, version).await? {
        return Ok(refused);
    }
    write_texts_in(&mut tx, version, texts).await?;
    tx.commit().await?;
    Ok(Edit::Done)
}

async fn write_texts_in(conn: &mut PgConnection, version: i64, texts: &[TextWrite]) -> Result<(), crate::Error> {
    for t in texts {
        let language = t.language.code();
        if t.text.trim().is_empty() && t.child_text.trim().is_empty() {
            sqlx::query!(
                "DELETE FROM texts
                 WHERE survey_version = $1 AND question_key = $2 AND choice_key = $3 AND language = $4
                   AND survey_version IN (SELECT version FROM survey_versions WHERE NOT published)",
                version,
                t.question_key,
                t.choice_key,
                language
            )
            .execute(&mut *conn)
            .await?;
            continue;
        }
        sqlx::query!(
            "INSERT INTO texts (survey_version, question_key, choice_key, language, text, child_text, review)
             SELECT $1, $2, $3, $4, $5, $6, $7
             WHERE EXISTS (SELECT 1 FROM survey_versions WHERE version = $1 AND NOT published)
               AND EXISTS (SELECT 1 FROM questions WHERE survey_version = $1 AND key = $2)
               AND ($3 = '' OR EXISTS (
                   SELECT 1 FROM choices WHERE survey_version = $1 AND question_key = $2 AND key = $3))
             ON CONFLICT (survey_version, question_key, choice_key, language)
             DO UPDATE SET text = excluded.text, child_text = excluded.child_text, review = excluded.review",
            version,
            t.question_key,
            t.choice_key,
            language,
            t.text,
            t.child_text,
            t.review.code()
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Adds a question at the end of a draft, without texts or choices yet; `observable`
/// as [`QuestionChange::observable`].
pub async fn add_question(
    conn: &mut PgConnection,
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
    let taken = sqlx::query_scalar!("SELECT key FROM questions WHERE survey_version = $1 AND key = $2", version, key)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Ok(Edit::KeyTaken);
    }
    sqlx::query!(
        "INSERT INTO questions (survey_version, key, position, kind, in_index, profile, observable)
         VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM questions WHERE survey_version = $1),
                 $3, $4, FALSE, $5)",
        version,
        key,
        kind.code(),
        in_index,
        observable
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Edit::Done)
}

/// Removes a question from a draft, with its choices and texts.
pub async fn remove_question(conn: &mut PgConnection, version: i64, key: &str) -> Result<Edit, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    if let Some(refused) = refuse_unless_draft(&mut tx, version).await? {
        return Ok(refused);
    }
    sqlx::query!(
        "DELETE FROM texts WHERE survey_version = $1 AND question_key = $2
           AND survey_version IN (SELECT version FROM survey_versions WHERE NOT published)",
        version,
        key
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM choices WHERE survey_version = $1 AND question_key = $2
           AND survey_version IN (SELECT version FROM survey_versions WHERE NOT published)",
        version,
        key
    )
    .execute(&mut *tx)
    .await?;
    let removed = sqlx::query!(
        "DELETE FROM questions WHERE survey_version = $1 AND key = $2
           AND survey_version IN (SELECT version FROM survey_versions WHERE NOT published)",
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
pub async fn move_question(conn: &mut PgConnection, version: i64, key: &str, up: bool) -> Result<Edit, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    if let Some(refused) = refuse_unless_draft(&mut tx, version).await? {
        return Ok(refused);
    }
    let Some(position) =
        sqlx::query_scalar!("SELECT position FROM questions WHERE survey_version = $1 AND key = $2", version, key)
            .fetch_optional(&mut *tx)
            .await?
    else {
        return Ok(Edit::NoSuchQuestion);
    };
    let neighbour = if up {
        sqlx::query!(
            "SELECT key, position FROM questions
             WHERE survey_version = $1 AND position < $2 ORDER BY position DESC LIMIT 1",
            version,
            position
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| (r.key, r.position))
    } else {
        sqlx::query!(
            "SELECT key, position FROM questions
             WHERE survey_version = $1 AND position > $2 ORDER BY position LIMIT 1",
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
            "UPDATE questions SET position = $1 WHERE survey_version = $2 AND key = $3
               AND survey_version IN (SELECT version FROM survey_versions WHERE NOT published)",
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
pub async fn discard_draft(conn: &mut PgConnection, version: i64) -> Result<Edit, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    if let Some(refused) = refuse_unless_draft(&mut tx, version).await? {
        return Ok(refused);
    }
    sqlx::query!("DELETE FROM texts WHERE survey_version = $1", version).execute(&mut *tx).await?;
    sqlx::query!("DELETE FROM choices WHERE survey_version = $1", version).execute(&mut *tx).await?;
    sqlx::query!("DELETE FROM questions WHERE survey_version = $1", version).execute(&mut *tx).await?;
    sqlx::query!("DELETE FROM survey_versions WHERE version = $1 AND NOT published", version).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(Edit::Done)
}

/// Publishes a draft if it is complete in every language it offers (checked in the same
/// transaction that publishes it). Tablets are given it from then on.
pub async fn publish(conn: &mut PgConnection, version: i64) -> Result<Publication, crate::Error> {
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
    sqlx::query!("UPDATE survey_versions SET published = TRUE WHERE version = $1 AND NOT published", version)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Publication::Published { offered })
}
