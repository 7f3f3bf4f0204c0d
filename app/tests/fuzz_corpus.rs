//! The fuzz targets' seed corpus and crash reproducers (`fuzz/corpus/<target>`,
//! `fuzz/regressions/<target>`), replayed through the same checks the targets run
//! (`app::fuzz_checks`), on stable: `cargo test` catches a regression on any input a
//! fuzzer ever found worth keeping. The server's targets replay in
//! `server/tests/api/fuzz_corpus.rs`; `make fuzz` runs the fuzzers themselves.

use std::path::Path;

use app::fuzz_checks::replay;

#[test]
fn submission_body_corpus() {
    replay("submission_body", app::fuzz_checks::check_submission_body);
}

#[test]
fn sealed_frame_corpus() {
    replay("sealed_frame", app::fuzz_checks::check_sealed_frame);
}

#[test]
fn survey_definition_corpus() {
    replay("survey_definition", app::fuzz_checks::check_survey_definition);
}

/// The valid seeds are valid: a fuzzer starts from inputs that reach the deepest checks.
#[test]
fn valid_seeds_reach_the_deepest_checks() {
    use app::db::responses::{read_pending, OpenedPending};
    use domain::{Submission, SubmissionBody, Survey};
    let seed = |target: &str, name: &str| {
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus").join(target).join(name))
            .expect("a seed")
    };
    for name in ["valid_full", "valid_framed", "english_since_previous"] {
        let body = SubmissionBody::from_opened(&seed("submission_body", name)).expect(name);
        Submission::parse(&body, app::fuzz_checks::survey()).expect(name);
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
