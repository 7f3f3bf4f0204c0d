use super::PgStore;
use store::notifications::*;

impl store::Notifications for PgStore {
    async fn endpoints(&self) -> Result<Vec<Endpoint>, store::Error> {
        Ok(crate::notifications::endpoints(&self.pool).await?)
    }

    async fn add_endpoint(
        &self,
        label: &str,
        url: &str,
        secret: &str,
        region: Option<&str>,
        audit: &store::audit::Entry,
    ) -> Result<i64, store::Error> {
        audited!(self, audit, |conn| crate::notifications::add_endpoint(conn, label, url, secret, region))
    }

    async fn remove_endpoint(&self, id: i64, audit: &store::audit::Entry) -> Result<bool, store::Error> {
        audited!(self, audit, |conn| crate::notifications::remove_endpoint(conn, id))
    }

    async fn enqueue(&self, messages: &[Outgoing], now: i64) -> Result<u64, store::Error> {
        let mut conn = self.pool.acquire().await.map_err(crate::Error::from)?;
        Ok(crate::notifications::enqueue(&mut conn, messages, now).await?)
    }

    async fn open_episode(
        &self,
        kind: &str,
        subject_id: i64,
        since: &str,
        messages: &[Outgoing],
        now: i64,
    ) -> Result<bool, store::Error> {
        Ok(crate::notifications::open_episode(
            &mut *self.pool.acquire().await.map_err(crate::Error::from)?,
            kind,
            subject_id,
            since,
            messages,
            now,
        )
        .await?)
    }

    async fn close_episodes(&self, kind: &str, still: &[i64]) -> Result<u64, store::Error> {
        Ok(crate::notifications::close_episodes(&self.pool, kind, still).await?)
    }

    async fn claim_due(&self, now: i64, lease: i64, limit: i64) -> Result<Vec<Due>, store::Error> {
        Ok(crate::notifications::claim_due(&self.pool, now, lease, limit).await?)
    }

    async fn record_attempt(&self, id: i64, attempt: Attempt, now: i64) -> Result<(), store::Error> {
        Ok(crate::notifications::record_attempt(&self.pool, id, attempt, now).await?)
    }

    async fn subscriber(&self, account_id: i64) -> Result<Option<Subscriber>, store::Error> {
        Ok(crate::notifications::subscribers(&self.pool, Some(account_id)).await?.pop())
    }

    async fn subscribers(&self) -> Result<Vec<Subscriber>, store::Error> {
        Ok(crate::notifications::subscribers(&self.pool, None).await?)
    }

    async fn save_subscription(
        &self,
        account_id: i64,
        subscription: &Subscription,
        new_key: &[u8],
    ) -> Result<(), store::Error> {
        Ok(crate::notifications::save_subscription(&self.pool, account_id, subscription, new_key).await?)
    }

    async fn unsubscribe(&self, account_id: i64, topic: Topic) -> Result<bool, store::Error> {
        Ok(crate::notifications::unsubscribe(&self.pool, account_id, topic).await?)
    }

    async fn take_sender_lease(&self, holder: &str, now: i64, until: i64) -> Result<bool, store::Error> {
        Ok(crate::notifications::take_sender_lease(&self.pool, holder, now, until).await?)
    }

    async fn alert_rules(&self) -> Result<Vec<(i64, AlertRule)>, store::Error> {
        Ok(crate::notifications::alert_rules(&self.pool).await?)
    }

    async fn set_alert_rule(
        &self,
        station_id: i64,
        rule: AlertRule,
        audit: &store::audit::Entry,
    ) -> Result<(), store::Error> {
        audited!(self, audit, |conn| crate::notifications::set_alert_rule(conn, station_id, rule))
    }

    async fn deliveries(&self, limit: i64) -> Result<Vec<Delivery>, store::Error> {
        Ok(crate::notifications::deliveries(&self.pool, limit).await?)
    }
}
