//! Recorded voices (`store::voices`).

pub use store::voices::{NewVoice, Voice, VoiceFile};

use sqlx::{PgConnection, PgPool};

pub async fn voices(pool: &PgPool) -> Result<Vec<Voice>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT v.id AS "id!", v.language, v.text_key, v.text, v.survey_version, v.sha256, v.millis,
                  r.email AS "recorded_by?", v.recorded_at, a.email AS "approved_by?", v.approved_at
           FROM voice_recordings v
           LEFT JOIN users r ON r.id = v.recorded_by
           LEFT JOIN users a ON a.id = v.approved_by
           ORDER BY v.language, v.text_key"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Voice {
            id: r.id,
            language: r.language,
            text_key: r.text_key,
            text: r.text,
            survey_version: r.survey_version,
            sha256: r.sha256,
            millis: r.millis,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
            approved_by: r.approved_by,
            approved_at: r.approved_at,
        })
        .collect())
}

pub async fn voice_audio(pool: &PgPool, sha256: &str) -> Result<Option<Vec<u8>>, crate::Error> {
    Ok(sqlx::query_scalar!("SELECT audio FROM voice_recordings WHERE sha256 = $1 LIMIT 1", sha256)
        .fetch_optional(pool)
        .await?)
}

pub async fn save_voice(conn: &mut PgConnection, v: &NewVoice) -> Result<i64, crate::Error> {
    Ok(sqlx::query_scalar!(
        r#"INSERT INTO voice_recordings (language, text_key, text, survey_version, audio, sha256, millis,
                                         recorded_by, recorded_at, approved_by, approved_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL)
           ON CONFLICT (language, text_key) DO UPDATE SET
               text = excluded.text, survey_version = excluded.survey_version, audio = excluded.audio,
               sha256 = excluded.sha256, millis = excluded.millis, recorded_by = excluded.recorded_by,
               recorded_at = excluded.recorded_at, approved_by = NULL, approved_at = NULL
           RETURNING id AS "id!""#,
        v.language,
        v.text_key,
        v.text,
        v.survey_version,
        v.audio,
        v.sha256,
        v.millis,
        v.recorded_by,
        v.now
    )
    .fetch_one(&mut *conn)
    .await?)
}

#[allow(clippy::too_many_arguments)]
pub async fn approve_voice(
    conn: &mut PgConnection,
    id: i64,
    sha256: &str,
    text: &str,
    survey_version: i64,
    by: i64,
    now: i64,
) -> Result<bool, crate::Error> {
    let done = sqlx::query!(
        "UPDATE voice_recordings SET text = $1, survey_version = $2, approved_by = $3, approved_at = $4
         WHERE id = $5 AND sha256 = $6",
        text,
        survey_version,
        by,
        now,
        id,
        sha256
    )
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn remove_voice(conn: &mut PgConnection, id: i64) -> Result<bool, crate::Error> {
    let done = sqlx::query!("DELETE FROM voice_recordings WHERE id = $1", id).execute(&mut *conn).await?;
    Ok(done.rows_affected() > 0)
}

pub async fn voice_files(pool: &PgPool) -> Result<Vec<VoiceFile>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT language, text_key, text, survey_version, audio, sha256, millis,
                  (approved_at IS NOT NULL) AS "approved!"
           FROM voice_recordings ORDER BY language, text_key"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| VoiceFile {
            language: r.language,
            text_key: r.text_key,
            text: r.text,
            survey_version: r.survey_version,
            audio: r.audio,
            sha256: r.sha256,
            millis: r.millis,
            approved: r.approved,
        })
        .collect())
}

/// Writes `files`, each replacing its language and key's recording; approved ones are
/// approved at `now` by nobody in particular (another installation's approval).
pub async fn import_voices(conn: &mut PgConnection, files: &[VoiceFile], now: i64) -> Result<usize, crate::Error> {
    for f in files {
        let approved_at = f.approved.then_some(now);
        sqlx::query!(
            "INSERT INTO voice_recordings (language, text_key, text, survey_version, audio, sha256, millis,
                                           recorded_by, recorded_at, approved_by, approved_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, NULL, $9)
             ON CONFLICT (language, text_key) DO UPDATE SET
                 text = excluded.text, survey_version = excluded.survey_version, audio = excluded.audio,
                 sha256 = excluded.sha256, millis = excluded.millis, recorded_by = NULL,
                 recorded_at = excluded.recorded_at, approved_by = NULL, approved_at = excluded.approved_at",
            f.language,
            f.text_key,
            f.text,
            f.survey_version,
            f.audio,
            f.sha256,
            f.millis,
            now,
            approved_at
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(files.len())
}
