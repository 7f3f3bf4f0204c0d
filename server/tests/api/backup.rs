//! Backups taken while answers keep arriving: one consistent snapshot that passes SQLite's
//! integrity check, holds every answer acknowledged before it began, and restores with its
//! key so that the pending (sealed) answers open again.

use crate::helpers::{full_answers, new_id, spawn_app};
use server::backup::{self, key_beside, Restore};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_load_holds_every_acknowledged_answer() {
    let app = spawn_app().await;
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
    let report = backup::backup(&app.pool, &app.dir.path().join("digna.key"), &out).await.expect("backup");
    let after = acknowledged.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.await.expect("writer");
    }

    let c = &report.contents;
    assert_eq!(c.integrity, "ok");
    assert!(c.pending_open, "every pending answer opens with the key copied beside it");
    assert!(c.responses >= 5, "released batches are in the copy too: {c:?}");
    assert!(key_beside(&out).is_file());
    assert!(!out.with_extension("partial").exists(), "no half-written file is left");

    // The copy opens on its own and passes the integrity check again. (Only the test
    // counts the pending answers in it: Digna never does.)
    let copy = app::db::connect(&format!("sqlite://{}", out.display())).await.unwrap();
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&copy).await.unwrap();
    assert_eq!(verdict, "ok");
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pending_responses").fetch_one(&copy).await.unwrap();
    copy.close().await;
    let held = c.responses + pending;
    assert!(held >= before, "the backup holds {held} answers, {before} were acknowledged before it began");
    assert!(held <= after, "the backup holds {held} answers, only {after} were acknowledged when it ended");

    // A backup never overwrites.
    let err = backup::backup(&app.pool, &app.dir.path().join("digna.key"), &out).await.unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
}

/// Whether `text` names one of `counts` as a number of its own (digits between
/// non-alphanumeric characters: `schema version: 13` does not name 3, `3 pending` does).
pub(crate) fn names_a_count(text: &str, counts: &[i64]) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric()).any(|word| counts.iter().any(|n| word == n.to_string()))
}

#[test]
fn the_count_finder_finds_counts_as_words_only() {
    assert!(names_a_count("pending responses: 7 (all open)", &[7]));
    assert!(names_a_count("opens 0 of the 3 pending", &[3]));
    assert!(!names_a_count("schema version: 13; digna-2026-11-29.db; .tmp3XyZ7q", &[3, 7]));
}

#[tokio::test]
async fn restore_checks_the_backup_and_its_key_and_brings_pending_answers_back() {
    let app = spawn_app().await;
    // Seven pending answers (four at one station, three at another), none released: no
    // report, error or audit line may give any of these numbers.
    let counts = [7, 4, 3];
    for (code, n) in [("LIM-01", 4), ("LIM-02", 3)] {
        let (_, token) = app.station_with_tablet(code).await;
        for _ in 0..n {
            assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
        }
    }
    let out = app.dir.path().join("b.db");
    let made = backup::backup(&app.pool, &app.dir.path().join("digna.key"), &out).await.expect("backup");
    let printed = made.to_string();
    assert!(printed.contains("every pending response opens with this key"), "{printed}");
    assert!(!names_a_count(&printed, &counts), "the backup's report counts pending answers: {printed}");

    let target = tempfile::tempdir().unwrap();
    let (db, key) = (target.path().join("digna.db"), target.path().join("digna.key"));
    let restore = |check_only, force| Restore { from: &out, db: &db, key: &key, check_only, force };

    // A check writes nothing.
    let checked = backup::restore(restore(true, false)).await.expect("check");
    assert!(checked.contents.pending_open);
    assert!(!names_a_count(&checked.to_string(), &counts), "{checked}");
    assert!(!db.exists());

    let restored = backup::restore(restore(false, false)).await.expect("restore");
    assert!(restored.contents.pending_open, "the restored key opens the pending answers");
    assert!(!names_a_count(&restored.to_string(), &counts), "{restored}");
    let pool = app::db::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pending_responses").fetch_one(&pool).await.unwrap();
    assert_eq!(pending, 7, "every pending answer came back");
    let log = app::db::audit::audit_log(&pool, 5).await.unwrap();
    assert_eq!(log[0].action, "restore");
    for line in &log {
        assert!(!names_a_count(&line.detail, &counts), "an audit line counts pending answers: {}", line.detail);
    }
    pool.close().await;

    // Over an existing database only with --force, and the old one is kept aside.
    let err = backup::restore(restore(false, false)).await.unwrap_err();
    assert!(err.to_string().contains("--force"), "{err}");
    backup::restore(restore(false, true)).await.expect("forced restore");
    let kept: Vec<_> = std::fs::read_dir(target.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".before-restore-"))
        .collect();
    assert!(kept.iter().any(|n| n.starts_with("digna.db.")), "{kept:?}");
    assert!(kept.iter().any(|n| n.starts_with("digna.key.")), "{kept:?}");

    // Without its key, or with another key, a backup is refused before anything is written.
    let elsewhere = tempfile::tempdir().unwrap();
    let lone = elsewhere.path().join("lone.db");
    std::fs::copy(&out, &lone).unwrap();
    let (db2, key2) = (elsewhere.path().join("x.db"), elsewhere.path().join("x.key"));
    let err = backup::restore(Restore { from: &lone, db: &db2, key: &key2, check_only: false, force: false })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("must sit beside the backup"), "{err}");
    app::seal::SealKey::load_or_create(&key_beside(&lone)).unwrap();
    let err = backup::restore(Restore { from: &lone, db: &db2, key: &key2, check_only: false, force: false })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("some pending responses in") && err.to_string().contains("do not open"), "{err}");
    assert!(!names_a_count(&err.to_string(), &counts), "{err}");
    assert!(!db2.exists() && !key2.exists());

    // A damaged file is refused too.
    let broken = elsewhere.path().join("broken.db");
    std::fs::write(&broken, b"not a database at all").unwrap();
    std::fs::copy(key_beside(&out), key_beside(&broken)).unwrap();
    let err = backup::restore(Restore { from: &broken, db: &db2, key: &key2, check_only: true, force: false })
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("not a"), "{err:#}");
}
