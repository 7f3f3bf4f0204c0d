//! Notifications (issue 20): webhooks that tell an operator what the dashboards would, without
//! her signing in.
//!
//! - [`silence`] notices tablets that stopped delivering (the operational failure that
//!   matters most: a station silently stops hearing its visitors) and [`index`] stations
//!   whose dignity index fell as the overview flags it; each queues one message per
//!   episode for each endpoint of the station's region, in the transaction that opens the
//!   episode;
//! - [`sender`] posts what is due, signed ([`sign`]), with the message's idempotency key,
//!   retrying with backoff for a day before it gives up.
//!
//! Nothing here is raised by a submission: the checks run on a schedule, and a message
//! names a station and a tablet, never a visitor.

pub mod index;
pub mod sender;
pub mod sign;
pub mod silence;

use std::time::Duration;

/// How often the checks run (and once at start).
const CHECK_EVERY: Duration = Duration::from_secs(3600);
/// How often the sender looks for due messages.
const SEND_EVERY: Duration = Duration::from_secs(15);

/// Runs the silence check and the sender in the background, until the process ends.
pub fn spawn(db: crate::Db, k: domain::K) {
    let client = sender::client();
    let check_db = db.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(CHECK_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let now = chrono::Utc::now();
            if let Err(e) = silence::check(&check_db, now).await {
                tracing::error!(error = %e, "the silent-tablet check failed");
            }
            if let Err(e) = index::check(&check_db, k, domain::time::calendar::dashboards_week(now), now).await {
                tracing::error!(error = %e, "the index check failed");
            }
        }
    });
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SEND_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(e) = sender::send_due(&db, &client, chrono::Utc::now().timestamp()).await {
                tracing::error!(error = %e, "the notification sender could not read the outbox");
            }
        }
    });
}
