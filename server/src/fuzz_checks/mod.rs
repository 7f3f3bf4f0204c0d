//! What the fuzz targets (`fuzz/fuzz_targets`) check, one function per target, each
//! taking arbitrary bytes: it must never panic, and where a parsed value has an obvious
//! property it asserts it. `server/tests/api/fuzz_corpus.rs` feeds the committed corpus
//! through the same functions on stable, so `cargo test` replays every seed and every
//! crash ever found.

mod staff;
mod submissions;

pub use staff::{check_backup_records, check_backup_restore, check_export_filters, check_staff_forms};
pub use submissions::{check_sealed_frame, check_submission_body, check_survey_definition, survey};

use std::path::PathBuf;

/// Every input kept for `target` (`fuzz/corpus/<target>`, `fuzz/regressions/<target>`),
/// in name order; there must be seeds.
pub fn corpus(target: &str) -> Vec<PathBuf> {
    let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut files: Vec<PathBuf> = ["corpus", "regressions"]
        .iter()
        .filter_map(|d| std::fs::read_dir(fuzz.join(d).join(target)).ok())
        .flat_map(|dir| dir.map(|e| e.expect("a readable corpus entry").path()))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{target}: the seed corpus is missing");
    files
}

/// Feeds every input kept for `target` through `check` (what the fuzz target runs), on
/// stable: the replay `cargo test` makes of every target.
pub fn replay(target: &str, check: fn(&[u8])) {
    for file in corpus(target) {
        let data = std::fs::read(&file).expect("a readable input");
        if std::panic::catch_unwind(|| check(&data)).is_err() {
            panic!("{target}: {} fails its check", file.display());
        }
    }
}
