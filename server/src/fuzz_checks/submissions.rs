//! The tablet's side: a submission's body, a pending record's frame, a survey definition.
//! Where a parsed value has an obvious property (it re-serializes and reads back the
//! same, a frame that opens has the declared length) it is asserted.

use crate::privacy::pending::{open_pending, read_pending, seal_pending, OpenedPending};
use crate::privacy::seal::SealKey;
use domain::frame::{self, PENDING_FRAME, SUBMISSION_FRAME};
use domain::{
    AnswerValue, Choice, ChoiceKey, Language, Question, QuestionKey, QuestionKind, ReviewState, Submission,
    SubmissionBody, Survey, Texts, Wording, AGE_BAND_KEY, RESPONDENT_KEY,
};
use std::sync::OnceLock;

/// The survey submissions are checked against: every kind of question, profile items
/// and an observable one, in two of the four languages.
pub fn survey() -> &'static Survey {
    static SURVEY: OnceLock<Survey> = OnceLock::new();
    SURVEY.get_or_init(|| {
        let texts = |s: &str| -> Texts { [(Language::Es, s.to_string()), (Language::En, s.to_string())].into() };
        let question = |key: &str, kind: QuestionKind, choices: &[&str]| Question {
            key: key.into(),
            kind,
            choices: choices
                .iter()
                .map(|c| Choice { key: (*c).into(), text: texts(c), child_text: texts(c) })
                .collect(),
            text: texts(key),
            child_text: texts(key),
            in_index: kind == QuestionKind::Scale4,
            profile: key == RESPONDENT_KEY || key == AGE_BAND_KEY,
            observable: key == "waiting_time",
        };
        Survey {
            version: 3,
            languages: vec![Language::Es, Language::En],
            questions: vec![
                question("respect", QuestionKind::Scale4, &[]),
                question("privacy", QuestionKind::Scale4, &[]),
                question("waiting_time", QuestionKind::Single, &["under-15", "15-30", "over-60"]),
                question("improve", QuestionKind::Multi, &["information", "privacy", "waiting"]),
                question(RESPONDENT_KEY, QuestionKind::Single, &["self", "companion"]),
                question(AGE_BAND_KEY, QuestionKind::Single, &["under-18", "18-29", "60-plus"]),
            ],
        }
    })
}

/// A fixed server key: pending records are sealed and opened with it.
fn seal_key() -> &'static SealKey {
    static KEY: OnceLock<SealKey> = OnceLock::new();
    KEY.get_or_init(|| SealKey::from_master(&[7; 32]))
}

/// `POST /api/v1/responses`: `data` as the plaintext of an opened sealed submission (and
/// the same bytes framed as a tablet frames them), read into a body and checked against
/// [`survey`]. A body that reads re-serializes to itself; a valid submission rebuilt from
/// its content reads back the same, is no longer than the survey's largest submission
/// (what publishing a version promises), and seals as a pending record that opens to it.
pub fn check_submission_body(data: &[u8]) {
    read_submission(data);
    if let Ok(framed) = frame::pad(data, SUBMISSION_FRAME) {
        read_submission(&framed);
    }
}

fn read_submission(plaintext: &[u8]) {
    let Ok(body) = SubmissionBody::from_opened(plaintext) else { return };
    let json = serde_json::to_value(&body).expect("a body serializes");
    assert_eq!(SubmissionBody::from_json(json), Ok(body.clone()), "a body reads back as itself");
    let survey = survey();
    let Ok(submission) = Submission::parse(&body, survey) else { return };
    let content = submission.content();
    assert_eq!(content.survey_version(), survey.version);
    assert!(survey.is_complete_in(content.language()));
    for (key, answer) in content.answers() {
        assert!(survey.question(key.as_ref()).is_some(), "only the survey's questions are answered");
        for value in answer.stored_values() {
            assert!(!value.is_empty());
        }
    }

    // The submission as a tablet would send it, from what was kept.
    let rebuilt = SubmissionBody {
        id: submission.id().to_string(),
        survey_version: content.survey_version(),
        language: content.language().code().into(),
        answers: content.answers().iter().map(|(k, v)| (k.to_string(), v.to_json())).collect(),
        durations: submission.durations(),
    };
    let again = Submission::parse(&rebuilt, survey).expect("a rebuilt submission is valid");
    assert_eq!(again, submission, "a rebuilt submission reads back the same");
    let largest = serde_json::to_vec(&survey.largest_submission()).expect("serializes").len();
    let len = serde_json::to_vec(&rebuilt).expect("serializes").len();
    assert!(len <= largest, "a submission of {len} bytes is longer than the largest, {largest}");
    assert!(frame::pad(&serde_json::to_vec(&rebuilt).expect("serializes"), SUBMISSION_FRAME).is_ok());

    // The content as a pending record: one size, and it opens to the same content.
    let bytes = serde_json::to_vec(content).expect("content serializes");
    let read: domain::ResponseContent = serde_json::from_slice(&bytes).expect("content reads back");
    assert_eq!(&read, content);
    let sealed = seal_pending(seal_key(), 1, submission.id().as_bytes(), content, "2026-W01")
        .expect("a valid submission of this survey fits the pending frame");
    match open_pending(seal_key(), 1, submission.id().as_bytes(), &sealed) {
        OpenedPending::Opened { content: opened, received_week } => {
            assert_eq!(&opened, content);
            assert_eq!(received_week.as_deref(), Some("2026-W01"));
        }
        other => panic!("a pending record just sealed does not open: {other:?}"),
    }
}

/// Frames and pending records: `data` as a frame's plaintext (a frame that opens holds
/// exactly the length its header declares, and framing its content again at the same
/// size gives it back), as content to frame, and as an opened pending record (one that
/// reads seals again and opens to the same).
pub fn check_sealed_frame(data: &[u8]) {
    match frame::unpad(data) {
        Ok(content) if data.first() == Some(&0) => {
            let declared = u32::from_be_bytes(data[1..5].try_into().expect("four bytes")) as usize;
            assert_eq!(content.len(), declared, "a frame holds the length it declares");
            assert_eq!(frame::pad(content, data.len()).as_deref(), Ok(data), "a frame is its content, padded");
        }
        Ok(content) => assert!(data.first() == Some(&b'{') && content == data, "an unframed record is itself"),
        Err(_) => {}
    }
    for size in [SUBMISSION_FRAME, PENDING_FRAME] {
        match frame::pad(data, size) {
            Ok(framed) => {
                assert_eq!(framed.len(), size, "every frame has its size");
                assert_eq!(frame::unpad(&framed), Ok(data), "a frame opens to what was framed");
            }
            Err(_) => assert!(data.len() > frame::capacity(size), "what fits is framed"),
        }
    }
    read_pending_record(data);
    if let Ok(framed) = frame::pad(data, PENDING_FRAME) {
        read_pending_record(&framed);
    }
}

fn read_pending_record(plain: &[u8]) {
    let OpenedPending::Opened { content, received_week } = read_pending(plain) else { return };
    let week = received_week.clone().unwrap_or_else(|| "2026-W01".into());
    let Ok(sealed) = seal_pending(seal_key(), 2, &[9; 16], &content, &week) else {
        // Only an unframed record sealed before frames existed can be too large to frame.
        assert!(received_week.is_none(), "a framed record always fits its frame again");
        return;
    };
    match open_pending(seal_key(), 2, &[9; 16], &sealed) {
        OpenedPending::Opened { content: opened, received_week: w } => {
            assert_eq!(opened, content, "a pending record reads back the same");
            assert_eq!(w, Some(week));
        }
        other => panic!("a pending record just sealed does not open: {other:?}"),
    }
}

/// The survey definition as a kiosk receives it (JSON), and its keys, kinds, review
/// states, languages and wordings as the editor reads them. A definition that reads
/// re-serializes to itself; one that could be published has a largest submission that
/// fits the sealed frame; every parsed key or wording reads back as itself.
pub fn check_survey_definition(data: &[u8]) {
    if let Ok(survey) = serde_json::from_slice::<Survey>(data) {
        let bytes = serde_json::to_vec(&survey).expect("a survey serializes");
        assert_eq!(serde_json::from_slice::<Survey>(&bytes).ok().as_ref(), Some(&survey), "reads back the same");
        let problems = survey.publication_problems(&survey.languages);
        if problems.is_empty() {
            let largest = serde_json::to_vec(&survey.largest_submission()).expect("serializes");
            assert!(frame::pad(&largest, SUBMISSION_FRAME).is_ok(), "a publishable version's answers fit a frame");
        }
        for lang in Language::ALL {
            assert_eq!(survey.is_complete_in(lang), survey.missing_in(lang).is_empty());
        }
        let _ = survey.observable_in_release_order().count();
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(key) = QuestionKey::parse(text) {
        assert_eq!(QuestionKey::parse(key.as_ref()).as_ref(), Ok(&key));
        assert_eq!(key.as_ref(), text.trim());
    }
    if let Ok(key) = ChoiceKey::parse(text) {
        assert_eq!(ChoiceKey::parse(key.as_ref()).as_ref(), Ok(&key));
        let json = serde_json::to_string(&key).expect("a key serializes");
        assert_eq!(serde_json::from_str::<ChoiceKey>(&json).ok().as_ref(), Some(&key));
    }
    if let Ok(kind) = QuestionKind::parse(text) {
        assert_eq!(kind.code(), text);
    }
    if let Ok(review) = ReviewState::parse(text) {
        assert_eq!(review.code(), text);
    }
    if let Ok(lang) = Language::parse(text) {
        assert_eq!(Language::parse(lang.code()), Ok(lang));
    }
    if let Ok(Some(wording)) = Wording::parse(text) {
        let again = Wording::parse(wording.as_ref()).expect("a wording reads back");
        assert_eq!(again.as_ref().map(AsRef::as_ref), Some(wording.as_ref()));
    }
    // An answer as the kiosk sends it, against every question of the survey.
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        for q in &survey().questions {
            let mut answers = serde_json::Map::new();
            answers.insert(q.key.clone(), value.clone());
            let body = SubmissionBody {
                id: "6f1c1f5e-2b59-4e9b-9a57-1d2b3c4d5e6f".into(),
                survey_version: survey().version,
                language: "es".into(),
                answers,
                durations: None,
            };
            if let Ok(s) = Submission::parse(&body, survey()) {
                let answer: &AnswerValue = s.content().answer(&q.key).expect("the answer is kept");
                let mut again = body.clone();
                again.answers.insert(q.key.clone(), answer.to_json());
                let s2 = Submission::parse(&again, survey()).expect("an answer's JSON is a valid answer");
                assert_eq!(s2.content().answer(&q.key), Some(answer), "an answer reads back as itself");
            }
        }
    }
}
