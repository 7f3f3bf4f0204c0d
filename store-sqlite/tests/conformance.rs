//! The store's conformance suite (`store::conformance`) on SQLite, each check on a fresh
//! database file (not in memory: export readers need connections of their own).

use std::sync::atomic::{AtomicU64, Ordering};

async fn fresh() -> store_sqlite::SqliteStore {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}-{}.db", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    store_sqlite::SqliteStore::open(&format!("sqlite://{}", path.display())).await.expect("a fresh store")
}

store::conformance_tests!(fresh().await);

/// On SQLite only (a trigger plays a disk that refuses the audit line): an audited change
/// and its line are one transaction, so a line that cannot be written undoes the change.
#[tokio::test]
async fn a_change_whose_audit_line_fails_does_not_land() {
    use store::{audit::Entry, Stations};
    let store = fresh().await;
    let id = store::conformance::station(&store, "LIM-01").await;
    sqlx::query("CREATE TRIGGER no_audit BEFORE INSERT ON admin_audit BEGIN SELECT RAISE(ABORT, 'disk trouble'); END")
        .execute(store.pool())
        .await
        .unwrap();
    let before = Stations::by_id(&store, id).await.unwrap().unwrap();
    let mut settings = before.settings;
    settings.inactivity_s += 30;
    let audit = Entry::new("conformance", "station.update", "LIM-01", "inactivity");
    assert!(store.set_settings(id, &settings, &audit).await.is_err(), "the line could not be written");
    assert_eq!(
        Stations::by_id(&store, id).await.unwrap().unwrap().settings,
        before.settings,
        "so neither was the change"
    );
}
