//! A station's page: its figures over the period, its charts, and its figures by group;
//! and each of its charts as an SVG download.

use super::labels::{choice_text, label_survey, versions, versions_line, withheld_text};
use super::query::{Ctx, DashQuery};
use super::station_charts::station_charts;
use super::view::{figure, filter_form, not_found, svg_response};
use crate::web::kit::{PageError, PageResult};
use crate::web::layout::{page, Lang};
use crate::web::session::Staff;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::Language;
use leptos::prelude::*;
use store::Dashboards;

/// The station of `code` if she may see it; `None` for no station and for a station
/// outside her scope alike, so a URL cannot tell them apart.
pub(super) async fn station_in_scope(state: &AppState, staff: &Staff, code: &str) -> Result<Option<i64>, PageError> {
    Ok(store::Stations::by_code(&state.db, code).await?.filter(|s| staff.may_see(s.id)).map(|s| s.id))
}

pub async fn station(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let q = DashQuery::from_raw(raw.as_deref());
    let ctx = Ctx::new(&q, state.release_k);
    let lang = ctx.lang;
    let query = ctx.query();
    let here = format!("/dashboard/station/{}?{query}", crate::web::session::url_encode(&code));
    let id = match station_in_scope(&state, &staff, &code).await? {
        Some(id) => id,
        None => return Ok(not_found(lang, &staff, &here)),
    };
    let report = match Dashboards::station_report(&state.db, id, &ctx.filters, ctx.k).await? {
        Some(r) => r,
        None => return Ok(not_found(lang, &staff, &here)),
    };
    let survey = label_survey(&state, &ctx).await;
    let versions = versions(&state).await;
    let (versions_text, versions_note) = versions_line(&state, &ctx, id).await;
    let charts = station_charts(&ctx, &report, survey.as_ref());
    let base = format!("/dashboard/station/{}/chart", report.station.code);
    let figures = charts.into_iter().map(|c| figure(lang, c, &base, &query)).collect_view();
    let breakdown = |title: &'static str, rows: &[domain::CategoryRow], question: &str| {
        let rows = rows
            .iter()
            .map(|r| {
                let label = match &r.category {
                    None => lang.t("Sin respuesta", "No answer").to_string(),
                    Some(c) if c == domain::privacy::release::WITHHELD => withheld_text(lang).to_string(),
                    Some(c) if question == "language" => {
                        Language::parse(c).map(|l| l.native_name().to_string()).unwrap_or_else(|_| c.clone())
                    }
                    Some(c) => choice_text(survey.as_ref(), lang, question, c),
                };
                view! {
                    <tr>
                        <th scope="row">{label}</th>
                        <td class="num" class:suppressed=r.responses.is_suppressed()>{ctx.shown_count(&r.responses)}</td>
                        <td class="num" class:suppressed=r.index.is_suppressed()>{ctx.shown_index(&r.index)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-scroll" tabindex="0" role="region" aria-label=title>
                <table class="breakdown">
                    <caption>{title}</caption>
                    <thead><tr>
                        <th scope="col">{lang.t("Grupo", "Group")}</th>
                        <th scope="col">{lang.t("Respuestas", "Responses")}</th>
                        <th scope="col">{lang.t("Índice", "Index")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    };
    let total_line = match lang {
        Lang::Es => format!(
            "{}: {} respuestas, índice de dignidad {}.",
            ctx.period(),
            ctx.shown_count(&report.responses),
            ctx.shown_index(&report.index)
        ),
        Lang::En => format!(
            "{}: {} responses, dignity index {}.",
            ctx.period(),
            ctx.shown_count(&report.responses),
            ctx.shown_index(&report.index)
        ),
    };
    let s = report.station.clone();
    let action = format!("/dashboard/station/{}", s.code);
    let body = view! {
        <nav class="breadcrumbs" aria-label=lang.t("Ruta", "Breadcrumbs")>
            <a href=format!("/dashboard?{query}")>{lang.t("Resumen", "Overview")}</a>" › "<span aria-current="page">{s.code.clone()}</span>
        </nav>
        <h1>{format!("{} · {}", s.code, s.name)}</h1>
        <p class="lead">{format!("{} · {}", s.region, total_line)}</p>
        <p id="survey-versions-line">{versions_text}</p>
        {versions_note.map(|n| view! { <p class="muted" id="survey-versions-note">{n}</p> })}
        {filter_form(&ctx, &versions, &action, vec![])}
        <div class="charts">{figures}</div>
        <h2>{lang.t("Por grupo", "By group")}</h2>
        <div class="breakdowns">
            {breakdown(lang.t("Quién responde", "Who answers"), &report.by_respondent, domain::RESPONDENT_KEY)}
            {breakdown(lang.t("Edad", "Age"), &report.by_age_band, domain::AGE_BAND_KEY)}
            {breakdown(lang.t("Idioma de la encuesta", "Survey language"), &report.by_language, "language")}
        </div>
    };
    Ok(page(lang, &format!("{} · {}", s.code, lang.t("Comisaría", "Station")), Some(&staff), &here, body))
}

/// One chart of a station page as an SVG download.
pub async fn station_chart(
    State(state): State<AppState>,
    staff: Staff,
    Path((code, file)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let q = DashQuery::from_raw(raw.as_deref());
    let ctx = Ctx::new(&q, state.release_k);
    let Some(id) = station_in_scope(&state, &staff, &code).await? else {
        return Err(PageError::NotFound("no such station in your scope"));
    };
    let report = match Dashboards::station_report(&state.db, id, &ctx.filters, ctx.k).await? {
        Some(r) => r,
        None => return Ok((StatusCode::NOT_FOUND, "no such station in your scope").into_response()),
    };
    let survey = label_survey(&state, &ctx).await;
    let name = file.strip_suffix(".svg").unwrap_or("");
    match station_charts(&ctx, &report, survey.as_ref()).into_iter().find(|c| c.name == name) {
        Some(chart) => Ok(svg_response(chart.svg, &format!("{}-{name}", report.station.code))),
        None => Ok((StatusCode::NOT_FOUND, "no such chart").into_response()),
    }
}
