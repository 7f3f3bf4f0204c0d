//! Notifications: the webhook endpoints an administrator registers, the outbox of messages
//! to them, and each alert's current episode (a tablet's silence, a station's fall), so
//! that it is announced once.
//!
//! A message is written to the outbox in the transaction of the change that raised it,
//! and sent later by the sender (`server::notify`), which claims due messages for a lease
//! so that, with several servers on one database, one sends each at a time. Every
//! message has an idempotency key of its own: a message sent again after a crash carries
//! the same key, and a receiver can drop the copy.

use std::future::Future;

/// A webhook endpoint: where messages are posted, signed with its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub id: i64,
    pub label: String,
    pub url: String,
    /// The signing secret (shown once, when the endpoint is added).
    pub secret: String,
    /// The region whose stations it hears of; `None`: every region.
    pub region: Option<String>,
    pub created_at: String,
}

/// A message to queue for an endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// Unique over the outbox: a message queued twice under one key is queued once.
    pub idempotency_key: String,
    pub endpoint_id: i64,
    /// What the message is about: `silence`, `test`.
    pub kind: String,
    /// The JSON body, as it will be posted.
    pub body: String,
}

/// A message claimed for sending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    pub id: i64,
    pub idempotency_key: String,
    pub url: String,
    pub secret: String,
    pub kind: String,
    pub body: String,
    /// Attempts made before this one.
    pub attempts: i64,
    /// When it was queued (Unix seconds).
    pub created_at: i64,
}

/// What came of one attempt to send a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver answered 2xx.
    Sent { status: i64 },
    /// Not delivered (an error status, or no answer: `None`); tried again at `next_at`.
    Retry { status: Option<i64>, next_at: i64 },
    /// Not delivered, and no more attempts: shown as failed in the console.
    Failed { status: Option<i64> },
}

/// Where a message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryState {
    Pending,
    Sent,
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
        }
    }

    /// The state stored as `s`; `None` for what Digna never writes.
    pub fn parse(s: &str) -> Option<DeliveryState> {
        match s {
            "pending" => Some(DeliveryState::Pending),
            "sent" => Some(DeliveryState::Sent),
            "failed" => Some(DeliveryState::Failed),
            _ => None,
        }
    }
}

/// One message in the delivery log: its time, endpoint, state and attempts; never its
/// content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub endpoint: String,
    pub kind: String,
    pub state: DeliveryState,
    pub attempts: i64,
    /// Unix seconds.
    pub created_at: i64,
    pub last_attempt_at: Option<i64>,
    /// The receiver's last HTTP status; `None` if it never answered.
    pub last_status: Option<i64>,
}

/// Webhook endpoints, the outbox and silence episodes.
pub trait Notifications {
    /// Every endpoint, oldest first.
    fn endpoints(&self) -> impl Future<Output = Result<Vec<Endpoint>, crate::Error>> + Send;

    /// Adds an endpoint; returns its id.
    fn add_endpoint(
        &self,
        label: &str,
        url: &str,
        secret: &str,
        region: Option<&str>,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<i64, crate::Error>> + Send;

    /// Removes an endpoint and its messages; `false` if there was none.
    fn remove_endpoint(
        &self,
        id: i64,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<bool, crate::Error>> + Send;

    /// Queues `messages` at `now` (Unix seconds), due at once; a key already in the outbox
    /// is skipped. Returns how many were queued.
    fn enqueue(&self, messages: &[Outgoing], now: i64) -> impl Future<Output = Result<u64, crate::Error>> + Send;

    /// Opens the episode of alert `kind` about `subject_id` (a tablet, a station), under
    /// way since `since`, and queues `messages` in the same transaction, unless that
    /// episode is already open: `false` then, and nothing is queued. An episode open since
    /// something else is a new one. Several servers may ask at once: it opens once.
    fn open_episode(
        &self,
        kind: &str,
        subject_id: i64,
        since: &str,
        messages: &[Outgoing],
        now: i64,
    ) -> impl Future<Output = Result<bool, crate::Error>> + Send;

    /// Closes the episodes of alert `kind` whose subject is not in `still` (a tablet that
    /// delivered again, a station whose index recovered): its next one is announced
    /// again. Returns how many were closed.
    fn close_episodes(&self, kind: &str, still: &[i64]) -> impl Future<Output = Result<u64, crate::Error>> + Send;

    /// Claims at most `limit` messages due at `now`, oldest first: each is not due again
    /// until `now + lease`, so that a sender on another server leaves it alone while this
    /// one sends it.
    fn claim_due(
        &self,
        now: i64,
        lease: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<Due>, crate::Error>> + Send;

    /// Records an attempt to send message `id` at `now`.
    fn record_attempt(
        &self,
        id: i64,
        attempt: Attempt,
        now: i64,
    ) -> impl Future<Output = Result<(), crate::Error>> + Send;

    /// The delivery log, newest first, at most `limit` messages.
    fn deliveries(&self, limit: i64) -> impl Future<Output = Result<Vec<Delivery>, crate::Error>> + Send;
}
