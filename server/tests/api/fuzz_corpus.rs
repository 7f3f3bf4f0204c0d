//! The fuzz targets' seed corpus and crash reproducers (`fuzz/corpus/<target>`,
//! `fuzz/regressions/<target>`), replayed through the same checks the targets run
//! (`server::fuzz_checks`), on stable: `cargo test` catches a regression on any input a
//! fuzzer ever found worth keeping. `make fuzz` runs the fuzzers themselves.

use std::path::Path;

use server::fuzz_checks::replay;

#[test]
fn submission_body_corpus() {
    replay("submission_body", server::fuzz_checks::check_submission_body);
}

#[test]
fn sealed_frame_corpus() {
    replay("sealed_frame", server::fuzz_checks::check_sealed_frame);
}

#[test]
fn survey_definition_corpus() {
    replay("survey_definition", server::fuzz_checks::check_survey_definition);
}

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

/// The valid seeds are valid: a fuzzer starts from inputs that reach the deepest checks.
#[test]
fn valid_seeds_reach_the_deepest_checks() {
    use domain::{Submission, SubmissionBody, Survey};
    use server::privacy::pending::{read_pending, OpenedPending};
    let seed = |target: &str, name: &str| {
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus").join(target).join(name))
            .expect("a seed")
    };
    for name in ["valid_full", "valid_framed", "english_since_previous"] {
        let body = SubmissionBody::from_opened(&seed("submission_body", name)).expect(name);
        Submission::parse(&body, server::fuzz_checks::survey()).expect(name);
    }
    for name in ["pending_framed", "pending_unframed_legacy"] {
        let opened = read_pending(&seed("sealed_frame", name));
        assert!(matches!(opened, OpenedPending::Opened { .. }), "{name}: {opened:?}");
    }
    for name in ["pending_answered_twice", "pending_bad_week", "pending_version_zero"] {
        assert!(matches!(read_pending(&seed("sealed_frame", name)), OpenedPending::Invalid), "{name}");
    }
    let survey: Survey = serde_json::from_slice(&seed("survey_definition", "survey_default")).expect("a survey");
    assert_eq!(survey.publication_problems(&survey.languages), []);
}
