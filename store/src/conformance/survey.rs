//! Survey drafts: started once, edited question by question, published whole or
//! discarded; a published version never changes; languages offered only when complete.

use super::accounts::{actions, line};
use crate::audit::Applied;
use crate::survey::{offered, DraftStart, Edit, LanguageChange, Publication, QuestionChange, TextRow, TextWrite};
use crate::Store;
use domain::{Language, MissingText, PublicationProblem, QuestionKey, QuestionKind, ReviewState};

/// A text of `question` (and `choice`, '' for the question's own) in `language`, the
/// same for adults and children, awaiting review.
fn text(question: &str, choice: &str, language: Language, wording: &str) -> TextWrite {
    TextWrite {
        question_key: question.into(),
        choice_key: choice.into(),
        language,
        text: wording.into(),
        child_text: wording.into(),
        review: ReviewState::NeedsReview,
    }
}

/// Every text of `version`, in a fixed order.
async fn texts<S: Store>(store: &S, version: i64) -> Vec<TextRow> {
    let mut rows = store.text_rows(version).await.unwrap();
    rows.sort_by(|a, b| {
        (&a.question_key, &a.choice_key, a.language).cmp(&(&b.question_key, &b.choice_key, b.language))
    });
    rows
}

/// Starts a draft from the current version: (draft, current).
async fn draft<S: Store>(store: &S) -> (i64, i64) {
    match store.start_draft(|_| None).await.unwrap() {
        DraftStart::Started { draft, from } => (draft, from),
        other => panic!("a draft is started when there is none: {other:?}"),
    }
}

pub async fn a_draft_is_edited_question_by_question_then_published_whole<S: Store>(store: &S) {
    let current = store.current_version().await.unwrap().expect("a fresh store has the first survey published");
    let before = store.load(current).await.unwrap().expect("the published survey loads");
    let started = store.start_draft(|s| s.applied().then(|| line("survey.draft", "draft"))).await.unwrap();
    let DraftStart::Started { draft, from } = started else { panic!("no draft yet: one is started") };
    assert_eq!(from, current, "a draft is copied from the current version");
    assert!(draft > current, "a draft is numbered above every version");
    assert_eq!(store.draft_version().await.unwrap(), Some(draft));
    assert_eq!(store.is_published(draft).await.unwrap(), Some(false));
    let copy = store.load_any(draft).await.unwrap().expect("a draft loads as a version");
    assert_eq!(copy.questions, before.questions, "a draft starts as a copy of the current version");
    assert_eq!(
        texts(store, draft)
            .await
            .into_iter()
            .map(|t| (t.question_key, t.choice_key, t.language, t.review))
            .collect::<Vec<_>>(),
        texts(store, current)
            .await
            .into_iter()
            .map(|t| (t.question_key, t.choice_key, t.language, t.review))
            .collect::<Vec<_>>(),
        "with every text and its review state"
    );

    // A new question goes at the end, without choices or texts: not publishable yet.
    let key = QuestionKey::parse("courtesy").unwrap();
    let add = line("survey.question.add", "courtesy");
    assert_eq!(store.add_question(draft, &key, QuestionKind::Single, false, true, &add).await.unwrap(), Edit::Done);
    assert_eq!(store.add_question(draft, &key, QuestionKind::Multi, true, false, &add).await.unwrap(), Edit::KeyTaken);
    let publish = |p: &Publication| p.applied().then(|| line("survey.publish", "draft"));
    let Publication::Refused(problems) = store.publish(draft, publish).await.unwrap() else {
        panic!("a draft with a question lacking choices and texts is not published");
    };
    assert!(problems.contains(&PublicationProblem::TooFewChoices { question_key: "courtesy".into() }), "{problems:?}");
    let missing_es = PublicationProblem::Missing {
        language: Language::Es,
        text: MissingText { question_key: "courtesy".into(), choice_key: None, child: false },
    };
    assert!(problems.contains(&missing_es), "{problems:?}");
    assert_eq!(store.is_published(draft).await.unwrap(), Some(false), "a refused draft stays a draft");

    // Its kind, choices and texts, in one edit.
    let offered = offered(&store.enabled_languages().await.unwrap());
    let mut wordings = Vec::new();
    for &language in &offered {
        for (choice, wording) in [("", "¿Le atendieron con cortesía?"), ("yes", "Sí"), ("no", "No")] {
            wordings.push(text("courtesy", choice, language, wording));
        }
    }
    let change = QuestionChange {
        kind: QuestionKind::Single,
        in_index: false,
        observable: true,
        choices: vec!["yes".into(), "no".into()],
        texts: wordings,
    };
    let edit = |e: &Edit| e.applied().then(|| line("survey.question", "courtesy"));
    assert_eq!(store.update_question(draft, "courtesy", &change, edit).await.unwrap(), Edit::Done);
    assert_eq!(store.update_question(draft, "nothing", &change, edit).await.unwrap(), Edit::NoSuchQuestion);

    // Texts on their own; a text of a choice the draft does not have is not written.
    let respect =
        TextWrite { review: ReviewState::Reviewed, ..text("respect", "", Language::Es, "¿Le trataron con respeto?") };
    let stray = text("courtesy", "maybe", Language::Es, "Quizás");
    let written = store.write_texts(draft, &[respect.clone(), stray], &[line("survey.texts", "draft")]).await.unwrap();
    assert_eq!(written, Edit::Done);
    let rows = texts(store, draft).await;
    assert!(!rows.iter().any(|t| t.choice_key == "maybe"), "no text without its choice");
    let row = rows
        .iter()
        .find(|t| (t.question_key.as_str(), t.choice_key.as_str(), t.language) == ("respect", "", Language::Es));
    assert_eq!(row.map(|t| (t.text.as_str(), t.review)), Some((respect.text.as_str(), ReviewState::Reviewed)));

    // It moves up one place; the first question cannot move up.
    let moved = line("survey.question.move", "courtesy");
    assert_eq!(store.move_question(draft, "courtesy", true, &moved).await.unwrap(), Edit::Done);
    assert_eq!(store.move_question(draft, &before.questions[0].key, true, &moved).await.unwrap(), Edit::Done);
    assert_eq!(store.move_question(draft, "nothing", true, &moved).await.unwrap(), Edit::NoSuchQuestion);

    let edited = store.load_any(draft).await.unwrap().expect("the draft loads");
    let mut order: Vec<&str> = before.questions.iter().map(|q| q.key.as_str()).collect();
    order.insert(order.len() - 1, "courtesy");
    assert_eq!(edited.questions.iter().map(|q| q.key.as_str()).collect::<Vec<_>>(), order, "swapped with the last");
    let courtesy = edited.questions.iter().find(|q| q.key == "courtesy").expect("the new question");
    assert_eq!(courtesy.choices.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(), ["yes", "no"]);
    assert_eq!((courtesy.kind, courtesy.in_index, courtesy.observable), (QuestionKind::Single, false, true));
    assert_eq!(courtesy.text.get(&Language::Es).map(String::as_str), Some("¿Le atendieron con cortesía?"));
    assert_eq!(store.load(current).await.unwrap().as_ref(), Some(&before), "the published version is untouched");
    assert_eq!(store.current_version().await.unwrap(), Some(current), "a draft is not given to tablets");

    assert_eq!(store.publish(draft, publish).await.unwrap(), Publication::Published { offered });
    assert_eq!(store.current_version().await.unwrap(), Some(draft), "tablets are given it from then on");
    assert_eq!(store.load(draft).await.unwrap(), Some(edited), "what was edited is what is published");
    assert_eq!(store.load(current).await.unwrap(), Some(before.clone()), "the older version is kept as it was");
    assert_eq!(store.draft_version().await.unwrap(), None);
    assert_eq!(store.published_versions().await.unwrap(), [current, draft]);
    let versions = store.versions().await.unwrap();
    let n = before.questions.len() as i64;
    assert_eq!(
        versions.iter().map(|v| (v.version, v.published, v.questions)).collect::<Vec<_>>(),
        [(current, true, n), (draft, true, n + 1)]
    );
    assert_eq!(store.published_kinds("courtesy").await.unwrap(), [(draft, QuestionKind::Single)]);
    assert_eq!(store.question_versions().await.unwrap().get("courtesy"), Some(&vec![draft]));
    assert_eq!(store.publish(draft, publish).await.unwrap(), Publication::AlreadyPublished);
    let again = text("respect", "", Language::Es, "otra");
    assert_eq!(store.write_texts(draft, &[again], &[line("survey.texts", "draft")]).await.unwrap(), Edit::Published);
    assert_eq!(
        actions(store).await,
        [
            "survey.draft",
            "survey.question.add",
            "survey.question",
            "survey.texts",
            "survey.question.move",
            "survey.question.move",
            "survey.publish"
        ],
        "each edit that happened audited once, none that did not"
    );
}

pub async fn a_published_version_is_never_edited<S: Store>(store: &S) {
    let current = store.current_version().await.unwrap().expect("a fresh store has the first survey published");
    let before = store.load(current).await.unwrap().expect("the published survey loads");
    let rows = texts(store, current).await;
    let key = QuestionKey::parse("courtesy").unwrap();
    let change = QuestionChange {
        kind: QuestionKind::Single,
        in_index: false,
        observable: true,
        choices: vec!["yes".into(), "no".into()],
        texts: vec![text("respect", "", Language::Es, "cambiado")],
    };
    let edit = |e: &Edit| e.applied().then(|| line("survey.question", "respect"));
    for (version, refused) in [(current, Edit::Published), (current + 100, Edit::NoSuchVersion)] {
        let l = line("survey.edit", "v");
        assert_eq!(store.update_question(version, "respect", &change, edit).await.unwrap(), refused);
        assert_eq!(store.write_texts(version, &change.texts, std::slice::from_ref(&l)).await.unwrap(), refused);
        assert_eq!(store.add_question(version, &key, QuestionKind::Scale4, true, false, &l).await.unwrap(), refused);
        assert_eq!(store.remove_question(version, "respect", &l).await.unwrap(), refused);
        assert_eq!(store.move_question(version, "overall", true, &l).await.unwrap(), refused);
        assert_eq!(store.discard_draft(version, &l).await.unwrap(), refused);
    }
    let publish = |p: &Publication| p.applied().then(|| line("survey.publish", "v"));
    assert_eq!(store.publish(current, publish).await.unwrap(), Publication::AlreadyPublished);
    assert_eq!(store.publish(current + 100, publish).await.unwrap(), Publication::NoSuchVersion);
    assert_eq!(store.load(current).await.unwrap(), Some(before), "a published version never changes");
    assert_eq!(texts(store, current).await, rows, "nor do its texts");
    assert_eq!(store.published_versions().await.unwrap(), [current]);
    assert_eq!(store.is_published(current + 100).await.unwrap(), None);
    assert_eq!(store.load_any(current + 100).await.unwrap(), None);
    assert!(actions(store).await.is_empty(), "a refused edit leaves no audit line");
}

pub async fn a_discarded_draft_leaves_nothing_behind<S: Store>(store: &S) {
    let current = store.current_version().await.unwrap().expect("a fresh store has the first survey published");
    let (first, _) = draft(store).await;
    let key = QuestionKey::parse("courtesy").unwrap();
    let l = line("survey.question.add", "courtesy");
    assert_eq!(store.add_question(first, &key, QuestionKind::Single, false, false, &l).await.unwrap(), Edit::Done);
    let written = store.write_texts(first, &[text("courtesy", "", Language::Es, "¿Cortesía?")], &[]).await.unwrap();
    assert_eq!(written, Edit::Done);
    assert_eq!(
        store.remove_question(first, "overall", &line("survey.question.remove", "overall")).await.unwrap(),
        Edit::Done
    );
    assert_eq!(
        store.remove_question(first, "overall", &line("survey.question.remove", "overall")).await.unwrap(),
        Edit::NoSuchQuestion
    );
    assert!(
        !texts(store, first).await.iter().any(|t| t.question_key == "overall"),
        "a removed question's texts go too"
    );
    assert_eq!(store.discard_draft(first, &line("survey.discard", "draft")).await.unwrap(), Edit::Done);
    assert_eq!(store.draft_version().await.unwrap(), None);
    assert_eq!(store.is_published(first).await.unwrap(), None);
    assert_eq!(store.load_any(first).await.unwrap(), None);
    assert!(store.text_rows(first).await.unwrap().is_empty(), "its texts are gone");
    assert_eq!(store.versions().await.unwrap().iter().map(|v| v.version).collect::<Vec<_>>(), [current]);
    assert_eq!(store.discard_draft(first, &line("survey.discard", "draft")).await.unwrap(), Edit::NoSuchVersion);
    let (second, from) = draft(store).await;
    assert_eq!(from, current);
    let copy = store.load_any(second).await.unwrap().expect("the new draft loads");
    let published = store.load(current).await.unwrap().expect("the current version loads");
    assert_eq!(copy.questions, published.questions, "a new draft copies the current version, not the discarded one");
    assert_eq!(
        actions(store).await,
        ["survey.question.add", "survey.question.remove", "survey.discard"],
        "each edit that happened audited once"
    );
}

pub async fn one_draft_is_started_however_many_ask_at_once<S: Store>(store: &S) {
    let starts: Vec<_> = (0..6)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.start_draft(|s| s.applied().then(|| line("survey.draft", "draft"))).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for start in starts {
        outcomes.push(start.await.unwrap().expect("no start fails: each sees the draft of the one before"));
    }
    let started: Vec<i64> = outcomes
        .iter()
        .filter_map(|o| if let DraftStart::Started { draft, .. } = o { Some(*draft) } else { None })
        .collect();
    assert_eq!(started.len(), 1, "one draft at a time: {outcomes:?}");
    assert!(
        outcomes.iter().all(|o| matches!(o, DraftStart::Started { .. }) || *o == DraftStart::DraftExists(started[0])),
        "the others are shown the one started: {outcomes:?}"
    );
    assert_eq!(store.draft_version().await.unwrap(), Some(started[0]));
    assert_eq!(actions(store).await, ["survey.draft"]);
}

pub async fn a_language_is_offered_only_when_complete_in_the_current_version<S: Store>(store: &S) {
    let actor = "conformance";
    assert_eq!(store.offer_language(Language::Es, false, actor).await.unwrap(), LanguageChange::AlwaysOffered);
    let mut expected = Vec::new();
    if store.offer_language(Language::Qu, false, actor).await.unwrap() == LanguageChange::Changed {
        expected.push("language.disable");
    }
    // A version whose Quechua lacks one text (blank wordings remove it).
    let (first, _) = draft(store).await;
    let removed = store.write_texts(first, &[text("respect", "", Language::Qu, " ")], &[]).await.unwrap();
    assert_eq!(removed, Edit::Done);
    assert!(matches!(store.publish(first, |_| None).await.unwrap(), Publication::Published { .. }));
    let missing = store.offer_language(Language::Qu, true, actor).await.unwrap();
    let respect = |child| MissingText { question_key: "respect".into(), choice_key: None, child };
    assert_eq!(missing, LanguageChange::Missing { version: first, missing: vec![respect(false), respect(true)] });
    assert!(!store.enabled_languages().await.unwrap().contains(&Language::Qu), "not offered while incomplete");

    // Complete again in the next version: now it is offered.
    let (second, _) = draft(store).await;
    let written =
        store.write_texts(second, &[text("respect", "", Language::Qu, "¿Respetowanchu?")], &[]).await.unwrap();
    assert_eq!(written, Edit::Done);
    assert!(matches!(store.publish(second, |_| None).await.unwrap(), Publication::Published { .. }));
    assert_eq!(store.offer_language(Language::Qu, true, actor).await.unwrap(), LanguageChange::Changed);
    assert_eq!(store.offer_language(Language::Qu, true, actor).await.unwrap(), LanguageChange::Unchanged);
    assert!(store.enabled_languages().await.unwrap().contains(&Language::Qu));
    assert!(store.load(second).await.unwrap().expect("published").languages.contains(&Language::Qu));
    let unreviewed = texts(store, second)
        .await
        .iter()
        .filter(|t| t.language == Language::Qu && t.review != ReviewState::Reviewed)
        .count() as i64;
    assert_eq!(store.texts_needing_review(second, Language::Qu).await.unwrap(), unreviewed);
    assert_eq!(store.offer_language(Language::Qu, false, actor).await.unwrap(), LanguageChange::Changed);
    assert!(!store.enabled_languages().await.unwrap().contains(&Language::Qu));
    expected.extend(["language.enable", "language.disable"]);
    assert_eq!(actions(store).await, expected, "each change audited once, none that did not happen");
    let log = store.audit_log(1).await.unwrap();
    assert_eq!((log[0].actor.as_str(), log[0].target.as_str()), (actor, "qu"));
}
