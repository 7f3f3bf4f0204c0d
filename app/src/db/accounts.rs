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
    /// Set while she has no usable password: invited, or reset by an admin.
    pub password_pending: Option<PasswordPending>,
}

impl User {
    /// Whether the account may sign in and keep a session: not disabled, and with a
    /// password of her own (an invited or reset account has none until she sets one).
    pub fn may_sign_in(&self) -> bool {
        !self.disabled && self.password_pending.is_none()
    }
}

/// Why an account has no usable password yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordPending {
    /// Invited by an admin; she has never had a password.
    Invited,
    /// An admin forced a reset: her old password no longer works.
    Reset,
}

impl PasswordPending {
    fn parse(s: &str) -> Result<Self, String> {
        match s {
            "invited" => Ok(PasswordPending::Invited),
            "reset" => Ok(PasswordPending::Reset),
            other => Err(format!("{other:?} is not a pending password state")),
        }
    }
}

/// What a one-time link lets her do: accept an invitation or replace a reset password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkPurpose {
    Invite,
    Reset,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Invite => "invite",
            LinkPurpose::Reset => "reset",
        }
    }

    fn parse(s: &str) -> Result<Self, String> {
        match s {
            "invite" => Ok(LinkPurpose::Invite),
            "reset" => Ok(LinkPurpose::Reset),
            other => Err(format!("{other:?} is not a link purpose")),
        }
    }
}

/// How long a one-time link works.
pub const LINK_DAYS: i64 = 7;

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
    password_pending: Option<String>,
}

fn decode(e: String) -> sqlx::Error {
    sqlx::Error::Decode(e.into())
}

impl TryFrom<UserRow> for User {
    type Error = sqlx::Error;
    fn try_from(r: UserRow) -> Result<Self, sqlx::Error> {
        Ok(User {
            id: r.id,
            role: Role::parse(&r.role).map_err(decode)?,
            email: r.email,
            password_hash: r.password_hash,
            totp_secret: r.totp_secret,
            disabled: r.disabled != 0,
            password_pending: r.password_pending.as_deref().map(PasswordPending::parse).transpose().map_err(decode)?,
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
        r#"SELECT id AS "id!", email, role, password_hash, totp_secret, disabled, password_pending
           FROM users WHERE email = ?"#,
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
        r#"SELECT id AS "id!", email, role, password_hash, totp_secret, disabled, password_pending
           FROM users WHERE id = ?"#,
        id
    )
    .fetch_optional(pool)
    .await?
    .map(User::try_from)
    .transpose()
}

/// Replaces an account's password hash (she no longer needs a link, and her open links
/// stop working); `false` when there is no such account.
pub async fn set_password(pool: &SqlitePool, email: &Email, password_hash: &str) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let email = email.as_ref();
    let id = sqlx::query_scalar!(
        r#"UPDATE users SET password_hash = ?, password_pending = NULL WHERE email = ? RETURNING id AS "id!""#,
        password_hash,
        email
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else { return Ok(false) };
    end_open_links(&mut tx, id).await?;
    tx.commit().await?;
    Ok(true)
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
        .map(|id| id.parse().map_err(|e: std::num::ParseIntError| sqlx::Error::Decode(e.into())))
        .collect()
}

/// Every station's id.
pub async fn all_station_ids(pool: &SqlitePool) -> Result<Vec<i64>, sqlx::Error> {
    visible_station_ids(pool, 0, Role::Admin).await
}

pub async fn count(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM users"#).fetch_one(pool).await
}

/// An account as the administrators' list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountSummary {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub password_pending: Option<PasswordPending>,
    pub two_factor: bool,
    /// Whether an unused, unexpired link is waiting for her.
    pub open_link: bool,
    pub created_at: String,
    pub grants: Grants,
}

/// Every account, by email, with its grants.
pub async fn list(pool: &SqlitePool) -> Result<Vec<AccountSummary>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT u.id AS "id!", u.email, u.role, u.disabled, u.password_pending, u.created_at,
                  u.totp_secret IS NOT NULL AS "two_factor!: bool",
                  EXISTS (SELECT 1 FROM account_links l WHERE l.user_id = u.id AND l.used_at IS NULL
                          AND l.expires_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) AS "open_link!: bool"
           FROM users u ORDER BY u.email"#
    )
    .fetch_all(pool)
    .await?;
    let scopes = sqlx::query!("SELECT user_id, kind, value FROM user_scopes ORDER BY user_id, kind, value")
        .fetch_all(pool)
        .await?;
    rows.into_iter()
        .map(|r| {
            let mut grants = Grants::default();
            for s in scopes.iter().filter(|s| s.user_id == r.id) {
                match s.kind.as_str() {
                    "station" => grants.stations.push(s.value.clone()),
                    _ => grants.regions.push(s.value.clone()),
                }
            }
            Ok(AccountSummary {
                id: r.id,
                role: Role::parse(&r.role).map_err(decode)?,
                email: r.email,
                disabled: r.disabled != 0,
                password_pending: r
                    .password_pending
                    .as_deref()
                    .map(PasswordPending::parse)
                    .transpose()
                    .map_err(decode)?,
                two_factor: r.two_factor,
                open_link: r.open_link,
                created_at: r.created_at,
                grants,
            })
        })
        .collect()
}

/// Replaces the grants of `user_id` inside `tx`.
async fn replace_grants(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    user_id: i64,
    grants: &Grants,
) -> Result<(), sqlx::Error> {
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

/// Ends every unused link of `user_id`: only the newest link ever works.
async fn end_open_links(tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE account_links SET used_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
         WHERE user_id = ? AND used_at IS NULL",
        user_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Stores a new one-time link of `user_id` (only the token's SHA-256), valid
/// [`LINK_DAYS`] days, and ends her older ones.
async fn add_link(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    user_id: i64,
    purpose: LinkPurpose,
    token_hash: &[u8],
) -> Result<(), sqlx::Error> {
    end_open_links(tx, user_id).await?;
    let (purpose, days) = (purpose.as_str(), format!("+{LINK_DAYS} days"));
    sqlx::query!(
        "INSERT INTO account_links (token_hash, user_id, purpose, expires_at)
         VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?))",
        token_hash,
        user_id,
        purpose,
        days
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Adds an invited account, with no usable password, its grants and its one-time
/// invitation link; `Ok(None)` when the email is taken.
pub async fn invite(
    pool: &SqlitePool,
    email: &Email,
    role: Role,
    grants: &Grants,
    token_hash: &[u8],
) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let (email, role) = (email.as_ref(), role.as_str());
    let id = sqlx::query_scalar!(
        "INSERT INTO users (email, role, password_hash, password_pending) VALUES (?, ?, '', 'invited')
         ON CONFLICT (email) DO NOTHING RETURNING id",
        email,
        role
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else { return Ok(None) };
    replace_grants(&mut tx, id, grants).await?;
    add_link(&mut tx, id, LinkPurpose::Invite, token_hash).await?;
    tx.commit().await?;
    Ok(Some(id))
}

// The last-admin guard: every change below that could leave no active admin (an admin
// who is not disabled and has a password of her own) is one UPDATE whose WHERE clause
// refuses it, so two admins acting at once cannot both pass the check.

/// Changes an account's role and grants; `false` (nothing changed) when she is the
/// last active admin and would stop being an admin.
pub async fn update(pool: &SqlitePool, user_id: i64, role: Role, grants: &Grants) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let role = role.as_str();
    let done = sqlx::query!(
        "UPDATE users SET role = ? WHERE id = ? AND (
             ? = 'admin' OR role <> 'admin' OR disabled = 1 OR password_pending IS NOT NULL
             OR (SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND password_pending IS NULL) > 1)",
        role,
        user_id,
        role
    )
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    replace_grants(&mut tx, user_id, grants).await?;
    tx.commit().await?;
    Ok(true)
}

/// Disables an account (she cannot sign in and her sessions stop working); `false`
/// (nothing changed) when she is the last active admin.
pub async fn disable(pool: &SqlitePool, user_id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE users SET disabled = 1 WHERE id = ? AND (
             role <> 'admin' OR disabled = 1 OR password_pending IS NOT NULL
             OR (SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND password_pending IS NULL) > 1)",
        user_id
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn enable(pool: &SqlitePool, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE users SET disabled = 0 WHERE id = ?", user_id).execute(pool).await?;
    Ok(())
}

/// Forces a new password: the old one stops working (and so do her sessions), and a new
/// one-time link replaces any older one. An invited account stays invited and gets a
/// fresh invitation. `false` (nothing changed) when she is the last active admin.
pub async fn force_reset(
    pool: &SqlitePool,
    user_id: i64,
    purpose: LinkPurpose,
    token_hash: &[u8],
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query!(
        "UPDATE users SET password_hash = '',
             password_pending = CASE WHEN password_pending = 'invited' THEN 'invited' ELSE 'reset' END
         WHERE id = ? AND (
             role <> 'admin' OR disabled = 1 OR password_pending IS NOT NULL
             OR (SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND password_pending IS NULL) > 1)",
        user_id
    )
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    add_link(&mut tx, user_id, purpose, token_hash).await?;
    tx.commit().await?;
    Ok(true)
}

/// A one-time link as found by its token's hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountLink {
    pub user_id: i64,
    pub email: String,
    pub purpose: LinkPurpose,
    pub used: bool,
    pub expired: bool,
    pub disabled: bool,
}

pub async fn link(pool: &SqlitePool, token_hash: &[u8]) -> Result<Option<AccountLink>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT l.user_id, u.email, l.purpose, u.disabled,
                  l.used_at IS NOT NULL AS "used!: bool",
                  l.expires_at <= strftime('%Y-%m-%dT%H:%M:%SZ', 'now') AS "expired!: bool"
           FROM account_links l JOIN users u ON u.id = l.user_id WHERE l.token_hash = ?"#,
        token_hash
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(AccountLink {
            user_id: r.user_id,
            email: r.email,
            purpose: LinkPurpose::parse(&r.purpose).map_err(decode)?,
            used: r.used,
            expired: r.expired,
            disabled: r.disabled != 0,
        })
    })
    .transpose()
}

/// Spends a one-time link and sets the password she chose; `None` (nothing changed)
/// when the link is unknown, used, expired or its account disabled.
pub async fn accept_link(
    pool: &SqlitePool,
    token_hash: &[u8],
    password_hash: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let user_id = sqlx::query_scalar!(
        "UPDATE account_links SET used_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
         WHERE token_hash = ? AND used_at IS NULL AND expires_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
         RETURNING user_id",
        token_hash
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(user_id) = user_id else { return Ok(None) };
    let done = sqlx::query!(
        "UPDATE users SET password_hash = ?, password_pending = NULL WHERE id = ? AND disabled = 0",
        password_hash,
        user_id
    )
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(None);
    }
    end_open_links(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(Some(user_id))
}
