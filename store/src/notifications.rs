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

/// Who a message goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recipient {
    /// A webhook endpoint, by id.
    Endpoint(i64),
    /// A staff account, by e-mail, by id.
    Account(i64),
}

/// A message to queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// Unique over the outbox: a message queued twice under one key is queued once.
    pub idempotency_key: String,
    pub to: Recipient,
    /// What the message is about: `tablet.silent`, `station.index_fell`, `digest.weekly`, `test`.
    pub kind: String,
    /// The JSON body: posted as it is to an endpoint, written into an e-mail in the
    /// account's language when it is sent.
    pub body: String,
}

/// Where a claimed message goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DueTo {
    Webhook { url: String, secret: String },
    Account { account_id: i64, email: String },
}

impl DueTo {
    /// Where a claimed message goes, from the outbox's join with its endpoint (`url`,
    /// `secret`) and its account (`account_id`, `email`): exactly one side is set.
    pub fn from_columns(
        url: Option<String>,
        secret: Option<String>,
        account_id: Option<i64>,
        email: Option<String>,
    ) -> Option<DueTo> {
        match (url, secret, account_id, email) {
            (Some(url), Some(secret), None, None) => Some(DueTo::Webhook { url, secret }),
            (None, None, Some(account_id), Some(email)) => Some(DueTo::Account { account_id, email }),
            _ => None,
        }
    }
}

/// A message claimed for sending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    pub id: i64,
    pub idempotency_key: String,
    pub to: DueTo,
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
    /// Not to be sent any more: its account no longer sees what it is about, or no
    /// longer wants it.
    Cancelled,
}

/// Where a message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryState {
    Pending,
    Sent,
    Failed,
    Cancelled,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
            DeliveryState::Cancelled => "cancelled",
        }
    }

    /// The state stored as `s`; `None` for what Digna never writes.
    pub fn parse(s: &str) -> Option<DeliveryState> {
        match s {
            "pending" => Some(DeliveryState::Pending),
            "sent" => Some(DeliveryState::Sent),
            "failed" => Some(DeliveryState::Failed),
            "cancelled" => Some(DeliveryState::Cancelled),
            _ => None,
        }
    }
}

/// One message in the delivery log: its time, endpoint, state and attempts; never its
/// content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    /// The endpoint's label, or the account's e-mail address.
    pub recipient: String,
    pub kind: String,
    pub state: DeliveryState,
    pub attempts: i64,
    /// Unix seconds.
    pub created_at: i64,
    pub last_attempt_at: Option<i64>,
    /// The receiver's last HTTP status; `None` if it never answered.
    pub last_status: Option<i64>,
}

/// What an account may choose to receive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    /// A station's index fell.
    Index,
    /// A tablet stopped delivering.
    Silence,
    /// The weekly digest.
    Digest,
}

impl Topic {
    pub const ALL: [Topic; 3] = [Topic::Index, Topic::Silence, Topic::Digest];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Index => "index",
            Topic::Silence => "silence",
            Topic::Digest => "digest",
        }
    }

    pub fn parse(s: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// An account's choices: which messages, in which language, and when her digest comes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub index_alerts: bool,
    pub silence_alerts: bool,
    pub digest: bool,
    /// ISO weekday of the digest: 1 Monday … 7 Sunday.
    pub digest_weekday: u8,
    /// Hour of the digest, 0–23, in `timezone`.
    pub digest_hour: u8,
    /// An IANA timezone name, such as `America/Lima`.
    pub timezone: String,
    /// `es` or `en`.
    pub language: String,
}

impl Subscription {
    /// Whether she wants messages about `topic`.
    pub fn wants(&self, topic: Topic) -> bool {
        match topic {
            Topic::Index => self.index_alerts,
            Topic::Silence => self.silence_alerts,
            Topic::Digest => self.digest,
        }
    }
}

impl Default for Subscription {
    /// Nothing chosen; a digest, once chosen, on Monday at 8 in Lima, in Spanish.
    fn default() -> Self {
        Subscription {
            index_alerts: false,
            silence_alerts: false,
            digest: false,
            digest_weekday: 1,
            digest_hour: 8,
            timezone: "America/Lima".into(),
            language: "es".into(),
        }
    }
}

/// An account that chose something, as the checks and the sender need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscriber {
    pub account_id: i64,
    pub email: String,
    pub role: domain::Role,
    /// Whether the account is disabled (she then receives nothing).
    pub disabled: bool,
    pub subscription: Subscription,
    /// The key her unsubscribe links are signed with (32 bytes).
    pub unsubscribe_key: Vec<u8>,
}

/// A station's rule for the index alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlertRule {
    /// Points the index may fall against the weeks before before she hears of it.
    pub drop_points: i64,
    /// An index below this is announced too, however it got there.
    pub floor: Option<i64>,
}

impl AlertRule {
    /// The points and floor an administrator may set.
    pub const RANGE: std::ops::RangeInclusive<i64> = 1..=100;
}

impl Default for AlertRule {
    /// The overview's own flag: a fall of more than 10 points, no floor.
    fn default() -> Self {
        AlertRule { drop_points: crate::dashboard::DEFAULT_DROP_THRESHOLD as i64, floor: None }
    }
}

/// Webhook endpoints, accounts' choices, the outbox and alert episodes.
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

    /// The account's choices and unsubscribe key; `None` if she never chose.
    fn subscriber(&self, account_id: i64) -> impl Future<Output = Result<Option<Subscriber>, crate::Error>> + Send;

    /// Every account that chose something, disabled ones included, by id.
    fn subscribers(&self) -> impl Future<Output = Result<Vec<Subscriber>, crate::Error>> + Send;

    /// Saves her choices; `new_key` becomes her unsubscribe key if she had none.
    fn save_subscription(
        &self,
        account_id: i64,
        subscription: &Subscription,
        new_key: &[u8],
    ) -> impl Future<Output = Result<(), crate::Error>> + Send;

    /// Turns `topic` off for her, and nothing else; `false` if it was not on.
    fn unsubscribe(&self, account_id: i64, topic: Topic) -> impl Future<Output = Result<bool, crate::Error>> + Send;

    /// Takes or renews the sender's lease for `holder` (one server) until `until`, if
    /// nobody else holds it at `now`: with several servers, one sender runs at a time.
    fn take_sender_lease(
        &self,
        holder: &str,
        now: i64,
        until: i64,
    ) -> impl Future<Output = Result<bool, crate::Error>> + Send;

    /// The stations whose index alert has a rule of its own, by station id.
    fn alert_rules(&self) -> impl Future<Output = Result<Vec<(i64, AlertRule)>, crate::Error>> + Send;

    /// Sets a station's rule; the default one removes its own.
    fn set_alert_rule(
        &self,
        station_id: i64,
        rule: AlertRule,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<(), crate::Error>> + Send;

    /// The delivery log, newest first, at most `limit` messages.
    fn deliveries(&self, limit: i64) -> impl Future<Output = Result<Vec<Delivery>, crate::Error>> + Send;
}
