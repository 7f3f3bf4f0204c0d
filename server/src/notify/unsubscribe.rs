//! One-click unsubscribe links (RFC 8058): `/account/notifications/unsubscribe` with the
//! account, the topic and an HMAC-SHA-256 of both under the account's own unsubscribe
//! key. Whoever holds the link (her mail provider included) may turn that one topic off
//! for her, without signing in, and nothing else.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use store::notifications::{Subscriber, Topic};

/// The path of the links, from the site's root.
pub const PATH: &str = "/account/notifications/unsubscribe";

fn mac(key: &[u8], account_id: i64, topic: Topic) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(format!("unsubscribe:{account_id}:{}", topic.as_str()).as_bytes());
    mac
}

/// The query string that turns `topic` off for `subscriber`.
pub fn query(subscriber: &Subscriber, topic: Topic) -> String {
    let sig = domain::hex(&mac(&subscriber.unsubscribe_key, subscriber.account_id, topic).finalize().into_bytes());
    format!("account={}&topic={}&sig={sig}", subscriber.account_id, topic.as_str())
}

/// The whole link, under `public_url`.
pub fn link(public_url: &str, subscriber: &Subscriber, topic: Topic) -> String {
    format!("{public_url}{PATH}?{}", query(subscriber, topic))
}

/// Whether `sig` (hex) is the signature of `topic` for the account whose key is `key`.
pub fn verify(key: &[u8], account_id: i64, topic: Topic, sig: &str) -> bool {
    domain::unhex(sig).is_some_and(|bytes| mac(key, account_id, topic).verify_slice(&bytes).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::notifications::Subscription;

    #[test]
    fn a_link_turns_off_its_own_topic_for_its_own_account_only() {
        let ana = Subscriber {
            account_id: 7,
            email: "ana@example.org".into(),
            role: domain::Role::Supervisor,
            disabled: false,
            subscription: Subscription::default(),
            unsubscribe_key: vec![9; 32],
        };
        let q = query(&ana, Topic::Digest);
        let sig = q.rsplit_once("sig=").unwrap().1;
        assert!(verify(&ana.unsubscribe_key, 7, Topic::Digest, sig));
        assert!(!verify(&ana.unsubscribe_key, 7, Topic::Index, sig), "another topic");
        assert!(!verify(&ana.unsubscribe_key, 8, Topic::Digest, sig), "another account");
        assert!(!verify(&[1; 32], 7, Topic::Digest, sig), "another key");
        assert!(!verify(&ana.unsubscribe_key, 7, Topic::Digest, "zz"), "not hex");
    }
}
