//! Who hears of a station: the webhook endpoints of its region (or of every region), and,
//! when e-mail is on, each account that chose the alert and may see the station.
//!
//! Silence alerts (a tablet's last day with deliveries, a station's failed release) go to
//! administrators only: the day a tablet last delivered dates the last answer given on it,
//! which only the admin console shows; a supervisor of one station could learn from it
//! whether the last visitor she saw answered.

use std::collections::HashSet;
use store::notifications::{Endpoint, Outgoing, Recipient, Subscription, Topic};
use store::{Accounts, Notifications};

/// An account that wants e-mail, and the stations she may see now.
pub struct Reader {
    pub account_id: i64,
    pub wants: Vec<Topic>,
    pub subscription: Subscription,
    pub visible: HashSet<i64>,
}

/// Whether an account of `role` may receive messages about `topic`.
pub fn may_receive(role: domain::Role, topic: Topic) -> bool {
    topic != Topic::Silence || role == domain::Role::Admin
}

pub struct Audience {
    endpoints: Vec<Endpoint>,
    readers: Vec<Reader>,
}

impl Audience {
    /// The endpoints, and the accounts that chose something if `mail` is on (disabled
    /// accounts left out).
    pub async fn load(db: &crate::Db, mail: bool) -> Result<Audience, store::Error> {
        let endpoints = Notifications::endpoints(db).await?;
        let mut readers = Vec::new();
        if mail {
            for s in Notifications::subscribers(db).await? {
                if s.disabled {
                    continue;
                }
                let wants: Vec<Topic> =
                    Topic::ALL.into_iter().filter(|t| s.subscription.wants(*t) && may_receive(s.role, *t)).collect();
                if wants.is_empty() {
                    continue;
                }
                let visible = Accounts::visible_station_ids(db, s.account_id, s.role).await?.into_iter().collect();
                readers.push(Reader { account_id: s.account_id, wants, subscription: s.subscription, visible });
            }
        }
        Ok(Audience { endpoints, readers })
    }

    /// The accounts that chose `topic`.
    pub fn readers(&self, topic: Topic) -> impl Iterator<Item = &Reader> {
        self.readers.iter().filter(move |r| r.wants.contains(&topic))
    }

    /// One message of `kind` about station `station_id` of `region` to each endpoint of
    /// that region and each account that chose `topic` and sees the station, keyed
    /// `<key>:<endpoint id>` and `<key>:account-<id>`.
    pub fn messages(
        &self,
        kind: &str,
        topic: Topic,
        (station_id, region): (i64, &str),
        key: &str,
        body: &str,
    ) -> Vec<Outgoing> {
        let message = |to, idempotency_key| Outgoing { idempotency_key, to, kind: kind.into(), body: body.into() };
        let hooks = self
            .endpoints
            .iter()
            .filter(|e| e.region.as_deref().is_none_or(|r| r == region))
            .map(|e| message(Recipient::Endpoint(e.id), format!("{key}:{}", e.id)));
        let mails = self
            .readers(topic)
            .filter(|r| r.visible.contains(&station_id))
            .map(|r| message(Recipient::Account(r.account_id), format!("{key}:account-{}", r.account_id)));
        hooks.chain(mails).collect()
    }
}
