use super::*;
use crate::{Choice, Question, Texts};
use crate::{ChoiceKey, QuestionKind};
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
        ("the same choice twice", vec![key("privacy"), key("privacy")], AnswerError::DuplicateChoice("privacy".into())),
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
    let record =
        |answers: &str| format!(r#"{{"survey_version":1,"language":"es","answers":{{{answers}}},"suspect":false}}"#);
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
