//! Digna on PostgreSQL: the server started on a fresh database of the throwaway test
//! cluster that `make test` starts (`scripts/pg-cluster.sh`, named in
//! `DIGNA_TEST_POSTGRES`), walked through what a station, a supervisor and two servers
//! do.

use crate::helpers::{full_answers, new_id, spawn_app_with, TestApp};
use serde_json::Value;
use sqlx::Connection;
use std::sync::atomic::{AtomicU64, Ordering};

/// A new, empty database on the test cluster; its URL.
async fn database() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let cluster = std::env::var("DIGNA_TEST_POSTGRES").expect(
        "DIGNA_TEST_POSTGRES: start a throwaway cluster with `scripts/pg-cluster.sh start target/pg` \
         and set it to the URL printed (make test does this)",
    );
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let name = format!("s_{}_{}_{nanos}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    let mut admin = sqlx::PgConnection::connect(&cluster).await.expect("the test cluster answers");
    sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("a fresh database");
    admin.close().await.ok();
    format!("{}/{name}", cluster.rsplit_once('/').expect("a URL with a database").0)
}

async fn app_on(url: &str) -> TestApp {
    let url = url.to_string();
    spawn_app_with(move |s| s.database_url = url).await
}

/// A server on the database at `url` with the key file `key`: servers behind one address
/// share it (a tablet seals to its public key; submission keys are hashed with it).
async fn server_on(url: &str, key: &std::path::Path) -> TestApp {
    let (url, key) = (url.to_string(), key.to_path_buf());
    spawn_app_with(move |s| {
        s.database_url = url;
        s.key_file = key;
    })
    .await
}

#[tokio::test]
async fn a_station_s_visits_are_stored_once_released_and_shown_on_postgres() {
    let app = app_on(&database().await).await;
    assert!(matches!(app.db, server::Db::Postgres(_)), "DATABASE_URL=postgres://… runs on PostgreSQL");
    let (station, token) = app.station_with_tablet("LIM-01").await;
    for _ in 0..6 {
        let body = full_answers(&new_id());
        assert_eq!(app.submit(&token, &body).await.status(), 201);
        let replay = app.submit(&token, &body).await;
        assert_eq!(replay.json::<Value>().await.unwrap()["status"], "duplicate", "a retry is stored once");
    }
    let released = app.release().await;
    assert_eq!(released.len(), 1);
    assert_eq!(store::Responses::released_count(&app.db, station).await.unwrap(), 6, "six visits, released once");
    app.add_user("sup@example.pe", "supervisor", &["LIM-01"], &[]).await;
    let client = app.signed_in("sup@example.pe").await;
    let page = client.get(app.url("/dashboard/station/LIM-01")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("LIM-01"), "the station's page shows the station");
}

#[tokio::test]
async fn two_servers_on_one_database_share_tablets_sessions_and_releases() {
    let url = database().await;
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("digna.key");
    let (a, b) = (server_on(&url, &key).await, server_on(&url, &key).await);
    let (station, token) = a.station_with_tablet("LIM-02").await;
    // The tablet enrolled through one server delivers through either, each visit once.
    for i in 0..10 {
        let body = full_answers(&new_id());
        let (first, second) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        assert_eq!(first.submit(&token, &body).await.status(), 201);
        let replay = second.submit(&token, &body).await;
        assert_eq!(replay.json::<Value>().await.unwrap()["status"], "duplicate", "stored once across servers");
    }
    // Both servers' releases at once: each visit is released once.
    tokio::join!(a.release(), b.release());
    assert_eq!(store::Responses::released_count(&a.db, station).await.unwrap(), 10, "each visit released once");
    // A session signed in on one server opens pages on the other.
    a.add_user("sup2@example.pe", "supervisor", &["LIM-02"], &[]).await;
    let client = a.signed_in("sup2@example.pe").await;
    let page = client.get(b.url("/dashboard/station/LIM-02")).send().await.unwrap();
    assert_eq!(page.status(), 200, "the session is known to the other server");
}
