//! What each account may see: grants of stations and regions.

use super::Grants;
use domain::Role;
use sqlx::PgPool;

pub async fn grants(pool: &PgPool, user_id: i64) -> Result<Grants, crate::Error> {
    let rows = sqlx::query!("SELECT kind, value FROM user_scopes WHERE user_id = $1 ORDER BY kind, value", user_id)
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
pub async fn visible_station_ids(pool: &PgPool, user_id: i64, role: Role) -> Result<Vec<i64>, crate::Error> {
    // One row, the ids as one array, in the order of their codes: every staff request
    // reads them. The scopes are looked up once (`IN`), not once per station.
    let ids = if role == Role::Admin {
        sqlx::query_scalar!(r#"SELECT COALESCE(array_agg(id ORDER BY code), '{}') AS "ids!" FROM stations"#)
            .fetch_one(pool)
            .await?
    } else {
        sqlx::query_scalar!(
            r#"SELECT COALESCE(array_agg(id ORDER BY code), '{}') AS "ids!" FROM stations
               WHERE region IN (SELECT value FROM user_scopes WHERE user_id = $1 AND kind = 'region')
                  OR code IN (SELECT value FROM user_scopes WHERE user_id = $1 AND kind = 'station')"#,
            user_id
        )
        .fetch_one(pool)
        .await?
    };
    Ok(ids)
}

/// Every station's id.
pub async fn all_station_ids(pool: &PgPool) -> Result<Vec<i64>, crate::Error> {
    visible_station_ids(pool, 0, Role::Admin).await
}

/// Replaces the grants of `user_id` inside `tx`.
pub(super) async fn replace_grants(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    user_id: i64,
    grants: &Grants,
) -> Result<(), crate::Error> {
    sqlx::query!("DELETE FROM user_scopes WHERE user_id = $1", user_id).execute(&mut **tx).await?;
    for (kind, values) in [("station", &grants.stations), ("region", &grants.regions)] {
        for value in values {
            sqlx::query!(
                "INSERT INTO user_scopes (user_id, kind, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
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
