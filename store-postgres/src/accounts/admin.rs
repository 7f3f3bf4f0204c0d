//! What administrators do to accounts: list, invite, change, disable, reset; and the
//! one-time links that invitations and resets send.

use store::accounts::*;

use super::scope::replace_grants;
use super::{decode, Grants, LinkPurpose, PasswordPending, LINK_DAYS};
use domain::{Email, Role};
use sqlx::{PgConnection, PgPool};

/// Every account, by email, with its grants.
pub async fn list(pool: &PgPool) -> Result<Vec<AccountSummary>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT u.id, u.email, u.role, u.disabled, u.password_pending, u.created_at,
                  u.totp_secret IS NOT NULL AS "two_factor!",
                  EXISTS (SELECT 1 FROM account_links l WHERE l.user_id = u.id AND l.used_at IS NULL
                          AND l.expires_at > to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
                      AS "open_link!"
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
                disabled: r.disabled,
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

/// Ends every unused link of `user_id`: only the newest link ever works.
pub(super) async fn end_open_links(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    user_id: i64,
) -> Result<(), crate::Error> {
    sqlx::query!(
        r#"UPDATE account_links SET used_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
           WHERE user_id = $1 AND used_at IS NULL"#,
        user_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Stores a new one-time link of `user_id` (only the token's SHA-256), valid
/// [`LINK_DAYS`] days, and ends her older ones.
async fn add_link(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    user_id: i64,
    purpose: LinkPurpose,
    token_hash: &[u8],
) -> Result<(), crate::Error> {
    end_open_links(tx, user_id).await?;
    let purpose = purpose.as_str();
    sqlx::query!(
        r#"INSERT INTO account_links (token_hash, user_id, purpose, expires_at)
           VALUES ($1, $2, $3,
                   to_char((now() + $4::BIGINT * INTERVAL '1 day') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))"#,
        token_hash,
        user_id,
        purpose,
        LINK_DAYS
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Adds an invited account, with no usable password, its grants and its one-time
/// invitation link; `Ok(None)` when the email is taken.
pub async fn invite(
    conn: &mut PgConnection,
    email: &Email,
    role: Role,
    grants: &Grants,
    token_hash: &[u8],
) -> Result<Option<i64>, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    let (email, role) = (email.as_ref(), role.as_str());
    let id = sqlx::query_scalar!(
        r#"INSERT INTO users (email, role, password_hash, password_pending) VALUES ($1, $2, '', 'invited')
           ON CONFLICT (email) DO NOTHING RETURNING id AS "id!""#,
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
// refuses it, run while holding the writer lock (`crate::write_tx`). Under READ
// COMMITTED the lock is what matters: two UPDATEs of two different admins take no lock
// on each other's row, so without it both could count two active admins and pass.

/// Changes an account's role and grants; `false` (nothing changed) when she is the
/// last active admin and would stop being an admin.
pub async fn update(conn: &mut PgConnection, user_id: i64, role: Role, grants: &Grants) -> Result<bool, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    let role = role.as_str();
    let done = sqlx::query!(
        "UPDATE users SET role = $1 WHERE id = $2 AND (
             $1 = 'admin' OR role <> 'admin' OR disabled OR password_pending IS NOT NULL
             OR (SELECT COUNT(*) FROM users WHERE role = 'admin' AND NOT disabled AND password_pending IS NULL) > 1)",
        role,
        user_id
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
pub async fn disable(conn: &mut PgConnection, user_id: i64) -> Result<bool, crate::Error> {
    // One statement, but under the writer lock all the same (see the guard above).
    let mut tx = crate::write_tx(&mut *conn).await?;
    let done = sqlx::query!(
        "UPDATE users SET disabled = TRUE, session_epoch = session_epoch + 1 WHERE id = $1 AND (
             role <> 'admin' OR disabled OR password_pending IS NOT NULL
             OR (SELECT COUNT(*) FROM users WHERE role = 'admin' AND NOT disabled AND password_pending IS NULL) > 1)",
        user_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

pub async fn enable(conn: &mut PgConnection, user_id: i64) -> Result<(), crate::Error> {
    sqlx::query!("UPDATE users SET disabled = FALSE WHERE id = $1", user_id).execute(&mut *conn).await?;
    Ok(())
}

/// Forces a new password: the old one stops working (and so do her sessions), and a new
/// one-time link replaces any older one. An invited account stays invited and gets a
/// fresh invitation. `false` (nothing changed) when she is the last active admin.
pub async fn force_reset(
    conn: &mut PgConnection,
    user_id: i64,
    purpose: LinkPurpose,
    token_hash: &[u8],
) -> Result<bool, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    let done = sqlx::query!(
        "UPDATE users SET password_hash = '', session_epoch = session_epoch + 1,
             password_pending = CASE WHEN password_pending = 'invited' THEN 'invited' ELSE 'reset' END
         WHERE id = $1 AND (
             role <> 'admin' OR disabled OR password_pending IS NOT NULL
             OR (SELECT COUNT(*) FROM users WHERE role = 'admin' AND NOT disabled AND password_pending IS NULL) > 1)",
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

pub async fn link(pool: &PgPool, token_hash: &[u8]) -> Result<Option<AccountLink>, crate::Error> {
    let row = sqlx::query!(
        r#"SELECT l.user_id, u.email, l.purpose, u.disabled,
                  l.used_at IS NOT NULL AS "used!",
                  l.expires_at <= to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "expired!"
           FROM account_links l JOIN users u ON u.id = l.user_id WHERE l.token_hash = $1"#,
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
            disabled: r.disabled,
        })
    })
    .transpose()
}

/// Spends a one-time link and sets the password she chose; `None` (nothing changed)
/// when the link is unknown, used, expired or its account disabled.
pub async fn accept_link(
    conn: &mut PgConnection,
    token_hash: &[u8],
    password_hash: &str,
) -> Result<Option<i64>, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    let user_id = sqlx::query_scalar!(
        r#"UPDATE account_links SET used_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
           WHERE token_hash = $1 AND used_at IS NULL
             AND expires_at > to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
           RETURNING user_id AS "user_id!""#,
        token_hash
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(user_id) = user_id else { return Ok(None) };
    let done = sqlx::query!(
        "UPDATE users SET password_hash = $1, password_pending = NULL, session_epoch = session_epoch + 1
         WHERE id = $2 AND NOT disabled",
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
