//! The languages offered to visitors.

use store::survey::*;

use super::{load_in, BEGIN_WRITE};
use domain::Language;
use sqlx::{SqliteConnection, SqlitePool};

/// Languages an administrator has enabled for visitors.
pub async fn enabled_languages(pool: &SqlitePool) -> Result<Vec<Language>, crate::Error> {
    enabled_in(&mut *pool.acquire().await?).await
}

pub(super) async fn enabled_in(conn: &mut SqliteConnection) -> Result<Vec<Language>, crate::Error> {
    let rows =
        sqlx::query_scalar!(r#"SELECT code AS "code!" FROM languages WHERE enabled = 1"#).fetch_all(&mut *conn).await?;
    Ok(rows.iter().filter_map(|c| Language::parse(c).ok()).collect())
}

pub async fn set_language_enabled(pool: &SqlitePool, lang: Language, enabled: bool) -> Result<(), crate::Error> {
    let (code, enabled) = (lang.code(), i64::from(enabled));
    sqlx::query!("UPDATE languages SET enabled = ? WHERE code = ?", enabled, code).execute(pool).await?;
    Ok(())
}

/// How many texts of a survey version in `lang` still await a native speaker's review.
pub async fn texts_needing_review(pool: &SqlitePool, version: i64, lang: Language) -> Result<i64, crate::Error> {
    let code = lang.code();
    Ok(sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "n!: i64" FROM texts
           WHERE survey_version = ? AND language = ? AND review <> 'reviewed'"#,
        version,
        code
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
    pool: &SqlitePool,
    lang: Language,
    offer: bool,
    actor: &str,
) -> Result<LanguageChange, crate::Error> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    if !offer && lang.always_offered() {
        return Ok(LanguageChange::AlwaysOffered);
    }
    let mut detail = format!("{} no longer offered to visitors", lang.native_name());
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
        let code = lang.code();
        let unreviewed = sqlx::query_scalar!(
            r#"SELECT COUNT(*) AS "n!: i64" FROM texts
               WHERE survey_version = ? AND language = ? AND review <> 'reviewed'"#,
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
    let code = lang.code();
    let was = sqlx::query_scalar!(r#"SELECT enabled AS "enabled: bool" FROM languages WHERE code = ?"#, code)
        .fetch_optional(&mut *tx)
        .await?;
    if was == Some(offer) {
        return Ok(LanguageChange::Unchanged);
    }
    let enabled = i64::from(offer);
    sqlx::query!("UPDATE languages SET enabled = ? WHERE code = ?", enabled, code).execute(&mut *tx).await?;
    let action = if offer { "language.enable" } else { "language.disable" };
    crate::audit::audit(&mut *tx, actor, action, code, &detail).await?;
    tx.commit().await?;
    Ok(LanguageChange::Changed)
}
