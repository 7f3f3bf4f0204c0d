use super::Language;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A text in every language it exists in.
pub type Texts = BTreeMap<Language, String>;

/// How a question is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Choice {
    pub key: String,
    #[cfg_attr(feature = "ssr", schema(value_type = BTreeMap<String, String>))]
    pub text: Texts,
    #[cfg_attr(feature = "ssr", schema(value_type = BTreeMap<String, String>))]
    pub child_text: Texts,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Question {
    pub key: String,
    pub kind: QuestionKind,
    /// Choices of a single or multiple choice question; empty for a face scale,
    /// whose values are 1–4 and "rather_not".
    pub choices: Vec<Choice>,
    #[cfg_attr(feature = "ssr", schema(value_type = BTreeMap<String, String>))]
    pub text: Texts,
    /// A simpler wording for children.
    #[cfg_attr(feature = "ssr", schema(value_type = BTreeMap<String, String>))]
    pub child_text: Texts,
    /// Whether the question counts toward the dignity index.
    pub in_index: bool,
    /// An optional item about who answers (respondent type, age band), not about the care.
    pub profile: bool,
}

impl Question {
    pub fn choice(&self, key: &str) -> Option<&Choice> {
        self.choices.iter().find(|c| c.key == key)
    }
}

/// A published survey version, as a tablet receives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
        let has = |t: &Texts| t.get(&lang).is_some_and(|s| !s.trim().is_empty());
        self.questions
            .iter()
            .all(|q| has(&q.text) && has(&q.child_text) && q.choices.iter().all(|c| has(&c.text) && has(&c.child_text)))
    }
}
