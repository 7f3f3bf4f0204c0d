use super::{Language, QuestionKey, Survey};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

mod answer;

pub use answer::{AnswerError, AnswerValue, Choices, ScaleValue, Score};

/// Key of the profile item "who is answering".
pub const RESPONDENT_KEY: &str = "respondent";
/// Key of the profile item "age band".
pub const AGE_BAND_KEY: &str = "age_band";
/// The scale answer for "I'd rather not answer".
pub const RATHER_NOT: &str = "rather_not";

/// Why a submission was refused, naming the field at fault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

/// The body of `POST /api/v1/responses`, as it travels over the wire. It is not trusted:
/// [`Submission::parse`] turns it into a valid submission or a [`FieldError`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SubmissionBody {
    /// A UUID v4 made by the client, the same on every retry of one response.
    pub id: String,
    pub survey_version: i64,
    pub language: String,
    /// Question key → answer. A question left out was skipped. Scale answers are
    /// 1–4 or "rather_not"; single choice a choice key; multiple choice a list of keys.
    #[cfg_attr(feature = "server", schema(value_type = Object))]
    #[serde(default)]
    pub answers: serde_json::Map<String, Value>,
    /// How long the visit took, measured by the tablet. The server derives a `suspect`
    /// flag from it and stores only the flag, never the durations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub durations: Option<Durations>,
}

/// Durations a tablet measures for one finished survey, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Durations {
    /// From the first question shown to the last answer.
    pub survey_ms: u64,
    /// From the previous finished survey on this tablet, if there was one since it started.
    #[serde(default)]
    pub since_previous_ms: Option<u64>,
}

impl SubmissionBody {
    /// Reads a body from a sealed submission's plaintext, once opened: a frame (see
    /// [`super::frame`]) holding the body's JSON.
    pub fn from_opened(plaintext: &[u8]) -> Result<Self, FieldError> {
        let json = super::frame::unpad(plaintext).map_err(|e| FieldError::new("sealed", format!("opened, but {e}")))?;
        let value = serde_json::from_slice(json)
            .map_err(|e| FieldError::new("sealed", format!("opened, but not JSON: {e}")))?;
        Self::from_json(value)
    }

    /// Reads a body from arbitrary JSON, naming the field at fault when it does not fit.
    pub fn from_json(value: Value) -> Result<Self, FieldError> {
        let Value::Object(mut obj) = value else {
            return Err(FieldError::new("body", "expected a JSON object"));
        };
        if let Some(extra) =
            obj.keys().find(|k| !["id", "survey_version", "language", "answers", "durations"].contains(&k.as_str()))
        {
            return Err(FieldError::new(extra.clone(), "unknown field"));
        }
        let id = match obj.remove("id") {
            Some(Value::String(s)) => s,
            Some(_) => return Err(FieldError::new("id", "expected a string holding a UUID v4")),
            None => return Err(FieldError::new("id", "missing")),
        };
        let survey_version = match obj.remove("survey_version") {
            Some(Value::Number(n)) => {
                n.as_i64().ok_or_else(|| FieldError::new("survey_version", "expected a whole number"))?
            }
            Some(_) => return Err(FieldError::new("survey_version", "expected a whole number")),
            None => return Err(FieldError::new("survey_version", "missing")),
        };
        let language = match obj.remove("language") {
            Some(Value::String(s)) => s,
            Some(_) => return Err(FieldError::new("language", "expected a language code such as \"es\"")),
            None => return Err(FieldError::new("language", "missing")),
        };
        let answers = match obj.remove("answers") {
            Some(Value::Object(a)) => a,
            Some(_) => return Err(FieldError::new("answers", "expected an object of question key to answer")),
            None => serde_json::Map::new(),
        };
        let durations = match obj.remove("durations") {
            None | Some(Value::Null) => None,
            Some(v) => Some(serde_json::from_value(v).map_err(|e| {
                FieldError::new(
                    "durations",
                    format!("expected {{\"survey_ms\": n, \"since_previous_ms\": n or null}}: {e}"),
                )
            })?),
        };
        Ok(SubmissionBody { id, survey_version, language, answers, durations })
    }
}

/// A client-made UUID v4 that makes retries of one response safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientId(uuid::Uuid);

impl ClientId {
    pub fn parse(s: &str) -> Result<Self, String> {
        let id = uuid::Uuid::try_parse(s).map_err(|_| format!("{s:?} is not a UUID"))?;
        if id.get_version_num() != 4 {
            return Err("must be a random UUID (version 4)".into());
        }
        Ok(ClientId(id))
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a visitor said: the part of a response that is sealed while pending and
/// becomes plain rows on release. It holds no time and nothing about the device.
///
/// Made only by [`Submission::parse`], which checks it against its survey version, or
/// read back from a sealed record, which is checked again on the way in (every value
/// valid, no question answered twice, no field but these four): a record the server did
/// not write that way is refused, never trusted. The JSON is the sealed record's format:
/// keep it stable, or pending responses sealed by an earlier release will not open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SealedContent")]
pub struct ResponseContent {
    survey_version: i64,
    language: Language,
    /// Question key → answer; skipped questions are absent.
    answers: BTreeMap<QuestionKey, AnswerValue>,
    /// Completed implausibly fast, or too soon after the previous survey on the same
    /// tablet: kept, but left out of dashboards and exports by default.
    suspect: bool,
}

/// [`ResponseContent`] as read from a sealed record, before it is checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SealedContent {
    survey_version: i64,
    language: Language,
    #[serde(deserialize_with = "answered_once")]
    answers: BTreeMap<QuestionKey, AnswerValue>,
    // Records sealed before the flag existed have none.
    #[serde(default)]
    suspect: bool,
}

impl TryFrom<SealedContent> for ResponseContent {
    type Error = String;
    fn try_from(c: SealedContent) -> Result<Self, String> {
        if c.survey_version < 1 {
            return Err(format!("survey version {} does not exist; versions start at 1", c.survey_version));
        }
        Ok(ResponseContent {
            survey_version: c.survey_version,
            language: c.language,
            answers: c.answers,
            suspect: c.suspect,
        })
    }
}

/// Reads the answers, refusing a question answered twice (a plain map would keep the
/// last answer silently).
fn answered_once<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<QuestionKey, AnswerValue>, D::Error> {
    struct Answers;
    impl<'de> serde::de::Visitor<'de> for Answers {
        type Value = BTreeMap<QuestionKey, AnswerValue>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of question key to answer")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut answers = BTreeMap::new();
            while let Some((key, answer)) = map.next_entry::<QuestionKey, AnswerValue>()? {
                if answers.contains_key(&key) {
                    return Err(serde::de::Error::custom(format_args!("question {key:?} is answered twice")));
                }
                answers.insert(key, answer);
            }
            Ok(answers)
        }
    }
    d.deserialize_map(Answers)
}

impl ResponseContent {
    /// The published survey version the answers were given under.
    pub fn survey_version(&self) -> i64 {
        self.survey_version
    }

    pub fn language(&self) -> Language {
        self.language
    }

    /// Question key → answer; skipped questions are absent.
    pub fn answers(&self) -> &BTreeMap<QuestionKey, AnswerValue> {
        &self.answers
    }

    /// The answer to one question, if it was not skipped.
    pub fn answer(&self, question: &str) -> Option<&AnswerValue> {
        self.answers.get(question)
    }

    /// Whether the visit was implausibly fast (see [`Submission::set_suspect`]).
    pub fn suspect(&self) -> bool {
        self.suspect
    }

    fn profile(&self, key: &str) -> Option<&str> {
        match self.answers.get(key) {
            Some(AnswerValue::Choice(c)) => Some(c.as_ref()),
            _ => None,
        }
    }

    /// Who answered (a profile item), if she said.
    pub fn respondent(&self) -> Option<&str> {
        self.profile(RESPONDENT_KEY)
    }

    /// Her age band (a profile item), if she said.
    pub fn age_band(&self) -> Option<&str> {
        self.profile(AGE_BAND_KEY)
    }

    /// The answers to the questions about care: every answer but the profile items.
    pub fn care_answers(&self) -> impl Iterator<Item = (&QuestionKey, &AnswerValue)> {
        self.answers.iter().filter(|(k, _)| k.as_ref() != RESPONDENT_KEY && k.as_ref() != AGE_BAND_KEY)
    }
}

/// A valid submission: a client id and the content, checked against the survey
/// version it was given under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    id: ClientId,
    content: ResponseContent,
    /// What the tablet measured; used to derive the suspect flag, never stored.
    durations: Option<Durations>,
}

impl Submission {
    /// Checks a body against the published survey version it names.
    pub fn parse(body: &SubmissionBody, survey: &Survey) -> Result<Self, FieldError> {
        let id = ClientId::parse(&body.id).map_err(|m| FieldError::new("id", m))?;
        if body.survey_version != survey.version {
            return Err(FieldError::new("survey_version", format!("expected version {}", survey.version)));
        }
        let language = Language::parse(&body.language).map_err(|m| FieldError::new("language", m))?;
        if !survey.is_complete_in(language) {
            return Err(FieldError::new(
                "language",
                format!("survey version {} is not available in {language}", survey.version),
            ));
        }
        let mut answers = BTreeMap::new();
        for (key, value) in &body.answers {
            let field = format!("answers.{key}");
            let question = survey.question(key).ok_or_else(|| {
                FieldError::new(&field, format!("unknown question in survey version {}", survey.version))
            })?;
            let key = QuestionKey::parse(key).map_err(|e| FieldError::new(&field, format!("malformed key: {e}")))?;
            answers.insert(key, AnswerValue::parse(question, value, &field)?);
        }
        Ok(Submission {
            id,
            content: ResponseContent { survey_version: survey.version, language, answers, suspect: false },
            durations: body.durations,
        })
    }

    pub fn id(&self) -> &ClientId {
        &self.id
    }

    pub fn content(&self) -> &ResponseContent {
        &self.content
    }

    /// What the tablet measured, if it said.
    pub fn durations(&self) -> Option<Durations> {
        self.durations
    }

    /// Flags the response as completed implausibly fast: kept, but left out of
    /// dashboards and exports by default. The station's settings decide it from the
    /// durations, which are not stored.
    pub fn set_suspect(&mut self, suspect: bool) {
        self.content.suspect = suspect;
    }

    /// The content alone, as it is sealed and released.
    pub fn into_content(self) -> ResponseContent {
        self.content
    }
}

#[cfg(test)]
mod tests;
