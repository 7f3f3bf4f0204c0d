//! The audit log: what staff (and the command line) did, with who and when. Staff
//! actions may carry exact times; visitors' answers never do.

pub use store::audit::{AdminAudit, AuditFilter};

use sqlx::PgPool;

/// Writes a line of the administrators' audit log: on the pool, or inside the
/// transaction of the change it records (`&mut *tx`), so that both land or neither.
pub async fn audit<'e, E>(db: E, actor: &str, action: &str, target: &str, detail: &str) -> Result<(), crate::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Postgres>,
{
    sqlx::query!(
        "INSERT INTO admin_audit (actor, action, target, detail) VALUES ($1, $2, $3, $4)",
        actor,
        action,
        target,
        detail
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Writes `line` on `db` (the transaction of the change it records).
pub async fn write<'e, E>(db: E, line: &store::audit::Entry) -> Result<(), crate::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Postgres>,
{
    audit(db, &line.actor, &line.action, &line.target, &line.detail).await
}

/// The newest lines of the administrators' audit log first.
pub async fn audit_log(pool: &PgPool, limit: i64) -> Result<Vec<AdminAudit>, crate::Error> {
    Ok(sqlx::query_as!(
        AdminAudit,
        "SELECT id, at, actor, action, target, detail FROM admin_audit ORDER BY id DESC LIMIT $1",
        limit
    )
    .fetch_all(pool)
    .await?)
}

/// Lines of the audit log matching `filter`, newest first: the administrators' log and
/// the researchers' exports together (an export shows as `export.microdata` or
/// `export.open_data`).
pub async fn search(pool: &PgPool, filter: &AuditFilter, limit: i64) -> Result<Vec<AdminAudit>, crate::Error> {
    let (actor, action, from) = (&filter.actor, &filter.action, &filter.from);
    // Inclusive: every time stamp of the last day sorts before its end.
    let to = if filter.to.is_empty() { String::new() } else { format!("{}T99", filter.to) };
    Ok(sqlx::query_as!(
        AdminAudit,
        r#"SELECT id AS "id!", at AS "at!", actor AS "actor!", action AS "action!",
                  target AS "target!", detail AS "detail!"
           FROM (
               SELECT id, at, actor, action, target, detail FROM admin_audit
               UNION ALL
               SELECT id, created_at AS at, actor, 'export.' || kind AS action, zip_sha256 AS target,
                      rows::TEXT || ' rows, ' || suppressed::TEXT || ' suppressed; ' || filters AS detail
               FROM export_audit
           ) AS lines
           WHERE ($1 = '' OR strpos(lower(actor), lower($1)) > 0)
             AND ($2 = '' OR action = $2 OR action LIKE $2 || '.%')
             AND ($3 = '' OR at >= $3)
             AND ($4 = '' OR at < $4)
           ORDER BY at DESC, id DESC
           LIMIT $5"#,
        actor,
        action,
        from,
        to,
        limit
    )
    .fetch_all(pool)
    .await?)
}
