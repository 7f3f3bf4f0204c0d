//! `/admin/translations`: every text of the draft side by side in es | qu | ay | en
//! (`#translations`), each cell editable with its review state; or, without a draft,
//! the current published version read-only with a button to start a draft. Below, the
//! languages offered to visitors (`#languages`).
//!
//! The table is one form, `#translations-form`, posted to `/admin/translations/<version>`.
//! A cell's fields are `text:<question>:<choice>:<lang>`, `child:<question>:<choice>:<lang>`
//! and `review:<question>:<choice>:<lang>`, where `<choice>` is empty for the question's
//! own text (so `text:respect::qu` is the Quechua text of "respect"). The submit button
//! says what to save: `save=all` (the first button: every changed cell),
//! `save=column:<lang>` (a column's changed cells) or `save=cell:<question>:<choice>:<lang>`
//! (one cell). Changes typed outside what was saved stay on screen.

use super::{draft_or_refusal, language_name, language_refusal, published_refusal, review_label, wording_error};
use crate::web::admin::{admin_nav, lang_of};
use crate::web::kit::{Admin, CheckedForm, PageResult, Pairs};
use crate::web::layout::{form_errors, page, Lang};
use crate::web::session::Staff;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::{Language, ReviewState, Survey, Wording};
use leptos::prelude::*;
use std::collections::BTreeMap;
use store_sqlite::audit;
use store_sqlite::survey::{self as store, Edit, TextRow, TextWrite};

/// What a re-rendered page shows besides the stored texts.
#[derive(Default)]
struct Overlay {
    /// The table as it was posted.
    typed: Option<BTreeMap<String, String>>,
    /// Errors by field name.
    errors: BTreeMap<String, String>,
    /// Errors at the top of the page.
    page_errors: Vec<String>,
    notice: Option<String>,
}

/// Every text of a version in survey order: (question, choice), choice '' for the question.
fn cells(survey: &Survey) -> Vec<(String, String)> {
    survey
        .questions
        .iter()
        .flat_map(|q| {
            std::iter::once((q.key.clone(), String::new()))
                .chain(q.choices.iter().map(|c| (q.key.clone(), c.key.clone())))
        })
        .collect()
}

type Stored = BTreeMap<(String, String, Language), TextRow>;

fn stored(rows: Vec<TextRow>) -> Stored {
    rows.into_iter().map(|r| ((r.question_key.clone(), r.choice_key.clone(), r.language), r)).collect()
}

/// A cell's (text, child text, review) as stored; a missing text is blank and needs review.
fn stored_cell(stored: &Stored, q: &str, c: &str, l: Language) -> (String, String, ReviewState) {
    match stored.get(&(q.to_string(), c.to_string(), l)) {
        Some(r) => (r.text.clone(), r.child_text.clone(), r.review),
        None => (String::new(), String::new(), ReviewState::NeedsReview),
    }
}

fn names(q: &str, c: &str, l: Language) -> [String; 3] {
    let base = format!("{q}:{c}:{l}");
    [format!("text:{base}"), format!("child:{base}"), format!("review:{base}")]
}

fn cell_label(q: &str, c: &str) -> String {
    if c.is_empty() {
        q.to_string()
    } else {
        format!("{q} › {c}")
    }
}

fn id_of(name: &str) -> String {
    format!("tr-{}", name.replace(':', "-"))
}

async fn render(state: &AppState, staff: &Staff, lang: Lang, overlay: Overlay, status: StatusCode) -> PageResult {
    let pool = &state.pool;
    let l = lang.code();
    let loaded = async {
        let draft = store::draft_version(pool).await?;
        let current = store::current_version(pool).await?;
        let shown = draft.or(current);
        let survey = match shown {
            Some(v) => store::load_any(pool, v).await?,
            None => None,
        };
        let rows = match shown {
            Some(v) => store::text_rows(pool, v).await?,
            None => Vec::new(),
        };
        let published = match current {
            Some(v) => store::load(pool, v).await?,
            None => None,
        };
        let mut unreviewed = BTreeMap::new();
        for language in Language::ALL {
            unreviewed.insert(language, store::texts_needing_review(pool, current.unwrap_or(0), language).await?);
        }
        let enabled = store::enabled_languages(pool).await?;
        Ok::<_, store_sqlite::Error>((draft, current, survey, rows, published, unreviewed, enabled))
    };
    let (draft, current, survey, rows, published, unreviewed, enabled) = loaded.await?;
    let stored = stored(rows);
    let editable = draft.is_some();
    let csrf = staff.csrf.clone();

    let header_cells = Language::ALL
        .into_iter()
        .map(|language| {
            let save = editable.then(|| {
                view! {
                    <button type="submit" class="button" name="save"
                        value=format!("column:{language}") id=format!("save-column-{language}")>
                        {format!("{} {}", lang.t("Guardar columna", "Save column"), language.code())}
                    </button>
                }
            });
            view! { <th scope="col">{language_name(language)}" "{save}</th> }
        })
        .collect_view();
    let body_rows = survey
        .as_ref()
        .map(cells)
        .unwrap_or_default()
        .into_iter()
        .map(|(q, c)| {
            let tds = Language::ALL
                .into_iter()
                .map(|language| {
                    let (text, child, review) = stored_cell(&stored, &q, &c, language);
                    if !editable {
                        return view! {
                            <td data-lang=language.code()>
                                <p lang=language.code()>{text}</p>
                                <p>{lang.t("Niñas y niños: ", "Children: ")}<span lang=language.code()>{child}</span></p>
                                <p class="muted">{review_label(lang, review)}</p>
                            </td>
                        }
                        .into_any();
                    }
                    let [tn, cn, rn] = names(&q, &c, language);
                    let typed = overlay.typed.as_ref();
                    let value = |name: &str, default: String| typed.and_then(|f| f.get(name).cloned()).unwrap_or(default);
                    let review_now = value(&rn, review.code().to_string());
                    let field = |name: String, label: String, default: String| {
                        let id = id_of(&name);
                        let error = overlay.errors.get(&name).cloned();
                        let error_id = format!("{id}-error");
                        let described = error.as_ref().map(|_| error_id.clone());
                        view! {
                            <label for=id.clone()>{label}</label>
                            <input id=id type="text" name=name.clone() value=value(&name, default)
                                lang=language.code() aria-invalid=error.is_some().then_some("true") aria-describedby=described/>
                            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
                        }
                    };
                    let name = language.native_name();
                    let options = ReviewState::ALL
                        .into_iter()
                        .map(|r| view! { <option value=r.code() selected=review_now == r.code()>{review_label(lang, r)}</option> })
                        .collect_view();
                    let review_id = id_of(&rn);
                    let review_error = overlay.errors.get(&rn).cloned();
                    view! {
                        <td data-lang=language.code()>
                            <div class="stack">
                                {field(tn.clone(), format!("{name}: {}", lang.t("texto", "text")), text)}
                                {field(cn.clone(), format!("{name}: {}", lang.t("para niñas y niños", "child wording")), child)}
                                <label for=review_id.clone()>{format!("{name}: {}", lang.t("estado", "state"))}</label>
                                <select id=review_id.clone() name=rn.clone()
                                    aria-invalid=review_error.is_some().then_some("true")
                                    aria-describedby=review_error.as_ref().map(|_| format!("{review_id}-error"))>
                                    {options}
                                </select>
                                {review_error.map(|e| view! { <p class="field-error" id=format!("{review_id}-error")>{e}</p> })}
                                <button type="submit" class="button" name="save" value=format!("cell:{q}:{c}:{language}")
                                    aria-label=format!("{} {} ({name})", lang.t("Guardar", "Save"), cell_label(&q, &c))>
                                    {lang.t("Guardar", "Save")}
                                </button>
                            </div>
                        </td>
                    }
                    .into_any()
                })
                .collect_view();
            view! {
                <tr data-text=format!("{q}:{c}")>
                    <th scope="row">{cell_label(&q, &c)}</th>
                    {tds}
                </tr>
            }
        })
        .collect_view();

    let shown_version = draft.or(current);
    let intro = match (draft, current) {
        (Some(d), _) => view! {
            <p class="lead">{match lang {
                Lang::Es => format!("Textos del borrador, versión {d}. Se publican con el borrador; las tabletas no los ven antes."),
                Lang::En => format!("Texts of the draft, version {d}. They are published with the draft; tablets do not see them before."),
            }}</p>
        }
        .into_any(),
        (None, Some(c)) => view! {
            <p class="lead">{match lang {
                Lang::Es => format!("Textos de la versión publicada {c}, que no se puede cambiar. Para corregirlos, cópiala a un borrador."),
                Lang::En => format!("Texts of published version {c}, which cannot change. To correct them, copy it to a draft."),
            }}</p>
            <form method="post" action=format!("/admin/survey/draft?lang={l}") id="new-draft" class="inline-form">
                <input type="hidden" name="csrf" value=csrf.clone()/>
                <input type="hidden" name="next" value="translations"/>
                <button type="submit" class="primary">{match lang {
                    Lang::Es => format!("Copiar la versión {c} a un borrador"),
                    Lang::En => format!("Copy version {c} to a draft"),
                }}</button>
            </form>
        }
        .into_any(),
        (None, None) => view! { <p class="empty-state">{lang.t("No hay ninguna versión.", "There is no version.")}</p> }.into_any(),
    };
    let table = view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Textos por idioma", "Texts by language")>
            <table id="translations">
                <caption>{match (shown_version, lang) {
                    (Some(v), Lang::Es) => format!("Textos de la versión {v}: pregunta u opción, y su texto en cada idioma"),
                    (Some(v), Lang::En) => format!("Texts of version {v}: question or choice, and its text in each language"),
                    (None, _) => String::new(),
                }}</caption>
                <thead><tr>
                    <th scope="col">{lang.t("Pregunta › opción", "Question › choice")}</th>
                    {header_cells}
                </tr></thead>
                <tbody>{body_rows}</tbody>
            </table>
        </div>
    };
    let texts = match draft {
        Some(v) => view! {
            <form method="post" action=format!("/admin/translations/{v}?lang={l}") id="translations-form" class="stack">
                <input type="hidden" name="csrf" value=csrf.clone()/>
                <button type="submit" class="primary" name="save" value="all" id="save-all">
                    {lang.t("Guardar todos los cambios", "Save every change")}
                </button>
                {table}
            </form>
        }
        .into_any(),
        None => table.into_any(),
    };

    let language_rows = Language::ALL
        .into_iter()
        .map(|language| {
            let offered = language.always_offered() || enabled.contains(&language);
            let missing = published.as_ref().map(|s| s.missing_in(language).len());
            let completeness = match (missing, lang) {
                (None, _) => "—".to_string(),
                (Some(0), _) => lang.t("Completa", "Complete").to_string(),
                (Some(n), Lang::Es) => format!("Faltan {n}"),
                (Some(n), Lang::En) => format!("{n} missing"),
            };
            let name = language_name(language);
            let button = if language.always_offered() {
                view! { <span>{lang.t("Siempre se ofrece", "Always offered")}</span> }.into_any()
            } else if offered {
                view! {
                    <button type="submit" class="button" name="change" value=format!("disable:{language}") id=format!("language-{language}-disable")>
                        {format!("{} {}", lang.t("Dejar de ofrecer", "Stop offering"), language.native_name())}
                    </button>
                }
                .into_any()
            } else {
                view! {
                    <button type="submit" class="button primary" name="change" value=format!("enable:{language}") id=format!("language-{language}-enable")>
                        {format!("{} {}", lang.t("Ofrecer", "Offer"), language.native_name())}
                    </button>
                }
                .into_any()
            };
            view! {
                <tr data-language=language.code()>
                    <th scope="row">{name}</th>
                    <td>{if offered { lang.t("Se ofrece", "Offered") } else { lang.t("No se ofrece", "Not offered") }}</td>
                    <td>{completeness}</td>
                    <td class="num">{unreviewed.get(&language).copied().unwrap_or(0).to_string()}</td>
                    <td>{button}</td>
                </tr>
            }
        })
        .collect_view();
    let current_label = current.map(|c| format!("v{c}")).unwrap_or_else(|| "—".into());

    let body = view! {
        {admin_nav(lang, "/admin/translations")}
        <h1>{lang.t("Traducciones", "Translations")}</h1>
        {intro}
        {form_errors(overlay.page_errors)}
        {overlay.notice.map(|n| view! { <p class="notice" role="status" id="translations-notice">{n}</p> })}
        {texts}
        <h2 id="languages-title">{lang.t("Idiomas para visitantes", "Languages for visitors")}</h2>
        <p>{lang.t(
            "Un idioma se ofrece solo si la versión publicada tiene todos sus textos en él. El español se ofrece siempre.",
            "A language is offered only if the published version has every text in it. Spanish is always offered.",
        )}</p>
        <form method="post" action=format!("/admin/translations/languages?lang={l}") id="languages" aria-labelledby="languages-title">
            <input type="hidden" name="csrf" value=csrf.clone()/>
            <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Idiomas", "Languages")>
                <table id="languages-table">
                    <thead><tr>
                        <th scope="col">{lang.t("Idioma", "Language")}</th>
                        <th scope="col">{lang.t("Para visitantes", "For visitors")}</th>
                        <th scope="col">{format!("{} {current_label}", lang.t("Textos de la versión publicada", "Texts of published version"))}</th>
                        <th scope="col">{lang.t("Sin revisar por hablante nativa", "Not reviewed by a native speaker")}</th>
                        <th scope="col">{lang.t("Cambiar", "Change")}</th>
                    </tr></thead>
                    <tbody>{language_rows}</tbody>
                </table>
            </div>
        </form>
    };
    let mut r =
        page(lang, lang.t("Traducciones", "Translations"), Some(staff), &format!("/admin/translations?lang={l}"), body);
    *r.status_mut() = status;
    Ok(r)
}

pub async fn translations_page(
    State(state): State<AppState>,
    Admin(staff): Admin,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    render(&state, &staff, lang, Overlay::default(), StatusCode::OK).await
}

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
    let stored = stored(store::text_rows(&state.pool, v).await?);
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
    match store::write_texts(&state.pool, v, &writes).await? {
        Edit::Done => {}
        Edit::Published => return Ok(published_refusal(lang, &staff, v)),
        _ => return Ok(super::no_such_version(lang, &staff, &version)),
    }
    for (l, what) in changes {
        let (target, detail) = (format!("v{v}/{l}"), what.join("; "));
        audit::audit(&state.pool, &staff.user.email, "translation.edit", &target, &detail).await?;
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
    let outcome = store_sqlite::survey::offer_language(&state.pool, language, offer, &staff.user.email).await?;
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
