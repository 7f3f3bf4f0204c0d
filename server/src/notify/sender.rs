//! Sending what the outbox holds: each due message is claimed (so that a sender on another
//! server leaves it alone), posted with its signature and idempotency key, and recorded:
//! sent on a 2xx, otherwise tried again after a backoff (30 s, doubling, at most an hour)
//! until a day has passed since it was queued, then marked failed for the console. A
//! message sent again after a crash carries the same `Idempotency-Key`. What a receiver
//! answers is never read beyond its status, and never logged.

use super::sign;
use std::time::Duration;
use store::notifications::{Attempt, Due};
use store::Notifications;

/// How long one attempt may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Messages one pass claims.
const BATCH: i64 = 20;
/// How long a claimed message is left to its sender: longer than a whole pass.
pub const LEASE_SECONDS: i64 = BATCH * TIMEOUT.as_secs() as i64 + 60;
/// After this long since it was queued, a message is given up.
pub const GIVE_UP_SECONDS: i64 = 24 * 3600;

/// The client messages are posted with: no redirects followed, a bounded time.
pub fn client() -> reqwest::Client {
    client_with_timeout(TIMEOUT)
}

/// As [`client`], with another bound on an attempt's time (tests).
pub fn client_with_timeout(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Digna/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client's settings are valid")
}

/// The wait before the next attempt, after `attempts` failed ones.
pub fn backoff(attempts: i64) -> i64 {
    (30i64 << attempts.clamp(0, 7)).min(3600)
}

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Sends the messages due at `now` (Unix seconds), at most one batch.
pub async fn send_due(db: &crate::Db, client: &reqwest::Client, now: i64) -> Result<Pass, store::Error> {
    let mut pass = Pass::default();
    for message in Notifications::claim_due(db, now, LEASE_SECONDS, BATCH).await? {
        let attempt = attempt(client, &message, now).await;
        match attempt {
            Attempt::Sent { .. } => pass.sent += 1,
            Attempt::Retry { .. } => pass.retrying += 1,
            Attempt::Failed { .. } => pass.failed += 1,
        }
        Notifications::record_attempt(db, message.id, attempt, now).await?;
    }
    Ok(pass)
}

async fn attempt(client: &reqwest::Client, message: &Due, now: i64) -> Attempt {
    let body = message.body.clone().into_bytes();
    // Signed at the moment of sending, whatever `now` the schedule runs on.
    let signature = sign::header_value(&message.secret, chrono::Utc::now().timestamp(), &body);
    let answer = client
        .post(&message.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(sign::HEADER, signature)
        .header("Idempotency-Key", &message.idempotency_key)
        .header("Digna-Event", &message.kind)
        .body(body)
        .send()
        .await;
    let status = match answer {
        Ok(answer) if answer.status().is_success() => return Attempt::Sent { status: answer.status().as_u16().into() },
        Ok(answer) => Some(i64::from(answer.status().as_u16())),
        Err(_) => None,
    };
    let next_at = now + backoff(message.attempts);
    match next_at - message.created_at > GIVE_UP_SECONDS {
        true => Attempt::Failed { status },
        false => Attempt::Retry { status, next_at },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_backoff_doubles_from_half_a_minute_to_an_hour() {
        let waits: Vec<i64> = (0..9).map(super::backoff).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
