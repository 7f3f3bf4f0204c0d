//! `/admin/survey` and `/admin/translations`: administrators improve the survey as a
//! draft (a copy of the current version), preview it on a simulated kiosk, and publish
//! it as the next version; they edit every text with its review state and choose the
//! languages offered to visitors. (Admins only, checked on every request.)
//!
//! A published version never changes: answers keep the version they were given under.
//! Every edit route refuses a published version with 409, and the database functions
//! check it again in the transaction that writes (`store::Surveys`).

pub(crate) mod editor;
mod preview;
mod translations;

use super::admin::{admin_nav, lang_of};
use super::kit::{Admin, CheckedForm, PageError, PageResult, Pairs};
use super::layout::{form_errors, page, Lang};
use super::session::Staff;
use crate::AppState;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use domain::{KeyError, Language, MissingText, PublicationProblem, QuestionKind, ReviewState, Survey, WordingError};
use leptos::prelude::*;
use std::collections::BTreeMap;
use store::audit::Entry;
use store::survey::{DraftStart, LanguageChange};
use store::Surveys;

/// The translations form holds every text of a version in every language.
pub const TRANSLATIONS_FORM_BYTES: usize = 512 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/survey", get(versions_page))
        .route("/admin/survey/draft", post(start_draft))
        .route("/admin/survey/{version}", get(editor::version_page))
        .route("/admin/survey/{version}/preview", get(preview::preview_page))
        .route("/admin/survey/{version}/publish", post(editor::publish))
        .route("/admin/survey/{version}/discard", post(editor::discard))
        .route("/admin/survey/{version}/questions", post(editor::add_question))
        .route("/admin/survey/{version}/questions/{key}", post(editor::save_question))
        .route("/admin/survey/{version}/questions/{key}/move", post(editor::move_question))
        .route("/admin/survey/{version}/questions/{key}/remove", post(editor::remove_question))
        .route("/admin/translations", get(translations::translations_page))
        .route("/admin/translations/languages", post(translations::change_languages))
        // The whole table of texts is one form: bigger than other staff forms.
        .route(
            "/admin/translations/{version}",
            post(translations::save_texts).layer(DefaultBodyLimit::max(TRANSLATIONS_FORM_BYTES)),
        )
}

/// A page that only says why nothing was done, with a way back.
fn message_page(
    lang: Lang,
    staff: &Staff,
    status: StatusCode,
    title: String,
    text: String,
    back: (String, &'static str),
) -> Response {
    let body = view! {
        {admin_nav(lang, "/admin/survey")}
        <section class="card" id="refusal">
            <h1>{title.clone()}</h1>
            <p role="alert">{text}</p>
            <p><a href=back.0>{back.1}</a></p>
        </section>
    };
    let mut r = page(lang, &title, Some(staff), &format!("/admin/survey?lang={}", lang.code()), body);
    *r.status_mut() = status;
    r
}

/// 409: a published version cannot change.
fn published_refusal(lang: Lang, staff: &Staff, version: i64) -> Response {
    let (title, text) = match lang {
        Lang::Es => (
            format!("La versión {version} está publicada"),
            format!(
                "La versión {version} ya está publicada y no se puede cambiar: las respuestas dadas con ella \
                 la necesitan tal como es. No se cambió nada. Para mejorar la encuesta, copia la versión actual \
                 a un borrador y edita el borrador."
            ),
        ),
        Lang::En => (
            format!("Version {version} is published"),
            format!(
                "Version {version} is already published and cannot change: the answers given under it need it as \
                 it is. Nothing was changed. To improve the survey, copy the current version to a draft and edit \
                 the draft."
            ),
        ),
    };
    let back = (format!("/admin/survey?lang={}", lang.code()), lang.t("Versiones de la encuesta", "Survey versions"));
    message_page(lang, staff, StatusCode::CONFLICT, title, text, back)
}

/// 404: no such version, question or language.
fn not_found(lang: Lang, staff: &Staff, what: String) -> Response {
    let back = (format!("/admin/survey?lang={}", lang.code()), lang.t("Versiones de la encuesta", "Survey versions"));
    message_page(lang, staff, StatusCode::NOT_FOUND, lang.t("No encontrado", "Not found").to_string(), what, back)
}

fn no_such_version(lang: Lang, staff: &Staff, version: &str) -> Response {
    not_found(
        lang,
        staff,
        match lang {
            Lang::Es => format!("No hay una versión «{version}» de la encuesta."),
            Lang::En => format!("There is no survey version “{version}”."),
        },
    )
}

fn parse_version(s: &str) -> Option<i64> {
    s.parse().ok().filter(|v: &i64| *v > 0)
}

/// The draft `version`, or the page that says why it cannot be edited (404, 409).
async fn draft_or_refusal(state: &AppState, staff: &Staff, lang: Lang, version: &str) -> Result<Survey, PageError> {
    let Some(v) = parse_version(version) else { return Err(no_such_version(lang, staff, version).into()) };
    match Surveys::is_published(&state.db, v).await? {
        None => return Err(no_such_version(lang, staff, version).into()),
        Some(true) => return Err(published_refusal(lang, staff, v).into()),
        Some(false) => {}
    }
    Surveys::load_any(&state.db, v).await?.ok_or_else(|| no_such_version(lang, staff, version).into())
}

pub(super) fn kind_label(lang: Lang, kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Scale4 => lang.t("Escala de cuatro caras", "Four-face scale"),
        QuestionKind::Single => lang.t("Una opción", "One choice"),
        QuestionKind::Multi => lang.t("Varias opciones", "Several choices"),
    }
}

pub(super) fn review_label(lang: Lang, review: ReviewState) -> &'static str {
    match review {
        ReviewState::MachineDraft => lang.t("Borrador automático", "Machine draft"),
        ReviewState::NeedsReview => lang.t("Necesita revisión", "Needs review"),
        ReviewState::Reviewed => lang.t("Revisado por hablante nativa", "Reviewed by a native speaker"),
    }
}

/// A language as the console names it: its own name and its code.
pub(super) fn language_name(l: Language) -> String {
    format!("{} ({})", l.native_name(), l.code())
}

pub(super) fn key_error(lang: Lang, e: &KeyError) -> String {
    match (lang, e) {
        (Lang::Es, KeyError::Empty) => "Escribe una clave.".into(),
        (Lang::En, KeyError::Empty) => "Type a key.".into(),
        (Lang::Es, KeyError::TooLong(n)) => format!("La clave tiene más de {n} caracteres."),
        (Lang::En, KeyError::TooLong(n)) => format!("The key is longer than {n} characters."),
        (Lang::Es, KeyError::BadCharacter(c)) => format!(
            "La clave no puede llevar «{c}»: solo minúsculas sin tilde (a–z), cifras y «_» (en una opción, también «-»)."
        ),
        (Lang::En, KeyError::BadCharacter(c)) => format!(
            "The key may not hold “{c}”: only lower-case letters a–z, digits and “_” (in a choice, also “-”)."
        ),
        (Lang::Es, KeyError::BadStart) => "La clave debe empezar con una letra minúscula.".into(),
        (Lang::En, KeyError::BadStart) => "The key must start with a lower-case letter.".into(),
        (Lang::Es, KeyError::Reserved(k)) => format!("«{k}» está reservada: es una columna de la exportación."),
        (Lang::En, KeyError::Reserved(k)) => format!("“{k}” is reserved: it is a column of the export."),
    }
}

pub(super) fn wording_error(lang: Lang, e: &WordingError) -> String {
    match (lang, e) {
        (Lang::Es, WordingError::TooLong(n)) => format!("El texto tiene más de {n} caracteres."),
        (Lang::En, WordingError::TooLong(n)) => format!("The text is longer than {n} characters."),
        (Lang::Es, WordingError::ControlCharacter) => {
            "El texto lleva un carácter de control (como un salto de línea).".into()
        }
        (Lang::En, WordingError::ControlCharacter) => {
            "The text holds a control character (such as a line break).".into()
        }
    }
}

/// "respect — texto para niñas y niños", "improve › privacy — texto".
pub fn describe_missing(lang: Lang, m: &MissingText) -> String {
    let what = match m.choice_key.as_deref() {
        Some(c) => format!("{} › {c}", m.question_key),
        None => m.question_key.clone(),
    };
    let which = match m.child {
        false => lang.t("texto", "text"),
        true => lang.t("texto para niñas y niños", "child wording"),
    };
    format!("{what} — {which}")
}

/// What keeps a draft from being published, one line per problem, grouped: general
/// problems first, then the missing texts of each language.
fn problem_lines(lang: Lang, problems: &[PublicationProblem]) -> Vec<String> {
    let mut general = Vec::new();
    let mut missing: BTreeMap<Language, Vec<String>> = BTreeMap::new();
    for p in problems {
        match p {
            PublicationProblem::NoQuestions => {
                general.push(lang.t("El borrador no tiene preguntas.", "The draft has no questions.").to_string())
            }
            PublicationProblem::TooFewChoices { question_key } => general.push(match lang {
                Lang::Es => format!("«{question_key}» necesita al menos dos opciones."),
                Lang::En => format!("“{question_key}” needs at least two choices."),
            }),
            PublicationProblem::ScaleWithChoices { question_key } => general.push(match lang {
                Lang::Es => format!("«{question_key}» es una escala de caras pero tiene opciones."),
                Lang::En => format!("“{question_key}” is a face scale but has choices."),
            }),
            PublicationProblem::TooLarge { bytes, max } => general.push(match lang {
                Lang::Es => format!(
                    "La respuesta más larga posible ocupa {bytes} bytes; cada respuesta se sella en {max} como máximo. Quite preguntas u opciones, o acorte sus claves."
                ),
                Lang::En => format!(
                    "The longest possible response takes {bytes} bytes; every response is sealed in at most {max}. Remove questions or choices, or shorten their keys."
                ),
            }),
            PublicationProblem::Missing { language, text } => {
                missing.entry(*language).or_default().push(describe_missing(lang, text))
            }
        }
    }
    for (language, texts) in missing {
        general.push(match lang {
            Lang::Es => format!("Faltan {} textos en {}: {}.", texts.len(), language_name(language), texts.join("; ")),
            Lang::En => format!("{} texts missing in {}: {}.", texts.len(), language_name(language), texts.join("; ")),
        });
    }
    general
}

// ---------------------------------------------------------------- the versions

async fn render_versions(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    errors: Vec<String>,
    status: StatusCode,
) -> PageResult {
    let versions = Surveys::versions(&state.db).await?;
    let l = lang.code();
    let current = versions.iter().filter(|v| v.published).map(|v| v.version).max();
    let draft = versions.iter().find(|v| !v.published).map(|v| v.version);
    let rows = versions
        .into_iter()
        .rev()
        .map(|v| {
            let state = match (v.published, Some(v.version) == current) {
                (true, true) => lang.t("Publicada · la actual de las tabletas", "Published · the tablets' current one"),
                (true, false) => lang.t("Publicada", "Published"),
                (false, _) => lang.t("Borrador", "Draft"),
            };
            let open = if v.published { lang.t("Ver", "View") } else { lang.t("Editar", "Edit") };
            let day = v.created_at.get(..10).unwrap_or(&v.created_at).to_string();
            view! {
                <tr data-version=v.version>
                    <th scope="row">{format!("v{}", v.version)}</th>
                    <td>{state}</td>
                    <td class="num">{v.questions}</td>
                    <td>{day}</td>
                    <td>
                        <a href=format!("/admin/survey/{}?lang={l}", v.version)>{open}</a>" · "
                        <a href=format!("/admin/survey/{}/preview?lang={l}", v.version)>{lang.t("Vista previa", "Preview")}</a>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let action = match (draft, current) {
        (Some(d), _) => view! {
            <p class="notice">
                {match lang {
                    Lang::Es => format!("Hay un borrador, la versión {d}: edítalo y publícalo, o descártalo antes de empezar otro. "),
                    Lang::En => format!("There is a draft, version {d}: edit and publish it, or discard it before starting another. "),
                }}
                <a href=format!("/admin/survey/{d}?lang={l}")>{lang.t("Editar el borrador", "Edit the draft")}</a>
            </p>
            <form method="post" action=format!("/admin/survey/{d}/publish?lang={l}") id="publish" class="inline-form">
                <input type="hidden" name="csrf" value=staff.csrf.clone()/>
                <button type="submit" class="primary">{match lang {
                    Lang::Es => format!("Publicar el borrador como versión {d}"),
                    Lang::En => format!("Publish the draft as version {d}"),
                }}</button>
            </form>
        }
        .into_any(),
        (None, Some(c)) => view! {
            <form method="post" action=format!("/admin/survey/draft?lang={l}") id="new-draft" class="picker">
                <input type="hidden" name="csrf" value=staff.csrf.clone()/>
                <p>{match lang {
                    Lang::Es => format!("Para cambiar la encuesta, copia la versión {c} (preguntas, opciones, textos y sus estados de revisión) a un borrador. Las tabletas siguen con la versión {c} hasta que publiques el borrador."),
                    Lang::En => format!("To change the survey, copy version {c} (questions, choices, texts and their review states) to a draft. Tablets keep version {c} until you publish the draft."),
                }}</p>
                <button type="submit" class="primary">
                    {match lang {
                        Lang::Es => format!("Copiar la versión {c} a un borrador"),
                        Lang::En => format!("Copy version {c} to a draft"),
                    }}
                </button>
            </form>
        }
        .into_any(),
        (None, None) => view! { <p class="empty-state">{lang.t("No hay ninguna versión publicada.", "No version is published.")}</p> }.into_any(),
    };
    let body = view! {
        {admin_nav(lang, "/admin/survey")}
        <h1>{lang.t("Versiones de la encuesta", "Survey versions")}</h1>
        <p class="lead">{lang.t(
            "Una versión publicada no cambia nunca: cada respuesta conserva la versión con la que se dio, y los paneles y las exportaciones dicen de qué versión vienen sus cifras.",
            "A published version never changes: every answer keeps the version it was given under, and dashboards and exports say which versions their figures come from.",
        )}</p>
        {form_errors(errors)}
        <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Versiones", "Versions")>
            <table id="survey-versions">
                <thead><tr>
                    <th scope="col">{lang.t("Versión", "Version")}</th>
                    <th scope="col">{lang.t("Estado", "State")}</th>
                    <th scope="col">{lang.t("Preguntas", "Questions")}</th>
                    <th scope="col">{lang.t("Creada", "Created")}</th>
                    <th scope="col">{lang.t("Abrir", "Open")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {action}
    };
    let mut r = page(
        lang,
        lang.t("Versiones de la encuesta", "Survey versions"),
        Some(staff),
        &format!("/admin/survey?lang={l}"),
        body,
    );
    *r.status_mut() = status;
    Ok(r)
}

pub async fn versions_page(State(state): State<AppState>, Admin(staff): Admin, RawQuery(raw): RawQuery) -> PageResult {
    render_versions(&state, &staff, lang_of(raw.as_deref()), Vec::new(), StatusCode::OK).await
}

/// Copies the current version to a new draft (`survey.draft`). With `next=translations`
/// the admin goes back to the translations, else to the draft.
pub async fn start_draft(
    State(state): State<AppState>,
    Admin(staff): Admin,
    RawQuery(raw): RawQuery,
    CheckedForm(fields): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let fields = fields.into_map();
    let l = lang.code();
    let audit = |started: &DraftStart| match started {
        DraftStart::Started { draft, from } => {
            Some(Entry::new(&staff.user.email, "survey.draft", format!("v{draft}"), format!("copied from v{from}")))
        }
        _ => None,
    };
    match Surveys::start_draft(&state.db, audit).await? {
        DraftStart::Started { draft, .. } => {
            let to = match fields.get("next").map(String::as_str) {
                Some("translations") => format!("/admin/translations?lang={l}"),
                _ => format!("/admin/survey/{draft}?lang={l}"),
            };
            Ok(Redirect::to(&to).into_response())
        }
        DraftStart::DraftExists(d) => {
            let error = match lang {
                Lang::Es => format!("Ya hay un borrador (versión {d}): no se creó otro."),
                Lang::En => format!("There is already a draft (version {d}): no other was made."),
            };
            render_versions(&state, &staff, lang, vec![error], StatusCode::CONFLICT).await
        }
        DraftStart::NothingPublished => {
            let error = lang.t("No hay una versión publicada que copiar.", "There is no published version to copy.");
            render_versions(&state, &staff, lang, vec![error.into()], StatusCode::CONFLICT).await
        }
    }
}

// ---------------------------------------------------------------- languages

/// Why a language change was refused, in the staff's language; `None` if it was not.
pub fn language_refusal(lang: Lang, language: Language, outcome: &LanguageChange) -> Option<String> {
    let name = language_name(language);
    match outcome {
        LanguageChange::Changed | LanguageChange::Unchanged => None,
        LanguageChange::AlwaysOffered => Some(match lang {
            Lang::Es => format!("{name} se ofrece siempre: es el idioma de respaldo de todos los demás."),
            Lang::En => format!("{name} is always offered: it is every other language's fallback."),
        }),
        LanguageChange::NothingPublished => {
            Some(lang.t("No hay ninguna versión publicada.", "No version is published.").to_string())
        }
        LanguageChange::Missing { version, missing } => {
            let list: Vec<String> = missing.iter().map(|m| describe_missing(lang, m)).collect();
            Some(match lang {
                Lang::Es => format!(
                    "No se puede ofrecer {name}: a la versión publicada {version} le faltan {} textos en ese idioma: {}.",
                    list.len(),
                    list.join("; ")
                ),
                Lang::En => format!(
                    "{name} cannot be offered: published version {version} lacks {} texts in it: {}.",
                    list.len(),
                    list.join("; ")
                ),
            })
        }
    }
}
