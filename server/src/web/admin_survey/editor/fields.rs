//! A question form's fields read into a change of the draft, or the errors by field.

use super::{text_of, yes_no};
use crate::web::admin_survey::{key_error, kind_label, wording_error};
use crate::web::layout::Lang;
use domain::{ChoiceKey, Language, Question, QuestionKind, ReviewState, Wording};
use std::collections::BTreeMap;
use store::survey::{QuestionChange, TextWrite};

/// Reads the text and child wording named `text_name` and `child_name` (a field left out
/// keeps its current value): `Some` when either changed.
fn read_wordings(
    lang: Lang,
    fields: &BTreeMap<String, String>,
    errors: &mut BTreeMap<String, String>,
    (text_name, child_name): (String, String),
    (text, child): (String, String),
) -> Option<(String, String)> {
    let mut read = |name: String, current: &str| -> String {
        match fields.get(&name) {
            None => current.to_string(),
            Some(typed) => match Wording::parse(typed) {
                Ok(w) => w.map(|w| w.as_ref().to_string()).unwrap_or_default(),
                Err(e) => {
                    errors.insert(name, wording_error(lang, &e));
                    current.to_string()
                }
            },
        }
    };
    let new_text = read(text_name, &text);
    let new_child = read(child_name, &child);
    (new_text != text || new_child != child).then_some((new_text, new_child))
}

/// Why a question of `kind` cannot be marked observable, if it cannot: a release
/// withholds only the answer to a one-choice question (the exports code it "not
/// recorded"); a withheld face or set of choices would read as an answer.
pub(super) fn observable_error(lang: Lang, kind: QuestionKind, observable: bool) -> Option<String> {
    (observable && kind != QuestionKind::Single).then(|| {
        lang.t(
            "Solo una pregunta de una opción se retiene en las publicaciones: desmarca «Visible para el personal» o elige «Una opción».",
            "Only a one-choice question is withheld in releases: untick “Staff could see it” or choose “One choice”.",
        )
        .into()
    })
}

/// A question's form as a change of the draft and a list of what changed, or the errors
/// by field. `history` is how the key is answered in published versions.
pub(crate) fn validate_question(
    lang: Lang,
    q: &Question,
    history: &[(i64, QuestionKind)],
    fields: &BTreeMap<String, String>,
) -> Result<(QuestionChange, Vec<String>), BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let mut changes = Vec::new();
    let mut texts = Vec::new();
    let get = |name: &str| fields.get(name).map(|s| s.trim().to_string());

    let kind = match QuestionKind::parse(&get("kind").unwrap_or_default()) {
        Ok(k) => k,
        Err(_) => {
            errors.insert("kind".into(), lang.t("Elige cómo se responde.", "Choose how it is answered.").into());
            q.kind
        }
    };
    if kind != q.kind {
        if q.profile {
            errors.insert(
                "kind".into(),
                lang.t(
                    "Un dato de perfil se responde siempre con una opción.",
                    "A profile item is always answered with one choice.",
                )
                .into(),
            );
        } else if let Some((v, before)) = history.iter().find(|(_, k)| *k != kind) {
            errors.insert(
                "kind".into(),
                match lang {
                    Lang::Es => format!(
                        "En la versión {v}, «{}» se responde con «{}»: una clave significa lo mismo en todas las versiones, para que los paneles y las exportaciones no mezclen respuestas distintas. Para preguntarlo de otro modo, añade una pregunta con otra clave y quita esta.",
                        q.key,
                        kind_label(lang, *before)
                    ),
                    Lang::En => format!(
                        "In version {v}, “{}” is answered with “{}”: a key means the same in every version, so that dashboards and exports never mix different answers. To ask it another way, add a question with another key and remove this one.",
                        q.key,
                        kind_label(lang, *before)
                    ),
                },
            );
        }
        changes.push(format!("kind {} → {}", q.kind.code(), kind.code()));
    }
    let in_index = fields.contains_key("in_index");
    if in_index && kind != QuestionKind::Scale4 {
        errors.insert(
            "in_index".into(),
            lang.t(
                "Solo una escala de caras cuenta para el índice de dignidad.",
                "Only a face scale counts toward the dignity index.",
            )
            .into(),
        );
    }
    if in_index != q.in_index {
        changes.push(format!("in_index {} → {}", yes_no(q.in_index), yes_no(in_index)));
    }
    let observable = fields.contains_key("observable");
    if let Some(e) = observable_error(lang, kind, observable) {
        errors.insert("observable".into(), e);
    }
    if observable != q.observable {
        changes.push(format!("observable {} → {}", yes_no(q.observable), yes_no(observable)));
    }

    let mut text_change =
        |choice: &str, l: Language, (text, child_text): (String, String), changes: &mut Vec<String>| {
            changes.push(match choice {
                "" => format!("text {l}"),
                c => format!("choice {c} text {l}"),
            });
            texts.push(TextWrite {
                question_key: q.key.clone(),
                choice_key: choice.to_string(),
                language: l,
                text,
                child_text,
                review: ReviewState::NeedsReview,
            });
        };
    for l in Language::ALL {
        let names = (format!("text:{l}"), format!("child:{l}"));
        if let Some(new) =
            read_wordings(lang, fields, &mut errors, names, (text_of(&q.text, l), text_of(&q.child_text, l)))
        {
            text_change("", l, new, &mut changes);
        }
    }

    let mut kept: Vec<(i64, usize, String)> = Vec::new();
    for (i, c) in q.choices.iter().enumerate() {
        let remove = format!("choice:{}:remove", c.key);
        if fields.contains_key(&remove) {
            if q.profile {
                errors.insert(
                    remove,
                    lang.t(
                        "Las opciones de un dato de perfil no se quitan.",
                        "A profile item's choices cannot be removed.",
                    )
                    .into(),
                );
            } else {
                changes.push(format!("choice {} removed", c.key));
                continue;
            }
        }
        let position_name = format!("choice:{}:position", c.key);
        let position = match get(&position_name).as_deref() {
            None | Some("") => i as i64 + 1,
            Some(s) => match s.parse::<i64>() {
                Ok(n) if (1..=99).contains(&n) => n,
                _ => {
                    errors.insert(
                        position_name,
                        lang.t("Escribe un número del 1 al 99.", "Type a number from 1 to 99.").into(),
                    );
                    i as i64 + 1
                }
            },
        };
        kept.push((position, i, c.key.clone()));
        for l in Language::ALL {
            let prefix = format!("choice:{}:", c.key);
            let names = (format!("{prefix}text:{l}"), format!("{prefix}child:{l}"));
            let current = (text_of(&c.text, l), text_of(&c.child_text, l));
            if let Some(new) = read_wordings(lang, fields, &mut errors, names, current) {
                text_change(&c.key, l, new, &mut changes);
            }
        }
    }
    let before: Vec<String> = kept.iter().map(|(_, _, k)| k.clone()).collect();
    kept.sort();
    let mut order: Vec<String> = kept.into_iter().map(|(_, _, k)| k).collect();
    if order != before {
        changes.push(format!("choice order {}", order.join(", ")));
    }

    let new_key = get("new_choice").unwrap_or_default();
    let new_labels_typed = Language::ALL.into_iter().any(|l| {
        [format!("new_choice:text:{l}"), format!("new_choice:child:{l}")]
            .iter()
            .any(|n| fields.get(n).is_some_and(|v| !v.trim().is_empty()))
    });
    if !new_key.is_empty() || new_labels_typed {
        let parsed = match ChoiceKey::parse(&new_key) {
            Err(e) => Err(key_error(lang, &e)),
            Ok(_) if q.profile => Err(lang
                .t("Las opciones de un dato de perfil no cambian.", "A profile item's choices do not change.")
                .to_string()),
            Ok(k) if q.choices.iter().any(|c| c.key == k.as_ref()) => Err(match lang {
                Lang::Es => format!("Ya hay una opción «{k}»."),
                Lang::En => format!("There is already a choice “{k}”."),
            }),
            Ok(k) => Ok(k),
        };
        match parsed {
            Err(e) => {
                errors.insert("new_choice".into(), e);
            }
            Ok(k) => {
                changes.push(format!("choice {k} added"));
                for l in Language::ALL {
                    let names = (format!("new_choice:text:{l}"), format!("new_choice:child:{l}"));
                    if let Some(new) = read_wordings(lang, fields, &mut errors, names, (String::new(), String::new())) {
                        text_change(k.as_ref(), l, new, &mut Vec::new());
                    }
                }
                order.push(k.to_string());
            }
        }
    }
    if kind == QuestionKind::Scale4 && !order.is_empty() {
        errors.entry("kind".into()).or_insert_with(|| {
            lang.t(
                "Una escala de caras no tiene opciones: marca «Quitar esta opción» en cada una, o elige «Una opción» o «Varias opciones».",
                "A face scale has no choices: tick “Remove this choice” on each, or choose “One choice” or “Several choices”.",
            )
            .into()
        });
    }
    if errors.is_empty() {
        Ok((QuestionChange { kind, in_index, observable, choices: order, texts }, changes))
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Texts;

    fn question() -> Question {
        let es = |s: &str| Texts::from([(Language::Es, s.to_string())]);
        Question {
            key: "wait".into(),
            kind: QuestionKind::Single,
            choices: vec![
                domain::Choice { key: "short".into(), text: es("Poco"), child_text: es("Poquito") },
                domain::Choice { key: "long".into(), text: es("Mucho"), child_text: es("Muchísimo") },
            ],
            text: es("¿Esperaste?"),
            child_text: es("¿Esperaste mucho?"),
            in_index: false,
            profile: false,
            observable: true,
        }
    }

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn an_unchanged_form_changes_nothing() {
        let (change, changes) =
            validate_question(Lang::Es, &question(), &[], &form(&[("kind", "single"), ("observable", "1")])).unwrap();
        assert!(changes.is_empty(), "{changes:?}");
        assert!(change.texts.is_empty());
        assert_eq!(change.choices, ["short", "long"]);
        assert!(change.observable);
    }

    #[test]
    fn the_observable_mark_is_ticked_or_unticked() {
        let (change, changes) = validate_question(Lang::Es, &question(), &[], &form(&[("kind", "single")])).unwrap();
        assert!(!change.observable);
        assert_eq!(changes, ["observable yes → no"]);
        let hidden = Question { observable: false, ..question() };
        let (change, changes) =
            validate_question(Lang::Es, &hidden, &[], &form(&[("kind", "single"), ("observable", "1")])).unwrap();
        assert!(change.observable);
        assert_eq!(changes, ["observable no → yes"]);
    }

    #[test]
    fn texts_choices_and_order_change_together() {
        let fields = form(&[
            ("kind", "multi"),
            ("text:qu", "  ¿Suyarqankichu? "),
            ("choice:short:position", "2"),
            ("choice:long:position", "1"),
            ("new_choice", "none"),
            ("new_choice:text:es", "Nada"),
        ]);
        let (change, changes) = validate_question(Lang::Es, &question(), &[], &fields).unwrap();
        assert_eq!(change.kind, QuestionKind::Multi);
        assert_eq!(change.choices, ["long", "short", "none"]);
        assert_eq!(change.texts.len(), 2);
        assert_eq!(change.texts[0].text, "¿Suyarqankichu?");
        assert_eq!(change.texts[0].review, ReviewState::NeedsReview);
        assert_eq!(
            changes,
            ["kind single → multi", "observable yes → no", "text qu", "choice order long, short", "choice none added"]
        );
    }

    /// (case, form fields, the field at fault, how the key is answered in published versions)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str, &'a [(i64, QuestionKind)]);

    #[test]
    fn refusals_name_their_field() {
        let cases: [Case; 8] = [
            ("unknown kind", &[("kind", "stars")], "kind", &[]),
            ("index on a choice question", &[("kind", "single"), ("in_index", "1")], "in_index", &[]),
            ("control character", &[("kind", "single"), ("text:es", "a\u{7}b")], "text:es", &[]),
            ("bad position", &[("kind", "single"), ("choice:long:position", "0")], "choice:long:position", &[]),
            ("bad choice key", &[("kind", "single"), ("new_choice", "Largo")], "new_choice", &[]),
            ("face scale with choices", &[("kind", "scale4")], "kind", &[]),
            ("observable with several choices", &[("kind", "multi"), ("observable", "1")], "observable", &[]),
            ("kind differs from a published version", &[("kind", "multi")], "kind", &[(1, QuestionKind::Single)]),
        ];
        for (case, pairs, field, history) in cases {
            let errors = validate_question(Lang::En, &question(), history, &form(pairs)).expect_err(case);
            assert!(errors.contains_key(field), "{case}: {errors:?}");
        }
    }
}
