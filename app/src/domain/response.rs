use super::{Language, QuestionKind, Survey};
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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubmissionBody {
    /// A UUID v4 made by the client, the same on every retry of one response.
    pub id: String,
    pub survey_version: i64,
    pub language: String,
    /// Question key → answer. A question left out was skipped. Scale answers are
    /// 1–4 or "rather_not"; single choice a choice key; multiple choice a list of keys.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    #[serde(default)]
    pub answers: serde_json::Map<String, Value>,
    /// How long the visit took, measured by the tablet. The server derives a `suspect`
    /// flag from it and stores only the flag, never the durations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub durations: Option<Durations>,
}

/// Durations a tablet measures for one finished survey, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Durations {
    /// From the first question shown to the last answer.
    pub survey_ms: u64,
    /// From the previous finished survey on this tablet, if there was one since it started.
    #[serde(default)]
    pub since_previous_ms: Option<u64>,
}

impl SubmissionBody {
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

/// A face-scale answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScaleValue {
    /// 1 (very bad) to 4 (very good).
    Score(u8),
    RatherNot,
}

/// One valid answer to one question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnswerValue {
    Scale(ScaleValue),
    Choice(String),
    Choices(BTreeSet<String>),
}

impl AnswerValue {
    /// The values as stored, one per row: "1"…"4", "rather_not", or choice keys.
    pub fn stored_values(&self) -> Vec<String> {
        match self {
            AnswerValue::Scale(ScaleValue::Score(n)) => vec![n.to_string()],
            AnswerValue::Scale(ScaleValue::RatherNot) => vec![RATHER_NOT.to_string()],
            AnswerValue::Choice(c) => vec![c.clone()],
            AnswerValue::Choices(cs) => cs.iter().cloned().collect(),
        }
    }

    /// The answer as it travels in a [`SubmissionBody`]: 1–4, "rather_not", a choice
    /// key, or a list of choice keys. The inverse of parsing.
    pub fn to_json(&self) -> Value {
        match self {
            AnswerValue::Scale(ScaleValue::Score(n)) => Value::from(*n),
            AnswerValue::Scale(ScaleValue::RatherNot) => Value::from(RATHER_NOT),
            AnswerValue::Choice(c) => Value::from(c.as_str()),
            AnswerValue::Choices(cs) => Value::from(cs.iter().map(|c| Value::from(c.as_str())).collect::<Vec<_>>()),
        }
    }

    fn parse(kind: QuestionKind, question: &super::Question, value: &Value, field: &str) -> Result<Self, FieldError> {
        let err = |m: String| FieldError::new(field, m);
        match kind {
            QuestionKind::Scale4 => match value {
                Value::Number(n) => match n.as_u64() {
                    Some(v @ 1..=4) => Ok(AnswerValue::Scale(ScaleValue::Score(v as u8))),
                    _ => Err(err(format!("{n} is out of range; expected 1 to 4 or \"rather_not\""))),
                },
                Value::String(s) if s == RATHER_NOT => Ok(AnswerValue::Scale(ScaleValue::RatherNot)),
                _ => Err(err("expected 1 to 4 or \"rather_not\"".into())),
            },
            QuestionKind::Single => match value {
                Value::String(s) if question.choice(s).is_some() => Ok(AnswerValue::Choice(s.clone())),
                Value::String(s) => {
                    Err(err(format!("unknown choice {s:?}; expected one of {}", choice_list(question))))
                }
                _ => Err(err(format!("expected one of {}", choice_list(question)))),
            },
            QuestionKind::Multi => {
                let Value::Array(items) = value else {
                    return Err(err(format!("expected a list of choices from {}", choice_list(question))));
                };
                if items.is_empty() {
                    return Err(err("empty list; leave the question out to skip it".into()));
                }
                let mut chosen = BTreeSet::new();
                for item in items {
                    match item {
                        Value::String(s) if question.choice(s).is_some() => {
                            if !chosen.insert(s.clone()) {
                                return Err(err(format!("choice {s:?} appears twice")));
                            }
                        }
                        Value::String(s) => {
                            return Err(err(format!(
                                "unknown choice {s:?}; expected choices from {}",
                                choice_list(question)
                            )))
                        }
                        _ => return Err(err("every choice must be a string".into())),
                    }
                }
                Ok(AnswerValue::Choices(chosen))
            }
        }
    }
}

fn choice_list(q: &super::Question) -> String {
    q.choices.iter().map(|c| format!("{:?}", c.key)).collect::<Vec<_>>().join(", ")
}

/// What a visitor said: the part of a response that is sealed while pending and
/// becomes plain rows on release. It holds no time and nothing about the device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseContent {
    pub survey_version: i64,
    pub language: Language,
    /// Question key → answer; skipped questions are absent.
    pub answers: BTreeMap<String, AnswerValue>,
    /// Completed implausibly fast, or too soon after the previous survey on the same
    /// tablet: kept, but left out of dashboards and exports by default.
    #[serde(default)]
    pub suspect: bool,
}

impl ResponseContent {
    fn profile(&self, key: &str) -> Option<&str> {
        match self.answers.get(key) {
            Some(AnswerValue::Choice(c)) => Some(c),
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
    pub fn care_answers(&self) -> impl Iterator<Item = (&String, &AnswerValue)> {
        self.answers.iter().filter(|(k, _)| k.as_str() != RESPONDENT_KEY && k.as_str() != AGE_BAND_KEY)
    }
}

/// A valid submission: a client id and the content, checked against the survey
/// version it was given under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    pub id: ClientId,
    pub content: ResponseContent,
    /// What the tablet measured; used to derive `content.suspect`, never stored.
    pub durations: Option<Durations>,
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
            answers.insert(key.clone(), AnswerValue::parse(question.kind, question, value, &field)?);
        }
        Ok(Submission {
            id,
            content: ResponseContent { survey_version: survey.version, language, answers, suspect: false },
            durations: body.durations,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Choice, Question, Texts};
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
        assert_eq!(s.content.answers["respect"], AnswerValue::Scale(ScaleValue::Score(4)));
        assert_eq!(s.content.answers["improve"].stored_values(), vec!["information", "privacy"]);
        assert_eq!(s.content.respondent(), Some("self"));
        assert_eq!(s.content.care_answers().count(), 3);
    }

    #[test]
    fn accepts_rather_not_and_an_all_skipped_survey() {
        let s = parse(body(json!({"respect": "rather_not"}))).unwrap();
        assert_eq!(s.content.answers["respect"].stored_values(), vec![RATHER_NOT]);
        let s = parse(body(json!({}))).unwrap();
        assert!(s.content.answers.is_empty());
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
            s.content.answers.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();
        assert_eq!(Value::Object(wire), body["answers"]);
    }

    #[test]
    fn content_round_trips_through_json_for_sealing() {
        let s = parse(body(json!({"respect": 2, "improve": ["privacy"], "respondent": "companion"}))).unwrap();
        let bytes = serde_json::to_vec(&s.content).unwrap();
        let back: ResponseContent = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, s.content);
    }
}
