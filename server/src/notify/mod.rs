//! Notifications (issue 20): webhooks and e-mails that tell an operator or a supervisor what
//! the dashboards would, without her signing in.
//!
//! - [`silence`] notices tablets that stopped delivering (the operational failure that
//!   matters most: a station silently stops hearing its visitors), and each release judges,
//!   in its own transaction, whether its station's dignity index fell as the overview
//!   flags it ([`index`]); each queues one message per episode for each endpoint of the
//!   station's region and each account that chose the alert and sees the station
//!   ([`audience`]), in the transaction that opens the episode;
//! - [`overdue`] notices stations whose scheduled release has stopped running;
//! - [`digest`] queues each account's weekly digest at her chosen time;
//! - [`sender`] posts what is due to endpoints, signed ([`sign`]), with the message's
//!   idempotency key, and mails what is due to accounts ([`letters`], [`mail`]), retrying
//!   with backoff for a day before it gives up.
//!
//! Nothing here is raised by a submission: the checks run on a schedule, an index alert
//! only with a release, and a message names a station and a tablet, never a visitor.

pub mod audience;
pub mod digest;
pub mod index;
pub mod letters;
pub mod mail;
pub mod messages;
pub mod overdue;
pub mod sender;
pub mod sign;
pub mod silence;
pub mod unsubscribe;

use std::time::Duration;

/// How often the checks run (and once at start).
const CHECK_EVERY: Duration = Duration::from_secs(3600);
/// How often the sender looks for due messages.
const SEND_EVERY: Duration = Duration::from_secs(15);
/// How long the sender's lease lasts: with several servers on one database, the sender of
/// one runs, renewing it before each message, and another takes over once it runs out.
/// Longer than one attempt can take, so that its holder renews it before it lapses.
pub const SENDER_LEASE: i64 = 300;

/// Runs the checks and the sender in the background, until the process ends.
pub fn spawn(db: crate::Db, k: domain::K, mail: Option<std::sync::Arc<mail::Mailer>>) {
    let mail_on = mail.is_some();
    let channels = sender::Channels::new(mail);
    let check_db = db.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(CHECK_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let now = chrono::Utc::now();
            if let Err(e) = silence::check(&check_db, mail_on, now).await {
                tracing::error!(error = %e, "the silent-tablet check failed");
            }
            if let Err(e) = overdue::check(&check_db, mail_on, now).await {
                tracing::error!(error = %e, "the overdue-release check failed");
            }
            if let Err(e) = digest::check(&check_db, k, mail_on, now).await {
                tracing::error!(error = %e, "the digest check failed");
            }
        }
    });
    let holder = crate::auth::random_token();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SEND_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let now = chrono::Utc::now().timestamp();
            if let Err(e) = sender::send_due_holding(&db, &channels, Some(&holder), now).await {
                tracing::error!(error = %e, "the notification sender could not read the outbox");
            }
        }
    });
}
