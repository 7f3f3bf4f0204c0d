//! Stations and tablets.

use super::accounts::line;
use super::station;
use crate::Store;
use domain::{Name, StationCode};

pub async fn a_station_code_is_taken_once<S: Store>(store: &S) {
    let id = station(store, "LIM-01").await;
    let (code, name) = (StationCode::parse("LIM-01").unwrap(), Name::parse("name", "Otra", 200).unwrap());
    let again = store.insert(&code, &name, &name, "UTC", &line("station.create", "LIM-01")).await.unwrap();
    assert_eq!(again, None, "a code is taken once");
    let by_code = store.by_code("LIM-01").await.unwrap().expect("found by code");
    let by_id = crate::Stations::by_id(store, id).await.unwrap().expect("found by id");
    assert_eq!(by_code, by_id);
    assert_eq!(by_id.timezone, "America/Lima");
    assert_eq!(store.list_all().await.unwrap(), vec![by_id]);
}

pub async fn an_enrollment_code_is_redeemed_once<S: Store>(store: &S) {
    let id = station(store, "LIM-02").await;
    let now = 1_800_000_000;
    store.insert_enrollment_code(id, &[1; 32], now + 600, &line("tablet.enroll", "LIM-02")).await.unwrap();
    let station = store.redeem_enrollment_code(&[1; 32], &[2; 32], now).await.unwrap();
    assert_eq!(station.map(|s| s.id), Some(id), "the code enrolls a tablet at its station");
    let again = store.redeem_enrollment_code(&[1; 32], &[3; 32], now).await.unwrap();
    assert_eq!(again, None, "a code is used once");
    assert!(store.tablet_of_token(&[3; 32]).await.unwrap().is_none());
    let tablet = store.tablet_of_token(&[2; 32]).await.unwrap().expect("the new token opens");
    assert_eq!(tablet.station.id, id);
    store.insert_enrollment_code(id, &[4; 32], now - 1, &line("tablet.enroll", "LIM-02")).await.unwrap();
    assert_eq!(store.redeem_enrollment_code(&[4; 32], &[5; 32], now).await.unwrap(), None, "an expired code fails");
}

pub async fn a_revoked_tablet_token_no_longer_opens<S: Store>(store: &S) {
    let id = station(store, "LIM-03").await;
    let tablet = store.insert_with_token(id, &[9; 32]).await.unwrap();
    store.record_delivery_day(tablet, "2026-12-01").await.unwrap();
    let found = store.tablet_of_token(&[9; 32]).await.unwrap().expect("the token opens");
    assert_eq!((found.id, found.last_delivery_day.as_deref()), (tablet, Some("2026-12-01")), "a day, never a time");
    assert_eq!(store.revoke(&[9; 32]).await.unwrap(), 1);
    assert!(store.tablet_of_token(&[9; 32]).await.unwrap().is_none(), "revoked");
    assert!(store.station_of_token(&[9; 32]).await.unwrap().is_none());
}
