//! Staff accounts, what each may see, and their second factor.

pub use store::accounts::{AccountLink, AccountSummary, Grants, LinkPurpose, PasswordPending, User, LINK_DAYS};

use domain::{Email, Role};
use sqlx::{PgConnection, PgPool};

mod admin;
mod scope;
mod second_factor;

pub use admin::{accept_link, disable, enable, force_reset, invite, link, list, update};
pub use scope::{all_station_ids, grants, visible_station_ids};
pub use second_factor::*;

/// A `users` row as stored.
struct UserRow {
    id: i64,
    email: String,
    role: String,
    password_hash: String,
    totp_secret: Option<String>,
    disabled: bool,
    session_epoch: i64,
    password_pending: Option<String>,
}

pub(super) fn decode(e: String) -> crate::Error {
    crate::Error::Corrupt(e)
}

impl TryFrom<UserRow> for User {
    type Error = crate::Error;
    fn try_from(r: UserRow) -> Result<Self, crate::Error> {
        Ok(User {
            id: r.id,
            role: Role::parse(&r.role).map_err(decode)?,
            email: r.email,
            password_hash: r.password_hash,
            totp_secret: r.totp_secret,
            disabled: r.disabled,
            session_epoch: r.session_epoch,
            password_pending: r.password_pending.as_deref().map(PasswordPending::parse).transpose().map_err(decode)?,
        })
    }
}

/// Adds an account with its grants; `Ok(None)` when the email is taken.
pub async fn create(
    conn: &mut PgConnection,
    email: &Email,
    role: Role,
    password_hash: &str,
    grants: &Grants,
) -> Result<Option<i64>, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    let (email, role) = (email.as_ref(), role.as_str());
    let id = sqlx::query_scalar!(
        r#"INSERT INTO users (email, role, password_hash) VALUES ($1, $2, $3)
           ON CONFLICT (email) DO NOTHING RETURNING id AS "id!""#,
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
                "INSERT INTO user_scopes (user_id, kind, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
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

pub async fn by_email(pool: &PgPool, email: &Email) -> Result<Option<User>, crate::Error> {
    let email = email.as_ref();
    sqlx::query_as!(
        UserRow,
        r#"SELECT id, email, role, password_hash, totp_secret, disabled, session_epoch, password_pending
           FROM users WHERE email = $1"#,
        email
    )
    .fetch_optional(pool)
    .await?
    .map(User::try_from)
    .transpose()
}

pub async fn by_id(pool: &PgPool, id: i64) -> Result<Option<User>, crate::Error> {
    sqlx::query_as!(
        UserRow,
        r#"SELECT id, email, role, password_hash, totp_secret, disabled, session_epoch, password_pending
           FROM users WHERE id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?
    .map(User::try_from)
    .transpose()
}

/// Replaces an account's password hash (she no longer needs a link, and her open links
/// stop working); `false` when there is no such account.
pub async fn set_password(conn: &mut PgConnection, email: &Email, password_hash: &str) -> Result<bool, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    let email = email.as_ref();
    let id = sqlx::query_scalar!(
        r#"UPDATE users SET password_hash = $1, password_pending = NULL, session_epoch = session_epoch + 1
           WHERE email = $2 RETURNING id AS "id!""#,
        password_hash,
        email
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else { return Ok(false) };
    admin::end_open_links(&mut tx, id).await?;
    tx.commit().await?;
    Ok(true)
}

/// Replaces the password of a signed-in account that proved her current one, and ends
/// her other sessions; the new epoch is returned for the session she changed it from.
pub async fn change_password(conn: &mut PgConnection, user_id: i64, password_hash: &str) -> Result<i64, crate::Error> {
    Ok(sqlx::query_scalar!(
        r#"UPDATE users SET password_hash = $1, session_epoch = session_epoch + 1
           WHERE id = $2 RETURNING session_epoch AS "epoch!""#,
        password_hash,
        user_id
    )
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn count(pool: &PgPool) -> Result<i64, crate::Error> {
    Ok(sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!" FROM users"#).fetch_one(pool).await?)
}
