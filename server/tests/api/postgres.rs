//! Digna on PostgreSQL: the server started on a fresh database of the throwaway test
//! cluster that `make test` starts (`scripts/pg-cluster.sh`, named in
//! `DIGNA_TEST_POSTGRES`), walked through what a station, a supervisor and two servers
//! do.

use crate::helpers::{database, full_answers, new_id, spawn_app_with, TestApp};
use serde_json::Value;

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

/// A network moved from SQLite to PostgreSQL (`digna migrate-db`), and back (what a
/// PostgreSQL backup does): every table the same on both sides, the dashboards the same,
/// new ids after the copied ones, and a target that is not empty refused.
#[tokio::test]
async fn a_network_moves_from_sqlite_to_postgres_whole_and_back() {
    let app = crate::helpers::spawn_app().await;
    server::demo::seed(&app.db, app.state.release_k).await.expect("demo data");
    let (_, token) = app.station_with_tablet("LIM-09").await;
    for _ in 0..3 {
        assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201, "pending, sealed");
    }
    app.add_user("sup@example.pe", "supervisor", &["LIM-09"], &["Lima Centro"]).await;
    let postgres = server::Db::open(&database().await).await.expect("PostgreSQL");
    let report = server::transfer::copy(&app.db, &postgres, &|_, _| {}).await.expect("copied");
    assert!(report.differences().is_empty());
    let rows = |name: &str| report.tables.iter().find(|(t, _, _)| *t == name).map(|(_, tally, _)| tally.rows);
    assert!(rows("responses") > Some(100), "the demo's responses came along");
    assert_eq!(rows("pending_responses"), Some(3), "and the sealed pending ones");
    assert!(rows("week_rollups") > Some(0), "the target's triggers rebuilt the derived roll-ups, equal");

    let ids = store::Accounts::all_station_ids(&app.db).await.unwrap();
    assert_eq!(store::Accounts::all_station_ids(&postgres).await.unwrap(), ids);
    let this_week =
        domain::IsoWeek::parse(&domain::time::calendar::iso_week_label(chrono::Utc::now(), "America/Lima")).unwrap();
    let filters = domain::DashboardFilters::last_weeks(this_week);
    let k = app.state.release_k;
    assert_eq!(
        store::Dashboards::overview(&postgres, &ids, &filters, k, 10.0).await.unwrap(),
        store::Dashboards::overview(&app.db, &ids, &filters, k, 10.0).await.unwrap(),
        "the overview is the same on both"
    );
    let code = domain::StationCode::parse("LIM-99").unwrap();
    let name = domain::Name::parse("name", "Nueva", 200).unwrap();
    let audit = store::audit::Entry::new("test", "station.create", "LIM-99", "");
    let new = store::Stations::insert(&postgres, &code, &name, &name, "UTC", &audit).await.unwrap().unwrap();
    assert!(ids.iter().all(|id| *id < new), "a new station's id follows the copied ones");

    let again = server::transfer::copy(&app.db, &postgres, &|_, _| {}).await;
    assert!(matches!(again, Err(server::transfer::Error::NotEmpty(_))), "a target that is not empty is refused");

    let back = server::Db::open(&format!("sqlite://{}", app.dir.path().join("back.db").display())).await.unwrap();
    let report = server::transfer::copy(&postgres, &back, &|_, _| {}).await.expect("copied back");
    assert!(report.differences().is_empty());
}

/// `digna backup` on PostgreSQL: one SQLite file, its pending responses sealed to the
/// recovery key and no key beside it; restored into an empty PostgreSQL database under
/// another server key, every pending response comes back and is released.
#[tokio::test]
async fn a_postgres_backup_is_one_keyless_file_and_restores_into_an_empty_database() {
    use server::backup::{self, recovery, Pending};
    let app = app_on(&database().await).await;
    let (secret, recipient) = recovery::new_identity();
    let audit = |_: &Option<String>| None;
    store::Backups::set_recovery_recipient(&app.db, &recipient, audit).await.unwrap();
    let (station, token) = app.station_with_tablet("LIM-03").await;
    for _ in 0..6 {
        assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
    }
    app.release().await;
    for _ in 0..5 {
        assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
    }
    let out = app.dir.path().join("backups").join("digna-pg.db");
    let report = backup::backup(&app.db, &app.state.seal, &out).await.expect("a backup of PostgreSQL");
    assert_eq!(report.pending, Pending::SealedToRecovery);
    assert_eq!(report.contents.responses, 6);
    assert!(!backup::key_beside(&out).exists(), "no key file beside it");
    let copy = store_sqlite::SqliteStore::open_read_only(&out).await.unwrap();
    let pending = store::Maintenance::pending_records(&copy).await.unwrap();
    assert_eq!(pending.len(), 5, "the pending responses are in the file");
    assert!(pending.iter().all(|(_, _, sealed)| recovery::is_well_formed(sealed)), "sealed to the recovery key");
    copy.close().await;

    // Restored into a new database, by a server with a key file of its own.
    let target = server::Db::open(&database().await).await.unwrap();
    let key = app.dir.path().join("other").join("digna.key");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    let identity = recovery::parse_identity(&secret).unwrap();
    let restored = backup::restore_to_postgres(&out, &key, Some(&identity), &target).await.expect("restored");
    assert_eq!(restored.pending, Pending::Resealed);
    assert_eq!(store::Responses::released_count(&target, station).await.unwrap(), 6);
    let seal = server::privacy::seal::SealKey::load(&key).unwrap();
    let rule = app.state.release_rule();
    server::privacy::release::run_now(&target, &seal, rule, None, false).await.unwrap();
    assert_eq!(
        store::Responses::released_count(&target, station).await.unwrap(),
        11,
        "the pending ones open and release"
    );
    let again = backup::restore_to_postgres(&out, &key, Some(&identity), &target).await;
    assert!(again.unwrap_err().to_string().contains("not empty"), "a database that is not empty is refused");
}
