//! `/admin/survey/{version}`: a published version, read-only, or the draft's editor
//! with one form per question (`form[data-question=<key>]`), a form to add a question
//! (`#new-question`), and the publish button (`#publish`).
//!
//! Question form fields: `kind`, `in_index`, `observable` (staff could see the answer:
//! a release withholds it rather than let one visitor stand out; one-choice questions
//! only), `text:<lang>` and `child:<lang>` for the question;
//! `choice:<choice>:text:<lang>`, `choice:<choice>:child:<lang>`,
//! `choice:<choice>:position` (1 = first) and `choice:<choice>:remove` for each choice;
//! `new_choice` (its key) with `new_choice:text:<lang>` and `new_choice:child:<lang>`. A
//! text field left out of the form is left as it is; an unticked box is "no". A text
//! changed here is marked "needs review".
//!
//! `page` renders the two pages, `forms` the question forms on the draft's page,
//! `fields` reads a question form into a change of the draft, and `edits` holds the
//! POST handlers.

mod edits;
pub(crate) mod fields;
mod forms;
mod page;

pub use edits::{add_question, discard, move_question, publish, remove_question, save_question};
pub use page::version_page;

use super::{no_such_version, not_found, published_refusal};
use crate::web::layout::Lang;
use crate::web::session::Staff;
use axum::response::Response;
use domain::{Language, Texts};
use std::collections::BTreeMap;
use store::survey::Edit;

/// A form as typed, and what is wrong with each field (by field name).
#[derive(Clone, Debug, Default)]
struct Typed {
    fields: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
}

/// What a re-rendered editor shows besides the draft itself.
#[derive(Default)]
struct EditorState {
    /// The question whose form was refused, as typed.
    question: Option<(String, Typed)>,
    /// The new-question form as typed.
    new_question: Typed,
    /// Errors at the top of the page (such as why the draft was not published).
    errors: Vec<String>,
}

fn text_of(texts: &Texts, l: Language) -> String {
    texts.get(&l).cloned().unwrap_or_default()
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn no_such_question(lang: Lang, staff: &Staff, key: &str) -> Response {
    not_found(
        lang,
        staff,
        match lang {
            Lang::Es => format!("El borrador no tiene una pregunta «{key}»."),
            Lang::En => format!("The draft has no question “{key}”."),
        },
    )
}

/// An edit's outcome other than success, as a page.
fn edit_refusal(lang: Lang, staff: &Staff, version: i64, key: &str, edit: Edit) -> Option<Response> {
    match edit {
        Edit::Done | Edit::KeyTaken => None,
        Edit::Published => Some(published_refusal(lang, staff, version)),
        Edit::NoSuchVersion => Some(no_such_version(lang, staff, &version.to_string())),
        Edit::NoSuchQuestion => Some(no_such_question(lang, staff, key)),
    }
}

fn editor_href(lang: Lang, version: i64, key: Option<&str>) -> String {
    let anchor = key.map(|k| format!("#question-{k}")).unwrap_or_default();
    format!("/admin/survey/{version}?lang={}{anchor}", lang.code())
}
