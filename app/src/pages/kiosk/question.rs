//! A question's screen: the order questions are asked in, the wording a visitor reads,
//! and the answers of each kind of question.

use super::*;

/// The order in which the kiosk asks the survey's questions: the profile items first
/// (so that a child gets the child wording from the start), then the care questions,
/// each group in survey order. Holds indices into `questions`.
pub(super) fn asked_order(questions: &[Question]) -> Vec<usize> {
    let (profile, care): (Vec<usize>, Vec<usize>) = (0..questions.len()).partition(|&i| questions[i].profile);
    profile.into_iter().chain(care).collect()
}

/// Whether the answers say a child or adolescent is answering.
pub(super) fn is_child(answers: &BTreeMap<String, AnswerValue>) -> bool {
    let chose = |key: &str, choices: &[&str]| matches!(answers.get(key), Some(AnswerValue::Choice(c)) if choices.contains(&c.as_ref()));
    chose(domain::RESPONDENT_KEY, &["child"]) || chose(domain::AGE_BAND_KEY, &["under-12", "12-17"])
}

/// The label of a face of the scale, 1 to 4.
pub(super) fn scale_label(lang: Language, level: u8) -> &'static str {
    voice_prompts::scale_label(lang, level)
}

pub(super) fn question_screen(kiosk: Kiosk, index: usize) -> Option<impl IntoView> {
    let question = kiosk.question(index)?;
    let lang = kiosk.lang;
    let total = kiosk.question_count();
    let key = StoredValue::new(question.key.clone());
    let shown = StoredValue::new(question.clone());
    let percent = (index + 1) * 100 / total.max(1);
    let title = move || shown.with_value(|q| wording(&q.text, &q.child_text, lang.get(), kiosk.is_child()));

    // What the listen button reads: the question, then each choice.
    let spoken = Signal::derive(move || {
        let lang = lang.get();
        let child = kiosk.is_child();
        shown.with_value(|q| {
            let mut lines = vec![wording(&q.text, &q.child_text, lang, child)];
            match q.kind {
                QuestionKind::Scale4 => {
                    lines.extend((1..=4).map(|level| scale_label(lang, level).to_string()));
                    lines.push(texts(lang).rather_not.to_string());
                }
                QuestionKind::Single | QuestionKind::Multi => {
                    lines.extend(q.choices.iter().map(|c| wording(&c.text, &c.child_text, lang, child)));
                }
            }
            lines
        })
    });

    // The recordings of those lines, by key.
    let spoken_keys = Signal::derive(move || {
        let (lang, child) = (lang.get(), kiosk.is_child());
        shown.with_value(|q| voice_prompts::question_screen_keys(q, lang, child))
    });

    let is_multi = question.kind == QuestionKind::Multi;
    let answers = match question.kind {
        QuestionKind::Scale4 => EitherOf3::A(scale_answers(kiosk, key)),
        QuestionKind::Single => EitherOf3::B(single_answers(kiosk, key, question)),
        QuestionKind::Multi => EitherOf3::C(multi_answers(kiosk, key, question)),
    };

    Some(view! {
        <section class="screen screen-question" data-question=key.get_value()>
            <div class="survey-top">
                <div class="progress">
                    <p class="progress-text">{move || i18n::progress(lang.get(), index + 1, total)}</p>
                    <div class="progress-track" aria-hidden="true">
                        <div class="progress-fill" style=format!("width: {percent}%")></div>
                    </div>
                </div>
                <ListenButton lang voices=kiosk.voices keys=spoken_keys lines=spoken autoplay=true/>
                <button type="button" class="button quiet exit" on:click=kiosk.on_tap(move || kiosk.welcome_next_visitor())>
                    <ExitIcon/>
                    <span>{kiosk.text(|t| t.exit)}</span>
                </button>
            </div>
            <h1 id="question-title" class="question-title" tabindex="-1" node_ref=kiosk.heading>
                {title}
            </h1>
            {answers}
            <div class="survey-nav">
                <button type="button" class="button quiet back" on:click=kiosk.on_tap(move || kiosk.back())>
                    <BackIcon/>
                    <span>{kiosk.text(|t| t.back)}</span>
                </button>
                <button
                    type="button"
                    class="button quiet skip"
                    on:click=kiosk.on_tap(move || key.with_value(|k| kiosk.skip(k)))
                >
                    <span>{kiosk.text(|t| t.skip)}</span>
                    <SkipIcon/>
                </button>
                {is_multi.then(|| view! {
                    <button type="button" class="button primary next" on:click=kiosk.on_tap(move || kiosk.advance())>
                        <span>{kiosk.text(|t| t.next)}</span>
                        <NextIcon/>
                    </button>
                })}
            </div>
        </section>
    })
}

/// Whether the answer to `key` is `value`, as `aria-pressed` wants it.
pub(super) fn pressed(
    kiosk: Kiosk,
    key: StoredValue<String>,
    is: impl Fn(&AnswerValue) -> bool + Send + Sync + 'static,
) -> impl Fn() -> &'static str {
    move || {
        let on = key.with_value(|k| kiosk.answers.with(|a| a.get(k).is_some_and(&is)));
        if on {
            "true"
        } else {
            "false"
        }
    }
}

pub(super) fn scale_answers(kiosk: Kiosk, key: StoredValue<String>) -> impl IntoView {
    let lang = kiosk.lang;
    let faces = Score::ALL
        .into_iter()
        .map(|score| {
            let level = score.get();
            let value = AnswerValue::Scale(ScaleValue::Score(score));
            view! {
                <button
                    type="button"
                    class=format!("answer face-answer level-{level}")
                    data-value=level
                    aria-pressed=pressed(kiosk, key, move |a| *a == AnswerValue::Scale(ScaleValue::Score(score)))
                    on:click=kiosk.on_tap(move || key.with_value(|k| kiosk.answer_and_advance(k, value.clone())))
                >
                    // A child sees positive and neutral faces only.
                    {move || {
                        let gentle = kiosk.is_child();
                        view! { <Face level gentle/> }
                    }}
                    <span class="answer-label">{move || scale_label(lang.get(), level)}</span>
                    <CheckIcon/>
                </button>
            }
        })
        .collect_view();
    let rather_not = AnswerValue::Scale(ScaleValue::RatherNot);
    view! {
        <div class="answers scale" role="group" aria-labelledby="question-title">
            <div class="faces">{faces}</div>
            <button
                type="button"
                class="answer rather-not"
                data-value=domain::RATHER_NOT
                aria-pressed=pressed(kiosk, key, |a| *a == AnswerValue::Scale(ScaleValue::RatherNot))
                on:click=kiosk.on_tap(move || key.with_value(|k| kiosk.answer_and_advance(k, rather_not.clone())))
            >
                <span class="answer-label">{kiosk.text(|t| t.rather_not)}</span>
                <CheckIcon/>
            </button>
        </div>
    }
}

pub(super) fn single_answers(kiosk: Kiosk, key: StoredValue<String>, question: Question) -> impl IntoView {
    let lang = kiosk.lang;
    let count = question.choices.len();
    let choices = question
        .choices
        .into_iter()
        // A choice whose key is malformed cannot be answered (the server would refuse it).
        .filter_map(|choice| Some((ChoiceKey::parse(&choice.key).ok()?, choice)))
        .map(|(choice_key, choice)| {
            let is = choice_key.clone();
            let (text, child_text) = (choice.text, choice.child_text);
            let answer = AnswerValue::Choice(choice_key.clone());
            view! {
                <button
                    type="button"
                    class="answer choice"
                    data-value=choice.key
                    aria-pressed=pressed(kiosk, key, move |a| matches!(a, AnswerValue::Choice(c) if *c == is))
                    on:click=kiosk.on_tap(move || key.with_value(|k| kiosk.answer_and_advance(k, answer.clone())))
                >
                    <span class="answer-label">{move || wording(&text, &child_text, lang.get(), kiosk.is_child())}</span>
                    <CheckIcon/>
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="answers choices" class:few=count <= 3 role="group" aria-labelledby="question-title">
            {choices}
        </div>
    }
}

pub(super) fn multi_answers(kiosk: Kiosk, key: StoredValue<String>, question: Question) -> impl IntoView {
    let lang = kiosk.lang;
    let choices = question
        .choices
        .into_iter()
        // A choice whose key is malformed cannot be answered (the server would refuse it).
        .filter_map(|choice| Some((ChoiceKey::parse(&choice.key).ok()?, choice)))
        .map(|(choice_key, choice)| {
            let choice_key = StoredValue::new(choice_key);
            let (text, child_text) = (choice.text, choice.child_text);
            view! {
                <button
                    type="button"
                    class="answer choice toggle"
                    data-value=choice.key
                    aria-pressed=pressed(kiosk, key, move |a| {
                        matches!(a, AnswerValue::Choices(cs) if choice_key.with_value(|c| cs.contains(c.as_ref())))
                    })
                    on:click=kiosk.on_tap(move || key.with_value(|k| choice_key.with_value(|c| kiosk.toggle_choice(k, c))))
                >
                    <span class="box" aria-hidden="true"><CheckIcon/></span>
                    <span class="answer-label">{move || wording(&text, &child_text, lang.get(), kiosk.is_child())}</span>
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="answers multi">
            <p class="hint">{kiosk.text(|t| t.choose_any)}</p>
            <div class="choices" role="group" aria-labelledby="question-title">{choices}</div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{Choice, Texts};

    fn question(key: &str, profile: bool) -> Question {
        Question {
            key: key.into(),
            kind: QuestionKind::Single,
            choices: vec![Choice { key: "a".into(), text: Texts::new(), child_text: Texts::new() }],
            text: Texts::new(),
            child_text: Texts::new(),
            in_index: !profile,
            profile,
            observable: profile,
        }
    }

    #[test]
    fn the_profile_items_are_asked_first_then_the_care_questions_in_order() {
        let questions = [
            question("respect", false),
            question("believed", false),
            question("respondent", true),
            question("age_band", true),
        ];
        let keys: Vec<&str> = asked_order(&questions).into_iter().map(|i| questions[i].key.as_str()).collect();
        assert_eq!(keys, ["respondent", "age_band", "respect", "believed"]);
    }

    #[test]
    fn a_child_is_recognised_by_either_profile_item() {
        let with = |key: &str, choice: &str| {
            BTreeMap::from([(key.to_string(), AnswerValue::Choice(ChoiceKey::parse(choice).unwrap()))])
        };
        assert!(is_child(&with("respondent", "child")));
        assert!(is_child(&with("age_band", "under-12")));
        assert!(is_child(&with("age_band", "12-17")));
        assert!(!is_child(&with("respondent", "self")));
        assert!(!is_child(&with("age_band", "18-plus")));
        assert!(!is_child(&BTreeMap::new()));
    }
}
