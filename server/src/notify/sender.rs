//! Sending what the outbox holds: each due message is claimed (so that a sender on another
//! server leaves it alone), sent, and recorded: sent on a 2xx (a webhook) or once the SMTP
//! server took it (an e-mail), otherwise tried again after a backoff (30 s, doubling, at
//! most an hour) until a day has passed since it was queued, then marked failed for the
//! console. A message sent again after a crash carries the same `Idempotency-Key` (a
//! webhook) or Message-ID (an e-mail). What a receiver answers is never read beyond its
//! status, and never logged.
//!
//! An e-mail is written when it is sent, for the account as she is then: if she turned
//! the topic off, was disabled, or no longer sees the station it is about, it is
//! cancelled; a digest keeps only the stations she still sees.

use super::{letters, sign};
use crate::web::layout::Lang;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use store::notifications::{Attempt, Due, DueTo};
use store::{Accounts, Notifications};

/// How long one attempt may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Messages one pass sends at most, one claimed at a time.
const BATCH: usize = 20;
/// How long a claimed message is left to its sender: longer than one attempt can take (a
/// webhook's 10 s; an SMTP conversation of a few steps, each within `mail::TIMEOUT`).
pub const LEASE_SECONDS: i64 = 300;
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
    pub cancelled: usize,
}

/// How messages leave: webhooks over HTTP, e-mail over SMTP if it is set up.
#[derive(Clone)]
pub struct Channels {
    pub http: reqwest::Client,
    pub mail: Option<Arc<super::mail::Mailer>>,
}

impl Channels {
    pub fn new(mail: Option<Arc<super::mail::Mailer>>) -> Channels {
        Channels { http: client(), mail }
    }
}

/// Sends the messages due at `now` (Unix seconds), at most one batch.
pub async fn send_due(db: &crate::Db, channels: &Channels, now: i64) -> Result<Pass, store::Error> {
    send_due_holding(db, channels, None, now).await
}

/// As [`send_due`], by the server whose sender holds the lease as `holder`: it renews the
/// lease before each message and stops as soon as it lost it, so that two servers never
/// send at once. Each message is claimed just before it is sent, for longer than an
/// attempt can take.
pub async fn send_due_holding(
    db: &crate::Db,
    channels: &Channels,
    holder: Option<&str>,
    now: i64,
) -> Result<Pass, store::Error> {
    let started = std::time::Instant::now();
    let mut pass = Pass::default();
    for _ in 0..BATCH {
        let at = now + started.elapsed().as_secs() as i64;
        if let Some(holder) = holder {
            if !Notifications::take_sender_lease(db, holder, at, at + super::SENDER_LEASE).await? {
                break;
            }
        }
        let Some(message) = Notifications::claim_due(db, at, LEASE_SECONDS, 1).await?.pop() else { break };
        let attempt = match &message.to {
            DueTo::Webhook { url, secret } => post(&channels.http, &message, url, secret, at).await,
            DueTo::Account { account_id, email } => mail(db, channels, &message, *account_id, email, at).await?,
        };
        match attempt {
            Attempt::Sent { .. } => pass.sent += 1,
            Attempt::Retry { .. } => pass.retrying += 1,
            Attempt::Failed { .. } => pass.failed += 1,
            Attempt::Cancelled => pass.cancelled += 1,
        }
        Notifications::record_attempt(db, message.id, attempt, at).await?;
    }
    Ok(pass)
}

/// Tried again after the backoff, or given up a day after it was queued.
fn again(message: &Due, status: Option<i64>, now: i64) -> Attempt {
    let next_at = now + backoff(message.attempts);
    match next_at - message.created_at > GIVE_UP_SECONDS {
        true => Attempt::Failed { status },
        false => Attempt::Retry { status, next_at },
    }
}

async fn mail(
    db: &crate::Db,
    channels: &Channels,
    message: &Due,
    account_id: i64,
    email: &str,
    now: i64,
) -> Result<Attempt, store::Error> {
    let Some(topic) = letters::topic_of(&message.kind) else { return Ok(Attempt::Cancelled) };
    let subscriber = match Notifications::subscriber(db, account_id).await? {
        Some(s) if !s.disabled && s.subscription.wants(topic) && super::audience::may_receive(s.role, topic) => s,
        _ => return Ok(Attempt::Cancelled),
    };
    let visible: HashSet<i64> =
        Accounts::visible_station_ids(db, account_id, subscriber.role).await?.into_iter().collect();
    let Some(mailer) = &channels.mail else { return Ok(again(message, None, now)) };
    let lang = Lang::parse(&subscriber.subscription.language);
    let letter = match letters::write(&message.kind, &message.body, lang, &visible, &mailer.public_url) {
        Ok(Some(letter)) => letter,
        Ok(None) => return Ok(Attempt::Cancelled),
        Err(error) => {
            tracing::error!(%error, kind = %message.kind, "an e-mail cannot be written");
            return Ok(Attempt::Failed { status: None });
        }
    };
    let envelope = match letters::envelope(mailer, email, &subscriber, letter, &message.idempotency_key) {
        Ok(envelope) => envelope,
        Err(error) => {
            tracing::error!(%error, kind = %message.kind, "an e-mail cannot be built");
            return Ok(Attempt::Failed { status: None });
        }
    };
    Ok(match mailer.send(envelope).await {
        Ok(()) => Attempt::Sent { status: 250 },
        Err(e) => {
            let status = e.status().map(|code| i64::from(u16::from(code)));
            tracing::warn!(status, kind = %message.kind, "the SMTP server did not take an e-mail");
            match e.is_permanent() {
                true => Attempt::Failed { status },
                false => again(message, status, now),
            }
        }
    })
}

async fn post(client: &reqwest::Client, message: &Due, url: &str, secret: &str, now: i64) -> Attempt {
    let body = message.body.clone().into_bytes();
    // Signed at the moment of sending, whatever `now` the schedule runs on.
    let signature = sign::header_value(secret, chrono::Utc::now().timestamp(), &body);
    let answer = client
        .post(url)
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
    again(message, status, now)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_backoff_doubles_from_half_a_minute_to_an_hour() {
        let waits: Vec<i64> = (0..9).map(super::backoff).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
