//! Synthetic submission bodies, as a tablet sends them (before sealing): what the ingest
//! benchmarks and the soak submit, so that they all store the same kind of answers.

use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};

/// A complete submission under survey version 1 with random answers (some skipped).
pub fn random_body(rng: &mut impl Rng) -> Value {
    let scale = |rng: &mut dyn rand::RngCore| -> Value {
        match rng.gen_range(0..10) {
            0 => json!("rather_not"),
            n => json!(1 + n % 4),
        }
    };
    let mut answers = serde_json::Map::new();
    for q in ["respect", "believed", "informed", "privacy", "language", "safety", "overall"] {
        if rng.gen_range(0..10) > 0 {
            answers.insert(q.into(), scale(rng));
        }
    }
    answers.insert("waiting_time".into(), json!(["under-15", "15-30", "30-60", "over-60"].choose(rng)));
    let mut improve = vec!["children", "information", "language", "privacy", "respect", "safety", "waiting"];
    improve.shuffle(rng);
    improve.truncate(rng.gen_range(0..3));
    if !improve.is_empty() {
        answers.insert("improve".into(), json!(improve));
    }
    answers.insert("respondent".into(), json!(["self", "companion", "child"].choose(rng)));
    answers.insert("age_band".into(), json!(["under-12", "12-17", "18-plus"].choose(rng)));
    json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "survey_version": 1,
        "language": if rng.gen_bool(0.8) { "es" } else { "en" },
        "answers": answers,
        "durations": {"survey_ms": rng.gen_range(60_000..300_000), "since_previous_ms": rng.gen_range(120_000..900_000)},
    })
}
