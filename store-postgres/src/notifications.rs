//! Notifications (`store::notifications`): webhook endpoints, the outbox, silence episodes.
//! Several servers may run these at once: an episode opens in one statement, and a
//! message is claimed with `FOR UPDATE SKIP LOCKED`, so each is announced and sent once.

pub use store::notifications::{
    AlertRule, Attempt, Delivery, DeliveryState, Due, DueTo, Endpoint, Outgoing, Recipient, Subscriber, Subscription,
    Topic,
};

use sqlx::{PgConnection, PgPool};
use store::release::Watch;

pub async fn endpoints(pool: &PgPool) -> Result<Vec<Endpoint>, crate::Error> {
    let rows = sqlx::query!("SELECT id, label, url, secret, region, created_at FROM webhook_endpoints ORDER BY id")
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
    conn: &mut PgConnection,
    label: &str,
    url: &str,
    secret: &str,
    region: Option<&str>,
) -> Result<i64, crate::Error> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO webhook_endpoints (label, url, secret, region) VALUES ($1, $2, $3, $4) RETURNING id",
        label,
        url,
        secret,
        region
    )
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn remove_endpoint(conn: &mut PgConnection, id: i64) -> Result<bool, crate::Error> {
    let done = sqlx::query!("DELETE FROM webhook_endpoints WHERE id = $1", id).execute(&mut *conn).await?;
    Ok(done.rows_affected() > 0)
}

/// Queues `messages`, skipping keys already queued; `conn` may be in a transaction.
pub async fn enqueue(conn: &mut PgConnection, messages: &[Outgoing], now: i64) -> Result<u64, crate::Error> {
    let keys: Vec<&str> = messages.iter().map(|m| m.idempotency_key.as_str()).collect();
    let (endpoints, accounts): (Vec<Option<i64>>, Vec<Option<i64>>) = messages
        .iter()
        .map(|m| match m.to {
            Recipient::Endpoint(id) => (Some(id), None),
            Recipient::Account(id) => (None, Some(id)),
        })
        .unzip();
    let kinds: Vec<&str> = messages.iter().map(|m| m.kind.as_str()).collect();
    let bodies: Vec<&str> = messages.iter().map(|m| m.body.as_str()).collect();
    Ok(sqlx::query!(
        "INSERT INTO notification_outbox (idempotency_key, endpoint_id, account_id, kind, body, created_at, next_attempt_at)
         SELECT k, e, a, kind, body, $6, $6
         FROM UNNEST($1::TEXT[], $2::BIGINT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[])
              WITH ORDINALITY AS m (k, e, a, kind, body, n)
         ORDER BY n
         ON CONFLICT (idempotency_key) DO NOTHING",
        &keys as _,
        &endpoints as _,
        &accounts as _,
        &kinds as _,
        &bodies as _,
        now
    )
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

pub async fn open_episode(
    conn: &mut PgConnection,
    kind: &str,
    subject_id: i64,
    since: &str,
    messages: &[Outgoing],
    now: i64,
) -> Result<bool, crate::Error> {
    // A savepoint when `conn` is in a transaction already (a release's).
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let opened = sqlx::query!(
        "INSERT INTO alert_episodes (kind, subject_id, since) VALUES ($1, $2, $3)
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
pub async fn judge(conn: &mut PgConnection, station_id: i64, watch: Watch<'_>) -> Result<bool, crate::Error> {
    let (ids, filters) = ([station_id], &watch.filters);
    let overview = crate::dashboard::overview_in(&mut *conn, &ids, filters, watch.k, watch.drop_threshold);
    let Some(row) = overview.await?.pop() else {
        return Ok(false);
    };
    let rule = sqlx::query!("SELECT drop_points, floor FROM station_alert_rules WHERE station_id = $1", station_id)
        .fetch_optional(&mut *conn)
        .await?
        .map_or_else(AlertRule::default, |r| AlertRule { drop_points: r.drop_points, floor: r.floor });
    match (watch.judge)(&row, rule) {
        None => {
            sqlx::query!("DELETE FROM alert_episodes WHERE kind = $1 AND subject_id = $2", watch.kind, station_id)
                .execute(&mut *conn)
                .await?;
            Ok(false)
        }
        Some(messages) if messages.is_empty() => Ok(false),
        Some(messages) => open_episode(conn, watch.kind, station_id, "", &messages, watch.now).await,
    }
}

pub async fn close_episodes(pool: &PgPool, kind: &str, still: &[i64]) -> Result<u64, crate::Error> {
    Ok(sqlx::query!("DELETE FROM alert_episodes WHERE kind = $1 AND NOT (subject_id = ANY($2))", kind, still)
        .execute(pool)
        .await?
        .rows_affected())
}

pub async fn claim_due(pool: &PgPool, now: i64, lease: i64, limit: i64) -> Result<Vec<Due>, crate::Error> {
    let rows = sqlx::query!(
        r#"WITH claimed AS (
               UPDATE notification_outbox SET next_attempt_at = $2::BIGINT + $3::BIGINT
               WHERE id IN (SELECT id FROM notification_outbox
                            WHERE state = 'pending' AND next_attempt_at <= $2
                            ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
               RETURNING id, idempotency_key, endpoint_id, account_id, kind, body, attempts, created_at)
           SELECT c.id AS "id!", c.idempotency_key AS "idempotency_key!", e.url AS "url?", e.secret AS "secret?",
                  u.id AS "account_id?", u.email AS "email?", c.kind AS "kind!",
                  c.body AS "body!", c.attempts AS "attempts!", c.created_at AS "created_at!"
           FROM claimed c
           LEFT JOIN webhook_endpoints e ON e.id = c.endpoint_id
           LEFT JOIN users u ON u.id = c.account_id
           ORDER BY c.created_at, c.id"#,
        limit,
        now,
        lease
    )
    .fetch_all(pool)
    .await?;
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

pub async fn record_attempt(pool: &PgPool, id: i64, attempt: Attempt, now: i64) -> Result<(), crate::Error> {
    let (state, status, next_at) = match attempt {
        Attempt::Sent { status } => ("sent", Some(status), now),
        Attempt::Retry { status, next_at } => ("pending", status, next_at),
        Attempt::Failed { status } => ("failed", status, now),
        Attempt::Cancelled => ("cancelled", None, now),
    };
    sqlx::query!(
        "UPDATE notification_outbox
         SET state = $1, attempts = attempts + 1, last_attempt_at = $2, last_status = $3, next_attempt_at = $4
         WHERE id = $5 AND state = 'pending'",
        state,
        now,
        status,
        next_at,
        id
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn deliveries(pool: &PgPool, limit: i64) -> Result<Vec<Delivery>, crate::Error> {
    let rows = sqlx::query!(
        r#"SELECT o.id, coalesce(e.label, u.email) AS "recipient!", o.kind, o.state, o.attempts, o.created_at,
                  o.last_attempt_at, o.last_status
         FROM notification_outbox o
         LEFT JOIN webhook_endpoints e ON e.id = o.endpoint_id
         LEFT JOIN users u ON u.id = o.account_id
         ORDER BY o.created_at DESC, o.id DESC LIMIT $1"#,
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

pub async fn subscribers(pool: &PgPool, account_id: Option<i64>) -> Result<Vec<Subscriber>, crate::Error> {
    let rows = sqlx::query!(
        "SELECT s.account_id, u.email, u.role, u.disabled, s.index_alerts, s.silence_alerts, s.digest,
                s.digest_weekday, s.digest_hour, s.timezone, s.language, s.unsubscribe_key
         FROM notification_subscriptions s JOIN users u ON u.id = s.account_id
         WHERE $1::BIGINT IS NULL OR s.account_id = $1
         ORDER BY s.account_id",
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
    pool: &PgPool,
    account_id: i64,
    s: &Subscription,
    new_key: &[u8],
) -> Result<(), crate::Error> {
    sqlx::query!(
        "INSERT INTO notification_subscriptions
             (account_id, index_alerts, silence_alerts, digest, digest_weekday, digest_hour, timezone, language, unsubscribe_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (account_id) DO UPDATE SET
             index_alerts = excluded.index_alerts, silence_alerts = excluded.silence_alerts,
             digest = excluded.digest, digest_weekday = excluded.digest_weekday,
             digest_hour = excluded.digest_hour, timezone = excluded.timezone, language = excluded.language",
        account_id,
        s.index_alerts,
        s.silence_alerts,
        s.digest,
        i64::from(s.digest_weekday),
        i64::from(s.digest_hour),
        s.timezone,
        s.language,
        new_key
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn unsubscribe(pool: &PgPool, account_id: i64, topic: Topic) -> Result<bool, crate::Error> {
    let done = sqlx::query!(
        "UPDATE notification_subscriptions
         SET index_alerts = index_alerts AND $2 <> 'index',
             silence_alerts = silence_alerts AND $2 <> 'silence',
             digest = digest AND $2 <> 'digest'
         WHERE account_id = $1
           AND CASE $2 WHEN 'index' THEN index_alerts WHEN 'silence' THEN silence_alerts ELSE digest END",
        account_id,
        topic.as_str()
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn alert_rules(pool: &PgPool) -> Result<Vec<(i64, AlertRule)>, crate::Error> {
    let rows = sqlx::query!("SELECT station_id, drop_points, floor FROM station_alert_rules ORDER BY station_id")
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(|r| (r.station_id, AlertRule { drop_points: r.drop_points, floor: r.floor })).collect())
}

pub async fn set_alert_rule(conn: &mut PgConnection, station_id: i64, rule: AlertRule) -> Result<(), crate::Error> {
    if rule == AlertRule::default() {
        sqlx::query!("DELETE FROM station_alert_rules WHERE station_id = $1", station_id).execute(&mut *conn).await?;
    } else {
        sqlx::query!(
            "INSERT INTO station_alert_rules (station_id, drop_points, floor) VALUES ($1, $2, $3)
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

pub async fn take_sender_lease(pool: &PgPool, holder: &str, now: i64, until: i64) -> Result<bool, crate::Error> {
    let done = sqlx::query!(
        "INSERT INTO notification_sender (id, holder, until) VALUES (1, $1, $3)
         ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, until = excluded.until
         WHERE notification_sender.holder = $1 OR notification_sender.until <= $2",
        holder,
        now,
        until
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}
