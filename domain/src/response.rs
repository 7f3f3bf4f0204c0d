use super::{ChoiceKey, Language, Question, QuestionKey, QuestionKind, Survey};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

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

    /// A single choice.
    pub fn one(key: ChoiceKey) -> Self {
        Choices(BTreeSet::from([key]))
    }

    /// These choices with `key` added, or taken away if it was chosen: `None` when that
    /// leaves nothing chosen (the question is then unanswered).
    pub fn toggled(mut self, key: &ChoiceKey) -> Option<Self> {
        if !self.0.remove(key) {
            self.0.insert(key.clone());
        }
        (!self.0.is_empty()).then_some(self)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.0.contains(key)
    }

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

    /// The answer as it travels in a [`SubmissionBody`]: 1–4, "rather_not", a choice
    /// key, or a list of choice keys. The inverse of parsing.
    pub fn to_json(&self) -> Value {
        match self {
            AnswerValue::Scale(ScaleValue::Score(n)) => Value::from(n.get()),
            AnswerValue::Scale(ScaleValue::RatherNot) => Value::from(RATHER_NOT),
            AnswerValue::Choice(c) => Value::from(c.as_ref()),
            AnswerValue::Choices(cs) => Value::from(cs.iter().map(|c| Value::from(c.as_ref())).collect::<Vec<_>>()),
        }
    }

    fn parse(question: &Question, value: &Value, field: &str) -> Result<Self, FieldError> {
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
mod tests {
    use super::*;
    use crate::{Choice, Question, Texts};
    use serde_json::json;

    fn texts(s: &str) -> Texts {
        [(Language::Es, s.to_string()), (Language::En, s.to_string())].into_iter().collect()
    }

    fn choice(key: &str) -> Choice {
        Choice { key: key.into(), text: texts(key), child_text: texts(key) }
    }

    fn question(key: &str, kind: QuestionKind, choices: &[&str]) -> Question {
        Question {
            key: key.into(),
            kind,
            choices: choices.iter().map(|c| choice(c)).collect(),
            text: texts(key),
            child_text: texts(key),
            in_index: kind == QuestionKind::Scale4,
            profile: key == RESPONDENT_KEY,
            observable: false,
        }
    }

    fn survey() -> Survey {
        Survey {
            version: 3,
            languages: vec![Language::Es, Language::En],
            questions: vec![
                question("respect", QuestionKind::Scale4, &[]),
                question("waiting_time", QuestionKind::Single, &["under-15", "15-30"]),
                question("improve", QuestionKind::Multi, &["information", "privacy"]),
                question(RESPONDENT_KEY, QuestionKind::Single, &["self", "companion"]),
            ],
        }
    }

    fn body(answers: Value) -> Value {
        json!({"id": "6f1c1f5e-2b59-4e9b-9a57-1d2b3c4d5e6f", "survey_version": 3, "language": "es", "answers": answers})
    }

    fn parse(v: Value) -> Result<Submission, FieldError> {
        let b = SubmissionBody::from_json(v)?;
        Submission::parse(&b, &survey())
    }

    #[test]
    fn accepts_every_kind_of_answer() {
        let s = parse(body(json!({
            "respect": 4, "waiting_time": "15-30", "improve": ["privacy", "information"], "respondent": "self"
        })))
        .unwrap();
        let content = s.content();
        assert_eq!(content.answer("respect"), Some(&AnswerValue::Scale(ScaleValue::Score(Score::ALL[3]))));
        assert_eq!(content.answer("improve").unwrap().stored_values(), vec!["information", "privacy"]);
        assert_eq!(content.respondent(), Some("self"));
        assert_eq!(content.care_answers().count(), 3);
        assert_eq!((content.survey_version(), content.language(), content.suspect()), (3, Language::Es, false));
    }

    #[test]
    fn accepts_rather_not_and_an_all_skipped_survey() {
        let s = parse(body(json!({"respect": "rather_not"}))).unwrap();
        assert_eq!(s.content().answer("respect").unwrap().stored_values(), vec![RATHER_NOT]);
        let s = parse(body(json!({}))).unwrap();
        assert!(s.content().answers().is_empty());
        let mut no_answers = body(json!({}));
        no_answers.as_object_mut().unwrap().remove("answers");
        assert!(parse(no_answers).is_ok(), "a body without answers is a fully skipped survey");
    }

    #[test]
    fn refuses_invalid_submissions_naming_the_field() {
        let cases: Vec<(&str, Value, &str)> = vec![
            ("not an object", json!([1, 2]), "body"),
            ("missing id", json!({"survey_version": 3, "language": "es"}), "id"),
            ("id not a uuid", json!({"id": "abc", "survey_version": 3, "language": "es"}), "id"),
            (
                "uuid not v4",
                json!({"id": "6f1c1f5e-2b59-1e9b-9a57-1d2b3c4d5e6f", "survey_version": 3, "language": "es"}),
                "id",
            ),
            (
                "version not a number",
                json!({"id": "6f1c1f5e-2b59-4e9b-9a57-1d2b3c4d5e6f", "survey_version": "3", "language": "es"}),
                "survey_version",
            ),
            (
                "other version",
                json!({"id": "6f1c1f5e-2b59-4e9b-9a57-1d2b3c4d5e6f", "survey_version": 2, "language": "es"}),
                "survey_version",
            ),
            (
                "unknown language",
                json!({"id": "6f1c1f5e-2b59-4e9b-9a57-1d2b3c4d5e6f", "survey_version": 3, "language": "fr"}),
                "language",
            ),
            (
                "language without texts",
                json!({"id": "6f1c1f5e-2b59-4e9b-9a57-1d2b3c4d5e6f", "survey_version": 3, "language": "qu"}),
                "language",
            ),
            (
                "unknown field",
                json!({"id": "6f1c1f5e-2b59-4e9b-9a57-1d2b3c4d5e6f", "survey_version": 3, "language": "es", "ip": "1.2.3.4"}),
                "ip",
            ),
            (
                "answers not an object",
                json!({"id": "6f1c1f5e-2b59-4e9b-9a57-1d2b3c4d5e6f", "survey_version": 3, "language": "es", "answers": [1]}),
                "answers",
            ),
            ("unknown question", body(json!({"aggressor": "x"})), "answers.aggressor"),
            ("scale zero", body(json!({"respect": 0})), "answers.respect"),
            ("scale five", body(json!({"respect": 5})), "answers.respect"),
            ("scale fraction", body(json!({"respect": 2.5})), "answers.respect"),
            ("scale negative", body(json!({"respect": -1})), "answers.respect"),
            ("scale as text", body(json!({"respect": "4"})), "answers.respect"),
            ("scale null", body(json!({"respect": null})), "answers.respect"),
            ("unknown single choice", body(json!({"waiting_time": "forever"})), "answers.waiting_time"),
            ("single as list", body(json!({"waiting_time": ["15-30"]})), "answers.waiting_time"),
            ("multi as string", body(json!({"improve": "privacy"})), "answers.improve"),
            ("multi empty", body(json!({"improve": []})), "answers.improve"),
            ("multi duplicate", body(json!({"improve": ["privacy", "privacy"]})), "answers.improve"),
            ("multi unknown", body(json!({"improve": ["privacy", "bribes"]})), "answers.improve"),
            ("multi non-string", body(json!({"improve": [1]})), "answers.improve"),
        ];
        for (case, input, field) in cases {
            match parse(input) {
                Ok(s) => panic!("{case}: accepted {s:?}"),
                Err(e) => {
                    assert_eq!(e.field, field, "{case}: wrong field in {e}");
                    assert!(!e.message.is_empty(), "{case}: empty message");
                }
            }
        }
    }

    #[test]
    fn answers_serialize_to_the_wire_format_they_parse_from() {
        let body = body(
            json!({"respect": 4, "believed": "rather_not", "waiting_time": "15-30", "improve": ["information", "privacy"]}),
        );
        let mut survey = survey();
        survey.questions.push(question("believed", QuestionKind::Scale4, &[]));
        let s = Submission::parse(&SubmissionBody::from_json(body.clone()).unwrap(), &survey).unwrap();
        let wire: serde_json::Map<String, Value> =
            s.content().answers().iter().map(|(k, v)| (k.to_string(), v.to_json())).collect();
        assert_eq!(Value::Object(wire), body["answers"]);
    }

    #[test]
    fn content_round_trips_through_json_for_sealing() {
        let s = parse(body(json!({"respect": 2, "improve": ["privacy"], "respondent": "companion"}))).unwrap();
        let bytes = serde_json::to_vec(s.content()).unwrap();
        let back: ResponseContent = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(&back, s.content());
    }

    #[test]
    fn scores_hold_only_one_to_four() {
        for n in 1..=4u8 {
            assert_eq!(Score::new(n).map(Score::get), Ok(n));
        }
        assert_eq!(Score::ALL.map(Score::get), [1, 2, 3, 4]);
        for (case, n) in [("zero", 0u8), ("five", 5), ("largest byte", 255)] {
            assert_eq!(Score::new(n), Err(AnswerError::ScoreOutOfRange(n)), "{case}");
            assert_eq!(Score::try_from(n), Err(AnswerError::ScoreOutOfRange(n)), "{case}: try_from");
        }
    }

    fn key(s: &str) -> ChoiceKey {
        ChoiceKey::parse(s).unwrap()
    }

    #[test]
    fn a_multiple_choice_answer_holds_each_choice_once_and_at_least_one() {
        let both = Choices::new([key("privacy"), key("information")]).unwrap();
        assert_eq!(both.iter().map(ChoiceKey::as_ref).collect::<Vec<_>>(), ["information", "privacy"], "key order");
        assert!(both.contains("privacy") && !both.contains("respect"));
        let cases: [(&str, Vec<ChoiceKey>, AnswerError); 3] = [
            ("no choice", vec![], AnswerError::NoChoice),
            (
                "the same choice twice",
                vec![key("privacy"), key("privacy")],
                AnswerError::DuplicateChoice("privacy".into()),
            ),
            ("twice, apart", vec![key("a"), key("b"), key("a")], AnswerError::DuplicateChoice("a".into())),
        ];
        for (case, keys, error) in cases {
            assert_eq!(Choices::new(keys), Err(error), "{case}");
        }
    }

    #[test]
    fn toggling_the_last_choice_away_leaves_the_question_unanswered() {
        let one = Choices::one(key("privacy"));
        let two = one.clone().toggled(&key("safety")).unwrap();
        assert_eq!(two, Choices::new([key("privacy"), key("safety")]).unwrap());
        assert_eq!(two.toggled(&key("safety")), Some(one.clone()));
        assert_eq!(one.toggled(&key("privacy")), None);
    }

    /// A sealed record exactly as the release before these types sealed it (serde's
    /// derived format of the old `ResponseContent`): pending responses sealed then must
    /// still open and release.
    const SEALED_BEFORE: &str = r#"{"survey_version":1,"language":"es","answers":{"age_band":{"Choice":"18-plus"},"improve":{"Choices":["children","information"]},"privacy":{"Scale":"RatherNot"},"respect":{"Scale":{"Score":4}},"respondent":{"Choice":"self"},"waiting_time":{"Choice":"15-30"}},"suspect":true}"#;

    #[test]
    fn content_sealed_by_the_previous_release_still_opens_byte_for_byte() {
        let content: ResponseContent = serde_json::from_str(SEALED_BEFORE).unwrap();
        assert_eq!(content.survey_version(), 1);
        assert_eq!(content.language(), Language::Es);
        assert!(content.suspect());
        assert_eq!(content.answer("respect"), Some(&AnswerValue::Scale(ScaleValue::Score(Score::ALL[3]))));
        assert_eq!(content.answer("privacy"), Some(&AnswerValue::Scale(ScaleValue::RatherNot)));
        assert_eq!(content.answer("waiting_time"), Some(&AnswerValue::Choice(key("15-30"))));
        assert_eq!(
            content.answer("improve"),
            Some(&AnswerValue::Choices(Choices::new([key("information"), key("children")]).unwrap()))
        );
        assert_eq!((content.respondent(), content.age_band()), (Some("self"), Some("18-plus")));
        assert_eq!(serde_json::to_string(&content).unwrap(), SEALED_BEFORE, "sealed again, the same bytes");

        // Records sealed before the suspect flag existed.
        let without_flag = r#"{"survey_version":2,"language":"en","answers":{"respect":{"Scale":{"Score":1}}}}"#;
        let content: ResponseContent = serde_json::from_str(without_flag).unwrap();
        assert!(!content.suspect());
        assert_eq!(content.answer("respect").unwrap().stored_values(), ["1"]);
    }

    #[test]
    fn a_sealed_record_that_breaks_a_rule_is_refused() {
        let record = |answers: &str| {
            format!(r#"{{"survey_version":1,"language":"es","answers":{{{answers}}},"suspect":false}}"#)
        };
        let long = format!(r#""respect":{{"Choice":"{}"}}"#, "a".repeat(41));
        let cases: Vec<(&str, String)> = vec![
            ("score zero", record(r#""respect":{"Scale":{"Score":0}}"#)),
            ("score five", record(r#""respect":{"Scale":{"Score":5}}"#)),
            ("score 255", record(r#""respect":{"Scale":{"Score":255}}"#)),
            ("score 256", record(r#""respect":{"Scale":{"Score":256}}"#)),
            ("score negative", record(r#""respect":{"Scale":{"Score":-1}}"#)),
            ("score fraction", record(r#""respect":{"Scale":{"Score":2.5}}"#)),
            ("score as text", record(r#""respect":{"Scale":{"Score":"4"}}"#)),
            ("unknown scale value", record(r#""respect":{"Scale":"Maybe"}"#)),
            ("unknown kind of answer", record(r#""respect":{"Text":"fine"}"#)),
            ("empty choice key", record(r#""waiting_time":{"Choice":""}"#)),
            ("choice key in capitals", record(r#""respondent":{"Choice":"Self"}"#)),
            ("choice key with a space", record(r#""waiting_time":{"Choice":"15 30"}"#)),
            ("choice key starting with a hyphen", record(r#""waiting_time":{"Choice":"-1"}"#)),
            ("choice key too long", record(&long)),
            ("no choices", record(r#""improve":{"Choices":[]}"#)),
            ("a choice twice", record(r#""improve":{"Choices":["privacy","privacy"]}"#)),
            ("a malformed choice among several", record(r#""improve":{"Choices":["privacy","a:b"]}"#)),
            ("choices as one string", record(r#""improve":{"Choices":"privacy"}"#)),
            ("empty question key", record(r#""":{"Scale":{"Score":4}}"#)),
            ("question key in capitals", record(r#""Respect":{"Scale":{"Score":4}}"#)),
            ("question key naming an export column", record(r#""suspect":{"Scale":{"Score":4}}"#)),
            ("a question answered twice", record(r#""respect":{"Scale":{"Score":4}},"respect":{"Scale":{"Score":1}}"#)),
            ("survey version zero", r#"{"survey_version":0,"language":"es","answers":{}}"#.into()),
            ("unknown language", r#"{"survey_version":1,"language":"fr","answers":{}}"#.into()),
            ("no language", r#"{"survey_version":1,"answers":{}}"#.into()),
            ("no answers", r#"{"survey_version":1,"language":"es"}"#.into()),
            (
                "a field the server never seals",
                r#"{"survey_version":1,"language":"es","answers":{},"suspect":false,"tablet":7}"#.into(),
            ),
            ("not an object", "[1,2]".into()),
            ("cut short", SEALED_BEFORE[..SEALED_BEFORE.len() - 9].into()),
        ];
        for (case, json) in cases {
            if let Ok(c) = serde_json::from_str::<ResponseContent>(&json) {
                panic!("{case}: accepted {c:?} from {json}");
            }
        }
    }

    #[test]
    fn answer_values_are_checked_when_read_too() {
        let cases = [
            ("score zero", r#"{"Scale":{"Score":0}}"#),
            ("score five", r#"{"Scale":{"Score":5}}"#),
            ("score 255", r#"{"Scale":{"Score":255}}"#),
            ("malformed choice", r#"{"Choice":"no way"}"#),
            ("empty choices", r#"{"Choices":[]}"#),
            ("duplicate choices", r#"{"Choices":["a","a"]}"#),
        ];
        for (case, json) in cases {
            assert!(serde_json::from_str::<AnswerValue>(json).is_err(), "{case}: {json}");
        }
        for n in 1..=4u8 {
            let json = format!(r#"{{"Scale":{{"Score":{n}}}}}"#);
            let value: AnswerValue = serde_json::from_str(&json).unwrap();
            assert_eq!(serde_json::to_string(&value).unwrap(), json);
        }
    }

    #[test]
    fn a_survey_choice_whose_key_is_malformed_cannot_be_answered() {
        let mut survey = survey();
        survey.questions[1].choices.push(choice("Not A Key"));
        let b = SubmissionBody::from_json(body(json!({"waiting_time": "Not A Key"}))).unwrap();
        let e = Submission::parse(&b, &survey).unwrap_err();
        assert_eq!(e.field, "answers.waiting_time", "{e}");
    }
}
