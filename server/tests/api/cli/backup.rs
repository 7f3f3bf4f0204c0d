//! Backups, restores and key rotation from the command line.

use super::*;

/// The secret `digna recovery-key new` printed (the line that starts AGE-SECRET-KEY-1).
fn printed_secret(printed: &str) -> String {
    printed.lines().map(str::trim).find(|l| l.starts_with("AGE-SECRET-KEY-1")).expect("the secret is printed").into()
}

#[test]
fn backup_and_restore_from_the_command_line() {
    let cli = Cli::new();
    cli.ok(&["station", "add", "--code", "LIM-09", "--name", "Comisaría de Comas", "--region", "Lima Norte"]);
    let out = cli.dir.path().join("backups").join("copy.db");
    let err = cli.fails(&["backup", "--out", out.to_str().unwrap()]);
    assert!(err.contains("cannot read the seal key"), "no key yet (the server creates it): {err}");
    assert!(!out.exists());
    // The key the server creates at its first start.
    let key = server::privacy::seal::SealKey::load_or_create(&cli.dir.path().join("digna.key")).unwrap();
    let err = cli.fails(&["backup", "--out", out.to_str().unwrap()]);
    assert!(err.contains("digna recovery-key new"), "no recovery key yet: {err}");
    assert!(!out.exists());
    let made = cli.ok(&["recovery-key", "new"]);
    let secret = printed_secret(&made);
    assert!(made.contains("paper"), "{made}");
    assert!(!cli.sql("SELECT recipient FROM recovery_key").contains("SECRET"), "only the public half is stored");
    let err = cli.fails(&["recovery-key", "new"]);
    assert!(err.contains("--replace"), "a recovery key is never replaced unasked: {err}");
    // Answers as the server stores them: five released at LIM-09, and six pending (four
    // at LIM-10, two at LIM-11) that no output and no audit line may count.
    let counts = [6, 4];
    for code in ["LIM-10", "LIM-11"] {
        cli.ok(&["station", "add", "--code", code, "--name", "Comisaría", "--region", "Lima Sur"]);
    }
    cli.with_db(|app| async move {
        let survey = crate::store_fn!(app, survey::load(pool, 1)).unwrap().expect("survey version 1");
        for (code, n) in [("LIM-09", 5), ("LIM-10", 4), ("LIM-11", 2)] {
            let station = store_alike(&app, &key, &survey, code, n).await;
            let rule = server::privacy::release::ReleaseRule { k: domain::K::new(5), hold_weeks: 0 };
            server::privacy::release::release_station(&app.db, &key, station, chrono::Utc::now(), rule, None, None)
                .await
                .unwrap();
        }
        app.db.close().await;
    });
    assert_eq!(cli.sql("SELECT COUNT(*) FROM pending_responses"), "6");
    let printed = cli.ok(&["backup", "--out", out.to_str().unwrap()]);
    assert!(printed.contains("integrity check: ok") && printed.contains("stations: 3"), "{printed}");
    assert!(printed.contains("released responses: 5"), "{printed}");
    assert!(printed.contains("sealed to the recovery key only"), "{printed}");
    assert!(!names_a_count(&printed, &counts), "the output counts pending responses: {printed}");
    assert!(out.is_file() && !out.with_extension("key").exists(), "no key file beside a backup");
    let err = cli.fails(&["backup", "--out", out.to_str().unwrap()]);
    assert!(err.contains("already exists"), "{err}");

    let audit = |what: &str| {
        let actions = cli.sql("SELECT action FROM admin_audit").replace('\n', " ");
        assert!(actions.contains(what), "{what} is audited: {actions}");
    };
    audit("backup");
    audit("recovery key made");
    // No audit line (shown with its time at /admin/audit) counts pending responses.
    let audit_uncounted = || {
        let details = cli.sql("SELECT action || ': ' || detail FROM admin_audit");
        assert!(!names_a_count(&details, &counts), "an audit line counts pending responses: {details}");
        details
    };
    let details = audit_uncounted();
    assert!(details.contains("backup: backup made; 5 released responses"), "{details}");
    let secret_file = cli.dir.path().join("paper.txt");
    std::fs::write(&secret_file, format!("# typed from paper\n{secret}\n")).unwrap();
    let with_secret = ["--recovery-key-file", secret_file.to_str().unwrap()];
    let checked = cli.ok(&[&["restore", "--from", out.to_str().unwrap(), "--check"][..], &with_secret].concat());
    assert!(checked.contains("nothing was changed") && checked.contains("every one opens"), "{checked}");
    assert!(!names_a_count(&checked, &counts), "{checked}");
    if on_postgres() {
        // PostgreSQL takes a restore only into a new, empty database (as after createdb).
        let err = cli.fails(&[&["restore", "--from", out.to_str().unwrap()][..], &with_secret].concat());
        assert!(err.contains("empty database"), "the live database is never overwritten: {err}");
        let err = cli.fails(&["restore", "--from", out.to_str().unwrap(), "--force"]);
        assert!(err.contains("--force is for SQLite"), "{err}");
        // Without the secret: the released data only.
        let lost = Cli::new();
        let restored = lost.ok(&["restore", "--from", out.to_str().unwrap()]);
        assert!(restored.contains("Restored.") && restored.contains("NOT RECOVERED"), "{restored}");
        assert!(restored.contains("2 station"), "{restored}");
        assert!(!names_a_count(&restored, &counts), "{restored}");
        assert_eq!(lost.sql("SELECT COUNT(*) FROM pending_responses"), "0");
        assert_eq!(lost.sql("SELECT COUNT(*) FROM responses"), "5");
        // With it: every pending response comes back.
        let found = Cli::new();
        let restored = found.ok(&[&["restore", "--from", out.to_str().unwrap()][..], &with_secret].concat());
        assert!(restored.contains("every one recovered"), "{restored}");
        assert!(!names_a_count(&restored, &counts), "{restored}");
        assert_eq!(found.sql("SELECT COUNT(*) FROM pending_responses"), "6", "the pending responses came back");
        let details = found.sql("SELECT action || ': ' || detail FROM admin_audit");
        assert!(details.contains("restore: "), "the restore is audited: {details}");
        assert!(!names_a_count(&details, &counts), "an audit line counts pending responses: {details}");
        return;
    }
    let err = cli.fails(&[&["restore", "--from", out.to_str().unwrap()][..], &with_secret].concat());
    assert!(err.contains("--force"), "the live database is never overwritten silently: {err}");
    // Without the secret (standard input is no terminal here): the released data only.
    let restored = cli.ok(&["restore", "--from", out.to_str().unwrap(), "--force"]);
    assert!(restored.contains("Restored.") && restored.contains("NOT RECOVERED"), "{restored}");
    assert!(restored.contains("2 station"), "{restored}");
    assert!(!names_a_count(&restored, &counts), "{restored}");
    assert_eq!(cli.sql("SELECT COUNT(*) FROM pending_responses"), "0");
    assert_eq!(cli.sql("SELECT COUNT(*) FROM responses"), "5");
    // With it: every pending response comes back.
    let restored = cli.ok(&[&["restore", "--from", out.to_str().unwrap(), "--force"][..], &with_secret].concat());
    assert!(restored.contains("every one recovered"), "{restored}");
    assert!(!names_a_count(&restored, &counts), "{restored}");
    audit("restore");
    audit_uncounted();
    assert_eq!(cli.sql("SELECT COUNT(*) FROM pending_responses"), "6", "the pending responses came back");
    let err =
        cli.fails(&["restore", "--from", out.to_str().unwrap(), "--check", "--recovery-key-file", "/nonexistent"]);
    assert!(err.contains("cannot read the recovery key file"), "{err}");
}

#[test]
fn key_rotation_keeps_the_previous_key_until_every_tablet_has_delivered() {
    let cli = Cli::new();
    cli.ok(&["station", "add", "--code", "LIM-09", "--name", "Comisaría de Comas", "--region", "Lima Norte"]);
    let err = cli.fails(&["key", "rotate"]);
    assert!(err.contains("cannot read the key file"), "{err}");
    let path = cli.dir.path().join("digna.key");
    let old = server::privacy::seal::SealKey::load_or_create(&path).unwrap().box_public_key();
    let printed = cli.ok(&["key", "rotate"]);
    let new = server::privacy::seal::SealKey::load(&path).unwrap();
    assert_ne!(new.box_public_key(), old);
    assert!(new.previous_box_replaced().is_some(), "the previous secret is kept");
    assert!(printed.contains("--finish"), "{printed}");
    let err = cli.fails(&["key", "rotate"]);
    assert!(err.contains("--finish"), "{err}");
    // A tablet enrolled today has not delivered on a later day: its queue may hold
    // answers sealed to the old key.
    cli.with_db(|app| async move {
        let station = crate::store_fn!(app, stations::by_code(pool, "LIM-09")).unwrap().unwrap();
        let token = server::auth::secret_hash("token");
        crate::store_fn!(app, tablets::insert_with_token(pool, station.id, &token)).unwrap();
        app.db.close().await;
    });
    let err = cli.fails(&["key", "rotate", "--finish"]);
    assert!(err.contains("have delivered nothing since the rotation") && err.contains("LIM-09"), "{err}");
    assert!(server::privacy::seal::SealKey::load(&path).unwrap().previous_box_replaced().is_some());
    cli.ok(&["key", "rotate", "--finish", "--force"]);
    let finished = server::privacy::seal::SealKey::load(&path).unwrap();
    assert_eq!(finished.previous_box_replaced(), None, "the previous secret is destroyed");
    assert_eq!(finished.box_public_key(), new.box_public_key());
    let actions = cli.sql("SELECT action FROM admin_audit").replace('\n', " ");
    assert!(actions.contains("key rotate") && actions.contains("key rotate finished"), "{actions}");
    assert!(cli.ok(&["key", "rotate", "--finish"]).contains("No rotation to finish"));
}
