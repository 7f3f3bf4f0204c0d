//! One answer's value, checked against its question: a face of the scale, one choice, or
//! several.

use super::{FieldError, RATHER_NOT};
use crate::{ChoiceKey, Question, QuestionKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt;

/// Why an answer value was refused, whatever the survey says.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("{0} is out of range; expected 1 to 4")]
    ScoreOutOfRange(u8),
    #[error("empty list; leave the question out to skip it")]
    NoChoice,
    #[error("choice {0:?} appears twice")]
    DuplicateChoice(String),
}

/// A face-scale score: 1 (very bad) to 4 (very good), and nothing else. Stored and sent
/// as the bare number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Score(u8);

impl Score {
    /// Every score, from very bad to very good.
    pub const ALL: [Score; 4] = [Score(1), Score(2), Score(3), Score(4)];

    pub fn new(n: u8) -> Result<Self, AnswerError> {
        match n {
            1..=4 => Ok(Score(n)),
            _ => Err(AnswerError::ScoreOutOfRange(n)),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Score {
    type Error = AnswerError;
    fn try_from(n: u8) -> Result<Self, AnswerError> {
        Score::new(n)
    }
}

impl From<Score> for u8 {
    fn from(s: Score) -> u8 {
        s.0
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A face-scale answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScaleValue {
    Score(Score),
    RatherNot,
}

/// The choices of a multiple-choice answer: at least one, each once, in key order.
/// Stored as a list of keys; a list that is empty or names a choice twice is refused.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Vec<ChoiceKey>")]
pub struct Choices(BTreeSet<ChoiceKey>);

impl Choices {
    pub fn new(keys: impl IntoIterator<Item = ChoiceKey>) -> Result<Self, AnswerError> {
        let mut set = BTreeSet::new();
        for key in keys {
            if set.contains(&key) {
                return Err(AnswerError::DuplicateChoice(key.into()));
            }
            set.insert(key);
        }
        if set.is_empty() {
            return Err(AnswerError::NoChoice);
        }
        Ok(Choices(set))
    }

    // The kiosk calls the four methods below: `#[inline]` compiles them in its crate,
    // next to its own B-tree code, instead of a second copy of the B-tree's code and
    // panic messages in this one (in its WebAssembly).

    /// A single choice.
    #[inline]
    pub fn one(key: ChoiceKey) -> Self {
        Choices(BTreeSet::from([key]))
    }

    /// These choices with `key` added, or taken away if it was chosen: `None` when that
    /// leaves nothing chosen (the question is then unanswered).
    #[inline]
    pub fn toggled(mut self, key: &ChoiceKey) -> Option<Self> {
        if !self.0.remove(key) {
            self.0.insert(key.clone());
        }
        (!self.0.is_empty()).then_some(self)
    }

    #[inline]
    pub fn contains(&self, key: &str) -> bool {
        self.0.contains(key)
    }

    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = &ChoiceKey> {
        self.0.iter()
    }
}

impl TryFrom<Vec<ChoiceKey>> for Choices {
    type Error = AnswerError;
    fn try_from(keys: Vec<ChoiceKey>) -> Result<Self, AnswerError> {
        Choices::new(keys)
    }
}

impl Serialize for Choices {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// One valid answer to one question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnswerValue {
    Scale(ScaleValue),
    Choice(ChoiceKey),
    Choices(Choices),
}

impl AnswerValue {
    /// The values as stored, one per row: "1"…"4", "rather_not", or choice keys.
    pub fn stored_values(&self) -> Vec<String> {
        match self {
            AnswerValue::Scale(ScaleValue::Score(n)) => vec![n.to_string()],
            AnswerValue::Scale(ScaleValue::RatherNot) => vec![RATHER_NOT.to_string()],
            AnswerValue::Choice(c) => vec![c.to_string()],
            AnswerValue::Choices(cs) => cs.iter().map(ChoiceKey::to_string).collect(),
        }
    }

    /// The answer as it travels in a [`super::SubmissionBody`]: 1–4, "rather_not", a choice
    /// key, or a list of choice keys. The inverse of parsing.
    pub fn to_json(&self) -> Value {
        match self {
            AnswerValue::Scale(ScaleValue::Score(n)) => Value::from(n.get()),
            AnswerValue::Scale(ScaleValue::RatherNot) => Value::from(RATHER_NOT),
            AnswerValue::Choice(c) => Value::from(c.as_ref()),
            AnswerValue::Choices(cs) => Value::from(cs.iter().map(|c| Value::from(c.as_ref())).collect::<Vec<_>>()),
        }
    }

    pub(super) fn parse(question: &Question, value: &Value, field: &str) -> Result<Self, FieldError> {
        let err = |m: String| FieldError::new(field, m);
        // A choice of this question, as a key (a survey key that is not a valid key
        // cannot be answered).
        let choice = |s: &str, expected: &str| match question.choice(s) {
            Some(_) => ChoiceKey::parse(s).map_err(|e| err(format!("choice {s:?} is malformed: {e}"))),
            None => Err(err(format!("unknown choice {s:?}; expected {expected} {}", choice_list(question)))),
        };
        match question.kind {
            QuestionKind::Scale4 => match value {
                Value::Number(n) => match n.as_u64().and_then(|v| u8::try_from(v).ok()).map(Score::new) {
                    Some(Ok(score)) => Ok(AnswerValue::Scale(ScaleValue::Score(score))),
                    _ => Err(err(format!("{n} is out of range; expected 1 to 4 or \"rather_not\""))),
                },
                Value::String(s) if s == RATHER_NOT => Ok(AnswerValue::Scale(ScaleValue::RatherNot)),
                _ => Err(err("expected 1 to 4 or \"rather_not\"".into())),
            },
            QuestionKind::Single => match value {
                Value::String(s) => Ok(AnswerValue::Choice(choice(s, "one of")?)),
                _ => Err(err(format!("expected one of {}", choice_list(question)))),
            },
            QuestionKind::Multi => {
                let Value::Array(items) = value else {
                    return Err(err(format!("expected a list of choices from {}", choice_list(question))));
                };
                let mut chosen = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(s) => chosen.push(choice(s, "choices from")?),
                        _ => return Err(err("every choice must be a string".into())),
                    }
                }
                Choices::new(chosen).map(AnswerValue::Choices).map_err(|e| err(e.to_string()))
            }
        }
    }
}

fn choice_list(q: &Question) -> String {
    q.choices.iter().map(|c| format!("{:?}", c.key)).collect::<Vec<_>>().join(", ")
}
