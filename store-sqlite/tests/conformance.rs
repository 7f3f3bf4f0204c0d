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
