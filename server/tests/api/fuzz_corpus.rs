//! The server's fuzz targets' seed corpus and crash reproducers (`fuzz/corpus/<target>`,
//! `fuzz/regressions/<target>`), replayed through the same checks the targets run
//! (`server::fuzz_checks`), on stable. The app's targets replay in
//! `app/tests/fuzz_corpus.rs`; `make fuzz` runs the fuzzers themselves.

use std::path::Path;

use app::fuzz_checks::replay;

#[test]
fn staff_forms_corpus() {
    replay("staff_forms", server::fuzz_checks::check_staff_forms);
}

#[test]
fn export_filters_corpus() {
    replay("export_filters", server::fuzz_checks::check_export_filters);
}

#[test]
fn backup_records_corpus() {
    replay("backup_records", server::fuzz_checks::check_backup_records);
}

#[test]
fn backup_restore_corpus() {
    replay("backup_restore", server::fuzz_checks::check_backup_restore);
}

/// The valid backup seed passes the check: the fuzzer starts from a file that reaches the
/// schema check's end, and the planted trigger beside it is refused.
#[test]
fn the_backup_seed_is_a_valid_backup_and_its_planted_twin_is_not() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/backup_restore");
    let dir = tempfile::tempdir().unwrap();
    let (db, key) = (dir.path().join("digna.db"), dir.path().join("digna.key"));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let check = |name: &str| {
        let from = dir.path().join(name);
        std::fs::copy(corpus.join(name), &from).unwrap();
        let r =
            server::backup::Restore { from: &from, db: &db, key: &key, recovery: None, check_only: true, force: false };
        runtime.block_on(server::backup::restore(r)).map(|_| ())
    };
    check("backup_current").expect("the seed is a valid backup");
    let refused = check("backup_planted_trigger").expect_err("a planted trigger is refused");
    assert!(refused.to_string().contains("planted"), "{refused}");
}
