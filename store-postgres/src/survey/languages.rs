//! The languages offered to visitors.

use store::survey::*;

use super::load_in;
use domain::Language;
use sqlx::{PgConnection, PgPool};

/// Languages an administrator has enabled for visitors.
pub async fn enabled_languages(pool: &PgPool) -> Result<Vec<Language>, crate::Error> {
    enabled_in(&mut *pool.acquire().await?).await
}

pub(super) async fn enabled_in(conn: &mut PgConnection) -> Result<Vec<Language>, crate::Error> {
    let rows = sqlx::query_scalar!("SELECT code FROM languages WHERE enabled").fetch_all(&mut *conn).await?;
    Ok(rows.iter().filter_map(|c| Language::parse(c).ok()).collect())
}

/// Enables or disables `lang` for visitors, unchecked and unaudited (a test's setup; the
/// console and the command line go through [`offer_language`]).
pub async fn set_language_enabled(pool: &PgPool, lang: Language, enabled: bool) -> Result<(), crate::Error> {
    sqlx::query!("UPDATE languages SET enabled = $1 WHERE code = $2", enabled, lang.code()).execute(pool).await?;
    Ok(())
}

/// How many texts of a survey version in `lang` still await a native speaker's review.
pub async fn texts_needing_review(pool: &PgPool, version: i64, lang: Language) -> Result<i64, crate::Error> {
    Ok(sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "n!" FROM texts
           WHERE survey_version = $1 AND language = $2 AND review <> 'reviewed'"#,
        version,
        lang.code()
    )
    .fetch_one(pool)
    .await?)
}

/// Offers `lang` to visitors (only when every text of the current published version
/// exists in it) or stops offering it (never Spanish), checked where it is written, and
/// audits the change as `actor` in the same transaction (`language.enable`,
/// `language.disable`); nothing is audited when nothing changed. The same from the
/// browser and the command line.
pub async fn offer_language(
    pool: &PgPool,
    lang: Language,
    offer: bool,
    actor: &str,
) -> Result<LanguageChange, crate::Error> {
    if !offer && lang.always_offered() {
        return Ok(LanguageChange::AlwaysOffered);
    }
    let mut tx = crate::begin_write(pool).await?;
    let code = lang.code();
    let mut detail = format!("{} no longer offered to visitors", lang.native_name());
    if offer {
        let current = sqlx::query_scalar!(r#"SELECT MAX(version) AS "version" FROM survey_versions WHERE published"#)
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
        let unreviewed = sqlx::query_scalar!(
            r#"SELECT COUNT(*) AS "n!" FROM texts
               WHERE survey_version = $1 AND language = $2 AND review <> 'reviewed'"#,
            version,
            code
        )
        .fetch_one(&mut *tx)
        .await?;
        detail = format!(
            "{} offered to visitors; {unreviewed} texts of v{version} not yet reviewed by a native speaker",
            lang.native_name()
        );
    }
    let was =
        sqlx::query_scalar!("SELECT enabled FROM languages WHERE code = $1", code).fetch_optional(&mut *tx).await?;
    if was == Some(offer) {
        return Ok(LanguageChange::Unchanged);
    }
    sqlx::query!("UPDATE languages SET enabled = $1 WHERE code = $2", offer, code).execute(&mut *tx).await?;
    let action = if offer { "language.enable" } else { "language.disable" };
    crate::audit::audit(&mut *tx, actor, action, code, &detail).await?;
    tx.commit().await?;
    Ok(LanguageChange::Changed)
}
