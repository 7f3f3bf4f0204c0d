//! Notifications (`store::notifications`): webhook endpoints, the outbox, silence episodes.

pub use store::notifications::{
    AlertRule, Attempt, Delivery, DeliveryState, Due, DueTo, Endpoint, Outgoing, Recipient, Subscriber, Subscription,
    Topic,
};

use sqlx::{SqliteConnection, SqlitePool};
use store::release::Watch;

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
        let (endpoint_id, account_id) = match m.to {
            Recipient::Endpoint(id) => (Some(id), None),
            Recipient::Account(id) => (None, Some(id)),
        };
        queued += sqlx::query!(
            "INSERT INTO notification_outbox (idempotency_key, endpoint_id, account_id, kind, body, created_at, next_attempt_at)
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING",
            m.idempotency_key,
            endpoint_id,
            account_id,
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

/// Judges a release's [`Watch`] on station `station_id` as `conn`, in the release's
/// transaction, sees the roll-ups it wrote: ends the station's episode, or opens one and
/// queues its messages. Whether one opened.
pub async fn judge(conn: &mut SqliteConnection, station_id: i64, watch: Watch<'_>) -> Result<bool, crate::Error> {
    let (ids, filters) = ([station_id], &watch.filters);
    let overview = crate::dashboard::overview_in(&mut *conn, &ids, filters, watch.k, watch.drop_threshold);
    let Some(row) = overview.await?.pop() else {
        return Ok(false);
    };
    let rule = sqlx::query!("SELECT drop_points, floor FROM station_alert_rules WHERE station_id = ?", station_id)
        .fetch_optional(&mut *conn)
        .await?
        .map_or_else(AlertRule::default, |r| AlertRule { drop_points: r.drop_points, floor: r.floor });
    match (watch.judge)(&row, rule) {
        None => {
            sqlx::query!("DELETE FROM alert_episodes WHERE kind = ? AND subject_id = ?", watch.kind, station_id)
                .execute(&mut *conn)
                .await?;
            Ok(false)
        }
        Some(messages) if messages.is_empty() => Ok(false),
        Some(messages) => open_episode(conn, watch.kind, station_id, "", &messages, watch.now).await,
    }
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
        r#"SELECT o.id AS "id!", o.idempotency_key AS "idempotency_key!", e.url AS "url?", e.secret AS "secret?", u.id AS "account_id?", u.email AS "email?",
                  o.kind AS "kind!", o.body AS "body!", o.attempts AS "attempts!", o.created_at AS "created_at!"
           FROM notification_outbox o
           LEFT JOIN webhook_endpoints e ON e.id = o.endpoint_id
           LEFT JOIN users u ON u.id = o.account_id
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
    rows.into_iter()
        .map(|r| {
            Ok(Due {
                id: r.id,
                idempotency_key: r.idempotency_key,
                to: DueTo::from_columns(r.url, r.secret, r.account_id, r.email)
                    .ok_or_else(|| crate::Error::Corrupt("an outbox message with no one recipient".into()))?,
                kind: r.kind,
                body: r.body,
                attempts: r.attempts,
                created_at: r.created_at,
            })
        })
        .collect()
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
        Attempt::Cancelled => ("cancelled", None, now),
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
        r#"SELECT o.id AS "id!", coalesce(e.label, u.email) AS "recipient!: String", o.kind AS "kind!",
                  o.state AS "state!", o.attempts AS "attempts!", o.created_at AS "created_at!", o.last_attempt_at, o.last_status
           FROM notification_outbox o
           LEFT JOIN webhook_endpoints e ON e.id = o.endpoint_id
           LEFT JOIN users u ON u.id = o.account_id
           ORDER BY o.created_at DESC, o.id DESC LIMIT ?"#,
        limit
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Delivery {
                id: r.id,
                recipient: r.recipient,
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

pub async fn subscribers(pool: &SqlitePool, account_id: Option<i64>) -> Result<Vec<Subscriber>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT s.account_id AS "account_id!", u.email, u.role, u.disabled AS "disabled: bool",
                  s.index_alerts AS "index_alerts: bool", s.silence_alerts AS "silence_alerts: bool",
                  s.digest AS "digest: bool", s.digest_weekday, s.digest_hour, s.timezone, s.language,
                  s.unsubscribe_key
           FROM notification_subscriptions s JOIN users u ON u.id = s.account_id
           WHERE ?1 IS NULL OR s.account_id = ?1
           ORDER BY s.account_id"#,
        account_id
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Subscriber {
                account_id: r.account_id,
                email: r.email,
                role: domain::Role::parse(&r.role).map_err(crate::Error::Corrupt)?,
                disabled: r.disabled,
                subscription: Subscription {
                    index_alerts: r.index_alerts,
                    silence_alerts: r.silence_alerts,
                    digest: r.digest,
                    digest_weekday: r.digest_weekday as u8,
                    digest_hour: r.digest_hour as u8,
                    timezone: r.timezone,
                    language: r.language,
                },
                unsubscribe_key: r.unsubscribe_key,
            })
        })
        .collect()
}

pub async fn save_subscription(
    conn: &mut SqliteConnection,
    account_id: i64,
    s: &Subscription,
    new_key: &[u8],
) -> Result<(), crate::Error> {
    let (weekday, hour) = (i64::from(s.digest_weekday), i64::from(s.digest_hour));
    sqlx::query!(
        "INSERT INTO notification_subscriptions
             (account_id, index_alerts, silence_alerts, digest, digest_weekday, digest_hour, timezone, language, unsubscribe_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (account_id) DO UPDATE SET
             index_alerts = excluded.index_alerts, silence_alerts = excluded.silence_alerts,
             digest = excluded.digest, digest_weekday = excluded.digest_weekday,
             digest_hour = excluded.digest_hour, timezone = excluded.timezone, language = excluded.language",
        account_id,
        s.index_alerts,
        s.silence_alerts,
        s.digest,
        weekday,
        hour,
        s.timezone,
        s.language,
        new_key
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn unsubscribe(conn: &mut SqliteConnection, account_id: i64, topic: Topic) -> Result<bool, crate::Error> {
    let topic = topic.as_str();
    let done = sqlx::query!(
        "UPDATE notification_subscriptions
         SET index_alerts = index_alerts AND ?2 <> 'index',
             silence_alerts = silence_alerts AND ?2 <> 'silence',
             digest = digest AND ?2 <> 'digest'
         WHERE account_id = ?1
           AND CASE ?2 WHEN 'index' THEN index_alerts WHEN 'silence' THEN silence_alerts ELSE digest END",
        account_id,
        topic
    )
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn alert_rules(pool: &SqlitePool) -> Result<Vec<(i64, AlertRule)>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT station_id AS "station_id!", drop_points, floor FROM station_alert_rules ORDER BY station_id"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.station_id, AlertRule { drop_points: r.drop_points, floor: r.floor })).collect())
}

pub async fn set_alert_rule(conn: &mut SqliteConnection, station_id: i64, rule: AlertRule) -> Result<(), crate::Error> {
    if rule == AlertRule::default() {
        sqlx::query!("DELETE FROM station_alert_rules WHERE station_id = ?", station_id).execute(&mut *conn).await?;
    } else {
        sqlx::query!(
            "INSERT INTO station_alert_rules (station_id, drop_points, floor) VALUES (?, ?, ?)
             ON CONFLICT (station_id) DO UPDATE SET drop_points = excluded.drop_points, floor = excluded.floor",
            station_id,
            rule.drop_points,
            rule.floor
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn take_sender_lease(
    conn: &mut SqliteConnection,
    holder: &str,
    now: i64,
    until: i64,
) -> Result<bool, crate::Error> {
    let done = sqlx::query!(
        "INSERT INTO notification_sender (id, holder, until) VALUES (1, ?1, ?3)
         ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, until = excluded.until
         WHERE notification_sender.holder = ?1 OR notification_sender.until <= ?2",
        holder,
        now,
        until
    )
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}
