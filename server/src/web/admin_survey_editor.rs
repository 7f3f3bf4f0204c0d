//! `/admin/survey/{version}`: a published version, read-only, or the draft's editor
//! with one form per question (`form[data-question=<key>]`), a form to add a question
//! (`#new-question`), and the publish button (`#publish`).
//!
//! Question form fields: `kind`, `in_index`, `text:<lang>` and `child:<lang>` for the
//! question; `choice:<choice>:text:<lang>`, `choice:<choice>:child:<lang>`,
//! `choice:<choice>:position` (1 = first) and `choice:<choice>:remove` for each choice;
//! `new_choice` (its key) with `new_choice:text:<lang>` and `new_choice:child:<lang>`. A
//! text field left out of the form is left as it is. A text changed here is marked
//! "needs review".

use super::{
    audit_line, check_admin_form, draft_or_refusal, form_fields, key_error, kind_label, language_name, no_such_version,
    not_found, parse_version, problem_lines, published_refusal, wording_error,
};
use crate::web::admin::{admin_nav, admins_only, lang_of};
use crate::web::layout::{form_errors, page, Lang};
use crate::web::session::Staff;
use crate::AppState;
use app::db::survey::{self as store, Edit, Publication, QuestionChange, TextWrite};
use app::domain::{ChoiceKey, Language, Question, QuestionKey, QuestionKind, ReviewState, Survey, Texts, Wording};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// A form as typed, and what is wrong with each field (by field name).
#[derive(Clone, Debug, Default)]
struct Typed {
    fields: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
}

/// What a re-rendered editor shows besides the draft itself.
#[derive(Default)]
struct EditorState {
    /// The question whose form was refused, as typed.
    question: Option<(String, Typed)>,
    /// The new-question form as typed.
    new_question: Typed,
    /// Errors at the top of the page (such as why the draft was not published).
    errors: Vec<String>,
}

fn text_of(texts: &Texts, l: Language) -> String {
    texts.get(&l).cloned().unwrap_or_default()
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn no_such_question(lang: Lang, staff: &Staff, key: &str) -> Response {
    not_found(
        lang,
        staff,
        match lang {
            Lang::Es => format!("El borrador no tiene una pregunta «{key}»."),
            Lang::En => format!("The draft has no question “{key}”."),
        },
    )
}

/// An edit's outcome other than success, as a page.
fn edit_refusal(lang: Lang, staff: &Staff, version: i64, key: &str, edit: Edit) -> Option<Response> {
    match edit {
        Edit::Done | Edit::KeyTaken => None,
        Edit::Published => Some(published_refusal(lang, staff, version)),
        Edit::NoSuchVersion => Some(no_such_version(lang, staff, &version.to_string())),
        Edit::NoSuchQuestion => Some(no_such_question(lang, staff, key)),
    }
}

fn editor_href(lang: Lang, version: i64, key: Option<&str>) -> String {
    let anchor = key.map(|k| format!("#question-{k}")).unwrap_or_default();
    format!("/admin/survey/{version}?lang={}{anchor}", lang.code())
}

// ---------------------------------------------------------------- pages

pub async fn version_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = lang_of(raw.as_deref());
    if let Some(r) = admins_only(lang, &staff) {
        return r;
    }
    let Some(v) = parse_version(&version) else { return no_such_version(lang, &staff, &version) };
    let published = match store::is_published(&state.pool, v).await {
        Ok(Some(p)) => p,
        Ok(None) => return no_such_version(lang, &staff, &version),
        Err(e) => return crate::web::internal_error(e.into()),
    };
    let survey = match store::load_any(&state.pool, v).await {
        Ok(Some(s)) => s,
        Ok(None) => return no_such_version(lang, &staff, &version),
        Err(e) => return crate::web::internal_error(e.into()),
    };
    if published {
        render_published(lang, &staff, &survey)
    } else {
        render_editor(&state, &staff, lang, &survey, EditorState::default(), StatusCode::OK).await
    }
}

/// A published version: every question, choice and text, nothing editable.
fn render_published(lang: Lang, staff: &Staff, survey: &Survey) -> Response {
    let l = lang.code();
    let v = survey.version;
    let questions = survey
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let mut rows = Vec::new();
            for item in std::iter::once((None, &q.text, &q.child_text))
                .chain(q.choices.iter().map(|c| (Some(c.key.clone()), &c.text, &c.child_text)))
            {
                for language in Language::ALL {
                    let what = match &item.0 {
                        None => q.key.clone(),
                        Some(c) => format!("{} › {c}", q.key),
                    };
                    rows.push(view! {
                        <tr>
                            <th scope="row">{what}</th>
                            <td>{language_name(language)}</td>
                            <td lang=language.code()>{text_of(item.1, language)}</td>
                            <td lang=language.code()>{text_of(item.2, language)}</td>
                        </tr>
                    });
                }
            }
            let caption = format!(
                "{}. {} · {}{}",
                i + 1,
                q.key,
                kind_label(lang, q.kind),
                if q.in_index { lang.t(" · cuenta para el índice", " · counts toward the index") } else { "" }
            );
            view! {
                <div class="table-scroll" tabindex="0" role="region" aria-label=q.key.clone() id=format!("question-{}", q.key)>
                    <table>
                        <caption>{caption}</caption>
                        <thead><tr>
                            <th scope="col">{lang.t("Clave", "Key")}</th>
                            <th scope="col">{lang.t("Idioma", "Language")}</th>
                            <th scope="col">{lang.t("Texto", "Text")}</th>
                            <th scope="col">{lang.t("Para niñas y niños", "Child wording")}</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
        })
        .collect_view();
    let title = match lang {
        Lang::Es => format!("Versión {v} (publicada)"),
        Lang::En => format!("Version {v} (published)"),
    };
    let body = view! {
        {admin_nav(lang, "/admin/survey")}
        <nav class="breadcrumbs" aria-label=lang.t("Ruta", "Breadcrumbs")>
            <a href=format!("/admin/survey?lang={l}")>{lang.t("Encuesta", "Survey")}</a>" › "<span aria-current="page">{format!("v{v}")}</span>
        </nav>
        <h1>{title.clone()}</h1>
        <p class="lead">{lang.t(
            "Una versión publicada no se puede cambiar. Para mejorar la encuesta, copia la versión actual a un borrador desde «Versiones de la encuesta».",
            "A published version cannot change. To improve the survey, copy the current version to a draft from “Survey versions”.",
        )}</p>
        <p><a href=format!("/admin/survey/{v}/preview?lang={l}")>{lang.t("Vista previa en un quiosco simulado", "Preview on a simulated kiosk")}</a></p>
        {questions}
    };
    page(lang, &title, Some(staff), &format!("/admin/survey/{v}?lang={l}"), body)
}

/// One question's card in the editor: how it is answered, its texts, its choices.
struct Card<'a> {
    key: &'a str,
    typed: Option<&'a Typed>,
}

impl Card<'_> {
    fn value(&self, name: &str, default: String) -> String {
        match self.typed {
            Some(t) => t.fields.get(name).cloned().unwrap_or(default),
            None => default,
        }
    }

    fn checked(&self, name: &str, default: bool) -> bool {
        match self.typed {
            Some(t) => t.fields.contains_key(name),
            None => default,
        }
    }

    fn error(&self, name: &str) -> Option<String> {
        self.typed.and_then(|t| t.errors.get(name).cloned())
    }

    fn id(&self, name: &str) -> String {
        format!("q-{}-{}", self.key, name.replace(':', "-"))
    }

    /// A text field; `in_lang` is the language of what is typed in it, when not the page's.
    fn input(&self, name: String, label: String, default: String, in_lang: Option<Language>) -> impl IntoView + use<> {
        let id = self.id(&name);
        let error = self.error(&name);
        let error_id = format!("{id}-error");
        let described = error.as_ref().map(|_| error_id.clone());
        let value = self.value(&name, default);
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input id=id name=name type="text" value=value lang=in_lang.map(Language::code)
                    aria-invalid=error.is_some().then_some("true") aria-describedby=described/>
                {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
            </div>
        }
    }

    fn check(&self, name: String, label: &'static str, default: bool) -> impl IntoView + use<> {
        let id = self.id(&name);
        let error = self.error(&name);
        let error_id = format!("{id}-error");
        let described = error.as_ref().map(|_| error_id.clone());
        let on = self.checked(&name, default);
        view! {
            <div class="field check">
                <input id=id.clone() name=name type="checkbox" value="1" checked=on
                    aria-invalid=error.is_some().then_some("true") aria-describedby=described/>
                <label for=id>{label}</label>
            </div>
            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
        }
    }

    /// The text and child wording of a question or choice in every language.
    fn wordings(&self, lang: Lang, prefix: &str, text: &Texts, child: &Texts) -> impl IntoView + use<> {
        Language::ALL
            .into_iter()
            .map(|l| {
                let name = l.native_name();
                let text_label = format!("{name}: {}", lang.t("texto", "text"));
                let child_label = format!("{name}: {}", lang.t("para niñas y niños", "child wording"));
                view! {
                    <div class="stack">
                        {self.input(format!("{prefix}text:{l}"), text_label, text_of(text, l), Some(l))}
                        {self.input(format!("{prefix}child:{l}"), child_label, text_of(child, l), Some(l))}
                    </div>
                }
            })
            .collect_view()
    }
}

fn kind_select(card: &Card, lang: Lang, q: &Question) -> impl IntoView + use<> {
    let current = card.value("kind", q.kind.code().to_string());
    let id = card.id("kind");
    let error = card.error("kind");
    let error_id = format!("{id}-error");
    let described = error.as_ref().map(|_| error_id.clone());
    if q.profile {
        // A profile item (who answers, age band) is always one choice: the kiosk and the
        // dashboards read its choices.
        return view! {
            <div class="field">
                <input type="hidden" name="kind" value=q.kind.code()/>
                <p>{kind_label(lang, q.kind)}" · "{lang.t(
                    "dato de perfil: su tipo y sus opciones no cambian",
                    "profile item: its kind and choices do not change",
                )}</p>
            </div>
        }
        .into_any();
    }
    let options = [QuestionKind::Scale4, QuestionKind::Single, QuestionKind::Multi]
        .into_iter()
        .map(|k| view! { <option value=k.code() selected=current == k.code()>{kind_label(lang, k)}</option> })
        .collect_view();
    view! {
        <div class="field">
            <label for=id.clone()>{lang.t("Cómo se responde", "How it is answered")}</label>
            <select id=id name="kind" aria-invalid=error.is_some().then_some("true") aria-describedby=described>
                {options}
            </select>
            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
        </div>
    }
    .into_any()
}

#[allow(clippy::too_many_arguments)]
fn question_card(
    lang: Lang,
    staff: &Staff,
    version: i64,
    q: &Question,
    index: usize,
    count: usize,
    typed: Option<&Typed>,
) -> impl IntoView + use<> {
    let l = lang.code();
    let card = Card { key: &q.key, typed };
    let key = q.key.clone();
    let base = format!("/admin/survey/{version}/questions/{key}");
    let shown_kind = QuestionKind::parse(&card.value("kind", q.kind.code().to_string())).unwrap_or(q.kind);
    let choices = (shown_kind != QuestionKind::Scale4 || !q.choices.is_empty()).then(|| {
        let rows = q
            .choices
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let prefix = format!("choice:{}:", c.key);
                let legend = match lang {
                    Lang::Es => format!("Opción «{}»", c.key),
                    Lang::En => format!("Choice “{}”", c.key),
                };
                view! {
                    <fieldset class="choice" data-choice=c.key.clone()>
                        <legend>{legend}</legend>
                        {card.input(format!("{prefix}position"), lang.t("Orden (1 = primera)", "Order (1 = first)").to_string(), (i + 1).to_string(), None)}
                        {(!q.profile).then(|| card.check(format!("{prefix}remove"), lang.t("Quitar esta opción", "Remove this choice"), false))}
                        {card.wordings(lang, &prefix, &c.text, &c.child_text)}
                    </fieldset>
                }
            })
            .collect_view();
        let new_choice = (!q.profile).then(|| {
            view! {
                <fieldset class="choice new-choice">
                    <legend>{lang.t("Nueva opción (opcional)", "New choice (optional)")}</legend>
                    {card.input("new_choice".into(), lang.t(
                        "Clave (minúsculas, cifras, «-» o «_», como «15-30»)",
                        "Key (lower case, digits, “-” or “_”, such as “15-30”)",
                    ).into(), String::new(), None)}
                    {card.wordings(lang, "new_choice:", &Texts::new(), &Texts::new())}
                </fieldset>
            }
        });
        view! {
            <fieldset>
                <legend>{lang.t("Opciones", "Choices")}</legend>
                {rows}
                {new_choice}
            </fieldset>
        }
    });
    let errors = typed.filter(|t| !t.errors.is_empty()).map(|_| {
        view! {
            <p class="form-error" role="alert">{lang.t(
                "No se guardó nada: revisa los campos marcados.",
                "Nothing was saved: check the marked fields.",
            )}</p>
        }
    });
    let move_form = |direction: &'static str, label: &'static str| {
        view! {
            <form method="post" action=format!("{base}/move?lang={l}") class="inline-form">
                <input type="hidden" name="csrf" value=staff.csrf.clone()/>
                <input type="hidden" name="direction" value=direction/>
                <button type="submit" class="button" aria-label=format!("{label}: {key}")>{label}</button>
            </form>
        }
    };
    let heading = format!("{}. {}", index + 1, q.key);
    view! {
        <section class="card" id=format!("question-{}", q.key) aria-labelledby=format!("question-{}-title", q.key)>
            <h3 id=format!("question-{}-title", q.key)>{heading}</h3>
            <div class="stack">
                {(index > 0).then(|| move_form("up", lang.t("Subir", "Move up")))}
                {(index + 1 < count).then(|| move_form("down", lang.t("Bajar", "Move down")))}
                {(!q.profile).then(|| view! {
                    <form method="post" action=format!("{base}/remove?lang={l}") class="inline-form">
                        <input type="hidden" name="csrf" value=staff.csrf.clone()/>
                        <button type="submit" class="button" aria-label=format!("{}: {}", lang.t("Quitar la pregunta", "Remove the question"), q.key)>
                            {lang.t("Quitar la pregunta", "Remove the question")}
                        </button>
                    </form>
                })}
            </div>
            <form method="post" action=format!("{base}?lang={l}") class="question-form picker" id=format!("q-{}", q.key)
                data-question=q.key.clone()>
                <input type="hidden" name="csrf" value=staff.csrf.clone()/>
                {errors}
                {kind_select(&card, lang, q)}
                {card.check("in_index".into(), lang.t("Cuenta para el índice de dignidad", "Counts toward the dignity index"), q.in_index)}
                <fieldset>
                    <legend>{lang.t("Pregunta", "Question")}</legend>
                    {card.wordings(lang, "", &q.text, &q.child_text)}
                </fieldset>
                {choices}
                <button type="submit" class="primary">{lang.t("Guardar la pregunta", "Save the question")}</button>
            </form>
        </section>
    }
}

fn new_question_form(lang: Lang, staff: &Staff, version: i64, typed: &Typed) -> impl IntoView + use<> {
    let l = lang.code();
    let field_error = |name: &str| typed.errors.get(name).cloned();
    let key_error = field_error("key");
    let kind_error = field_error("kind");
    let index_error = field_error("in_index");
    let kind = typed.fields.get("kind").cloned().unwrap_or_else(|| "scale4".into());
    let options = [QuestionKind::Scale4, QuestionKind::Single, QuestionKind::Multi]
        .into_iter()
        .map(|k| view! { <option value=k.code() selected=kind == k.code()>{kind_label(lang, k)}</option> })
        .collect_view();
    view! {
        <form method="post" action=format!("/admin/survey/{version}/questions?lang={l}") class="picker" id="new-question">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            <div class="field">
                <label for="nq-key">{lang.t(
                    "Clave (minúsculas sin tilde, cifras y «_», como «waiting_time»)",
                    "Key (lower case, digits and “_”, such as “waiting_time”)",
                )}</label>
                <input id="nq-key" name="key" type="text" value=typed.fields.get("key").cloned().unwrap_or_default()
                    aria-invalid=key_error.is_some().then_some("true")
                    aria-describedby=key_error.as_ref().map(|_| "nq-key-error")/>
                {key_error.map(|e| view! { <p class="field-error" id="nq-key-error">{e}</p> })}
            </div>
            <div class="field">
                <label for="nq-kind">{lang.t("Cómo se responde", "How it is answered")}</label>
                <select id="nq-kind" name="kind" aria-invalid=kind_error.is_some().then_some("true")
                    aria-describedby=kind_error.as_ref().map(|_| "nq-kind-error")>{options}</select>
                {kind_error.map(|e| view! { <p class="field-error" id="nq-kind-error">{e}</p> })}
            </div>
            <div class="field check">
                <input id="nq-in-index" name="in_index" type="checkbox" value="1" checked=typed.fields.contains_key("in_index")
                    aria-invalid=index_error.is_some().then_some("true")
                    aria-describedby=index_error.as_ref().map(|_| "nq-in-index-error")/>
                <label for="nq-in-index">{lang.t("Cuenta para el índice de dignidad", "Counts toward the dignity index")}</label>
            </div>
            {index_error.map(|e| view! { <p class="field-error" id="nq-in-index-error">{e}</p> })}
            <button type="submit" class="primary">{lang.t("Añadir la pregunta", "Add the question")}</button>
        </form>
    }
}

async fn render_editor(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    survey: &Survey,
    st: EditorState,
    status: StatusCode,
) -> Response {
    let enabled = match store::enabled_languages(&state.pool).await {
        Ok(e) => e,
        Err(e) => return crate::web::internal_error(e.into()),
    };
    let current = store::current_version(&state.pool).await.ok().flatten();
    let l = lang.code();
    let v = survey.version;
    let offered: Vec<String> = store::offered(&enabled).into_iter().map(language_name).collect();
    let count = survey.questions.len();
    let cards = survey
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let typed = st.question.as_ref().filter(|(k, _)| *k == q.key).map(|(_, t)| t);
            question_card(lang, staff, v, q, i, count, typed)
        })
        .collect_view();
    let problems = (!st.errors.is_empty()).then(|| {
        view! { <div id="publish-problems">{form_errors(st.errors)}</div> }
    });
    let title = match lang {
        Lang::Es => format!("Borrador: versión {v}"),
        Lang::En => format!("Draft: version {v}"),
    };
    let lead = match (lang, current) {
        (Lang::Es, Some(c)) => format!("Las tabletas siguen con la versión {c} hasta que publiques este borrador. Un texto cambiado aquí queda «Necesita revisión»; su estado se cambia en Traducciones."),
        (Lang::En, Some(c)) => format!("Tablets keep version {c} until you publish this draft. A text changed here becomes “Needs review”; change its state in Translations."),
        (Lang::Es, None) => "Ninguna versión está publicada todavía.".into(),
        (Lang::En, None) => "No version is published yet.".into(),
    };
    let body = view! {
        {admin_nav(lang, "/admin/survey")}
        <nav class="breadcrumbs" aria-label=lang.t("Ruta", "Breadcrumbs")>
            <a href=format!("/admin/survey?lang={l}")>{lang.t("Encuesta", "Survey")}</a>" › "<span aria-current="page">{format!("v{v}")}</span>
        </nav>
        <h1>{title.clone()}</h1>
        <p class="lead">{lead}</p>
        <p>
            <a href=format!("/admin/survey/{v}/preview?lang={l}")>{lang.t("Vista previa en un quiosco simulado", "Preview on a simulated kiosk")}</a>" · "
            <a href=format!("/admin/translations?lang={l}")>{lang.t("Traducciones", "Translations")}</a>
        </p>
        {problems}
        <section class="card" aria-labelledby="publish-title">
            <h2 id="publish-title">{lang.t("Publicar", "Publish")}</h2>
            <p>{match lang {
                Lang::Es => format!("Se publicará como versión {v} y se ofrecerá en: {}. Cada pregunta y cada opción necesita su texto y su texto para niñas y niños en esos idiomas.", offered.join(", ")),
                Lang::En => format!("It will be published as version {v} and offered in: {}. Every question and choice needs its text and child wording in those languages.", offered.join(", ")),
            }}</p>
            <form method="post" action=format!("/admin/survey/{v}/publish?lang={l}") id="publish" class="inline-form">
                <input type="hidden" name="csrf" value=staff.csrf.clone()/>
                <button type="submit" class="primary">{match lang {
                    Lang::Es => format!("Publicar la versión {v}"),
                    Lang::En => format!("Publish version {v}"),
                }}</button>
            </form>
            <form method="post" action=format!("/admin/survey/{v}/discard?lang={l}") id="discard-draft" class="inline-form">
                <input type="hidden" name="csrf" value=staff.csrf.clone()/>
                <button type="submit" class="button">{lang.t("Descartar el borrador", "Discard the draft")}</button>
            </form>
        </section>
        <h2>{lang.t("Preguntas", "Questions")}</h2>
        {cards}
        <h2>{lang.t("Añadir una pregunta", "Add a question")}</h2>
        {new_question_form(lang, staff, v, &st.new_question)}
    };
    let mut r = page(lang, &title, Some(staff), &format!("/admin/survey/{v}?lang={l}"), body);
    *r.status_mut() = status;
    r
}

// ---------------------------------------------------------------- saving a question

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

/// A question's form as a change of the draft and a list of what changed, or the errors
/// by field. `history` is how the key is answered in published versions.
fn validate_question(
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
        Ok((QuestionChange { kind, in_index, choices: order, texts }, changes))
    } else {
        Err(errors)
    }
}

pub async fn save_question(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path((version, key)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    body: String,
) -> Response {
    let lang = lang_of(raw.as_deref());
    let fields = form_fields(&body);
    if let Err(r) = check_admin_form(&staff, &headers, &fields, lang).await {
        return r;
    }
    let survey = match draft_or_refusal(&state, &staff, lang, &version).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let v = survey.version;
    let Some(question) = survey.question(&key).cloned() else { return no_such_question(lang, &staff, &key) };
    let history = match store::published_kinds(&state.pool, &key).await {
        Ok(h) => h,
        Err(e) => return crate::web::internal_error(e.into()),
    };
    let (change, changes) = match validate_question(lang, &question, &history, &fields) {
        Ok(c) => c,
        Err(errors) => {
            let st = EditorState { question: Some((key, Typed { fields, errors })), ..Default::default() };
            return render_editor(&state, &staff, lang, &survey, st, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match store::update_question(&state.pool, v, &key, &change).await {
        Ok(Edit::Done) => {}
        Ok(other) => {
            if let Some(r) = edit_refusal(lang, &staff, v, &key, other) {
                return r;
            }
        }
        Err(e) => return crate::web::internal_error(e.into()),
    }
    if !changes.is_empty() {
        let detail = changes.join("; ");
        if let Err(r) = audit_line(&state.pool, &staff, "survey.edit", &format!("v{v}/{key}"), &detail).await {
            return r;
        }
    }
    Redirect::to(&editor_href(lang, v, Some(&key))).into_response()
}

// ---------------------------------------------------------------- adding, moving, removing

pub async fn add_question(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
    body: String,
) -> Response {
    let lang = lang_of(raw.as_deref());
    let fields = form_fields(&body);
    if let Err(r) = check_admin_form(&staff, &headers, &fields, lang).await {
        return r;
    }
    let survey = match draft_or_refusal(&state, &staff, lang, &version).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let v = survey.version;
    let mut errors = BTreeMap::new();
    let key = match QuestionKey::parse(fields.get("key").map(String::as_str).unwrap_or("")) {
        Ok(k) => Some(k),
        Err(e) => {
            errors.insert("key".to_string(), key_error(lang, &e));
            None
        }
    };
    let kind = match QuestionKind::parse(fields.get("kind").map(String::as_str).unwrap_or("").trim()) {
        Ok(k) => Some(k),
        Err(_) => {
            errors.insert("kind".into(), lang.t("Elige cómo se responde.", "Choose how it is answered.").into());
            None
        }
    };
    let in_index = fields.contains_key("in_index");
    if in_index && kind.is_some_and(|k| k != QuestionKind::Scale4) {
        errors.insert(
            "in_index".into(),
            lang.t(
                "Solo una escala de caras cuenta para el índice de dignidad.",
                "Only a face scale counts toward the dignity index.",
            )
            .into(),
        );
    }
    if let Some(k) = &key {
        if survey.question(k.as_ref()).is_some() {
            errors.insert(
                "key".into(),
                match lang {
                    Lang::Es => format!("Ya hay una pregunta «{k}» en el borrador."),
                    Lang::En => format!("There is already a question “{k}” in the draft."),
                },
            );
        } else if let Some(kind) = kind {
            let history = match store::published_kinds(&state.pool, k.as_ref()).await {
                Ok(h) => h,
                Err(e) => return crate::web::internal_error(e.into()),
            };
            if let Some((before_v, before)) = history.iter().find(|(_, b)| *b != kind) {
                errors.insert(
                    "kind".into(),
                    match lang {
                        Lang::Es => format!(
                            "En la versión {before_v}, «{k}» se respondía con «{}»: una clave significa lo mismo en todas las versiones. Elige ese tipo u otra clave.",
                            kind_label(lang, *before)
                        ),
                        Lang::En => format!(
                            "In version {before_v}, “{k}” was answered with “{}”: a key means the same in every version. Choose that kind or another key.",
                            kind_label(lang, *before)
                        ),
                    },
                );
            }
        }
    }
    let (Some(key), Some(kind), true) = (key, kind, errors.is_empty()) else {
        let st = EditorState { new_question: Typed { fields, errors }, ..Default::default() };
        return render_editor(&state, &staff, lang, &survey, st, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    match store::add_question(&state.pool, v, &key, kind, in_index).await {
        Ok(Edit::Done) => {}
        Ok(Edit::KeyTaken) => {
            let mut errors = BTreeMap::new();
            errors.insert(
                "key".into(),
                match lang {
                    Lang::Es => format!("Ya hay una pregunta «{key}» en el borrador."),
                    Lang::En => format!("There is already a question “{key}” in the draft."),
                },
            );
            let st = EditorState { new_question: Typed { fields, errors }, ..Default::default() };
            return render_editor(&state, &staff, lang, &survey, st, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Ok(other) => {
            if let Some(r) = edit_refusal(lang, &staff, v, key.as_ref(), other) {
                return r;
            }
        }
        Err(e) => return crate::web::internal_error(e.into()),
    }
    let detail = format!("question added: {}, in_index {}", kind.code(), yes_no(in_index));
    if let Err(r) = audit_line(&state.pool, &staff, "survey.edit", &format!("v{v}/{key}"), &detail).await {
        return r;
    }
    Redirect::to(&editor_href(lang, v, Some(key.as_ref()))).into_response()
}

pub async fn move_question(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path((version, key)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    body: String,
) -> Response {
    let lang = lang_of(raw.as_deref());
    let fields = form_fields(&body);
    if let Err(r) = check_admin_form(&staff, &headers, &fields, lang).await {
        return r;
    }
    let survey = match draft_or_refusal(&state, &staff, lang, &version).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let v = survey.version;
    let up = match fields.get("direction").map(String::as_str) {
        Some("up") => true,
        Some("down") => false,
        _ => {
            let st = EditorState {
                errors: vec![lang
                    .t("Di si la pregunta sube o baja.", "Say whether the question moves up or down.")
                    .into()],
                ..Default::default()
            };
            return render_editor(&state, &staff, lang, &survey, st, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match store::move_question(&state.pool, v, &key, up).await {
        Ok(Edit::Done) => {}
        Ok(other) => {
            if let Some(r) = edit_refusal(lang, &staff, v, &key, other) {
                return r;
            }
        }
        Err(e) => return crate::web::internal_error(e.into()),
    }
    let detail = if up { "moved up" } else { "moved down" };
    if let Err(r) = audit_line(&state.pool, &staff, "survey.edit", &format!("v{v}/{key}"), detail).await {
        return r;
    }
    Redirect::to(&editor_href(lang, v, Some(&key))).into_response()
}

pub async fn remove_question(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path((version, key)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    body: String,
) -> Response {
    let lang = lang_of(raw.as_deref());
    let fields = form_fields(&body);
    if let Err(r) = check_admin_form(&staff, &headers, &fields, lang).await {
        return r;
    }
    let survey = match draft_or_refusal(&state, &staff, lang, &version).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let v = survey.version;
    let Some(question) = survey.question(&key) else { return no_such_question(lang, &staff, &key) };
    if question.profile {
        let st = EditorState {
            errors: vec![match lang {
                Lang::Es => {
                    format!("«{key}» es un dato de perfil: el quiosco y los paneles lo necesitan, no se quita.")
                }
                Lang::En => {
                    format!("“{key}” is a profile item: the kiosk and the dashboards need it; it is not removed.")
                }
            }],
            ..Default::default()
        };
        return render_editor(&state, &staff, lang, &survey, st, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match store::remove_question(&state.pool, v, &key).await {
        Ok(Edit::Done) => {}
        Ok(other) => {
            if let Some(r) = edit_refusal(lang, &staff, v, &key, other) {
                return r;
            }
        }
        Err(e) => return crate::web::internal_error(e.into()),
    }
    if let Err(r) = audit_line(&state.pool, &staff, "survey.edit", &format!("v{v}/{key}"), "question removed").await {
        return r;
    }
    Redirect::to(&editor_href(lang, v, None)).into_response()
}

// ---------------------------------------------------------------- publishing, discarding

pub async fn publish(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
    body: String,
) -> Response {
    let lang = lang_of(raw.as_deref());
    let fields = form_fields(&body);
    if let Err(r) = check_admin_form(&staff, &headers, &fields, lang).await {
        return r;
    }
    let survey = match draft_or_refusal(&state, &staff, lang, &version).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let v = survey.version;
    match store::publish(&state.pool, v).await {
        Ok(Publication::Published { offered }) => {
            let codes: Vec<&str> = offered.iter().map(|l| l.code()).collect();
            let detail = format!("published; offered in {}", codes.join(", "));
            if let Err(r) = audit_line(&state.pool, &staff, "survey.publish", &format!("v{v}"), &detail).await {
                return r;
            }
            Redirect::to(&format!("/admin/survey?lang={}", lang.code())).into_response()
        }
        Ok(Publication::Refused(problems)) => {
            let mut errors = vec![match lang {
                Lang::Es => format!("No se publicó la versión {v}: falta lo siguiente."),
                Lang::En => format!("Version {v} was not published: it lacks the following."),
            }];
            errors.extend(problem_lines(lang, &problems));
            let st = EditorState { errors, ..Default::default() };
            render_editor(&state, &staff, lang, &survey, st, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Ok(Publication::AlreadyPublished) => published_refusal(lang, &staff, v),
        Ok(Publication::NoSuchVersion) => no_such_version(lang, &staff, &version),
        Err(e) => crate::web::internal_error(e.into()),
    }
}

pub async fn discard(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
    body: String,
) -> Response {
    let lang = lang_of(raw.as_deref());
    let fields = form_fields(&body);
    if let Err(r) = check_admin_form(&staff, &headers, &fields, lang).await {
        return r;
    }
    let survey = match draft_or_refusal(&state, &staff, lang, &version).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let v = survey.version;
    match store::discard_draft(&state.pool, v).await {
        Ok(Edit::Done) => {}
        Ok(other) => {
            if let Some(r) = edit_refusal(lang, &staff, v, "", other) {
                return r;
            }
        }
        Err(e) => return crate::web::internal_error(e.into()),
    }
    if let Err(r) = audit_line(&state.pool, &staff, "survey.discard", &format!("v{v}"), "draft discarded").await {
        return r;
    }
    Redirect::to(&format!("/admin/survey?lang={}", lang.code())).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question() -> Question {
        let es = |s: &str| Texts::from([(Language::Es, s.to_string())]);
        Question {
            key: "wait".into(),
            kind: QuestionKind::Single,
            choices: vec![
                app::domain::Choice { key: "short".into(), text: es("Poco"), child_text: es("Poquito") },
                app::domain::Choice { key: "long".into(), text: es("Mucho"), child_text: es("Muchísimo") },
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
        let (change, changes) = validate_question(Lang::Es, &question(), &[], &form(&[("kind", "single")])).unwrap();
        assert!(changes.is_empty(), "{changes:?}");
        assert!(change.texts.is_empty());
        assert_eq!(change.choices, ["short", "long"]);
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
        assert_eq!(changes, ["kind single → multi", "text qu", "choice order long, short", "choice none added"]);
    }

    /// (case, form fields, the field at fault, how the key is answered in published versions)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str, &'a [(i64, QuestionKind)]);

    #[test]
    fn refusals_name_their_field() {
        let cases: [Case; 7] = [
            ("unknown kind", &[("kind", "stars")], "kind", &[]),
            ("index on a choice question", &[("kind", "single"), ("in_index", "1")], "in_index", &[]),
            ("control character", &[("kind", "single"), ("text:es", "a\u{7}b")], "text:es", &[]),
            ("bad position", &[("kind", "single"), ("choice:long:position", "0")], "choice:long:position", &[]),
            ("bad choice key", &[("kind", "single"), ("new_choice", "Largo")], "new_choice", &[]),
            ("face scale with choices", &[("kind", "scale4")], "kind", &[]),
            ("kind differs from a published version", &[("kind", "multi")], "kind", &[(1, QuestionKind::Single)]),
        ];
        for (case, pairs, field, history) in cases {
            let errors = validate_question(Lang::En, &question(), history, &form(pairs)).expect_err(case);
            assert!(errors.contains_key(field), "{case}: {errors:?}");
        }
    }
}
