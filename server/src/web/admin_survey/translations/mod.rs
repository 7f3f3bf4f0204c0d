//! `/admin/translations`: every text of the draft side by side in es | qu | ay | en
//! (`#translations`), each cell editable with its review state; or, without a draft,
//! the current published version read-only with a button to start a draft. Below, the
//! languages offered to visitors (`#languages`).
//!
//! The table is one form, `#translations-form`, posted to `/admin/translations/<version>`.
//! A cell's fields are `text:<question>:<choice>:<lang>`, `child:<question>:<choice>:<lang>`
//! and `review:<question>:<choice>:<lang>`, where `<choice>` is empty for the question's
//! own text (so `text:respect::qu` is the Quechua text of "respect"). The submit button
//! says what to save: `save=all` (the first button: every changed cell),
//! `save=column:<lang>` (a column's changed cells) or `save=cell:<question>:<choice>:<lang>`
//! (one cell). Changes typed outside what was saved stay on screen.
//!
//! `cells` names a version's texts and their form fields; `page` draws the page; `save`
//! reads what the table and the languages form post.

mod cells;
mod page;
mod save;

pub use page::translations_page;
pub use save::{change_languages, save_texts};
