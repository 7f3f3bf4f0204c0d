//! Tablets and their station: the staff PIN's attempts counted in advance and its locks,
//! the console's list, revocation and counts.

use super::accounts::line;
use super::station;
use crate::stations::PinAttempt;
use crate::Store;
use domain::Name;

const NOW: i64 = 1_800_000_000;

/// A station coded `code` with a staff PIN (hash "hash") and `n` tablets; their ids.
async fn station_with_tablets<S: Store>(store: &S, code: &str, n: u8) -> (i64, Vec<i64>) {
    let id = station(store, code).await;
    store.set_staff_pin_hash(id, "hash", &line("station.pin", code)).await.unwrap();
    let mut tablets = Vec::new();
    for i in 0..n {
        let token = [code.as_bytes()[code.len() - 1], i].repeat(16);
        tablets.push(store.insert_with_token(id, &token).await.unwrap());
    }
    (id, tablets)
}

pub async fn pin_guesses_arriving_together_are_checked_at_most_limit_times<S: Store>(store: &S) {
    let (_, tablets) = station_with_tablets(store, "LIM-05", 2).await;
    let (tablet, other) = (tablets[0], tablets[1]);
    let guesses: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.reserve_pin_attempt(tablet, 5, NOW, 60).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for guess in guesses {
        outcomes.push(guess.await.unwrap().expect("no attempt fails").expect("the tablet exists"));
    }
    let checked = outcomes.iter().filter(|o| matches!(o, PinAttempt::Check { .. })).count();
    assert_eq!(checked, 5, "one lock's worth of guesses is checked, however many arrive at once: {outcomes:?}");
    let locking = outcomes.iter().filter(|o| matches!(o, PinAttempt::Check { locks: true, .. })).count();
    assert_eq!(locking, 1, "the last one checked locks the panel: {outcomes:?}");
    assert!(
        outcomes.iter().all(|o| matches!(o, PinAttempt::Check { .. }) || *o == PinAttempt::Locked { until: NOW + 60 }),
        "the others find it locked: {outcomes:?}"
    );
    assert_eq!(store.pin_locked_until(tablet).await.unwrap(), Some(NOW + 60));
    assert_eq!(
        store.reserve_pin_attempt(other, 5, NOW, 60).await.unwrap(),
        Some(PinAttempt::Check { hash: "hash".into(), locks: false }),
        "other tablets of the station are not locked"
    );
}

pub async fn each_pin_lock_lasts_twice_as_long_until_a_right_pin<S: Store>(store: &S) {
    let (id, tablets) = station_with_tablets(store, "LIM-06", 1).await;
    let tablet = tablets[0];
    let check = |locks| Some(PinAttempt::Check { hash: "hash".into(), locks });
    // Three wrong PINs in a row lock the panel, each lock twice as long, at most 32 times.
    let mut now = NOW;
    for seconds in [60, 120, 240, 480, 960, 1920, 1920] {
        assert_eq!(store.reserve_pin_attempt(tablet, 3, now, 60).await.unwrap(), check(false));
        assert_eq!(store.reserve_pin_attempt(tablet, 3, now, 60).await.unwrap(), check(false));
        assert_eq!(store.reserve_pin_attempt(tablet, 3, now, 60).await.unwrap(), check(true), "the third locks");
        assert_eq!(store.pin_locked_until(tablet).await.unwrap(), Some(now + seconds), "a lock of {seconds} s");
        let early = store.reserve_pin_attempt(tablet, 3, now + seconds - 1, 60).await.unwrap();
        assert_eq!(early, Some(PinAttempt::Locked { until: now + seconds }), "nothing is checked while locked");
        now += seconds;
    }
    // A right PIN clears the count, the lock and its history.
    assert_eq!(store.reserve_pin_attempt(tablet, 3, now, 60).await.unwrap(), check(false));
    store.clear_pin_failures(tablet).await.unwrap();
    assert_eq!(store.pin_locked_until(tablet).await.unwrap(), Some(0));
    for _ in 0..2 {
        assert_eq!(store.reserve_pin_attempt(tablet, 3, now, 60).await.unwrap(), check(false), "counted from zero");
    }
    assert_eq!(store.reserve_pin_attempt(tablet, 3, now, 60).await.unwrap(), check(true));
    assert_eq!(store.pin_locked_until(tablet).await.unwrap(), Some(now + 60), "the first lock's length again");

    assert_eq!(store.reserve_pin_attempt(tablet + 1000, 3, now, 60).await.unwrap(), None, "no such tablet");
    assert_eq!(store.pin_locked_until(tablet + 1000).await.unwrap(), None);
    store.clear_staff_pin(id, &line("station.pin.clear", "LIM-06")).await.unwrap();
    let station = crate::Stations::by_id(store, id).await.unwrap().expect("the station");
    assert!(!station.staff_pin_set);
    assert_eq!(store.staff_pin_state(id).await.unwrap().map(|s| s.hash), Some(None));
    assert_eq!(store.reserve_pin_attempt(tablet, 3, now + 3600, 60).await.unwrap(), Some(PinAttempt::NoPin));
}

pub async fn a_station_s_tablets_are_listed_revoked_and_counted<S: Store>(store: &S) {
    let (id, tablets) = station_with_tablets(store, "LIM-07", 3).await;
    let (other, others) = station_with_tablets(store, "LIM-08", 1).await;
    let listed = store.list_for_station(id).await.unwrap();
    assert_eq!(listed.iter().map(|t| t.id).collect::<Vec<_>>(), tablets.iter().rev().copied().collect::<Vec<_>>());
    assert!(listed.iter().all(|t| !t.revoked && t.last_delivery_day.is_none()));

    let revoke = line("tablet.revoke", "LIM-07");
    assert!(!store.revoke_at_station(other, tablets[0], &revoke).await.unwrap(), "not a tablet of that station");
    assert!(store.revoke_at_station(id, tablets[0], &revoke).await.unwrap());
    assert!(!store.revoke_at_station(id, tablets[0], &revoke).await.unwrap(), "already revoked");
    let listed = store.list_for_station(id).await.unwrap();
    assert_eq!(listed.iter().filter(|t| t.revoked).map(|t| t.id).collect::<Vec<_>>(), [tablets[0]]);

    let counts = store.network_counts().await.unwrap();
    assert_eq!((counts.active_stations, counts.active_tablets, counts.released_responses), (2, 3, 0));

    // Silent: active tablets at active stations, counted from their last delivery.
    for &tablet in &[tablets[0], tablets[1], others[0]] {
        store.record_delivery_day(tablet, "2000-01-01").await.unwrap();
    }
    let now = chrono::Utc::now();
    let silent = store.silent(3, now).await.unwrap();
    assert_eq!(
        silent.iter().map(|t| t.id).collect::<Vec<_>>(),
        [tablets[1], others[0]],
        "revoked and new ones are not"
    );
    assert!(silent.iter().all(|t| t.ever_delivered && t.last_day.to_string() == "2000-01-01"));

    let (name, region) =
        (Name::parse("name", "Cerrada", 200).unwrap(), Name::parse("region", "Lima Sur", 100).unwrap());
    let update = line("station.update", "LIM-08");
    assert!(crate::Stations::update(store, other, &name, &region, "UTC", false, &update).await.unwrap());
    assert!(!crate::Stations::update(store, other + 1000, &name, &region, "UTC", true, &update).await.unwrap());
    let closed = crate::Stations::by_id(store, other).await.unwrap().expect("the station stays");
    assert_eq!((closed.name.as_str(), closed.region.as_str(), closed.active), ("Cerrada", "Lima Sur", false));
    let counts = store.network_counts().await.unwrap();
    assert_eq!((counts.active_stations, counts.active_tablets), (1, 2), "a closed station's tablets are not counted");
    assert_eq!(store.silent(3, now).await.unwrap().iter().map(|t| t.id).collect::<Vec<_>>(), [tablets[1]]);
}
