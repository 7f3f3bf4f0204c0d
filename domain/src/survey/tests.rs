use super::*;

#[test]
fn question_keys_are_lower_case_ascii_digits_and_underscores() {
    for ok in ["respect", "waiting_time", "q2", "a"] {
        assert_eq!(QuestionKey::parse(ok).map(String::from), Ok(ok.to_string()), "{ok}");
    }
    let long = "a".repeat(41);
    let cases = [
        ("empty", "", KeyError::Empty),
        ("blank", "   ", KeyError::Empty),
        ("upper case", "Respect", KeyError::BadCharacter('R')),
        ("hyphen", "waiting-time", KeyError::BadCharacter('-')),
        ("space", "two words", KeyError::BadCharacter(' ')),
        ("accent", "atención", KeyError::BadCharacter('ó')),
        ("digit first", "2nd", KeyError::BadStart),
        ("underscore first", "_x", KeyError::BadStart),
        ("too long", long.as_str(), KeyError::TooLong(40)),
        ("export column", "survey_version", KeyError::Reserved("survey_version".into())),
    ];
    for (case, input, error) in cases {
        assert_eq!(QuestionKey::parse(input), Err(error), "{case}: {input:?}");
    }
}

#[test]
fn choice_keys_also_take_hyphens_and_may_start_with_a_digit() {
    for ok in ["15-30", "under-12", "self", "18-plus"] {
        assert!(ChoiceKey::parse(ok).is_ok(), "{ok}");
    }
    for (case, input) in [("empty", ""), ("upper", "Self"), ("hyphen first", "-1"), ("colon", "a:b")] {
        assert!(ChoiceKey::parse(input).is_err(), "{case}: {input:?}");
    }
}

#[test]
fn wordings_are_trimmed_and_blank_means_missing() {
    assert_eq!(Wording::parse("  ¿Te trataron bien? ").unwrap().unwrap().as_ref(), "¿Te trataron bien?");
    assert_eq!(Wording::parse("   "), Ok(None));
    assert_eq!(Wording::parse(&"x".repeat(401)), Err(WordingError::TooLong(400)));
    assert_eq!(Wording::parse("a\nb"), Err(WordingError::ControlCharacter));
}

#[test]
fn review_states_round_trip() {
    for r in ReviewState::ALL {
        assert_eq!(ReviewState::parse(r.code()), Ok(r));
    }
    assert!(ReviewState::parse("done").is_err());
}

fn texts(pairs: &[(Language, &str)]) -> Texts {
    pairs.iter().map(|(l, s)| (*l, s.to_string())).collect()
}

fn survey() -> Survey {
    let both = texts(&[(Language::Es, "Sí"), (Language::Qu, "Arí")]);
    Survey {
        version: 2,
        languages: vec![],
        questions: vec![
            Question {
                key: "respect".into(),
                kind: QuestionKind::Scale4,
                choices: vec![],
                text: both.clone(),
                child_text: texts(&[(Language::Es, "¿Bien?"), (Language::Qu, "  ")]),
                in_index: true,
                profile: false,
                observable: false,
            },
            Question {
                key: "wait".into(),
                kind: QuestionKind::Single,
                choices: vec![Choice { key: "short".into(), text: both.clone(), child_text: texts(&[]) }],
                text: both.clone(),
                child_text: both,
                in_index: false,
                profile: false,
                observable: true,
            },
        ],
    }
}

#[test]
fn missing_texts_are_listed_per_language_in_survey_order() {
    let s = survey();
    let missing = |q: &str, c: Option<&str>, child| MissingText {
        question_key: q.into(),
        choice_key: c.map(str::to_string),
        child,
    };
    assert_eq!(
        s.missing_in(Language::Qu),
        [missing("respect", None, true), missing("wait", Some("short"), true)],
        "a blank text is missing"
    );
    assert_eq!(s.missing_in(Language::Es), [missing("wait", Some("short"), true)]);
    assert_eq!(s.missing_in(Language::En).len(), 6);
    assert!(!s.is_complete_in(Language::Es));
}

#[test]
#[cfg(feature = "server")]
fn a_draft_is_publishable_only_when_complete_in_every_offered_language() {
    let mut s = survey();
    let problems = s.publication_problems(&[Language::Es]);
    assert!(problems.contains(&PublicationProblem::TooFewChoices { question_key: "wait".into() }));
    assert!(problems.iter().any(|p| matches!(p, PublicationProblem::Missing { language: Language::Es, .. })));
    s.questions[1].choices[0].child_text = texts(&[(Language::Es, "Poco")]);
    let mut second = s.questions[1].choices[0].clone();
    second.key = "long".into();
    s.questions[1].choices.push(second);
    assert_eq!(s.publication_problems(&[Language::Es]), []);
    assert_eq!(s.publication_problems(&[Language::Es, Language::Qu]).len(), 3, "respect's child text and two choices");
    s.questions[0].choices = s.questions[1].choices.clone();
    assert!(s
        .publication_problems(&[Language::Es])
        .contains(&PublicationProblem::ScaleWithChoices { question_key: "respect".into() }));
    s.questions.clear();
    assert_eq!(s.publication_problems(&[Language::Es]), [PublicationProblem::NoQuestions]);
}
