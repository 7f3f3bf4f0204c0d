//! What each account may see: grants of stations and regions.

use super::Grants;
use domain::Role;
use sqlx::SqlitePool;

pub async fn grants(pool: &SqlitePool, user_id: i64) -> Result<Grants, crate::Error> {
    let rows = sqlx::query!("SELECT kind, value FROM user_scopes WHERE user_id = ? ORDER BY kind, value", user_id)
        .fetch_all(pool)
        .await?;
    let mut grants = Grants::default();
    for r in rows {
        match r.kind.as_str() {
            "station" => grants.stations.push(r.value),
            _ => grants.regions.push(r.value),
        }
    }
    Ok(grants)
}

/// The ids of the stations an account may see: every station for an admin; for the
/// others, the stations granted by code and every station of a granted region.
pub async fn visible_station_ids(pool: &SqlitePool, user_id: i64, role: Role) -> Result<Vec<i64>, crate::Error> {
    // One row, the ids joined by commas: every staff request reads them, and a thousand
    // stations as a thousand rows cost a thousand trips through sqlx's connection thread.
    // The scopes are looked up once (`IN`), not once per station.
    let ids = if role == Role::Admin {
        sqlx::query_scalar!(
            r#"SELECT COALESCE(group_concat(id, ',' ORDER BY code), '') AS "ids!: String" FROM stations"#
        )
        .fetch_one(pool)
        .await?
    } else {
        sqlx::query_scalar!(
            r#"SELECT COALESCE(group_concat(id, ',' ORDER BY code), '') AS "ids!: String" FROM stations
               WHERE region IN (SELECT value FROM user_scopes WHERE user_id = ? AND kind = 'region')
                  OR code IN (SELECT value FROM user_scopes WHERE user_id = ? AND kind = 'station')"#,
            user_id,
            user_id
        )
        .fetch_one(pool)
        .await?
    };
    ids.split(',')
        .filter(|id| !id.is_empty())
        .map(|id| id.parse().map_err(|e: std::num::ParseIntError| crate::Error::Corrupt(e.to_string())))
        .collect()
}

/// Every station's id.
pub async fn all_station_ids(pool: &SqlitePool) -> Result<Vec<i64>, crate::Error> {
    visible_station_ids(pool, 0, Role::Admin).await
}

/// Replaces the grants of `user_id` inside `tx`.
pub(super) async fn replace_grants(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    user_id: i64,
    grants: &Grants,
) -> Result<(), crate::Error> {
    sqlx::query!("DELETE FROM user_scopes WHERE user_id = ?", user_id).execute(&mut **tx).await?;
    for (kind, values) in [("station", &grants.stations), ("region", &grants.regions)] {
        for value in values {
            sqlx::query!(
                "INSERT INTO user_scopes (user_id, kind, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                user_id,
                kind,
                value
            )
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}
