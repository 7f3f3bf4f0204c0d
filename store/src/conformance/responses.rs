//! Submissions, releases and the roll-ups.

use super::station;
use crate::release::{ReleaseWrite, ReleasedWeek};
use crate::responses::{Outcome, SealedPending};
use crate::Store;
use domain::privacy::release::ReleasedRow;

fn sealed(key: u8, station_id: i64) -> SealedPending {
    SealedPending { key_hash: vec![key; 32], station_id, id: vec![key; 16], sealed: vec![key; 64] }
}

/// A released row with one answer to `respect`.
pub fn row(value: &str) -> ReleasedRow {
    ReleasedRow {
        survey_version: 1,
        language: "es".into(),
        respondent: None,
        age_band: None,
        suspect: false,
        answers: vec![("respect".into(), value.into())],
    }
}

/// `n` released rows under distinct random-looking ids (`seed` apart).
pub fn rows(n: u8, seed: u8) -> Vec<(Vec<u8>, ReleasedRow)> {
    (0..n)
        .map(|i| ((0..16).map(|j| i.wrapping_mul(37).wrapping_add(j * 11).wrapping_add(seed)).collect(), row("4")))
        .collect()
}

/// How many records station `station_id` has pending, as a release sees them (a release
/// that writes nothing).
async fn pending<S: Store>(store: &S, station_id: i64) -> usize {
    let n = store.release_station(station_id, None, |set| (ReleaseWrite::default(), set.records.len()), None).await;
    n.unwrap().expect("the station exists").decided
}

pub async fn a_submission_is_stored_exactly_once<S: Store>(store: &S) {
    let id = station(store, "LIM-04").await;
    let first = store.submit_batch(&[sealed(1, id), sealed(2, id), sealed(1, id)]).await.unwrap();
    assert_eq!(first, [Outcome::Stored, Outcome::Stored, Outcome::Replay], "a key twice in one batch");
    let again = store.submit_batch(&[sealed(2, id), sealed(3, id)]).await.unwrap();
    assert_eq!(again, [Outcome::Replay, Outcome::Stored], "a key from an earlier batch");
    assert!(store.has_pending(id).await.unwrap());
    assert_eq!(pending(store, id).await, 3, "three keys, three records");
    assert_eq!(store.submit_batch(&[]).await.unwrap(), []);
}

pub async fn a_release_writes_what_it_decides_and_moves_the_schedule_whole<S: Store>(store: &S) {
    let id = station(store, "LIM-05").await;
    store.submit_batch(&[sealed(1, id), sealed(2, id), sealed(3, id)]).await.unwrap();
    let next_at = 1_900_000_000;
    let seen = store
        .release_station(
            id,
            Some(next_at),
            |set| {
                assert_eq!(set.timezone, "America/Lima");
                let records = set.records.len();
                // Release two of the three records, as five rows.
                let released = set.records.iter().take(2).map(|(id, _)| id.clone()).collect();
                (ReleaseWrite { iso_week: "2026-W49".into(), rows: rows(5, 0), released }, records)
            },
            None,
        )
        .await
        .unwrap()
        .map(|o| o.decided);
    assert_eq!(seen, Some(3), "the decision sees every pending record");
    assert_eq!(pending(store, id).await, 1, "the released records are no longer pending");
    assert_eq!(store.released_count(id).await.unwrap(), 5, "the rows and their roll-ups are written");
    let scheduled = store.scheduled_station(id).await.unwrap().expect("scheduled");
    assert_eq!(scheduled.next_at, Some(next_at), "the next release moved in the same unit");
}

pub async fn a_failed_decision_leaves_everything_pending<S: Store>(store: &S) {
    let id = station(store, "LIM-06").await;
    store.submit_batch(&[sealed(1, id), sealed(2, id)]).await.unwrap();
    store.set_next_release(id, 1_700_000_000).await.unwrap();
    let released = store.release_station(
        id,
        Some(1_900_000_000),
        |_| -> (ReleaseWrite, ()) { panic!("the pipeline could not decide") },
        None,
    );
    let joined = std::panic::AssertUnwindSafe(released);
    let outcome = catch_panic(joined).await;
    assert!(outcome.is_err(), "the decision panicked");
    assert_eq!(pending(store, id).await, 2, "nothing was released");
    assert_eq!(store.released_count(id).await.unwrap(), 0);
    let scheduled = store.scheduled_station(id).await.unwrap().unwrap();
    assert_eq!(scheduled.next_at, Some(1_700_000_000), "the schedule did not move: it is tried again");
}

/// Runs `f`, catching a panic in it.
async fn catch_panic<F: std::future::Future>(f: std::panic::AssertUnwindSafe<F>) -> std::thread::Result<F::Output> {
    let mut f = std::pin::pin!(f.0);
    std::future::poll_fn(move |cx| {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f.as_mut().poll(cx))) {
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Ok(std::task::Poll::Ready(v)) => std::task::Poll::Ready(Ok(v)),
            Err(e) => std::task::Poll::Ready(Err(e)),
        }
    })
    .await
}

pub async fn a_release_of_an_unknown_station_is_none<S: Store>(store: &S) {
    let released = store.release_station(4242, None, |_| (ReleaseWrite::default(), ()), None).await.unwrap();
    assert!(released.is_none());
}

pub async fn the_roll_ups_count_what_was_released<S: Store>(store: &S) {
    let (a, b) = (station(store, "LIM-07").await, station(store, "LIM-08").await);
    let weeks: Vec<ReleasedWeek> = vec![
        (a, "2026-W47".into(), rows(3, 0)),
        (a, "2026-W48".into(), rows(2, 100)),
        (b, "2026-W48".into(), rows(4, 200)),
    ];
    store.write_released(&weeks).await.unwrap();
    assert_eq!(store.released_count(a).await.unwrap(), 5);
    assert_eq!(store.released_count(b).await.unwrap(), 4, "stations stay apart");
    let from = domain::IsoWeek::parse("2026-W47").unwrap();
    let to = domain::IsoWeek::parse("2026-W48").unwrap();
    let weekly = store.weekly_index(a, &from, &to, Some(1)).await.unwrap();
    let counts: Vec<_> = weekly.iter().map(|w| (w.week.to_string(), w.responses)).collect();
    assert_eq!(counts, [("2026-W47".to_string(), 3), ("2026-W48".to_string(), 2)], "per week");
}
