//! Survey versions: the published ones, the draft and its texts, and the languages offered.

use domain::MissingText;
use domain::{Language, QuestionKind, ReviewState, Survey};
use domain::{PublicationProblem, QuestionKey};
use std::collections::BTreeMap;
use std::future::Future;

/// What became of an edit of a draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    Done,
    /// The version is published: nothing changed.
    Published,
    NoSuchVersion,
    NoSuchQuestion,
    /// A question with that key is already in the draft.
    KeyTaken,
}

/// What became of a request to start a draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DraftStart {
    Started {
        draft: i64,
        from: i64,
    },
    /// There is already a draft: this one.
    DraftExists(i64),
    NothingPublished,
}

/// A text to write in a draft: a question's (`choice_key` '') or a choice's, in one
/// language. When both wordings are blank the text is removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextWrite {
    pub question_key: String,
    pub choice_key: String,
    pub language: Language,
    pub text: String,
    pub child_text: String,
    pub review: ReviewState,
}

/// A question of a draft as its form leaves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionChange {
    pub kind: QuestionKind,
    pub in_index: bool,
    /// Whether the station's staff could see the answer for themselves (a release
    /// withholds it rather than let one visitor stand out).
    pub observable: bool,
    /// The question's choices afterwards, in order: keys not listed are removed with
    /// their texts, new keys are added.
    pub choices: Vec<String>,
    pub texts: Vec<TextWrite>,
}

/// What became of a request to publish a draft.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Publication {
    Published {
        offered: Vec<Language>,
    },
    /// Not published: why.
    Refused(Vec<PublicationProblem>),
    AlreadyPublished,
    NoSuchVersion,
}

/// The languages a version offers once published: Spanish, and every language enabled
/// for visitors.
pub fn offered(enabled: &[Language]) -> Vec<Language> {
    Language::ALL.into_iter().filter(|l| l.always_offered() || enabled.contains(l)).collect()
}

/// What became of a request to offer a language to visitors, or to stop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LanguageChange {
    Changed,
    /// It was already so.
    Unchanged,
    /// Spanish cannot be turned off.
    AlwaysOffered,
    NothingPublished,
    /// The current version lacks these texts in the language.
    Missing {
        version: i64,
        missing: Vec<MissingText>,
    },
}

/// A survey version as the admin console lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionSummary {
    pub version: i64,
    pub published: bool,
    pub created_at: String,
    pub questions: i64,
}

/// One text of a version in one language, with its review state. `choice_key` is ''
/// for the question's own text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextRow {
    pub question_key: String,
    pub choice_key: String,
    pub language: Language,
    pub text: String,
    pub child_text: String,
    pub review: ReviewState,
}

impl crate::audit::Applied for DraftStart {
    fn applied(&self) -> bool {
        matches!(self, DraftStart::Started { .. })
    }
}

impl crate::audit::Applied for Publication {
    fn applied(&self) -> bool {
        matches!(self, Publication::Published { .. })
    }
}

impl crate::audit::Applied for Edit {
    fn applied(&self) -> bool {
        *self == Edit::Done
    }
}

/// Survey versions: the published ones, the draft and its texts, and the languages offered.
pub trait Surveys {
    /// Copies the current version (questions, choices, texts and their review states) to
    /// a new draft, numbered one above every version.
    fn start_draft(
        &self,
        audit: impl FnOnce(&DraftStart) -> Option<crate::audit::Entry> + Send,
    ) -> impl Future<Output = Result<DraftStart, crate::Error>> + Send;

    /// Changes a question of a draft, its choices and texts, all or nothing.
    fn update_question(
        &self,
        version: i64,
        key: &str,
        change: &QuestionChange,
        audit: impl FnOnce(&Edit) -> Option<crate::audit::Entry> + Send,
    ) -> impl Future<Output = Result<Edit, crate::Error>> + Send;

    /// Writes texts of a draft (see [`TextWrite`]), all or nothing. A text of a question or
    /// choice the draft does not have is not written.
    fn write_texts(
        &self,
        version: i64,
        texts: &[TextWrite],
        audit: &[crate::audit::Entry],
    ) -> impl Future<Output = Result<Edit, crate::Error>> + Send;

    /// Adds a question at the end of a draft, without texts or choices yet; `observable`
    /// as [`QuestionChange::observable`].
    fn add_question(
        &self,
        version: i64,
        key: &QuestionKey,
        kind: QuestionKind,
        in_index: bool,
        observable: bool,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<Edit, crate::Error>> + Send;

    /// Removes a question from a draft, with its choices and texts.
    fn remove_question(
        &self,
        version: i64,
        key: &str,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<Edit, crate::Error>> + Send;

    /// Swaps a question of a draft with the one before it (`up`) or after it; at either end
    /// nothing moves.
    fn move_question(
        &self,
        version: i64,
        key: &str,
        up: bool,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<Edit, crate::Error>> + Send;

    /// Deletes a draft with everything in it.
    fn discard_draft(
        &self,
        version: i64,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<Edit, crate::Error>> + Send;

    /// Publishes a draft if it is complete in every language it offers (checked in the same
    /// transaction that publishes it). Tablets are given it from then on.
    fn publish(
        &self,
        version: i64,
        audit: impl FnOnce(&Publication) -> Option<crate::audit::Entry> + Send,
    ) -> impl Future<Output = Result<Publication, crate::Error>> + Send;

    /// Languages an administrator has enabled for visitors.
    fn enabled_languages(&self) -> impl Future<Output = Result<Vec<Language>, crate::Error>> + Send;

    fn set_language_enabled(
        &self,
        lang: Language,
        enabled: bool,
    ) -> impl Future<Output = Result<(), crate::Error>> + Send;

    /// How many texts of a survey version in `lang` still await a native speaker's review.
    fn texts_needing_review(
        &self,
        version: i64,
        lang: Language,
    ) -> impl Future<Output = Result<i64, crate::Error>> + Send;

    /// Offers `lang` to visitors (only when every text of the current published version
    /// exists in it) or stops offering it (never Spanish), checked where it is written, and
    /// audits the change as `actor` in the same transaction (`language.enable`,
    /// `language.disable`); nothing is audited when nothing changed. The same from the
    /// browser and the command line.
    fn offer_language(
        &self,
        lang: Language,
        offer: bool,
        actor: &str,
    ) -> impl Future<Output = Result<LanguageChange, crate::Error>> + Send;

    /// The newest published survey version, the one tablets are given.
    fn current_version(&self) -> impl Future<Output = Result<Option<i64>, crate::Error>> + Send;

    /// A published survey version with its questions, choices and texts; `None` if the
    /// version was never published. Its `languages` are those enabled and complete in it.
    fn load(&self, version: i64) -> impl Future<Output = Result<Option<Survey>, crate::Error>> + Send;

    /// A survey version, published or draft, with its questions, choices and texts; `None`
    /// if there is no such version. Its `languages` are those enabled and complete in it.
    fn load_any(&self, version: i64) -> impl Future<Output = Result<Option<Survey>, crate::Error>> + Send;

    /// Every published survey version, oldest first.
    fn published_versions(&self) -> impl Future<Output = Result<Vec<i64>, crate::Error>> + Send;

    /// Every survey version, published or draft, oldest first.
    fn versions(&self) -> impl Future<Output = Result<Vec<VersionSummary>, crate::Error>> + Send;

    /// The draft's version, if there is a draft (there is at most one).
    fn draft_version(&self) -> impl Future<Output = Result<Option<i64>, crate::Error>> + Send;

    /// Whether `version` is published; `None` if there is no such version.
    fn is_published(&self, version: i64) -> impl Future<Output = Result<Option<bool>, crate::Error>> + Send;

    /// Every text of a version, in every language it exists in.
    fn text_rows(&self, version: i64) -> impl Future<Output = Result<Vec<TextRow>, crate::Error>> + Send;

    /// How `key` is answered in each published version that has it, oldest first.
    fn published_kinds(&self, key: &str)
        -> impl Future<Output = Result<Vec<(i64, QuestionKind)>, crate::Error>> + Send;

    /// The published versions that hold each question key, oldest first.
    fn question_versions(&self) -> impl Future<Output = Result<BTreeMap<String, Vec<i64>>, crate::Error>> + Send;

    /// The survey versions under which the released responses of a station that the
    /// dashboard filters select were given, oldest first. Reads the roll-ups only.
    fn versions_with_responses(
        &self,
        station_id: i64,
        filters: &domain::DashboardFilters,
    ) -> impl Future<Output = Result<Vec<i64>, crate::Error>> + Send;
}
