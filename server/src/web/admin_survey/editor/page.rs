//! The two pages of a version: a published one, read-only, and the draft's editor.

use super::forms::{new_question_form, question_card};
use super::{text_of, EditorState};
use crate::web::admin::{admin_nav, lang_of};
use crate::web::admin_survey::{kind_label, language_name, no_such_version, parse_version};
use crate::web::kit::{Admin, PageResult};
use crate::web::layout::{form_errors, page, Lang};
use crate::web::session::Staff;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::{Language, Survey};
use leptos::prelude::*;
use store::survey;
use store::Surveys;

pub async fn version_page(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let Some(v) = parse_version(&version) else { return Ok(no_such_version(lang, &staff, &version)) };
    let published = match Surveys::is_published(&state.db, v).await? {
        Some(p) => p,
        None => return Ok(no_such_version(lang, &staff, &version)),
    };
    let survey = match Surveys::load_any(&state.db, v).await? {
        Some(s) => s,
        None => return Ok(no_such_version(lang, &staff, &version)),
    };
    if published {
        Ok(render_published(lang, &staff, &survey))
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
                "{}. {} · {}{}{}",
                i + 1,
                q.key,
                kind_label(lang, q.kind),
                if q.in_index { lang.t(" · cuenta para el índice", " · counts toward the index") } else { "" },
                if q.observable { lang.t(" · visible para el personal", " · staff could see it") } else { "" }
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

pub(super) async fn render_editor(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    survey: &Survey,
    st: EditorState,
    status: StatusCode,
) -> PageResult {
    let enabled = Surveys::enabled_languages(&state.db).await?;
    let current = Surveys::current_version(&state.db).await.ok().flatten();
    let l = lang.code();
    let v = survey.version;
    let offered: Vec<String> = survey::offered(&enabled).into_iter().map(language_name).collect();
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
    Ok(r)
}
