//! What the kiosk reads aloud, prompt by prompt: each is a text a native speaker records
//! once (the admin console's "Voces"), under a key the kiosk plays it by. A screen plays
//! the recordings of its lines in order; the welcome and thank-you screens, the help line
//! and "¿Sigues ahí?" are one prompt each.
//!
//! Keys: `welcome`, `help`, `still_there`, `thanks`; `q:<question>` and, where the
//! question has a child wording in the language, `q:<question>:child`; `c:<question>:<choice>`
//! (and `:child`) for the choices of a single or multiple choice question; `scale:1` … `scale:4`
//! and `scale:rather_not` for the faces, the same on every face-scale question.

use crate::i18n::texts;
use domain::{Language, Question, QuestionKind, Survey, Texts};

pub const WELCOME: &str = "welcome";
pub const HELP: &str = "help";
pub const STILL_THERE: &str = "still_there";
pub const THANKS: &str = "thanks";

/// One text the kiosk reads aloud in one language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub key: String,
    /// The words, as the kiosk shows them (lines joined by newlines).
    pub text: String,
}

/// The text in `lang`, if there is one that is not blank (no fallback: a recording reads
/// its own language's words).
fn own(texts: &Texts, lang: Language) -> Option<&str> {
    texts.get(&lang).map(String::as_str).filter(|t| !t.trim().is_empty())
}

pub fn question_key(question: &str, child: bool) -> String {
    if child {
        format!("q:{question}:child")
    } else {
        format!("q:{question}")
    }
}

pub fn choice_key(question: &str, choice: &str, child: bool) -> String {
    if child {
        format!("c:{question}:{choice}:child")
    } else {
        format!("c:{question}:{choice}")
    }
}

/// The key of face `level` (1–4), or of "I'd rather not answer" (`None`).
pub fn scale_key(level: Option<u8>) -> String {
    match level {
        Some(level) => format!("scale:{level}"),
        None => "scale:rather_not".into(),
    }
}

/// The label of face `level`, 1 to 4.
pub fn scale_label(lang: Language, level: u8) -> &'static str {
    let t = texts(lang);
    match level {
        1 => t.very_bad,
        2 => t.bad,
        3 => t.good,
        _ => t.very_good,
    }
}

/// The welcome screen's lines, in reading order.
pub fn welcome_lines(lang: Language) -> Vec<String> {
    let t = texts(lang);
    [t.welcome_title, t.welcome_what, t.welcome_anonymous, t.welcome_skip, t.start].map(String::from).to_vec()
}

/// The thank-you screen's lines, in reading order.
pub fn thanks_lines(lang: Language) -> Vec<String> {
    let t = texts(lang);
    [t.thanks_title, t.thanks_sent, t.thanks_line_100, t.thanks_cem].map(String::from).to_vec()
}

/// "¿Sigues ahí?"'s lines.
pub fn still_there_lines(lang: Language) -> Vec<String> {
    let t = texts(lang);
    [t.still_there_title, t.still_there_text].map(String::from).to_vec()
}

/// Whether the kiosk shows `question` to a child in `lang` in its child wording.
fn child_wording(texts: &Texts, lang: Language, child: bool) -> bool {
    child && own(texts, lang).is_some()
}

/// A question screen's lines as keys, in reading order: the question, then each choice
/// (or face), each in the child wording where the kiosk shows that one.
pub fn question_screen_keys(question: &Question, lang: Language, child: bool) -> Vec<String> {
    let mut keys = vec![question_key(&question.key, child_wording(&question.child_text, lang, child))];
    match question.kind {
        QuestionKind::Scale4 => {
            keys.extend((1..=4).map(|level| scale_key(Some(level))));
            keys.push(scale_key(None));
        }
        QuestionKind::Single | QuestionKind::Multi => keys.extend(
            question
                .choices
                .iter()
                .map(|c| choice_key(&question.key, &c.key, child_wording(&c.child_text, lang, child))),
        ),
    }
    keys
}

/// Every prompt of `survey` in `lang`, in the order a visitor meets them. A question or
/// choice without its own text in `lang` has no prompt (there is nothing to read yet).
pub fn prompts(survey: &Survey, lang: Language) -> Vec<Prompt> {
    let prompt = |key: String, text: String| Prompt { key, text };
    let mut out =
        vec![prompt(WELCOME.into(), welcome_lines(lang).join("\n")), prompt(HELP.into(), texts(lang).help_line.into())];
    let mut faces = false;
    for q in &survey.questions {
        if let Some(text) = own(&q.text, lang) {
            out.push(prompt(question_key(&q.key, false), text.into()));
        }
        if let Some(text) = own(&q.child_text, lang) {
            out.push(prompt(question_key(&q.key, true), text.into()));
        }
        match q.kind {
            QuestionKind::Scale4 if !faces => {
                faces = true;
                out.extend((1..=4).map(|level| prompt(scale_key(Some(level)), scale_label(lang, level).into())));
                out.push(prompt(scale_key(None), texts(lang).rather_not.into()));
            }
            QuestionKind::Scale4 => {}
            QuestionKind::Single | QuestionKind::Multi => {
                for c in &q.choices {
                    if let Some(text) = own(&c.text, lang) {
                        out.push(prompt(choice_key(&q.key, &c.key, false), text.into()));
                    }
                    if let Some(text) = own(&c.child_text, lang) {
                        out.push(prompt(choice_key(&q.key, &c.key, true), text.into()));
                    }
                }
            }
        }
    }
    out.push(prompt(STILL_THERE.into(), still_there_lines(lang).join("\n")));
    out.push(prompt(THANKS.into(), thanks_lines(lang).join("\n")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Choice;

    fn texts(pairs: &[(Language, &str)]) -> Texts {
        pairs.iter().map(|(l, t)| (*l, t.to_string())).collect()
    }

    fn survey() -> Survey {
        let feel = Question {
            key: "feel".into(),
            kind: QuestionKind::Single,
            choices: vec![Choice {
                key: "safe".into(),
                text: texts(&[(Language::Es, "Segura"), (Language::Qu, "Mana manchakuspa")]),
                child_text: texts(&[(Language::Es, "Tranquila")]),
            }],
            text: texts(&[(Language::Es, "¿Cómo te sentiste?"), (Language::Qu, "¿Imaynataq kachkarqanki?")]),
            child_text: texts(&[(Language::Es, "¿Cómo estabas?")]),
            in_index: false,
            profile: false,
            observable: false,
        };
        let respect = Question {
            key: "respect".into(),
            kind: QuestionKind::Scale4,
            choices: vec![],
            text: texts(&[(Language::Es, "¿Te trataron con respeto?")]),
            child_text: Texts::new(),
            in_index: true,
            profile: false,
            observable: false,
        };
        let believed =
            Question { key: "believed".into(), text: texts(&[(Language::Es, "¿Te creyeron?")]), ..respect.clone() };
        Survey { version: 1, languages: vec![Language::Es, Language::Qu], questions: vec![feel, respect, believed] }
    }

    #[test]
    fn every_text_a_visitor_may_hear_is_a_prompt_once() {
        let keys = |lang| prompts(&survey(), lang).into_iter().map(|p| p.key).collect::<Vec<_>>();
        assert_eq!(
            keys(Language::Es),
            [
                "welcome",
                "help",
                "q:feel",
                "q:feel:child",
                "c:feel:safe",
                "c:feel:safe:child",
                "q:respect",
                "scale:1",
                "scale:2",
                "scale:3",
                "scale:4",
                "scale:rather_not",
                "q:believed",
                "still_there",
                "thanks"
            ]
        );
        // Quechua has no child wording and no text for the face-scale questions yet: nothing
        // to record there, but the faces' labels (the kiosk's own words) are.
        assert_eq!(
            keys(Language::Qu),
            [
                "welcome",
                "help",
                "q:feel",
                "c:feel:safe",
                "scale:1",
                "scale:2",
                "scale:3",
                "scale:4",
                "scale:rather_not",
                "still_there",
                "thanks"
            ]
        );
        let es = prompts(&survey(), Language::Es);
        assert_eq!(es[2].text, "¿Cómo te sentiste?");
        assert_eq!(es[0].text, welcome_lines(Language::Es).join("\n"));
    }

    #[test]
    fn a_child_hears_the_child_wording_where_her_language_has_one() {
        let feel = &survey().questions[0];
        assert_eq!(question_screen_keys(feel, Language::Es, true), ["q:feel:child", "c:feel:safe:child"]);
        assert_eq!(question_screen_keys(feel, Language::Es, false), ["q:feel", "c:feel:safe"]);
        assert_eq!(
            question_screen_keys(feel, Language::Qu, true),
            ["q:feel", "c:feel:safe"],
            "no child wording in Quechua"
        );
        let respect = &survey().questions[1];
        assert_eq!(
            question_screen_keys(respect, Language::Es, true),
            ["q:respect", "scale:1", "scale:2", "scale:3", "scale:4", "scale:rather_not"]
        );
    }
}
