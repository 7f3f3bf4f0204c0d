//! What the translations page posts: the changed cells of the draft that a button saves,
//! and a language offered to visitors or no longer.

use super::cells::{cell_label, cells, names, stored, stored_cell};
use super::page::{render, Overlay};
use crate::web::admin::lang_of;
use crate::web::admin_survey::{draft_or_refusal, language_name, language_refusal, published_refusal, wording_error};
use crate::web::kit::{Admin, CheckedForm, PageResult, Pairs};
use crate::web::layout::Lang;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::{Language, ReviewState, Wording};
use std::collections::BTreeMap;
use store::audit::Entry;
use store::survey::{Edit, TextWrite};
use store::Surveys;

/// One cell as typed: `None` when the form holds none of its fields.
struct TypedCell {
    text: String,
    child: String,
    review: ReviewState,
}

/// Reads a cell of the form (a field left out keeps its stored value), with its errors.
fn read_cell(
    lang: Lang,
    fields: &BTreeMap<String, String>,
    errors: &mut BTreeMap<String, String>,
    [tn, cn, rn]: &[String; 3],
    (text, child, review): &(String, String, ReviewState),
) -> Option<TypedCell> {
    if ![tn, cn, rn].iter().any(|n| fields.contains_key(*n)) {
        return None;
    }
    let mut wording = |name: &String, stored: &String| match fields.get(name) {
        None => stored.clone(),
        Some(typed) => match Wording::parse(typed) {
            Ok(w) => w.map(|w| w.as_ref().to_string()).unwrap_or_default(),
            Err(e) => {
                errors.insert(name.clone(), wording_error(lang, &e));
                stored.clone()
            }
        },
    };
    let text = wording(tn, text);
    let child = wording(cn, child);
    let review = match fields.get(rn) {
        None => *review,
        Some(r) => ReviewState::parse(r).unwrap_or_else(|_| {
            errors.insert(rn.clone(), lang.t("Elige un estado de revisión.", "Choose a review state.").into());
            *review
        }),
    };
    Some(TypedCell { text, child, review })
}

/// What a save button asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Scope {
    All,
    Column(Language),
    Cell(String, String, Language),
}

impl Scope {
    /// `all` (or nothing), `column:<lang>` or `cell:<question>:<choice>:<lang>`.
    fn parse(s: Option<&str>) -> Option<Scope> {
        match s {
            None | Some("all") => Some(Scope::All),
            Some(s) => {
                if let Some(code) = s.strip_prefix("column:") {
                    return Language::parse(code).ok().map(Scope::Column);
                }
                let (cell, code) = s.strip_prefix("cell:")?.rsplit_once(':')?;
                let (q, c) = cell.split_once(':')?;
                Some(Scope::Cell(q.to_string(), c.to_string(), Language::parse(code).ok()?))
            }
        }
    }

    fn covers(&self, q: &str, c: &str, l: Language) -> bool {
        match self {
            Scope::All => true,
            Scope::Column(col) => *col == l,
            Scope::Cell(cq, cc, cl) => cq == q && cc == c && *cl == l,
        }
    }
}

/// Saves the changed cells of the draft that the button asked for (every cell, a column
/// or one cell); writes one `translation.edit` line per language with what changed.
pub async fn save_texts(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
    CheckedForm(fields): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let fields = fields.into_map();
    let survey = draft_or_refusal(&state, &staff, lang, &version).await?;
    let v = survey.version;
    let stored = stored(Surveys::text_rows(&state.db, v).await?);
    let all: Vec<(String, String, Language)> = cells(&survey)
        .into_iter()
        .flat_map(|(q, c)| Language::ALL.into_iter().map(move |l| (q.clone(), c.clone(), l)))
        .collect();
    let save = fields.get("save").map(String::as_str);
    let scope = match Scope::parse(save) {
        Some(Scope::Cell(q, c, l)) if !all.contains(&(q.clone(), c.clone(), l)) => None,
        other => other,
    };
    let Some(scope) = scope else {
        let overlay = Overlay {
            typed: Some(fields.clone()),
            page_errors: vec![match lang {
                Lang::Es => format!("El borrador no tiene «{}»: no se guardó nada.", save.unwrap_or_default()),
                Lang::En => format!("The draft has no “{}”: nothing was saved.", save.unwrap_or_default()),
            }],
            ..Default::default()
        };
        return render(&state, &staff, lang, overlay, StatusCode::UNPROCESSABLE_ENTITY).await;
    };

    let mut errors = BTreeMap::new();
    let mut writes = Vec::new();
    let mut changes: BTreeMap<Language, Vec<String>> = BTreeMap::new();
    let mut unsaved = false;
    for (q, c, l) in &all {
        let names = names(q, c, *l);
        let before = stored_cell(&stored, q, c, *l);
        let mut cell_errors = BTreeMap::new();
        let Some(typed) = read_cell(lang, &fields, &mut cell_errors, &names, &before) else { continue };
        let exists = stored.contains_key(&(q.clone(), c.clone(), *l));
        let blank = typed.text.is_empty() && typed.child.is_empty();
        let same = typed.text == before.0 && typed.child == before.1 && typed.review == before.2;
        // Blanking a text that does not exist changes nothing.
        let changed = !same && (exists || !blank);
        if !scope.covers(q, c, *l) {
            // Typed but not asked to be saved: kept on screen, not written.
            unsaved |= changed;
            continue;
        }
        errors.extend(cell_errors);
        if !changed {
            continue;
        }
        let mut what = Vec::new();
        if blank {
            what.push("removed".to_string());
        } else {
            if typed.text != before.0 {
                what.push("text".to_string());
            }
            if typed.child != before.1 {
                what.push("child text".to_string());
            }
            if typed.review != before.2 {
                what.push(format!("review {} → {}", before.2.code(), typed.review.code()));
            }
        }
        changes.entry(*l).or_default().push(format!("{}: {}", cell_label(q, c), what.join(", ")));
        writes.push(TextWrite {
            question_key: q.clone(),
            choice_key: c.clone(),
            language: *l,
            text: typed.text,
            child_text: typed.child,
            review: typed.review,
        });
    }
    if !errors.is_empty() {
        let overlay = Overlay {
            typed: Some(fields),
            errors,
            page_errors: vec![lang
                .t("No se guardó nada: revisa los campos marcados.", "Nothing was saved: check the marked fields.")
                .into()],
            ..Default::default()
        };
        return render(&state, &staff, lang, overlay, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let audit: Vec<Entry> = changes
        .iter()
        .map(|(l, what)| Entry::new(&staff.user.email, "translation.edit", format!("v{v}/{l}"), what.join("; ")))
        .collect();
    match Surveys::write_texts(&state.db, v, &writes, &audit).await? {
        Edit::Done => {}
        Edit::Published => return Ok(published_refusal(lang, &staff, v)),
        _ => return Ok(crate::web::admin_survey::no_such_version(lang, &staff, &version)),
    }
    if unsaved {
        let saved = match &scope {
            Scope::All => String::new(),
            Scope::Column(l) => language_name(*l),
            Scope::Cell(q, c, l) => format!("{} ({})", cell_label(q, c), language_name(*l)),
        };
        let overlay = Overlay {
            typed: Some(fields),
            notice: Some(match lang {
                Lang::Es => format!(
                    "Se guardó {saved}. Otros cambios escritos aún no se guardaron: siguen aquí; usa «Guardar todos los cambios»."
                ),
                Lang::En => format!(
                    "{saved} was saved. Other changes you typed are not saved yet: they are still here; use “Save every change”."
                ),
            }),
            ..Default::default()
        };
        return render(&state, &staff, lang, overlay, StatusCode::OK).await;
    }
    Ok(Redirect::to(&format!("/admin/translations?lang={}#translations", lang.code())).into_response())
}

/// Offers a language to visitors or stops offering it (`change=enable:qu`).
pub async fn change_languages(
    State(state): State<AppState>,
    Admin(staff): Admin,
    RawQuery(raw): RawQuery,
    CheckedForm(fields): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let fields = fields.into_map();
    let requested = fields.get("change").and_then(|c| c.split_once(':')).and_then(|(what, code)| {
        let offer = match what {
            "enable" => true,
            "disable" => false,
            _ => return None,
        };
        Language::parse(code).ok().map(|l| (l, offer))
    });
    let Some((language, offer)) = requested else {
        let overlay = Overlay {
            page_errors: vec![lang
                .t("Elige qué idioma ofrecer o dejar de ofrecer.", "Choose which language to offer or stop offering.")
                .into()],
            ..Default::default()
        };
        return render(&state, &staff, lang, overlay, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let outcome = store::Surveys::offer_language(&state.db, language, offer, &staff.user.email).await?;
    if let Some(refusal) = language_refusal(lang, language, &outcome) {
        let overlay = Overlay { page_errors: vec![refusal], ..Default::default() };
        return render(&state, &staff, lang, overlay, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    Ok(Redirect::to(&format!("/admin/translations?lang={}#languages", lang.code())).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_buttons_name_what_they_save() {
        assert_eq!(Scope::parse(None), Some(Scope::All));
        assert_eq!(Scope::parse(Some("column:qu")), Some(Scope::Column(Language::Qu)));
        assert_eq!(
            Scope::parse(Some("cell:respect::qu")),
            Some(Scope::Cell("respect".into(), String::new(), Language::Qu))
        );
        assert_eq!(
            Scope::parse(Some("cell:waiting_time:15-30:ay")),
            Some(Scope::Cell("waiting_time".into(), "15-30".into(), Language::Ay))
        );
        for bad in ["column:fr", "cell:respect", "row:1", "cell:respect::xx"] {
            assert_eq!(Scope::parse(Some(bad)), None, "{bad}");
        }
    }

    #[test]
    fn a_cell_left_out_of_the_form_is_not_read() {
        let mut errors = BTreeMap::new();
        let stored = ("Arí".to_string(), "Arí".to_string(), ReviewState::MachineDraft);
        let names = names("respect", "", Language::Qu);
        assert_eq!(names[0], "text:respect::qu");
        assert!(read_cell(Lang::Es, &BTreeMap::new(), &mut errors, &names, &stored).is_none());
        let fields = BTreeMap::from([(names[2].clone(), "reviewed".to_string())]);
        let cell = read_cell(Lang::Es, &fields, &mut errors, &names, &stored).unwrap();
        assert_eq!(
            (cell.text.as_str(), cell.review),
            ("Arí", ReviewState::Reviewed),
            "a missing field keeps its value"
        );
        let fields = BTreeMap::from([(names[2].clone(), "done".to_string())]);
        read_cell(Lang::Es, &fields, &mut errors, &names, &stored);
        assert!(errors.contains_key("review:respect::qu"));
    }
}
