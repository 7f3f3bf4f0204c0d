//! Notifications: endpoints and their messages, each message queued once per key and
//! claimed by one sender at a time, and an alert announced once per episode.

use super::accounts::line;
use super::station;
use crate::accounts::Grants;
use crate::notifications::{AlertRule, Attempt, DeliveryState, DueTo, Outgoing, Recipient, Subscription, Topic};
use crate::Store;
use domain::{Email, Role};

const NOW: i64 = 1_800_000_000;

pub(super) fn message(key: &str, endpoint_id: i64) -> Outgoing {
    Outgoing {
        idempotency_key: key.into(),
        to: Recipient::Endpoint(endpoint_id),
        kind: "test".into(),
        body: format!("{{\"key\":\"{key}\"}}"),
    }
}

pub async fn an_endpoint_is_added_listed_and_removed_with_its_messages<S: Store>(store: &S) {
    let lima = store
        .add_endpoint("Lima", "https://hooks.example/lima", "s1", Some("Lima Centro"), &line("webhook.add", "Lima"))
        .await
        .unwrap();
    let all =
        store.add_endpoint("All", "https://hooks.example/all", "s2", None, &line("webhook.add", "All")).await.unwrap();
    let listed = store.endpoints().await.unwrap();
    assert_eq!(listed.iter().map(|e| e.id).collect::<Vec<_>>(), [lima, all], "oldest first");
    assert_eq!(listed[0].region.as_deref(), Some("Lima Centro"));
    assert_eq!(
        (listed[1].url.as_str(), listed[1].secret.as_str(), listed[1].region.as_deref()),
        ("https://hooks.example/all", "s2", None)
    );
    store.enqueue(&[message("a", lima), message("b", all)], NOW).await.unwrap();
    assert!(store.remove_endpoint(lima, &line("webhook.remove", "Lima")).await.unwrap());
    assert!(!store.remove_endpoint(lima, &line("webhook.remove", "Lima")).await.unwrap(), "removed once");
    assert_eq!(store.endpoints().await.unwrap().len(), 1);
    let log = store.deliveries(10).await.unwrap();
    assert_eq!(log.iter().map(|d| d.recipient.as_str()).collect::<Vec<_>>(), ["All"], "its messages went with it");
    let due = store.claim_due(NOW, 60, 10).await.unwrap();
    assert_eq!(due.len(), 1, "nothing is sent to a removed endpoint");
}

pub async fn a_message_is_queued_once_per_key_and_claimed_by_one_sender<S: Store>(store: &S) {
    let endpoint =
        store.add_endpoint("Ops", "https://hooks.example", "s", None, &line("webhook.add", "Ops")).await.unwrap();
    assert_eq!(store.enqueue(&[message("k1", endpoint), message("k2", endpoint)], NOW).await.unwrap(), 2);
    assert_eq!(store.enqueue(&[message("k1", endpoint)], NOW + 5).await.unwrap(), 0, "a key is queued once");
    assert!(store.claim_due(NOW - 1, 60, 10).await.unwrap().is_empty(), "not due before it was queued");

    // Two senders at once: each message goes to one of them.
    let (a, b) = tokio::join!(
        {
            let s = store.clone();
            async move { s.claim_due(NOW, 60, 10).await.unwrap() }
        },
        {
            let s = store.clone();
            async move { s.claim_due(NOW, 60, 10).await.unwrap() }
        }
    );
    let mut keys: Vec<_> = a.iter().chain(&b).map(|d| d.idempotency_key.clone()).collect();
    keys.sort();
    assert_eq!(keys, ["k1", "k2"], "each claimed once: {a:?} {b:?}");
    let claimed = a.into_iter().chain(b).collect::<Vec<_>>();
    assert_eq!(claimed[0].to, DueTo::Webhook { url: "https://hooks.example".into(), secret: "s".into() });
    assert!(store.claim_due(NOW + 59, 60, 10).await.unwrap().is_empty(), "a claimed message waits out its lease");

    let (k1, k2) = {
        let k1 = claimed.iter().find(|d| d.idempotency_key == "k1").unwrap().id;
        (k1, claimed.iter().find(|d| d.idempotency_key == "k2").unwrap().id)
    };
    store.record_attempt(k1, Attempt::Retry { status: Some(500), next_at: NOW + 120 }, NOW + 1).await.unwrap();
    store.record_attempt(k2, Attempt::Sent { status: 204 }, NOW + 1).await.unwrap();
    assert!(store.claim_due(NOW + 119, 60, 10).await.unwrap().is_empty(), "a retry waits for its time");
    let again = store.claim_due(NOW + 120, 60, 10).await.unwrap();
    assert_eq!(again.iter().map(|d| (d.idempotency_key.as_str(), d.attempts)).collect::<Vec<_>>(), [("k1", 1)]);
    store.record_attempt(k1, Attempt::Failed { status: None }, NOW + 121).await.unwrap();
    assert!(store.claim_due(NOW + 100_000, 60, 10).await.unwrap().is_empty(), "sent and failed are never sent again");

    let log = store.deliveries(10).await.unwrap();
    let state = |id| log.iter().find(|d| d.id == id).map(|d| (d.state, d.attempts, d.last_status)).unwrap();
    assert_eq!(state(k1), (DeliveryState::Failed, 2, None));
    assert_eq!(state(k2), (DeliveryState::Sent, 1, Some(204)));
}

pub async fn an_alert_is_announced_once_per_episode<S: Store>(store: &S) {
    let station_id = station(store, "LIM-60").await;
    let tablet = store.insert_with_token(station_id, &[6; 32]).await.unwrap();
    let other = store.insert_with_token(station_id, &[7; 32]).await.unwrap();
    let endpoint =
        store.add_endpoint("Ops", "https://hooks.example", "s", None, &line("webhook.add", "Ops")).await.unwrap();
    let alert = |key: &str| vec![message(key, endpoint)];

    // Two servers checking at once: one opens the episode and queues its message.
    let (a, b) = tokio::join!(
        {
            let s = store.clone();
            let m = alert("silence-1");
            async move { s.open_episode("silence", tablet, "2027-01-04", &m, NOW).await.unwrap() }
        },
        {
            let s = store.clone();
            let m = alert("silence-1b");
            async move { s.open_episode("silence", tablet, "2027-01-04", &m, NOW).await.unwrap() }
        }
    );
    assert!(a ^ b, "the episode opens once: {a} {b}");
    assert!(
        !store.open_episode("silence", tablet, "2027-01-04", &alert("silence-2"), NOW).await.unwrap(),
        "still the same episode"
    );
    assert_eq!(store.deliveries(10).await.unwrap().len(), 1, "one message for one episode");

    assert!(store.open_episode("silence", other, "2027-01-05", &alert("other"), NOW).await.unwrap());
    // `other` delivered again: its episode closes; `tablet`'s stays.
    assert_eq!(store.close_episodes("silence", &[tablet]).await.unwrap(), 1);
    assert!(!store.open_episode("silence", tablet, "2027-01-04", &alert("silence-3"), NOW).await.unwrap());
    assert!(store.open_episode("silence", other, "2027-01-05", &alert("other-2"), NOW).await.unwrap(), "a new episode");
    // Silent since a later day without a check in between: a new episode as well.
    assert!(store.open_episode("silence", tablet, "2027-01-09", &alert("silence-4"), NOW).await.unwrap());
    assert_eq!(store.deliveries(10).await.unwrap().len(), 4);
    // Another kind of alert about the same id is an episode of its own.
    assert!(store.open_episode("fall", tablet, "", &alert("fall-1"), NOW).await.unwrap());
    assert!(!store.open_episode("fall", tablet, "", &alert("fall-2"), NOW).await.unwrap());
    assert_eq!(store.close_episodes("silence", &[]).await.unwrap(), 2, "both silences, not the fall");
    assert!(!store.open_episode("fall", tablet, "", &alert("fall-3"), NOW).await.unwrap());
    assert_eq!(store.deliveries(10).await.unwrap().len(), 5);
}

pub async fn an_account_s_choices_are_kept_and_one_click_turns_off_one_topic<S: Store>(store: &S) {
    let ana = Email::parse("ana@example.org").unwrap();
    let id = store
        .create(&ana, Role::Supervisor, "h", &Grants::default(), &line("account.create", "ana"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.subscriber(id).await.unwrap(), None, "nothing chosen yet");
    let chosen = Subscription {
        index_alerts: true,
        silence_alerts: true,
        digest: true,
        digest_weekday: 5,
        digest_hour: 17,
        timezone: "America/La_Paz".into(),
        language: "en".into(),
    };
    store.save_subscription(id, &chosen, &[1; 32]).await.unwrap();
    let saved = store.subscriber(id).await.unwrap().expect("saved");
    assert_eq!((saved.email.as_str(), saved.role, saved.disabled), ("ana@example.org", Role::Supervisor, false));
    assert_eq!((&saved.subscription, saved.unsubscribe_key.as_slice()), (&chosen, &[1u8; 32][..]));
    // Saved again: her key stays, so the links in messages already sent keep working.
    let changed = Subscription { digest_hour: 9, ..chosen.clone() };
    store.save_subscription(id, &changed, &[2; 32]).await.unwrap();
    let saved = store.subscriber(id).await.unwrap().unwrap();
    assert_eq!((saved.subscription.digest_hour, saved.unsubscribe_key), (9, vec![1; 32]));

    assert!(store.unsubscribe(id, Topic::Silence).await.unwrap());
    assert!(!store.unsubscribe(id, Topic::Silence).await.unwrap(), "already off");
    let after = store.subscriber(id).await.unwrap().unwrap().subscription;
    assert_eq!(after, Subscription { silence_alerts: false, ..changed }, "only that topic");
    assert_eq!(store.subscribers().await.unwrap().len(), 1);

    // A message to her: claimed with her address, listed under it, and cancellable.
    let mail = Outgoing {
        idempotency_key: "mail-1".into(),
        to: Recipient::Account(id),
        kind: "digest.weekly".into(),
        body: "{}".into(),
    };
    assert_eq!(store.enqueue(&[mail.clone(), mail], NOW).await.unwrap(), 1);
    let due = store.claim_due(NOW, 60, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].to, DueTo::Account { account_id: id, email: "ana@example.org".into() });
    store.record_attempt(due[0].id, Attempt::Cancelled, NOW + 1).await.unwrap();
    let log = store.deliveries(10).await.unwrap();
    assert_eq!(
        log.iter().map(|d| (d.recipient.as_str(), d.state)).collect::<Vec<_>>(),
        [("ana@example.org", DeliveryState::Cancelled)]
    );
    assert!(store.claim_due(NOW + 100_000, 60, 10).await.unwrap().is_empty(), "a cancelled message is never sent");
}

pub async fn a_station_s_alert_rule_is_kept_audited_and_the_default_leaves_none<S: Store>(store: &S) {
    let lima = station(store, "LIM-70").await;
    let sur = station(store, "LIM-71").await;
    assert!(store.alert_rules().await.unwrap().is_empty(), "every station on the default");
    let strict = AlertRule { drop_points: 5, floor: Some(60) };
    store.set_alert_rule(lima, strict, &line("station.alert_rule", "LIM-70")).await.unwrap();
    store
        .set_alert_rule(sur, AlertRule { drop_points: 20, floor: None }, &line("station.alert_rule", "LIM-71"))
        .await
        .unwrap();
    store
        .set_alert_rule(sur, AlertRule { drop_points: 15, floor: Some(50) }, &line("station.alert_rule", "LIM-71"))
        .await
        .unwrap();
    assert_eq!(
        store.alert_rules().await.unwrap(),
        [(lima, strict), (sur, AlertRule { drop_points: 15, floor: Some(50) })]
    );
    store.set_alert_rule(lima, AlertRule::default(), &line("station.alert_rule", "LIM-70")).await.unwrap();
    assert_eq!(store.alert_rules().await.unwrap().len(), 1, "back to the default: no rule of its own");
    let audited = super::accounts::actions(store).await;
    assert_eq!(audited.iter().filter(|a| *a == "station.alert_rule").count(), 4);
}

pub async fn one_server_s_sender_holds_the_lease_until_it_runs_out<S: Store>(store: &S) {
    // Two servers at once: one takes it.
    let (a, b) = tokio::join!(
        {
            let s = store.clone();
            async move { s.take_sender_lease("a", NOW, NOW + 60).await.unwrap() }
        },
        {
            let s = store.clone();
            async move { s.take_sender_lease("b", NOW, NOW + 60).await.unwrap() }
        }
    );
    assert!(a ^ b, "one sender: {a} {b}");
    let (holder, other) = if a { ("a", "b") } else { ("b", "a") };
    assert!(store.take_sender_lease(holder, NOW + 30, NOW + 90).await.unwrap(), "its holder renews it");
    assert!(!store.take_sender_lease(other, NOW + 89, NOW + 149).await.unwrap(), "not before it runs out");
    assert!(store.take_sender_lease(other, NOW + 90, NOW + 150).await.unwrap(), "then another server takes over");
    assert!(!store.take_sender_lease(holder, NOW + 100, NOW + 160).await.unwrap());
}
