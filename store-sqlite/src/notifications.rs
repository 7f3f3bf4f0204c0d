//! Notifications (`store::notifications`): webhook endpoints, the outbox, silence episodes.

pub use store::notifications::{Attempt, Delivery, DeliveryState, Due, Endpoint, Outgoing};

use sqlx::{SqliteConnection, SqlitePool};

pub async fn endpoints(pool: &SqlitePool) -> Result<Vec<Endpoint>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT id AS "id!", label, url, secret, region, created_at FROM webhook_endpoints ORDER BY id"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Endpoint {
            id: r.id,
            label: r.label,
            url: r.url,
            secret: r.secret,
            region: r.region,
            created_at: r.created_at,
        })
        .collect())
}

pub async fn add_endpoint(
    conn: &mut SqliteConnection,
    label: &str,
    url: &str,
    secret: &str,
    region: Option<&str>,
) -> Result<i64, crate::Error> {
    Ok(sqlx::query_scalar!(
        r#"INSERT INTO webhook_endpoints (label, url, secret, region) VALUES (?, ?, ?, ?) RETURNING id AS "id!""#,
        label,
        url,
        secret,
        region
    )
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn remove_endpoint(conn: &mut SqliteConnection, id: i64) -> Result<bool, crate::Error> {
    let done = sqlx::query!("DELETE FROM webhook_endpoints WHERE id = ?", id).execute(&mut *conn).await?;
    Ok(done.rows_affected() > 0)
}

/// Queues `messages`, skipping keys already queued; `conn` may be in a transaction.
pub async fn enqueue(conn: &mut SqliteConnection, messages: &[Outgoing], now: i64) -> Result<u64, crate::Error> {
    let mut queued = 0;
    for m in messages {
        queued += sqlx::query!(
            "INSERT INTO notification_outbox (idempotency_key, endpoint_id, kind, body, created_at, next_attempt_at)
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING",
            m.idempotency_key,
            m.endpoint_id,
            m.kind,
            m.body,
            now,
            now
        )
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(queued)
}

pub async fn open_episode(
    conn: &mut SqliteConnection,
    kind: &str,
    subject_id: i64,
    since: &str,
    messages: &[Outgoing],
    now: i64,
) -> Result<bool, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    let opened = sqlx::query!(
        "INSERT INTO alert_episodes (kind, subject_id, since) VALUES (?, ?, ?)
         ON CONFLICT (kind, subject_id) DO UPDATE SET since = excluded.since
         WHERE alert_episodes.since <> excluded.since",
        kind,
        subject_id,
        since
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    if opened {
        enqueue(&mut tx, messages, now).await?;
    }
    tx.commit().await?;
    Ok(opened)
}

pub async fn close_episodes(conn: &mut SqliteConnection, kind: &str, still: &[i64]) -> Result<u64, crate::Error> {
    let still = serde_json::to_string(still).expect("ids serialize");
    Ok(sqlx::query!(
        "DELETE FROM alert_episodes WHERE kind = ? AND subject_id NOT IN (SELECT value FROM json_each(?))",
        kind,
        still
    )
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

pub async fn claim_due(
    conn: &mut SqliteConnection,
    now: i64,
    lease: i64,
    limit: i64,
) -> Result<Vec<Due>, crate::Error> {
    let mut tx = crate::write_tx(&mut *conn).await?;
    let rows = sqlx::query!(
        r#"SELECT o.id AS "id!", o.idempotency_key AS "idempotency_key!", e.url AS "url!", e.secret AS "secret!",
                  o.kind AS "kind!", o.body AS "body!", o.attempts AS "attempts!", o.created_at AS "created_at!"
           FROM notification_outbox o JOIN webhook_endpoints e ON e.id = o.endpoint_id
           WHERE o.state = 'pending' AND o.next_attempt_at <= ?
           ORDER BY o.next_attempt_at, o.id LIMIT ?"#,
        now,
        limit
    )
    .fetch_all(&mut *tx)
    .await?;
    let until = now + lease;
    for r in &rows {
        sqlx::query!("UPDATE notification_outbox SET next_attempt_at = ? WHERE id = ?", until, r.id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| Due {
            id: r.id,
            idempotency_key: r.idempotency_key,
            url: r.url,
            secret: r.secret,
            kind: r.kind,
            body: r.body,
            attempts: r.attempts,
            created_at: r.created_at,
        })
        .collect())
}

pub async fn record_attempt(
    conn: &mut SqliteConnection,
    id: i64,
    attempt: Attempt,
    now: i64,
) -> Result<(), crate::Error> {
    let (state, status, next_at) = match attempt {
        Attempt::Sent { status } => ("sent", Some(status), now),
        Attempt::Retry { status, next_at } => ("pending", status, next_at),
        Attempt::Failed { status } => ("failed", status, now),
    };
    sqlx::query!(
        "UPDATE notification_outbox
         SET state = ?, attempts = attempts + 1, last_attempt_at = ?, last_status = ?, next_attempt_at = ?
         WHERE id = ? AND state = 'pending'",
        state,
        now,
        status,
        next_at,
        id
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn deliveries(pool: &SqlitePool, limit: i64) -> Result<Vec<Delivery>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT o.id AS "id!", e.label AS "label!", o.kind AS "kind!", o.state AS "state!", o.attempts AS "attempts!",
                  o.created_at AS "created_at!", o.last_attempt_at, o.last_status
           FROM notification_outbox o JOIN webhook_endpoints e ON e.id = o.endpoint_id
           ORDER BY o.created_at DESC, o.id DESC LIMIT ?"#,
        limit
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Delivery {
                id: r.id,
                endpoint: r.label,
                kind: r.kind,
                state: DeliveryState::parse(&r.state)
                    .ok_or_else(|| crate::Error::Corrupt(format!("a delivery state {:?}", r.state)))?,
                attempts: r.attempts,
                created_at: r.created_at,
                last_attempt_at: r.last_attempt_at,
                last_status: r.last_status,
            })
        })
        .collect()
}
