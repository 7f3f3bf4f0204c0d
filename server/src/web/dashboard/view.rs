//! What every dashboard page draws: the filter form, a chart's figure with its table and
//! downloads, a chart as an SVG download, and the page for a station she may not see.

use super::query::Ctx;
use crate::web::layout::{page, Lang};
use crate::web::session::Staff;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::Language;
use leptos::prelude::*;

/// The filter form every dashboard page carries; it sends the filters in the URL.
pub(super) fn filter_form(
    ctx: &Ctx,
    versions: &[i64],
    action: &str,
    extra: Vec<(&'static str, String)>,
) -> impl IntoView {
    let lang = ctx.lang;
    let f = &ctx.filters;
    let (from, to) = (f.from().to_string(), f.to().to_string());
    let version = f.survey_version();
    let language = f.language();
    let errors = ctx.errors.clone();
    let version_options = versions
        .iter()
        .map(|v| {
            let v = *v;
            view! { <option value=v.to_string() selected=version == Some(v)>{format!("v{v}")}</option> }
        })
        .collect_view();
    let language_options = Language::ALL
        .iter()
        .map(|l| {
            let l = *l;
            view! { <option value=l.code() selected=language == Some(l)>{l.native_name()}</option> }
        })
        .collect_view();
    let hidden =
        extra.into_iter().map(|(name, value)| view! { <input type="hidden" name=name value=value/> }).collect_view();
    view! {
        <form method="get" action=action.to_string() class="filters" aria-label=lang.t("Filtros", "Filters")>
            <input type="hidden" name="lang" value=lang.code()/>
            {hidden}
            <div class="field">
                <label for="f-from">{lang.t("Desde la semana", "From week")}</label>
                <input id="f-from" name="from" type="week" value=from required/>
            </div>
            <div class="field">
                <label for="f-to">{lang.t("Hasta la semana", "To week")}</label>
                <input id="f-to" name="to" type="week" value=to required/>
            </div>
            <div class="field">
                <label for="f-version">{lang.t("Versión de la encuesta", "Survey version")}</label>
                <select id="f-version" name="version">
                    <option value="" selected=version.is_none()>{lang.t("Todas", "All")}</option>
                    {version_options}
                </select>
            </div>
            <div class="field">
                <label for="f-language">{lang.t("Idioma de la encuesta", "Survey language")}</label>
                <select id="f-language" name="language">
                    <option value="" selected=language.is_none()>{lang.t("Todos", "All")}</option>
                    {language_options}
                </select>
            </div>
            <div class="field check">
                <input id="f-suspect" name="suspect" type="checkbox" value="1" checked=f.include_suspect()/>
                <label for="f-suspect">{lang.t(
                    "Incluir respuestas sospechosas (demasiado rápidas o seguidas)",
                    "Include suspect responses (too fast or back to back)",
                )}</label>
            </div>
            <button type="submit" class="primary">{lang.t("Aplicar filtros", "Apply filters")}</button>
            {(!errors.is_empty()).then(|| view! {
                <div class="form-error" role="alert">
                    <p>{lang.t("Algunos filtros no son válidos; se usan los predeterminados:", "Some filters are not valid; the defaults are used:")}</p>
                    <ul>{errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
                </div>
            })}
        </form>
    }
}

/// A chart with its title, the numbers as a table behind a toggle, and downloads.
pub(super) struct Chart {
    pub(super) name: &'static str,
    pub(super) svg: String,
    pub(super) headers: Vec<String>,
    pub(super) rows: Vec<Vec<String>>,
}

pub(super) fn figure(lang: Lang, chart: Chart, download_base: &str, query: &str) -> impl IntoView {
    let href = format!("{download_base}/{}.svg?{query}", chart.name);
    let png_name = format!("digna-{}.png", chart.name);
    let svg_name = format!("digna-{}.svg", chart.name);
    let headers = chart.headers.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view();
    let rows = chart
        .rows
        .into_iter()
        .map(|r| {
            let mut cells = r.into_iter();
            let first = cells.next().unwrap_or_default();
            view! { <tr><th scope="row">{first}</th>{cells.map(|c| view! { <td>{c}</td> }).collect_view()}</tr> }
        })
        .collect_view();
    view! {
        <figure class="chart-card" id=format!("chart-{}", chart.name) data-chart-name=chart.name>
            <div class="chart-svg" inner_html=chart.svg></div>
            <div class="chart-tools">
                <details class="as-table">
                    <summary>{lang.t("Ver como tabla", "Show as table")}</summary>
                    <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Los datos del gráfico", "The chart's data")>
                        <table>
                            <thead><tr>{headers}</tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                </details>
                <a class="download" href=href.clone() download=svg_name>{lang.t("Descargar SVG", "Download SVG")}</a>
                <a class="download" href=href.clone() data-png-from=href download=png_name>{lang.t("Descargar PNG", "Download PNG")}</a>
            </div>
        </figure>
    }
}

pub(super) fn svg_response(svg: String, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"digna-{name}.svg\"")),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        svg,
    )
        .into_response()
}

pub(super) fn not_found(lang: Lang, staff: &Staff, here: &str) -> Response {
    let body = view! {
        <section class="card">
            <h1>{lang.t("Comisaría no encontrada", "Station not found")}</h1>
            <p>{lang.t(
                "No hay una comisaría con ese código entre las que puedes ver.",
                "There is no station with that code among those you may see.",
            )}</p>
            <a href=format!("/dashboard?lang={}", lang.code())>{lang.t("Volver al resumen", "Back to the overview")}</a>
        </section>
    };
    let mut r = page(lang, lang.t("No encontrada", "Not found"), Some(staff), here, body);
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}
