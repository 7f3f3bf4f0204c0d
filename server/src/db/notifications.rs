//! `store::notifications`, on whichever database the server runs.

use super::Db;
use store::notifications::*;

impl store::Notifications for Db {
    async fn endpoints(&self) -> Result<Vec<Endpoint>, store::Error> {
        dispatch!(self, |inner| store::Notifications::endpoints(inner))
    }

    async fn add_endpoint(
        &self,
        label: &str,
        url: &str,
        secret: &str,
        region: Option<&str>,
        audit: &store::audit::Entry,
    ) -> Result<i64, store::Error> {
        dispatch!(self, |inner| store::Notifications::add_endpoint(inner, label, url, secret, region, audit))
    }

    async fn remove_endpoint(&self, id: i64, audit: &store::audit::Entry) -> Result<bool, store::Error> {
        dispatch!(self, |inner| store::Notifications::remove_endpoint(inner, id, audit))
    }

    async fn enqueue(&self, messages: &[Outgoing], now: i64) -> Result<u64, store::Error> {
        dispatch!(self, |inner| store::Notifications::enqueue(inner, messages, now))
    }

    async fn open_episode(
        &self,
        kind: &str,
        subject_id: i64,
        since: &str,
        messages: &[Outgoing],
        now: i64,
    ) -> Result<bool, store::Error> {
        dispatch!(self, |inner| store::Notifications::open_episode(inner, kind, subject_id, since, messages, now))
    }

    async fn close_episodes(&self, kind: &str, still: &[i64]) -> Result<u64, store::Error> {
        dispatch!(self, |inner| store::Notifications::close_episodes(inner, kind, still))
    }

    async fn claim_due(&self, now: i64, lease: i64, limit: i64) -> Result<Vec<Due>, store::Error> {
        dispatch!(self, |inner| store::Notifications::claim_due(inner, now, lease, limit))
    }

    async fn record_attempt(&self, id: i64, attempt: Attempt, now: i64) -> Result<(), store::Error> {
        dispatch!(self, |inner| store::Notifications::record_attempt(inner, id, attempt, now))
    }

    async fn subscriber(&self, account_id: i64) -> Result<Option<Subscriber>, store::Error> {
        dispatch!(self, |inner| store::Notifications::subscriber(inner, account_id))
    }

    async fn subscribers(&self) -> Result<Vec<Subscriber>, store::Error> {
        dispatch!(self, |inner| store::Notifications::subscribers(inner))
    }

    async fn save_subscription(
        &self,
        account_id: i64,
        subscription: &Subscription,
        new_key: &[u8],
    ) -> Result<(), store::Error> {
        dispatch!(self, |inner| store::Notifications::save_subscription(inner, account_id, subscription, new_key))
    }

    async fn unsubscribe(&self, account_id: i64, topic: Topic) -> Result<bool, store::Error> {
        dispatch!(self, |inner| store::Notifications::unsubscribe(inner, account_id, topic))
    }

    async fn take_sender_lease(&self, holder: &str, now: i64, until: i64) -> Result<bool, store::Error> {
        dispatch!(self, |inner| store::Notifications::take_sender_lease(inner, holder, now, until))
    }

    async fn alert_rules(&self) -> Result<Vec<(i64, AlertRule)>, store::Error> {
        dispatch!(self, |inner| store::Notifications::alert_rules(inner))
    }

    async fn set_alert_rule(
        &self,
        station_id: i64,
        rule: AlertRule,
        audit: &store::audit::Entry,
    ) -> Result<(), store::Error> {
        dispatch!(self, |inner| store::Notifications::set_alert_rule(inner, station_id, rule, audit))
    }

    async fn deliveries(&self, limit: i64) -> Result<Vec<Delivery>, store::Error> {
        dispatch!(self, |inner| store::Notifications::deliveries(inner, limit))
    }
}
