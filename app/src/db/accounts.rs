//! Staff accounts, what each may see, and their second factor.

use crate::domain::{Email, Role};
use sqlx::SqlitePool;

/// A staff account as the server needs it to sign someone in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub disabled: bool,
}

/// What a supervisor or researcher is granted: stations by code, whole regions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grants {
    pub stations: Vec<String>,
    pub regions: Vec<String>,
}

/// A `users` row as stored.
struct UserRow {
    id: i64,
    email: String,
    role: String,
    password_hash: String,
    totp_secret: Option<String>,
    disabled: i64,
}

impl TryFrom<UserRow> for User {
    type Error = sqlx::Error;
    fn try_from(r: UserRow) -> Result<Self, sqlx::Error> {
        Ok(User {
            id: r.id,
            role: Role::parse(&r.role).map_err(|e| sqlx::Error::Decode(e.into()))?,
            email: r.email,
            password_hash: r.password_hash,
            totp_secret: r.totp_secret,
            disabled: r.disabled != 0,
        })
    }
}

/// Adds an account with its grants; `Ok(None)` when the email is taken.
pub async fn create(
    pool: &SqlitePool,
    email: &Email,
    role: Role,
    password_hash: &str,
    grants: &Grants,
) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let (email, role) = (email.as_ref(), role.as_str());
    let id = sqlx::query_scalar!(
        "INSERT INTO users (email, role, password_hash) VALUES (?, ?, ?)
         ON CONFLICT (email) DO NOTHING RETURNING id",
        email,
        role,
        password_hash
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else { return Ok(None) };
    for (kind, values) in [("station", &grants.stations), ("region", &grants.regions)] {
        for value in values {
            sqlx::query!(
                "INSERT INTO user_scopes (user_id, kind, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                id,
                kind,
                value
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(Some(id))
}

pub async fn by_email(pool: &SqlitePool, email: &Email) -> Result<Option<User>, sqlx::Error> {
    let email = email.as_ref();
    sqlx::query_as!(
        UserRow,
        r#"SELECT id AS "id!", email, role, password_hash, totp_secret, disabled FROM users WHERE email = ?"#,
        email
    )
    .fetch_optional(pool)
    .await?
    .map(User::try_from)
    .transpose()
}

pub async fn by_id(pool: &SqlitePool, id: i64) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as!(
        UserRow,
        r#"SELECT id AS "id!", email, role, password_hash, totp_secret, disabled FROM users WHERE id = ?"#,
        id
    )
    .fetch_optional(pool)
    .await?
    .map(User::try_from)
    .transpose()
}

/// Replaces an account's password hash; `false` when there is no such account.
pub async fn set_password(pool: &SqlitePool, email: &Email, password_hash: &str) -> Result<bool, sqlx::Error> {
    let email = email.as_ref();
    let done =
        sqlx::query!("UPDATE users SET password_hash = ? WHERE email = ?", password_hash, email).execute(pool).await?;
    Ok(done.rows_affected() == 1)
}

/// Turns on two-factor sign-in with `secret`, replacing any recovery codes.
pub async fn enable_totp(
    pool: &SqlitePool,
    user_id: i64,
    secret: &str,
    recovery_hashes: &[Vec<u8>],
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query!("UPDATE users SET totp_secret = ? WHERE id = ?", secret, user_id).execute(&mut *tx).await?;
    sqlx::query!("DELETE FROM recovery_codes WHERE user_id = ?", user_id).execute(&mut *tx).await?;
    for hash in recovery_hashes {
        sqlx::query!("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", user_id, hash)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// Records that the TOTP code of `step` signed her in: `false` if that step (or a later
/// one) was already used, so that a seen code cannot be replayed.
pub async fn use_totp_step(pool: &SqlitePool, user_id: i64, step: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
        step,
        user_id,
        step
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Spends a recovery code: `true` once per code.
pub async fn use_recovery_code(pool: &SqlitePool, user_id: i64, code_hash: &[u8]) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!("DELETE FROM recovery_codes WHERE user_id = ? AND code_hash = ?", user_id, code_hash)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn recovery_codes_left(pool: &SqlitePool, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM recovery_codes WHERE user_id = ?"#, user_id)
        .fetch_one(pool)
        .await
}

pub async fn grants(pool: &SqlitePool, user_id: i64) -> Result<Grants, sqlx::Error> {
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
pub async fn visible_station_ids(pool: &SqlitePool, user_id: i64, role: Role) -> Result<Vec<i64>, sqlx::Error> {
    if role == Role::Admin {
        return sqlx::query_scalar!(r#"SELECT id AS "id!" FROM stations ORDER BY code"#).fetch_all(pool).await;
    }
    sqlx::query_scalar!(
        r#"SELECT s.id AS "id!" FROM stations s
           WHERE EXISTS (SELECT 1 FROM user_scopes g WHERE g.user_id = ?
                         AND ((g.kind = 'station' AND g.value = s.code)
                           OR (g.kind = 'region' AND g.value = s.region)))
           ORDER BY s.code"#,
        user_id
    )
    .fetch_all(pool)
    .await
}

/// Every station's id.
pub async fn all_station_ids(pool: &SqlitePool) -> Result<Vec<i64>, sqlx::Error> {
    visible_station_ids(pool, 0, Role::Admin).await
}

pub async fn count(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM users"#).fetch_one(pool).await
}
