use super::Language;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A text in every language it exists in.
pub type Texts = BTreeMap<Language, String>;

/// How a question is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    /// Four faces, from very bad (1) to very good (4), plus "I'd rather not answer".
    Scale4,
    /// One choice among several.
    Single,
    /// Any number of choices.
    Multi,
}

impl QuestionKind {
    pub fn code(self) -> &'static str {
        match self {
            QuestionKind::Scale4 => "scale4",
            QuestionKind::Single => "single",
            QuestionKind::Multi => "multi",
        }
    }

    pub fn parse(code: &str) -> Result<Self, String> {
        match code {
            "scale4" => Ok(QuestionKind::Scale4),
            "single" => Ok(QuestionKind::Single),
            "multi" => Ok(QuestionKind::Multi),
            other => Err(format!("unknown question kind {other:?}")),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Choice {
    pub key: String,
    #[cfg_attr(feature = "server", schema(value_type = BTreeMap<String, String>))]
    pub text: Texts,
    #[cfg_attr(feature = "server", schema(value_type = BTreeMap<String, String>))]
    pub child_text: Texts,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Question {
    pub key: String,
    pub kind: QuestionKind,
    /// Choices of a single or multiple choice question; empty for a face scale,
    /// whose values are 1–4 and "rather_not".
    pub choices: Vec<Choice>,
    #[cfg_attr(feature = "server", schema(value_type = BTreeMap<String, String>))]
    pub text: Texts,
    /// A simpler wording for children.
    #[cfg_attr(feature = "server", schema(value_type = BTreeMap<String, String>))]
    pub child_text: Texts,
    /// Whether the question counts toward the dignity index.
    pub in_index: bool,
    /// An optional item about who answers (respondent type, age band), not about the care.
    pub profile: bool,
    /// Whether the station's staff could see the answer for themselves (who answered,
    /// her age band, how long she waited): a quasi-identifier, which a release withholds
    /// rather than let one visitor stand out (see `domain::release`). Part of the
    /// published version.
    #[serde(default)]
    pub observable: bool,
}

impl Question {
    pub fn choice(&self, key: &str) -> Option<&Choice> {
        self.choices.iter().find(|c| c.key == key)
    }
}

/// A published survey version, as a tablet receives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Survey {
    pub version: i64,
    /// Languages offered to visitors: enabled, and complete in this version.
    pub languages: Vec<Language>,
    pub questions: Vec<Question>,
}

impl Survey {
    pub fn question(&self, key: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.key == key)
    }

    /// Whether every question and choice has its text (and child text) in `lang`.
    pub fn is_complete_in(&self, lang: Language) -> bool {
        self.missing_in(lang).is_empty()
    }

    /// Every text (or child text) of a question or choice that is missing or blank in
    /// `lang`, in survey order.
    pub fn missing_in(&self, lang: Language) -> Vec<MissingText> {
        let has = |t: &Texts| t.get(&lang).is_some_and(|s| !s.trim().is_empty());
        let mut missing = Vec::new();
        let mut check = |question: &str, choice: Option<&str>, text: &Texts, child_text: &Texts| {
            for (child, texts) in [(false, text), (true, child_text)] {
                if !has(texts) {
                    missing.push(MissingText {
                        question_key: question.to_string(),
                        choice_key: choice.map(str::to_string),
                        child,
                    });
                }
            }
        };
        for q in &self.questions {
            check(&q.key, None, &q.text, &q.child_text);
            for c in &q.choices {
                check(&q.key, Some(&c.key), &c.text, &c.child_text);
            }
        }
        missing
    }

    /// The observable questions in the order a release withholds them: the last one
    /// of the survey first (by default waiting time, then age band, then who answered).
    pub fn observable_in_release_order(&self) -> impl Iterator<Item = &Question> {
        self.questions.iter().rev().filter(|q| q.observable)
    }

    /// The longest submission this version can receive: every face "rather not
    /// answer", every single choice its longest key, every choice of every multiple
    /// choice question, the longest language, the largest durations. Every submission
    /// of this version is at most as long as its JSON.
    // This and `publication_problems` are for publishing, which only the server does:
    // in the kiosk's build, its own `serde_json::to_vec` of a submission reused the copy
    // compiled here, apart from the rest of its JSON code.
    #[cfg(feature = "server")]
    pub fn largest_submission(&self) -> super::SubmissionBody {
        let answers = self
            .questions
            .iter()
            .map(|q| {
                let value = match q.kind {
                    QuestionKind::Scale4 => serde_json::Value::from(super::RATHER_NOT),
                    QuestionKind::Single => serde_json::Value::from(
                        q.choices.iter().map(|c| c.key.as_str()).max_by_key(|k| k.len()).unwrap_or(""),
                    ),
                    QuestionKind::Multi => q.choices.iter().map(|c| serde_json::Value::from(c.key.as_str())).collect(),
                };
                (q.key.clone(), value)
            })
            .collect();
        let language = Language::ALL.into_iter().map(Language::code).max_by_key(|c| c.len()).unwrap_or("es");
        super::SubmissionBody {
            id: "ffffffff-ffff-4fff-bfff-ffffffffffff".into(),
            survey_version: self.version,
            language: language.into(),
            answers,
            durations: Some(super::Durations { survey_ms: u64::MAX, since_previous_ms: Some(u64::MAX) }),
        }
    }

    /// Why this version cannot be published when it is offered in `offered`, or nothing
    /// when it can: it needs questions, two choices or more for every choice question,
    /// none for a face scale, and every text in every offered language.
    #[cfg(feature = "server")]
    pub fn publication_problems(&self, offered: &[Language]) -> Vec<PublicationProblem> {
        let mut problems = Vec::new();
        if self.questions.is_empty() {
            problems.push(PublicationProblem::NoQuestions);
        }
        for q in &self.questions {
            match q.kind {
                QuestionKind::Scale4 if !q.choices.is_empty() => {
                    problems.push(PublicationProblem::ScaleWithChoices { question_key: q.key.clone() })
                }
                QuestionKind::Single | QuestionKind::Multi if q.choices.len() < 2 => {
                    problems.push(PublicationProblem::TooFewChoices { question_key: q.key.clone() })
                }
                _ => {}
            }
        }
        let largest = serde_json::to_vec(&self.largest_submission()).map_or(usize::MAX, |j| j.len());
        if largest > super::frame::capacity(super::frame::SUBMISSION_FRAME) {
            problems.push(PublicationProblem::TooLarge {
                bytes: largest,
                max: super::frame::capacity(super::frame::SUBMISSION_FRAME),
            });
        }
        for &language in offered {
            problems.extend(
                self.missing_in(language).into_iter().map(|text| PublicationProblem::Missing { language, text }),
            );
        }
        problems
    }
}

/// A text a version lacks in some language: a question's (no `choice_key`) or a
/// choice's, its usual or its child wording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingText {
    pub question_key: String,
    pub choice_key: Option<String>,
    pub child: bool,
}

/// Why a draft cannot be published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicationProblem {
    NoQuestions,
    /// A single or multiple choice question with fewer than two choices.
    TooFewChoices {
        question_key: String,
    },
    /// A face scale that still has choices (a face scale's answers are 1–4).
    ScaleWithChoices {
        question_key: String,
    },
    /// Its largest possible response does not fit the fixed size every response is
    /// sealed in (too many questions or choices, or keys too long).
    TooLarge {
        bytes: usize,
        max: usize,
    },
    /// A text missing in a language the version offers.
    Missing {
        language: Language,
        text: MissingText,
    },
}

/// A question's key, as answers, roll-ups and exports name it: 1 to 40 lower-case ASCII
/// letters, digits and '_', starting with a letter. Keys that name the export's own
/// columns are reserved.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct QuestionKey(String);

/// Column names of the microdata export that no question may take.
pub const RESERVED_QUESTION_KEYS: [&str; 6] =
    ["station", "region", "period", "survey_language", "survey_version", "suspect"];

/// Why a question or choice key was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the key is empty")]
    Empty,
    #[error("the key is longer than {0} characters")]
    TooLong(usize),
    #[error("the key may not hold {0:?}")]
    BadCharacter(char),
    #[error("the key must start with a letter")]
    BadStart,
    #[error("the key {0:?} is reserved")]
    Reserved(String),
}

/// The longest question or choice key.
pub const KEY_MAX_CHARS: usize = 40;

impl QuestionKey {
    pub fn parse(s: &str) -> Result<Self, KeyError> {
        let s = s.trim();
        check_key(s, |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')?;
        if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(KeyError::BadStart);
        }
        if RESERVED_QUESTION_KEYS.contains(&s) {
            return Err(KeyError::Reserved(s.to_string()));
        }
        Ok(QuestionKey(s.to_string()))
    }
}

/// A choice's key, as answers store it: 1 to 40 lower-case ASCII letters, digits, '-'
/// and '_', starting with a letter or a digit (such as `15-30` or `under-12`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ChoiceKey(String);

impl ChoiceKey {
    pub fn parse(s: &str) -> Result<Self, KeyError> {
        let s = s.trim();
        check_key(s, |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')?;
        if !s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
            return Err(KeyError::BadStart);
        }
        Ok(ChoiceKey(s.to_string()))
    }
}

fn check_key(s: &str, allowed: impl Fn(char) -> bool) -> Result<(), KeyError> {
    if s.is_empty() {
        return Err(KeyError::Empty);
    }
    if s.chars().count() > KEY_MAX_CHARS {
        return Err(KeyError::TooLong(KEY_MAX_CHARS));
    }
    match s.chars().find(|c| !allowed(*c)) {
        Some(c) => Err(KeyError::BadCharacter(c)),
        None => Ok(()),
    }
}

macro_rules! key_conversions {
    ($t:ident) => {
        impl TryFrom<String> for $t {
            type Error = KeyError;
            fn try_from(s: String) -> Result<Self, KeyError> {
                $t::parse(&s)
            }
        }

        impl From<$t> for String {
            fn from(k: $t) -> String {
                k.0
            }
        }

        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        // Keys compare, order and hash as their text, so maps and sets of keys can be
        // searched by a plain `&str`.
        impl std::borrow::Borrow<str> for $t {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
key_conversions!(QuestionKey);
key_conversions!(ChoiceKey);

/// How far a text is from being right in its language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// Machine translated, not yet read by anyone.
    MachineDraft,
    /// Written or changed by someone who is not a native speaker.
    NeedsReview,
    /// Reviewed by a native speaker.
    Reviewed,
}

impl ReviewState {
    pub const ALL: [ReviewState; 3] = [ReviewState::MachineDraft, ReviewState::NeedsReview, ReviewState::Reviewed];

    pub fn code(self) -> &'static str {
        match self {
            ReviewState::MachineDraft => "machine_draft",
            ReviewState::NeedsReview => "needs_review",
            ReviewState::Reviewed => "reviewed",
        }
    }

    pub fn parse(code: &str) -> Result<Self, String> {
        ReviewState::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .ok_or_else(|| format!("unknown review state {code:?}; expected machine_draft, needs_review or reviewed"))
    }
}

/// The wording of a question or a choice in one language: trimmed, at most
/// [`WORDING_MAX_CHARS`] characters, no control characters. Blank means "missing".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wording(String);

/// The longest wording a kiosk screen holds.
pub const WORDING_MAX_CHARS: usize = 400;

/// Why a wording was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WordingError {
    #[error("the text is longer than {0} characters")]
    TooLong(usize),
    #[error("the text holds a control character (such as a line break)")]
    ControlCharacter,
}

impl Wording {
    /// A wording, or `None` for a blank one.
    pub fn parse(s: &str) -> Result<Option<Self>, WordingError> {
        let s = s.trim();
        if s.chars().count() > WORDING_MAX_CHARS {
            return Err(WordingError::TooLong(WORDING_MAX_CHARS));
        }
        if s.chars().any(char::is_control) {
            return Err(WordingError::ControlCharacter);
        }
        Ok((!s.is_empty()).then(|| Wording(s.to_string())))
    }
}

impl AsRef<str> for Wording {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests;
