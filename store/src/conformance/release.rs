//! Releases run side by side (two servers' schedulers, a submission meanwhile),
//! retention, and what a database is seen to hold.

use super::responses::{row, rows};
use super::station;
use crate::audit::Entry;
use crate::release::ReleaseWrite;
use crate::responses::SealedPending;
use crate::Store;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::time::Duration;

/// `n` submissions to station `station_id`, numbered from `from`: distinct keys and ids.
fn submissions(station_id: i64, from: u16, n: u16) -> Vec<SealedPending> {
    (from..from + n)
        .map(|i| {
            let [hi, lo] = i.to_be_bytes();
            SealedPending {
                key_hash: [[hi, lo, 0xa5, 0x5a]; 8].concat(),
                station_id,
                id: [[lo, hi, 0x3c, 0xc3]; 4].concat(),
                sealed: vec![lo; 64],
            }
        })
        .collect()
}

/// How many records station `station_id` has pending, as a release sees them (a release
/// that writes nothing).
async fn pending<S: Store>(store: &S, station_id: i64) -> usize {
    let n = store.release_station(station_id, None, |set| (ReleaseWrite::default(), set.records.len()), None).await;
    n.unwrap().expect("the station exists").decided
}

/// Where two threads wait for each other, for a while.
#[derive(Default)]
struct Meet {
    arrived: Mutex<usize>,
    all: Condvar,
}

impl Meet {
    /// Waits (up to 300 ms) for the other to arrive too.
    fn arrive(&self) {
        let mut arrived = self.arrived.lock().unwrap();
        *arrived += 1;
        self.all.notify_all();
        let _ = self.all.wait_timeout_while(arrived, Duration::from_millis(300), |n| *n < 2).unwrap();
    }
}

/// Releases station `station_id` twice at once, from two tasks, each release releasing
/// every record it is handed (as rows under ids of its own, so that a record released
/// twice shows as two rows). Before deciding, each waits a while for the other to be
/// deciding too: a store that lets two releases read the same records is caught. Returns
/// how many records each was handed (0 for a release that did nothing).
async fn two_at_once<S: Store>(store: &S, station_id: i64, next_at: Option<i64>) -> (usize, usize) {
    let meet = Arc::new(Meet::default());
    let release = |tag: u8| {
        let (store, meet) = (store.clone(), meet.clone());
        tokio::spawn(async move {
            let decide = move |set: crate::release::PendingSet| {
                meet.arrive();
                let released: Vec<Vec<u8>> = set.records.into_iter().map(|(id, _)| id).collect();
                let rows = released.iter().map(|id| ([id.as_slice(), &[tag]].concat(), row("3"))).collect();
                let handed = released.len();
                (ReleaseWrite { iso_week: "2026-W49".into(), rows, released }, handed)
            };
            store.release_station(station_id, next_at, decide, None).await
        })
    };
    let (first, second) = (release(1), release(2));
    let (first, second) = (first.await.unwrap().unwrap(), second.await.unwrap().unwrap());
    (first.map_or(0, |o| o.decided), second.map_or(0, |o| o.decided))
}

pub async fn two_releases_of_a_station_at_once_release_each_record_once<S: Store>(store: &S) {
    let id = station(store, "LIM-11").await;
    // By hand (`digna release` on two servers at once).
    store.submit_batch(&submissions(id, 0, 40)).await.unwrap();
    let (a, b) = two_at_once(store, id, None).await;
    assert_eq!(a + b, 40, "each pending record is handed to one release: {a} and {b}");
    assert_eq!(store.released_count(id).await.unwrap(), 40, "each record is released once");
    assert_eq!(pending(store, id).await, 0);
    // On the schedule (two servers' schedulers, both finding the release due).
    store.submit_batch(&submissions(id, 40, 40)).await.unwrap();
    store.set_next_release(id, 1_700_000_000).await.unwrap();
    let (a, b) = two_at_once(store, id, Some(1_900_000_000)).await;
    assert_eq!(a + b, 40, "each pending record is handed to one scheduled release: {a} and {b}");
    assert_eq!(store.released_count(id).await.unwrap(), 80, "each record is released once");
    assert_eq!(pending(store, id).await, 0);
    let scheduled = store.scheduled_station(id).await.unwrap().expect("scheduled");
    assert_eq!(scheduled.next_at, Some(1_900_000_000), "the schedule moved on");
    // A scheduler that found the release due before it moved (another server's, a tick
    // late): the release is not done again, and what came since waits for the next.
    store.submit_batch(&submissions(id, 80, 10)).await.unwrap();
    let late = store.release_station(id, Some(1_900_000_000), |set| (ReleaseWrite::default(), set.records.len()), None);
    assert_eq!(late.await.unwrap(), None, "a scheduled release already done is not done again");
    assert_eq!(pending(store, id).await, 10);
}

pub async fn a_submission_stored_during_a_release_stays_pending<S: Store>(store: &S) {
    let id = station(store, "LIM-12").await;
    store.submit_batch(&submissions(id, 0, 3)).await.unwrap();
    let deciding = Arc::new(AtomicBool::new(false));
    let (stored, submitted) = mpsc::channel::<()>();
    // Stores one more submission while the release decides (a store may make it wait
    // for the release's end instead: the release then waits for it a second, in vain).
    let submit = {
        let (store, deciding) = (store.clone(), deciding.clone());
        tokio::spawn(async move {
            for _ in 0..1000 {
                if deciding.load(Ordering::SeqCst) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            store.submit_batch(&submissions(id, 3, 1)).await.unwrap();
            let _ = stored.send(());
        })
    };
    let handed = store
        .release_station(
            id,
            None,
            move |set| {
                deciding.store(true, Ordering::SeqCst);
                let _ = submitted.recv_timeout(Duration::from_secs(1));
                let released: Vec<Vec<u8>> = set.records.into_iter().map(|(id, _)| id).collect();
                let rows = rows(released.len() as u8, 0);
                let handed = released.len();
                (ReleaseWrite { iso_week: "2026-W49".into(), rows, released }, handed)
            },
            None,
        )
        .await
        .unwrap()
        .map(|o| o.decided);
    submit.await.unwrap();
    assert_eq!(handed, Some(3), "the release is handed what was pending when it began");
    assert_eq!(store.released_count(id).await.unwrap(), 3);
    assert_eq!(pending(store, id).await, 1, "the submission stored meanwhile is neither lost nor released");
    assert!(store.has_pending(id).await.unwrap());
}

pub async fn a_retention_purge_deletes_old_responses_and_keeps_their_roll_ups<S: Store>(store: &S) {
    let id = station(store, "LIM-13").await;
    assert_eq!(store.first_release_day().await.unwrap(), None, "nothing released yet");
    store
        .write_released(&[
            (id, "2019-W52".into(), rows(3, 0)),
            (id, "2020-W01".into(), rows(2, 50)),
            (id, "2026-W48".into(), rows(4, 100)),
        ])
        .await
        .unwrap();
    let first = chrono::NaiveDate::from_ymd_opt(2019, 12, 23);
    assert_eq!(store.first_release_day().await.unwrap(), first, "the Monday of 2019-W52");
    let cutoff = "2020-W02";
    assert_eq!(store.responses_before(cutoff).await.unwrap(), 5);
    let line = |n: &u64| (*n > 0).then(|| Entry::new("conformance", "retention.purge", "responses", n.to_string()));
    let purged = store.purge_responses_before(cutoff, line).await.unwrap();
    assert_eq!(purged, 5, "the responses labelled before the cutoff went");
    assert_eq!(store.responses_before(cutoff).await.unwrap(), 0);
    assert_eq!(store.holdings().await.unwrap().1, 4, "the newer responses are kept");
    assert_eq!(store.released_count(id).await.unwrap(), 9, "the roll-ups are kept whole");
    assert_eq!(store.rollup_rows(&[id]).await.unwrap(), (3, 3), "every roll-up row is kept");
    assert_eq!(store.first_release_day().await.unwrap(), first, "from the roll-ups, which retention keeps");
    let purged = store.purge_responses_before(cutoff, line).await.unwrap();
    assert_eq!(purged, 0, "nothing left to purge");
    let lines: Vec<_> =
        store.audit_log(10).await.unwrap().into_iter().filter(|l| l.action == "retention.purge").collect();
    assert_eq!(lines.len(), 1, "one audit line, for the purge that deleted something");
    assert_eq!(lines[0].detail, "5");
}

pub async fn inspection_and_holdings_count_what_a_database_holds<S: Store>(store: &S) {
    let (a, b) = (station(store, "LIM-14").await, station(store, "LIM-15").await);
    let contents = store.inspect().await.unwrap();
    assert_eq!(contents.integrity, "ok");
    assert_eq!((contents.stations, contents.responses), (2, 0));
    assert!(contents.schema_version > 0, "the migrations are applied");
    assert_eq!(store.holdings().await.unwrap(), (2, 0, false));
    let mut batch = submissions(a, 0, 2);
    batch.extend(submissions(b, 2, 1));
    store.submit_batch(&batch).await.unwrap();
    store.write_released(&[(a, "2026-W48".into(), rows(3, 0))]).await.unwrap();
    assert_eq!(store.holdings().await.unwrap(), (2, 3, true));
    let contents = store.inspect().await.unwrap();
    assert_eq!((contents.integrity.as_str(), contents.stations, contents.responses), ("ok", 2, 3));
    let mut held = store.pending_records().await.unwrap();
    held.sort();
    let mut stored: Vec<_> = batch.into_iter().map(|p| (p.station_id, p.id, p.sealed)).collect();
    stored.sort();
    assert_eq!(held, stored, "every pending record, as stored");
    assert_eq!(store.rollup_rows(&[a]).await.unwrap(), (1, 1), "one combination, one answer");
    assert_eq!(store.rollup_rows(&[b]).await.unwrap(), (0, 0));
    assert_eq!(store.rollup_rows(&[a, b]).await.unwrap(), (1, 1));
}
