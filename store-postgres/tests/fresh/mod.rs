//! A fresh, migrated database on the test cluster for each test.

/// A new, empty database on the cluster; its URL.
pub async fn database() -> String {
    store_postgres::testing::fresh_database("t").await
}

/// A fresh, migrated store.
pub async fn store() -> store_postgres::PgStore {
    store_postgres::PgStore::open(&database().await, 8).await.expect("a fresh store")
}
