//! Backups taken while answers keep arriving: one consistent snapshot that passes SQLite's
//! integrity check, holds every answer acknowledged before it began, carries no key (its
//! pending answers sealed to the offline recovery key), and restores: with the recovery
//! secret every pending answer comes back, without it the released data does.

use crate::files::open_to_others;
use crate::helpers::{full_answers, new_id, spawn_app, TestApp};
use server::backup::{self, key_beside, recovery, Pending, Restore};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

/// Makes the app's recovery key as `digna recovery-key new` does; returns its secret.
pub(crate) async fn recovery_key(app: &TestApp) -> age::x25519::Identity {
    let (secret, recipient) = recovery::new_identity();
    crate::store_fn!(app, backup::set_recovery_recipient(conn, &recipient)).unwrap();
    recovery::parse_identity(&secret).unwrap()
}

pub(crate) async fn open_copy(path: &Path) -> sqlx::SqlitePool {
    store_sqlite::connect(&format!("sqlite://{}", path.display())).await.unwrap()
}

async fn pending_rows(pool: &sqlx::SqlitePool) -> Vec<store_sqlite::backup::PendingRow> {
    store_sqlite::backup::pending_rows_after(pool, &[], i64::MAX).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_load_holds_every_acknowledged_answer() {
    let app = spawn_app().await;
    let _secret = recovery_key(&app).await;
    let mut tokens = Vec::new();
    for code in ["LIM-01", "LIM-02", "LIM-03", "CUS-01"] {
        tokens.push(app.station_with_tablet(code).await.1);
    }
    let acknowledged = Arc::new(AtomicI64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for token in tokens {
        let (client, url, acked, stop) =
            (app.client.clone(), app.url("/api/v1/responses"), acknowledged.clone(), stop.clone());
        let key = app.state.seal.box_public_key();
        writers.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let body = crate::helpers::wire_to(key, &full_answers(&new_id()));
                let resp = client.post(&url).bearer_auth(&token).json(&body).send().await.expect("post");
                match resp.status().as_u16() {
                    201 => {
                        acked.fetch_add(1, Ordering::SeqCst);
                    }
                    // The per-tablet limit: wait and go on.
                    429 => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
                    s => panic!("unexpected status {s}"),
                }
            }
        }));
    }
    // Let answers flow, release what has come (while answers go on), then back up.
    while acknowledged.load(Ordering::SeqCst) < 23 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    app.release().await;
    let before = acknowledged.load(Ordering::SeqCst);
    let out = app.dir.path().join("backups").join("digna-copy.db");
    let report = backup::backup(&app.db, &app.state.seal, &out).await.expect("backup");
    let after = acknowledged.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.await.expect("writer");
    }

    let c = &report.contents;
    assert_eq!(c.integrity, "ok");
    assert_eq!(report.pending, Pending::SealedToRecovery);
    assert!(c.responses >= 5, "released batches are in the copy too: {c:?}");
    assert!(!key_beside(&out).exists(), "a backup writes no key file");
    assert!(!out.with_extension("partial").exists(), "no half-written file is left");

    // The copy opens on its own and passes the integrity check again. (Only the test
    // counts the pending answers in it: Digna never does.)
    let copy = open_copy(&out).await;
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&copy).await.unwrap();
    assert_eq!(verdict, "ok");
    let pending = pending_rows(&copy).await.len() as i64;
    copy.close().await;
    let held = c.responses + pending;
    assert!(held >= before, "the backup holds {held} answers, {before} were acknowledged before it began");
    assert!(held <= after, "the backup holds {held} answers, only {after} were acknowledged when it ended");

    // A backup never overwrites.
    let err = backup::backup(&app.db, &app.state.seal, &out).await.unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
}

#[test]
fn the_count_finder_finds_counts_as_words_only() {
    assert!(names_a_count("pending responses: 7 (all open)", &[7]));
    assert!(names_a_count("opens 0 of the 3 pending", &[3]));
    assert!(!names_a_count("schema version: 13; digna-2026-11-29.db; .tmp3XyZ7q", &[3, 7]));
}

/// Whether `text` names one of `counts` as a number of its own (digits between
/// non-alphanumeric characters: `schema version: 13` does not name 3, `3 pending` does).
pub(crate) fn names_a_count(text: &str, counts: &[i64]) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric()).any(|word| counts.iter().any(|n| word == n.to_string()))
}

/// Seven pending answers (four at LIM-01, three at LIM-02), none released, and a backup
/// of them in `app.dir/backups/b.db`.
async fn seven_pending_and_a_backup(app: &TestApp) -> std::path::PathBuf {
    for (code, n) in [("LIM-01", 4), ("LIM-02", 3)] {
        let (_, token) = app.station_with_tablet(code).await;
        for _ in 0..n {
            assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
        }
    }
    let out = app.dir.path().join("backups").join("b.db");
    backup::backup(&app.db, &app.state.seal, &out).await.expect("backup");
    out
}

#[tokio::test]
async fn a_backup_needs_a_recovery_key_and_writes_no_key_and_no_file_others_can_read() {
    let app = spawn_app().await;
    let out = app.dir.path().join("backups").join("b.db");
    let err = backup::backup(&app.db, &app.state.seal, &out).await.unwrap_err();
    assert!(err.to_string().contains("digna recovery-key new"), "{err}");
    assert!(!out.exists());
    recovery_key(&app).await;
    let out = seven_pending_and_a_backup(&app).await;
    assert!(out.is_file() && !key_beside(&out).exists(), "no key file beside the backup");
    let files: Vec<_> = std::fs::read_dir(out.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(files, [std::ffi::OsString::from("b.db")], "the backup is one file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let open = open_to_others(out.parent().unwrap());
        assert!(open.is_empty(), "readable by others: {open:?}");
        let mode = std::fs::metadata(out.parent().unwrap()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "the folder a backup makes is its owner's only");
        // A folder the operator made open to others is left as it is, with a warning.
        let shared = app.dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
        let report = backup::backup(&app.db, &app.state.seal, &shared.join("c.db")).await.unwrap();
        assert!(report.to_string().contains("chmod 700"), "{report}");
        assert_eq!(std::fs::metadata(shared.join("c.db")).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

#[tokio::test]
async fn only_the_recovery_secret_opens_a_backups_pending_answers_and_they_then_release() {
    let app = spawn_app().await;
    let secret = recovery_key(&app).await;
    let counts = [7, 4, 3];
    let out = seven_pending_and_a_backup(&app).await;

    // The copy's pending records open with no server key: not the live one, which a
    // thief of the server's disk might hold too.
    let copy = open_copy(&out).await;
    let rows = pending_rows(&copy).await;
    copy.close().await;
    assert_eq!(rows.len(), 7);
    for r in &rows {
        assert_eq!(r.sealed.len(), recovery::RECOVERY_FRAME, "every re-sealed record has one size");
        let ctx = server::privacy::pending::seal_context(r.station_id, &r.id);
        assert!(app.state.seal.open(&ctx, &r.sealed).is_none(), "the server's key opens nothing in a backup");
        assert!(recovery::open(&secret, r.station_id, &r.id, &r.sealed).is_some());
    }

    // Restored where no key file exists (the server's disk was lost): with the secret,
    // every pending answer comes back under the new server key and releases as usual.
    let target = tempfile::tempdir().unwrap();
    let (db, key) = (target.path().join("digna.db"), target.path().join("digna.key"));
    let restore = |recovery, check_only, force| Restore { from: &out, db: &db, key: &key, recovery, check_only, force };
    let wrong = recovery::parse_identity(&recovery::new_identity().0).unwrap();
    let err = backup::restore(restore(Some(&wrong), true, false)).await.unwrap_err();
    assert!(err.to_string().contains("does not open with this recovery key"), "{err}");
    let checked = backup::restore(restore(Some(&secret), true, false)).await.expect("check");
    assert_eq!(checked.pending, Pending::Recoverable);
    assert!(!db.exists() && !key.exists(), "a check writes nothing");
    let restored = backup::restore(restore(Some(&secret), false, false)).await.expect("restore");
    assert_eq!(restored.pending, Pending::Resealed);
    assert!(!names_a_count(&restored.to_string(), &counts), "{restored}");
    let seal = server::privacy::seal::SealKey::load(&key).expect("the restore made the server's key");
    let pool = open_copy(&db).await;
    let rows = pending_rows(&pool).await;
    assert_eq!(rows.len(), 7, "every pending answer came back");
    assert!(rows.iter().all(|r| {
        matches!(
            server::privacy::pending::open_pending(&seal, r.station_id, &r.id, &r.sealed),
            server::privacy::pending::OpenedPending::Opened { .. }
        )
    }));
    let rule = server::privacy::release::ReleaseRule { k: domain::K::new(3), hold_weeks: 0 };
    server::privacy::release::run_now(
        &server::Db::Sqlite(store_sqlite::SqliteStore::on(pool.clone())),
        &seal,
        rule,
        None,
        false,
    )
    .await
    .unwrap();
    let released: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM responses").fetch_one(&pool).await.unwrap();
    assert_eq!(released, 7, "the recovered answers release normally");
    let log = store_sqlite::audit::audit_log(&pool, 5).await.unwrap();
    assert_eq!(log[0].action, "restore");
    assert!(log.iter().all(|l| !names_a_count(&l.detail, &counts)), "{log:?}");
    pool.close().await;
    let err = backup::restore(restore(Some(&secret), false, false)).await.unwrap_err();
    assert!(err.to_string().contains("--force"), "{err}");
}

#[tokio::test]
async fn without_the_recovery_secret_the_released_data_comes_back_and_the_lost_pools_are_told() {
    let app = spawn_app().await;
    recovery_key(&app).await;
    // Five released at LIM-09, then seven pending at two other stations.
    let (_, token) = app.station_with_tablet("LIM-09").await;
    for _ in 0..5 {
        assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
    }
    app.release_with(server::privacy::release::ReleaseRule { k: domain::K::new(5), hold_weeks: 0 }).await;
    let out = seven_pending_and_a_backup(&app).await;
    let target = tempfile::tempdir().unwrap();
    let (db, key) = (target.path().join("digna.db"), target.path().join("digna.key"));
    let checked =
        backup::restore(Restore { from: &out, db: &db, key: &key, recovery: None, check_only: true, force: false })
            .await
            .expect("a check needs no secret");
    assert_eq!(checked.pending, Pending::SealedToRecovery);
    let restored =
        backup::restore(Restore { from: &out, db: &db, key: &key, recovery: None, check_only: false, force: false })
            .await
            .expect("restore");
    assert_eq!(restored.pending, Pending::Dropped { stations: 2 });
    let printed = restored.to_string();
    assert!(printed.contains("NOT RECOVERED") && printed.contains("2 station"), "{printed}");
    // (Three is also the number of stations, which may be said.)
    assert!(!names_a_count(&printed, &[7, 4]), "{printed}");
    assert_eq!(restored.contents.responses, 5);
    let pool = open_copy(&db).await;
    assert!(pending_rows(&pool).await.is_empty());
    let released: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM responses").fetch_one(&pool).await.unwrap();
    assert_eq!(released, 5, "the released data is restored");
    let log = store_sqlite::audit::audit_log(&pool, 1).await.unwrap();
    assert!(log[0].action == "restore" && log[0].detail.contains("NOT RECOVERED"), "{log:?}");
    pool.close().await;
}

#[tokio::test]
async fn restore_refuses_a_backup_whose_schema_is_not_what_the_migrations_make() {
    let app = spawn_app().await;
    let secret = recovery_key(&app).await;
    let out = seven_pending_and_a_backup(&app).await;
    let cases = [
        (
            "a trigger",
            "CREATE TRIGGER leak AFTER INSERT ON responses BEGIN INSERT INTO settings (key, value) VALUES ('x', 'y'); END",
            "leak",
        ),
        ("a view", "CREATE VIEW everything AS SELECT * FROM pending_responses", "everything"),
        ("an extra table", "CREATE TABLE stash (blob BLOB)", "stash"),
        ("an extra index", "CREATE INDEX stash_index ON responses (iso_week)", "stash_index"),
        ("a changed table", "DROP TABLE recovery_key; CREATE TABLE recovery_key (id INTEGER, recipient TEXT, created_at TEXT)", "recovery_key"),
        (
            "a trigger on the session table",
            "CREATE TRIGGER session_spy AFTER INSERT ON tower_sessions BEGIN SELECT 1; END",
            "session_spy",
        ),
    ];
    // A backup of PostgreSQL carries no session table (sessions stay behind).
    let sessions = !crate::helpers::on_postgres();
    for (case, sql, name) in cases.into_iter().filter(|(_, _, name)| sessions || *name != "session_spy") {
        let dir = tempfile::tempdir().unwrap();
        let planted = dir.path().join("planted.db");
        std::fs::copy(&out, &planted).unwrap();
        let pool = open_copy(&planted).await;
        sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        pool.close().await;
        let (db, key) = (dir.path().join("digna.db"), dir.path().join("digna.key"));
        for check_only in [true, false] {
            let err = backup::restore(Restore {
                from: &planted,
                db: &db,
                key: &key,
                recovery: Some(&secret),
                check_only,
                force: false,
            })
            .await
            .unwrap_err();
            assert!(err.to_string().contains("refused") && err.to_string().contains(name), "{case}: {err}");
        }
        assert!(!db.exists() && !key.exists(), "{case}: nothing is written");
    }
    // A damaged file is refused too.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.db");
    std::fs::write(&broken, b"not a database at all").unwrap();
    let (db, key) = (dir.path().join("digna.db"), dir.path().join("digna.key"));
    let err =
        backup::restore(Restore { from: &broken, db: &db, key: &key, recovery: None, check_only: true, force: false })
            .await
            .unwrap_err();
    assert!(format!("{err:#}").contains("not a"), "{err:#}");
}

#[tokio::test]
async fn a_backup_from_before_recovery_keys_restores_with_its_key_beside_it() {
    if crate::helpers::sqlite_only("an old SQLite backup file made with VACUUM INTO, restored with its key file") {
        return;
    }
    let app = spawn_app().await;
    for (code, n) in [("LIM-01", 4), ("LIM-02", 3)] {
        let (_, token) = app.station_with_tablet(code).await;
        for _ in 0..n {
            assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
        }
    }
    // As `digna backup` made them: the copy, and the server's key file beside it.
    let old = app.dir.path().join("old.db");
    store_sqlite::maintenance::vacuum_into(&app.pool, old.to_str().unwrap()).await.unwrap();
    std::fs::copy(app.dir.path().join("digna.key"), key_beside(&old)).unwrap();
    let target = tempfile::tempdir().unwrap();
    let (db, key) = (target.path().join("digna.db"), target.path().join("digna.key"));
    let restored =
        backup::restore(Restore { from: &old, db: &db, key: &key, recovery: None, check_only: false, force: false })
            .await
            .expect("restore");
    assert_eq!(restored.pending, Pending::OpenWithKeyBeside);
    assert!(restored.to_string().contains("made before recovery keys"), "{restored}");
    let seal = server::privacy::seal::SealKey::load(&key).unwrap();
    let pool = open_copy(&db).await;
    assert!(server::privacy::pending::all_open(
        &seal,
        &store_sqlite::maintenance::pending_records(&pool).await.unwrap()
    ));
    assert_eq!(pending_rows(&pool).await.len(), 7);
    pool.close().await;
    // Without its key, such a backup's pending answers are not sealed to a recovery key.
    std::fs::remove_file(key_beside(&old)).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let (db, key) = (elsewhere.path().join("digna.db"), elsewhere.path().join("digna.key"));
    let err =
        backup::restore(Restore { from: &old, db: &db, key: &key, recovery: None, check_only: true, force: false })
            .await
            .unwrap_err();
    assert!(err.to_string().contains("needs its .key file beside it"), "{err}");
}
