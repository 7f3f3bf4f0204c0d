//! Exports: one snapshot for every reader, and the open-data budget.

use super::responses::rows;
use super::station;
use crate::exports::{Audit, ExportReader, Selection, Spent};
use crate::Store;

/// Every row a reader sees over the whole id range, page by page.
async fn read_all<R: ExportReader>(reader: &mut R) -> i64 {
    let (mut after, upto, mut total) = (Vec::new(), vec![0xff; 17], 0);
    loop {
        let page = reader.page(&after, &upto, 2).await.unwrap();
        if page.rows == 0 {
            return total;
        }
        assert!(page.last > after, "pages move on in id order");
        total += page.rows;
        after = page.last;
    }
}

pub async fn export_readers_share_one_snapshot_and_read_every_row_once<S: Store>(store: &S) {
    let id = station(store, "LIM-09").await;
    store.write_released(&[(id, "2026-W48".into(), rows(7, 0))]).await.unwrap();
    let selection = Selection {
        station_ids: vec![id],
        iso_weeks: vec!["2026-W48".into()],
        survey_version: 1,
        include_suspect: false,
    };
    let (mut readers, stations, estimate) = store.open_readers(&selection, 2).await.unwrap();
    assert_eq!(readers.len(), 2);
    assert_eq!(stations, [(id, "LIM-09".to_string(), "Lima Centro".to_string())]);
    assert_eq!(estimate, 7);
    // Written after the readers opened: in none of their snapshots.
    store.write_released(&[(id, "2026-W48".into(), rows(3, 100))]).await.unwrap();
    for reader in &mut readers {
        assert_eq!(read_all(reader).await, 7, "each reader sees the snapshot, whole");
    }
    let other = Selection { iso_weeks: vec!["2026-W47".into()], ..selection };
    let (mut readers, _, _) = store.open_readers(&other, 1).await.unwrap();
    assert_eq!(read_all(&mut readers[0]).await, 0, "other weeks are not selected");
}

fn audit(actor: &str) -> Audit {
    Audit {
        id: 0,
        actor: actor.into(),
        created_at: String::new(),
        kind: "open_data".into(),
        filters: "{}".into(),
        rows: 0,
        anonymization: "{}".into(),
        suppressed: 0,
        file_hashes: "{}".into(),
        zip_sha256: String::new(),
    }
}

/// Refuses when what `spent` shows plus 1 would pass 1.5. Before it answers, it waits
/// (up to 300 ms) for the other release's check to be under way too: a store that lets
/// two checks run at once is caught letting both pass.
fn over_budget(meet: &Meet) -> impl FnOnce(&[Spent]) -> Option<String> + Send + '_ {
    move |spent| {
        meet.arrive();
        let total: f64 = spent.iter().map(|s| s.epsilon.parse::<f64>().unwrap()).sum();
        (total + 1.0 > 1.5).then(|| format!("{total} spent"))
    }
}

/// Where two threads wait for each other, for a while.
#[derive(Default)]
pub struct Meet {
    arrived: std::sync::Mutex<usize>,
    all: std::sync::Condvar,
}

impl Meet {
    fn arrive(&self) {
        let mut arrived = self.arrived.lock().unwrap();
        *arrived += 1;
        self.all.notify_all();
        let wait = std::time::Duration::from_millis(300);
        let _ = self.all.wait_timeout_while(arrived, wait, |n| *n < 2).unwrap();
    }
}

pub async fn the_privacy_budget_check_and_its_record_are_atomic<S: Store>(store: &S) {
    let (regions, months) = (vec!["Lima Sur".to_string()], vec!["2026-11".to_string()]);
    let meet = std::sync::Arc::new(Meet::default());
    let release = |actor: &'static str| {
        let (store, meet, regions, months) = (store.clone(), meet.clone(), regions.clone(), months.clone());
        tokio::spawn(
            async move { store.record_release(&audit(actor), &regions, &months, "1", over_budget(&meet)).await },
        )
    };
    let (first, second) = (release("a"), release("b"));
    let (first, second) = (first.await.unwrap().unwrap(), second.await.unwrap().unwrap());
    assert!(first.is_ok() != second.is_ok(), "exactly one of two releases at once fits: {first:?} {second:?}");
    let spent = store.privacy_spent(&regions, &months).await.unwrap();
    assert_eq!(spent.len(), 1, "one spending recorded");
    assert_eq!(spent[0].epsilon, "1");
    assert_eq!(store.privacy_ledger().await.unwrap(), spent);
    let audits = store.list_audit(10).await.unwrap();
    assert_eq!(audits.len(), 1, "the refused release left no audit record");
}
