//! The network's settings, and what a backup reads and rewrites: the recovery key's
//! recipient and the pending sealed rows.

use super::accounts::{actions, line};
use super::station;
use crate::backup::PendingRow;
use crate::responses::SealedPending;
use crate::Store;
use std::collections::BTreeSet;

pub async fn a_setting_that_is_not_a_number_reads_as_its_default<S: Store>(store: &S) {
    crate::NetworkSettings::set(store, "conformance", "many", |_| None).await.unwrap();
    assert_eq!(store.get_i64("conformance", 4).await.unwrap(), 4, "not a number: the default");
    crate::NetworkSettings::set(store, "conformance", " 12 ", |_| None).await.unwrap();
    assert_eq!(store.get_i64("conformance", 4).await.unwrap(), 12, "a number with spaces around it");
    assert_eq!(store.get_i64("other", -1).await.unwrap(), -1, "each key its own value");
}

pub async fn settings_changed_at_once_each_return_the_value_they_replaced<S: Store>(store: &S) {
    let changes: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(
                async move { crate::NetworkSettings::set(&store, "conformance", &i.to_string(), |_| None).await },
            )
        })
        .collect();
    let mut replaced = Vec::new();
    for change in changes {
        replaced.push(change.await.unwrap().unwrap());
    }
    let last = store.get_i64("conformance", -1).await.unwrap().to_string();
    // One after the other, each replaced the one before: a chain from nothing to the
    // last, every value in it once.
    let mut seen: Vec<Option<String>> = replaced.clone();
    seen.push(Some(last));
    seen.sort();
    let expected: Vec<Option<String>> = std::iter::once(None)
        .chain((0..8).map(|i: i32| Some(i.to_string())))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(
        seen, expected,
        "each change returned the value it replaced, never one another also replaced: {replaced:?}"
    );
}

pub async fn the_recovery_recipient_is_replaced_and_the_old_one_returned<S: Store>(store: &S) {
    assert_eq!(store.recovery_recipient().await.unwrap(), None, "none until an administrator makes one");
    let audit =
        |old: &Option<String>| Some(line(if old.is_some() { "recovery_key.replace" } else { "recovery_key.new" }, ""));
    assert_eq!(store.set_recovery_recipient("age1first", audit).await.unwrap(), None);
    assert_eq!(store.recovery_recipient().await.unwrap().as_deref(), Some("age1first"));
    assert_eq!(store.set_recovery_recipient("age1second", audit).await.unwrap().as_deref(), Some("age1first"));
    assert_eq!(store.recovery_recipient().await.unwrap().as_deref(), Some("age1second"), "one recipient, the newest");
    assert_eq!(actions(store).await, ["recovery_key.new", "recovery_key.replace"], "each change its line");
}

/// A pending submission to `station_id` under the id `id` (its first byte also keys it).
fn pending(station_id: i64, id: &[u8]) -> SealedPending {
    SealedPending {
        key_hash: [id, &[0xee; 31]].concat(),
        station_id,
        id: id.to_vec(),
        sealed: [id, b"-sealed"].concat(),
    }
}

/// Every pending row, page after page of `page` rows, as a backup reads them.
async fn every_pending_row<S: Store>(store: &S, page: i64) -> Vec<PendingRow> {
    let (mut all, mut after) = (Vec::new(), Vec::new());
    loop {
        let rows = store.pending_rows_after(&after, page).await.unwrap();
        assert!(rows.len() as i64 <= page, "a page holds at most its limit");
        let Some(last) = rows.last() else { return all };
        after.clone_from(&last.id);
        all.extend(rows);
    }
}

pub async fn pending_rows_are_paged_through_in_id_order_each_once<S: Store>(store: &S) {
    let (a, b) = (station(store, "LIM-21").await, station(store, "LIM-22").await);
    // Ids of different lengths, one the prefix of another: byte order, shorter first.
    let ids: [&[u8]; 5] = [&[0x90, 1], &[0x10, 0, 0], &[0x90], &[0xff, 0xff], &[0x00, 0x7f]];
    let batch: Vec<_> = ids.iter().enumerate().map(|(i, id)| pending(if i % 2 == 0 { a } else { b }, id)).collect();
    store.submit_batch(&batch).await.unwrap();
    let rows = every_pending_row(store, 2).await;
    let got: Vec<&[u8]> = rows.iter().map(|r| r.id.as_slice()).collect();
    assert_eq!(got, [&[0x00, 0x7f][..], &[0x10, 0, 0], &[0x90], &[0x90, 1], &[0xff, 0xff]], "in id order, each once");
    for r in &rows {
        let sent = batch.iter().find(|p| p.id == r.id).unwrap();
        assert_eq!((r.station_id, &r.sealed), (sent.station_id, &sent.sealed), "each row as stored");
    }
    assert!(store.pending_rows_after(&[0xff, 0xff], 10).await.unwrap().is_empty(), "nothing after the last");
    assert_eq!(store.pending_rows_after(&[], 0).await.unwrap().len(), 0, "a limit of nothing");
}

pub async fn resealed_records_replace_theirs_and_no_other<S: Store>(store: &S) {
    let id = station(store, "LIM-23").await;
    store.submit_batch(&[pending(id, &[1; 16]), pending(id, &[2; 16]), pending(id, &[3; 16])]).await.unwrap();
    let page = vec![
        (vec![1; 16], b"resealed one".to_vec()),
        (vec![3; 16], b"resealed three".to_vec()),
        (vec![9; 16], b"unknown".to_vec()),
    ];
    store.replace_sealed(&page).await.unwrap();
    let rows = every_pending_row(store, 10).await;
    let sealed: Vec<(&[u8], &[u8])> = rows.iter().map(|r| (r.id.as_slice(), r.sealed.as_slice())).collect();
    let two = pending(id, &[2; 16]).sealed;
    assert_eq!(
        sealed,
        [(&[1; 16][..], &b"resealed one"[..]), (&[2; 16], two.as_slice()), (&[3; 16], b"resealed three")],
        "the rows named are re-sealed, the others kept, an unknown id adds nothing"
    );
    assert!(rows.iter().all(|r| r.station_id == id), "a row keeps its station");
    store.replace_sealed(&[]).await.unwrap();
}

pub async fn dropping_pending_rows_counts_stations_never_rows<S: Store>(store: &S) {
    let (a, b, quiet) =
        (station(store, "LIM-24").await, station(store, "LIM-25").await, station(store, "LIM-26").await);
    store
        .submit_batch(&[pending(a, &[1; 16]), pending(a, &[2; 16]), pending(a, &[3; 16]), pending(b, &[4; 16])])
        .await
        .unwrap();
    assert_eq!(store.drop_pending().await.unwrap(), 2, "two stations had some (four rows)");
    for station in [a, b, quiet] {
        assert!(!store.has_pending(station).await.unwrap(), "nothing left pending");
    }
    assert!(store.pending_rows_after(&[], 10).await.unwrap().is_empty());
    assert_eq!(store.drop_pending().await.unwrap(), 0, "none the second time");
}
