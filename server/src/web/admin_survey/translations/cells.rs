//! A version's texts as cells: which there are, what is stored in each, and the names of
//! a cell's form fields.

use domain::{Language, ReviewState, Survey};
use std::collections::BTreeMap;
use store::survey::TextRow;

/// Every text of a version in survey order: (question, choice), choice '' for the question.
pub(super) fn cells(survey: &Survey) -> Vec<(String, String)> {
    survey
        .questions
        .iter()
        .flat_map(|q| {
            std::iter::once((q.key.clone(), String::new()))
                .chain(q.choices.iter().map(|c| (q.key.clone(), c.key.clone())))
        })
        .collect()
}

pub(super) type Stored = BTreeMap<(String, String, Language), TextRow>;

pub(super) fn stored(rows: Vec<TextRow>) -> Stored {
    rows.into_iter().map(|r| ((r.question_key.clone(), r.choice_key.clone(), r.language), r)).collect()
}

/// A cell's (text, child text, review) as stored; a missing text is blank and needs review.
pub(super) fn stored_cell(stored: &Stored, q: &str, c: &str, l: Language) -> (String, String, ReviewState) {
    match stored.get(&(q.to_string(), c.to_string(), l)) {
        Some(r) => (r.text.clone(), r.child_text.clone(), r.review),
        None => (String::new(), String::new(), ReviewState::NeedsReview),
    }
}

pub(super) fn names(q: &str, c: &str, l: Language) -> [String; 3] {
    let base = format!("{q}:{c}:{l}");
    [format!("text:{base}"), format!("child:{base}"), format!("review:{base}")]
}

pub(super) fn cell_label(q: &str, c: &str) -> String {
    if c.is_empty() {
        q.to_string()
    } else {
        format!("{q} › {c}")
    }
}

pub(super) fn id_of(name: &str) -> String {
    format!("tr-{}", name.replace(':', "-"))
}
