//! Reading a survey's texts, with one rule for every reader (the kiosk, the survey
//! preview, the dashboards, the exports): a text missing or blank in a language is read
//! in Spanish, the language every survey has.

use crate::{Language, Texts};

/// The text of `texts` in `lang`; in Spanish when it is missing or blank (only spaces)
/// in `lang`; empty when Spanish lacks it too.
pub fn text_in(texts: &Texts, lang: Language) -> String {
    present(texts, lang).or_else(|| present(texts, Language::Es)).unwrap_or_default().to_string()
}

/// The wording a visitor reads: the simpler child wording when she is a child and it
/// exists in her language, else the usual text ([`text_in`]).
pub fn wording(text: &Texts, child_text: &Texts, lang: Language, child: bool) -> String {
    match present(child_text, lang).filter(|_| child) {
        Some(t) => t.to_string(),
        None => text_in(text, lang),
    }
}

/// The text in `lang`, unless it is missing or blank.
fn present(texts: &Texts, lang: Language) -> Option<&str> {
    texts.get(&lang).map(String::as_str).filter(|t| !t.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(pairs: &[(Language, &str)]) -> Texts {
        pairs.iter().map(|(l, t)| (*l, t.to_string())).collect()
    }

    #[test]
    fn a_missing_or_blank_text_is_read_in_spanish() {
        let t = texts(&[
            (Language::Es, "¿Te trataron con respeto?"),
            (Language::En, "Were you treated with respect?"),
            (Language::Qu, "  "),
        ]);
        assert_eq!(text_in(&t, Language::En), "Were you treated with respect?");
        assert_eq!(text_in(&t, Language::Qu), "¿Te trataron con respeto?", "blank is missing");
        assert_eq!(text_in(&t, Language::Ay), "¿Te trataron con respeto?", "missing");
        assert_eq!(text_in(&texts(&[(Language::Es, " ")]), Language::En), "", "nothing to read");
    }

    #[test]
    fn a_child_reads_the_child_wording_where_there_is_one() {
        let text = texts(&[(Language::Es, "¿Te creyeron?"), (Language::En, "Were you believed?")]);
        let child = texts(&[(Language::Es, "¿Te creyeron lo que contaste?"), (Language::En, " ")]);
        assert_eq!(wording(&text, &child, Language::Es, true), "¿Te creyeron lo que contaste?");
        assert_eq!(wording(&text, &child, Language::Es, false), "¿Te creyeron?");
        assert_eq!(wording(&text, &child, Language::En, true), "Were you believed?", "blank child wording");
        assert_eq!(wording(&text, &texts(&[]), Language::En, true), "Were you believed?", "no child wording");
        assert_eq!(wording(&text, &child, Language::Qu, false), "¿Te creyeron?", "Spanish fallback");
    }
}
