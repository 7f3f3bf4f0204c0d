//! A PostgreSQL server that records when each transaction committed would date every
//! stored submission: Digna refuses to open a database there. The setting belongs to the
//! whole server and is fixed when it starts, so this starts a throwaway cluster of its
//! own with it on (`scripts/pg-cluster.sh`, a second or two).

use std::path::PathBuf;
use std::process::Command;

fn cluster_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg-cluster.sh")
}

/// Stops and deletes the cluster however the test ends.
struct Cluster(PathBuf);

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(cluster_script()).arg("stop").arg(&self.0).status();
    }
}

#[tokio::test]
async fn a_server_that_records_commit_times_is_refused() {
    let dir = std::env::temp_dir().join(format!("digna-pg-commit-times-{}", std::process::id()));
    let cluster = Cluster(dir);
    let out = Command::new(cluster_script())
        .arg("start")
        .arg(&cluster.0)
        .arg("--fast")
        .env("PG_OPTIONS", "-c track_commit_timestamp=on")
        .output()
        .expect("scripts/pg-cluster.sh runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let url = String::from_utf8(out.stdout).unwrap().trim().to_string();

    let refused = store_postgres::PgStore::open(&url, 1).await.expect_err("refused");
    let why = refused.to_string();
    assert!(why.contains("track_commit_timestamp is on"), "{why}");
    // Nothing was created: the migrations never ran.
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let tables: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(tables, 0, "no table was made");
    pool.close().await;
}
