//! The audit log: what staff (and the command line) did, with who and when. Staff
//! actions may carry exact times; visitors' answers never do.

use sqlx::SqlitePool;

/// One line of the administrators' audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminAudit {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// Writes a line of the administrators' audit log.
pub async fn audit(
    pool: &SqlitePool,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO admin_audit (actor, action, target, detail) VALUES (?, ?, ?, ?)",
        actor,
        action,
        target,
        detail
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The newest lines of the administrators' audit log first.
pub async fn audit_log(pool: &SqlitePool, limit: i64) -> Result<Vec<AdminAudit>, sqlx::Error> {
    sqlx::query_as!(
        AdminAudit,
        r#"SELECT id AS "id!", at, actor, action, target, detail FROM admin_audit ORDER BY id DESC LIMIT ?"#,
        limit
    )
    .fetch_all(pool)
    .await
}
