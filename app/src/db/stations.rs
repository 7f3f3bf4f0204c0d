use crate::domain::{Name, StationCode};
use sqlx::SqlitePool;

/// A station as the server needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Station {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub region: String,
    pub timezone: String,
    pub active: bool,
}

/// Adds a station; `Ok(None)` if its code is taken.
pub async fn insert(
    pool: &SqlitePool,
    code: &StationCode,
    name: &Name,
    region: &Name,
    timezone: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let (code, name, region) = (code.as_ref(), name.as_ref(), region.as_ref());
    let row = sqlx::query_scalar!(
        "INSERT INTO stations (code, name, region, timezone) VALUES (?, ?, ?, ?)
         ON CONFLICT (code) DO NOTHING RETURNING id",
        code,
        name,
        region,
        timezone
    )
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

pub async fn by_code(pool: &SqlitePool, code: &str) -> Result<Option<Station>, sqlx::Error> {
    let row =
        sqlx::query!(r#"SELECT id AS "id!", code, name, region, timezone, active FROM stations WHERE code = ?"#, code)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|r| Station {
        id: r.id,
        code: r.code,
        name: r.name,
        region: r.region,
        timezone: r.timezone,
        active: r.active != 0,
    }))
}

pub async fn by_id(pool: &SqlitePool, id: i64) -> Result<Option<Station>, sqlx::Error> {
    let row = sqlx::query!("SELECT id, code, name, region, timezone, active FROM stations WHERE id = ?", id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| Station {
        id: r.id,
        code: r.code,
        name: r.name,
        region: r.region,
        timezone: r.timezone,
        active: r.active != 0,
    }))
}
