//! An alert judged by a release: on the roll-ups as the release leaves them, its episode
//! opened (with its messages) or ended in the release's own transaction, and by nothing
//! but a release.

use super::accounts::line;
use super::notifications::message;
use super::responses::{row, rows};
use super::station;
use crate::notifications::AlertRule;
use crate::release::{ReleaseWrite, Watch};
use crate::Store;
use domain::{DashboardFilters, IsoWeek, OverviewRow, Shown, K};
use std::sync::{Arc, Mutex};

/// A watch over 2026-W10…W11 (against W08…W09) that keeps what it was shown and answers
/// `flag`: a message to `endpoint` keyed `key`, or the station is not flagged.
fn watch(seen: &Arc<Mutex<Vec<(OverviewRow, AlertRule)>>>, flag: Option<(&str, i64)>) -> Watch<'static> {
    let seen = seen.clone();
    let filters = DashboardFilters::parse(
        IsoWeek::parse("2026-W10").unwrap(),
        IsoWeek::parse("2026-W11").unwrap(),
        None,
        None,
        false,
    )
    .unwrap();
    let flag = flag.map(|(key, endpoint)| message(key, endpoint));
    Watch {
        kind: "station.index_fell",
        filters,
        k: K::new(5),
        drop_threshold: 10.0,
        now: 1_800_000_000,
        judge: Box::new(move |row, rule| {
            seen.lock().unwrap().push((row.clone(), rule));
            flag.map(|m| vec![m])
        }),
    }
}

/// Releases five rows scoring 1 under 2026-W10 (ids apart by `seed`; nothing pending is
/// deleted), with `watch`: whether it opened an episode, `None` if it did nothing.
async fn release_low<S: Store>(
    store: &S,
    station_id: i64,
    (next_at, seed): (Option<i64>, u8),
    watch: Watch<'_>,
) -> Option<bool> {
    let write = ReleaseWrite { iso_week: "2026-W10".into(), rows: low(seed), released: vec![] };
    let outcome = store.release_station(station_id, next_at, |_| (write, ()), Some(watch)).await.unwrap();
    outcome.map(|o| o.alerted)
}

fn low(seed: u8) -> Vec<(Vec<u8>, domain::privacy::release::ReleasedRow)> {
    (0..5).map(|i| (vec![0x77, seed, i, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], row("1"))).collect()
}

pub async fn a_release_judges_its_alert_on_what_it_wrote_in_its_own_transaction<S: Store>(store: &S) {
    let id = station(store, "LIM-80").await;
    let endpoint =
        store.add_endpoint("Ops", "https://hooks.example", "s", None, &line("webhook.add", "Ops")).await.unwrap();
    store
        .set_alert_rule(id, AlertRule { drop_points: 30, floor: Some(50) }, &line("station.alert_rule", "LIM-80"))
        .await
        .unwrap();
    // 100 in the weeks before.
    store.write_released(&[(id, "2026-W08".into(), rows(5, 1))]).await.unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));

    // The release writes five rows scoring 1: its judge sees them, uncommitted as they are.
    assert_eq!(release_low(store, id, (None, 1), watch(&seen, Some(("fell-1", endpoint)))).await, Some(true));
    {
        let seen = seen.lock().unwrap();
        let (row, rule) = &seen[0];
        assert_eq!(
            (row.station.id, row.responses, row.index, row.change),
            (id, Shown::Value(5), Shown::Value(0.0), Shown::Value(-100.0)),
            "the overview line as this release leaves it"
        );
        assert_eq!(*rule, AlertRule { drop_points: 30, floor: Some(50) }, "the station's own rule");
    }
    assert_eq!(store.deliveries(10).await.unwrap().len(), 1, "queued with the release");

    // Still low at the next release: the same episode, nothing queued.
    assert_eq!(release_low(store, id, (None, 2), watch(&seen, Some(("fell-2", endpoint)))).await, Some(false));
    assert_eq!(store.deliveries(10).await.unwrap().len(), 1);

    // A scheduled release already done elsewhere judges nothing.
    store.set_next_release(id, 500).await.unwrap();
    assert_eq!(release_low(store, id, (Some(400), 3), watch(&seen, Some(("fell-x", endpoint)))).await, None);
    assert_eq!(seen.lock().unwrap().len(), 2, "not judged");

    // A release whose station recovered ends the episode; a fall after it is a new one.
    assert_eq!(release_low(store, id, (Some(600), 4), watch(&seen, None)).await, Some(false));
    assert_eq!(release_low(store, id, (Some(700), 5), watch(&seen, Some(("fell-3", endpoint)))).await, Some(true));
    let log = store.deliveries(10).await.unwrap();
    assert_eq!(log.len(), 2, "its own message");

    // A release that fails raises nothing: its alert is part of it.
    let other = station(store, "LIM-81").await;
    store.write_released(&[(other, "2026-W08".into(), rows(5, 9))]).await.unwrap();
    let duplicate = low(1); // the ids of the first release above: writing them again fails
    let write = ReleaseWrite { iso_week: "2026-W10".into(), rows: duplicate, released: vec![] };
    let failed =
        store.release_station(other, None, |_| (write, ()), Some(watch(&seen, Some(("fell-other", endpoint))))).await;
    assert!(failed.is_err(), "a released id is never written twice");
    assert_eq!(store.deliveries(10).await.unwrap().len(), 2, "nothing queued");
    assert_eq!(store.released_count(other).await.unwrap(), 5, "nothing released");
}
