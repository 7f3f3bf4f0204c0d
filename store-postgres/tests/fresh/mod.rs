//! A fresh, migrated database on the test cluster for each test.

use sqlx::Connection;
use std::sync::atomic::{AtomicU64, Ordering};

/// The test cluster's URL (`postgres://…/postgres`), from `DIGNA_TEST_POSTGRES`. `make
/// test` always sets it; run by hand without it, a test says how to start one.
pub fn cluster() -> String {
    std::env::var("DIGNA_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!(
            "DIGNA_TEST_POSTGRES is not set: start a throwaway cluster with \
             `scripts/pg-cluster.sh start target/pg` and set it to the URL printed (make test does this)"
        )
    })
}

/// A new, empty database on the cluster; its URL.
pub async fn database() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let cluster = cluster();
    let name = format!("t_{}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), nanos());
    let mut admin = sqlx::PgConnection::connect(&cluster).await.expect("the test cluster answers");
    sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("a fresh database");
    admin.close().await.ok();
    let base = cluster.rsplit_once('/').expect("a URL with a database").0;
    format!("{base}/{name}")
}

fn nanos() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0)
}

/// A fresh, migrated store.
pub async fn store() -> store_postgres::PgStore {
    store_postgres::PgStore::open(&database().await, 8).await.expect("a fresh store")
}
