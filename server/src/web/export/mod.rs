//! `/export`: researchers and admins export anonymized microdata of their scope as a
//! background job with a progress bar, then download the ZIP. Admins list the audit.//!
//! - jobs.rs: the exports running or waiting for their download, their page and the
//!   download, and the clean-up of old files;
//! - open_data.rs: `/export/open-data`, differentially private open data;
//! - audit.rs: `/export/audit`, the admins' list of every export.

mod audit;
mod jobs;
mod open_data;
pub mod queue;

use jobs::JobState;
pub use jobs::{jobs, remove_older_than, spawn_cleanup, Jobs};

use super::kit::{CheckedForm, Exporter, PageResult, Pairs};
use super::layout::{form_errors, page, scope_picker, Lang};
use super::session::Staff;
use crate::export::{self, ExportRequest, Formats, UnitName};
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use domain::Role;
use leptos::prelude::*;
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/export", get(form).post(start))
        .route("/export/jobs/{id}", get(jobs::job))
        .route("/export/jobs/{id}/download", get(jobs::download))
        .route("/export/audit", get(audit::audit))
        .route("/export/open-data", get(open_data::open_data_form).post(open_data::open_data_release))
}

pub async fn form(State(state): State<AppState>, Exporter(staff): Exporter, RawQuery(raw): RawQuery) -> PageResult {
    let lang = Lang::from_query(raw.as_deref());
    Ok(render_form(&state, &staff, lang, &[], Vec::new(), StatusCode::OK).await)
}

async fn render_form(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    typed: &[(String, String)],
    errors: Vec<String>,
    status: StatusCode,
) -> Response {
    let stations = store::Dashboards::stations(&state.db, &staff.station_ids).await.unwrap_or_default();
    let versions = store::Surveys::published_versions(&state.db).await.unwrap_or_default();
    let typed_value = |k: &str| typed.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let today = chrono::Utc::now().date_naive();
    let default_to = today.format("%Y-%m").to_string();
    let default_from = (today - chrono::Duration::days(90)).format("%Y-%m").to_string();
    let version = typed_value("version");
    let version_options = versions
        .iter()
        .rev()
        .map(|v| {
            let v = v.to_string();
            let selected = version.as_deref() == Some(v.as_str());
            view! { <option value=v.clone() selected=selected>{format!("v{v}")}</option> }
        })
        .collect_view();
    let unit_week = typed_value("unit").as_deref() == Some("week");
    let format = typed_value("format").unwrap_or_else(|| "all".into());
    let format_option = |value: &'static str, label: &'static str| {
        let selected = format == value;
        view! { <option value=value selected=selected>{label}</option> }
    };
    let l = lang.code();
    let body = view! {
        <h1>{lang.t("Exportar microdatos anonimizados", "Export anonymized microdata")}</h1>
        <p class="lead">{match lang {
            Lang::Es => format!("Una fila por respuesta publicada, sin identificadores ni fechas finas. Cada combinación de comisaría, periodo, idioma, tipo de persona y edad tiene al menos {} filas: donde falten, se generaliza y, si aún faltan, se suprime. El archivo ZIP trae CSV, XLSX, JSON, el libro de códigos y scripts para SPSS, Stata y R.", state.release_k),
            Lang::En => format!("One row per released response, with no identifiers and no fine dates. Every combination of station, period, language, respondent type and age holds at least {} rows: where short, values are generalized and, if still short, suppressed. The ZIP holds CSV, XLSX, JSON, the codebook and scripts for SPSS, Stata and R.", state.release_k),
        }}</p>
        <form method="post" action=format!("/export?lang={l}") class="picker export-form" id="export-form">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            {form_errors(errors)}
            {scope_picker(lang, &stations, "x", &|v| typed.iter().any(|(k, val)| k == "item" && val == v))}
            <div class="field">
                <label for="x-from">{lang.t("Desde el mes", "From month")}</label>
                <input id="x-from" name="from" type="month" required value=typed_value("from").unwrap_or(default_from)/>
            </div>
            <div class="field">
                <label for="x-to">{lang.t("Hasta el mes", "To month")}</label>
                <input id="x-to" name="to" type="month" required value=typed_value("to").unwrap_or(default_to)/>
            </div>
            <div class="field">
                <label for="x-version">{lang.t("Versión de la encuesta", "Survey version")}</label>
                <select id="x-version" name="version">{version_options}</select>
            </div>
            <div class="field">
                <label for="x-unit">{lang.t("Unidad de tiempo", "Time unit")}</label>
                <select id="x-unit" name="unit">
                    <option value="month" selected=!unit_week>{lang.t("Mes", "Month")}</option>
                    <option value="week" selected=unit_week>{lang.t("Semana ISO (si cada semana llega a k)", "ISO week (if every week reaches k)")}</option>
                </select>
            </div>
            <div class="field">
                <label for="x-format">{lang.t("Formatos", "Formats")}</label>
                <select id="x-format" name="format">
                    {format_option("all", "CSV + XLSX + JSON")}
                    {format_option("csv", "CSV")}
                    {format_option("xlsx", "XLSX")}
                    {format_option("json", "JSON")}
                </select>
            </div>
            <div class="field check">
                <input id="x-suspect" name="suspect" type="checkbox" value="1" checked=typed_value("suspect").is_some()/>
                <label for="x-suspect">{lang.t(
                    "Incluir las respuestas sospechosas, marcadas en una columna «suspect»",
                    "Include suspect responses, flagged in a “suspect” column",
                )}</label>
            </div>
            <button type="submit" class="primary">{lang.t("Exportar", "Export")}</button>
        </form>
        {(staff.role() == Role::Admin).then(|| view! {
            <p><a href=format!("/export/audit?lang={l}")>{lang.t("Registro de exportaciones", "Export audit log")}</a></p>
        })}
    };
    let mut r = page(lang, lang.t("Exportar", "Export"), Some(staff), &format!("/export?lang={l}"), body);
    *r.status_mut() = status;
    r
}

/// Why an export is refused when the queue is full (429).
pub(super) fn queue_full(lang: Lang) -> String {
    let waiting = queue::WAITING;
    match lang {
        Lang::Es => format!("Hay demasiadas exportaciones pendientes: se hacen de una en una y ya esperan {waiting}. Vuelve a intentarlo en unos minutos."),
        Lang::En => format!("Too many exports pending: they run one at a time and {waiting} are already waiting. Try again in a few minutes."),
    }
}

/// The whole months from `first` to `last` as days, and why they cannot be exported
/// (`export::period_problem`, against today and the first release) in `lang`; a
/// database error is no reason to refuse (the export reads it again).
async fn months(
    state: &AppState,
    lang: Lang,
    first: chrono::NaiveDate,
    last: chrono::NaiveDate,
) -> ((chrono::NaiveDate, chrono::NaiveDate), Option<String>) {
    let (from, to) = (domain::time::calendar::month_start(first), domain::time::calendar::month_end(last));
    let first_release = store::Maintenance::first_release_day(&state.db).await.unwrap_or(Some(from));
    let problem =
        export::period_problem(from, to, chrono::Utc::now().date_naive(), first_release).map(|(es, en)| match lang {
            Lang::Es => es,
            Lang::En => en,
        });
    ((from, to), problem)
}

pub(crate) fn month(v: Option<&String>) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(&format!("{}-01", v?.trim()), "%Y-%m-%d").ok()
}

pub async fn start(
    State(state): State<AppState>,
    Exporter(staff): Exporter,
    RawQuery(raw): RawQuery,
    CheckedForm(Pairs(typed)): CheckedForm<Pairs>,
) -> PageResult {
    let lang = Lang::from_query(raw.as_deref());
    let value = |k: &str| typed.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    let mut errors = Vec::new();
    let stations = store::Dashboards::stations(&state.db, &staff.station_ids).await.unwrap_or_default();
    let mut chosen = Vec::new();
    let mut regions = Vec::new();
    for (_, item) in typed.iter().filter(|(k, _)| k == "item") {
        if let Some(code) = item.strip_prefix("s:") {
            match stations.iter().find(|s| s.code == code) {
                Some(s) => chosen.push(s.clone()),
                None => errors.push(match lang {
                    Lang::Es => format!("No puedes exportar la comisaría «{code}»."),
                    Lang::En => format!("You may not export station “{code}”."),
                }),
            }
        } else if let Some(region) = item.strip_prefix("r:") {
            let in_region: Vec<_> = stations.iter().filter(|s| s.region == region).cloned().collect();
            if in_region.is_empty() {
                errors.push(match lang {
                    Lang::Es => format!("No puedes exportar la región «{region}»."),
                    Lang::En => format!("You may not export region “{region}”."),
                });
            }
            regions.push(region.to_string());
            chosen.extend(in_region);
        }
    }
    if chosen.is_empty() && errors.is_empty() {
        errors.push(lang.t("Elige al menos una comisaría o región.", "Choose at least one station or region.").into());
    }
    chosen.sort_by(|a, b| a.code.cmp(&b.code));
    chosen.dedup_by(|a, b| a.id == b.id);
    let (from, to) = (month(value("from")), month(value("to")));
    let (from, to) = match (from, to) {
        (Some(f), Some(t)) if f <= t => {
            let (period, problem) = months(&state, lang, f, t).await;
            errors.extend(problem);
            period
        }
        (Some(_), Some(_)) => {
            errors.push(lang.t("El mes inicial es posterior al final.", "The first month is after the last.").into());
            (chrono::NaiveDate::MIN, chrono::NaiveDate::MIN)
        }
        _ => {
            errors.push(lang.t("Indica los meses como AAAA-MM.", "Give the months as YYYY-MM.").into());
            (chrono::NaiveDate::MIN, chrono::NaiveDate::MIN)
        }
    };
    let formats = Formats::parse(value("format").map(String::as_str).unwrap_or("all")).unwrap_or_else(|e| {
        errors.push(e);
        Formats::ALL
    });
    let unit = if value("unit").map(String::as_str) == Some("week") { UnitName::Week } else { UnitName::Month };
    let version = match value("version").and_then(|v| v.parse::<i64>().ok()) {
        Some(v) => v,
        None => store::Surveys::current_version(&state.db).await.ok().flatten().unwrap_or(1),
    };
    let survey = store::Surveys::load(&state.db, version).await.ok().flatten();
    if survey.is_none() {
        errors.push(lang.t("Esa versión de la encuesta no existe.", "That survey version does not exist.").into());
    }
    let Some(survey) = survey.filter(|_| errors.is_empty()) else {
        return Ok(render_form(&state, &staff, lang, &typed, errors, StatusCode::UNPROCESSABLE_ENTITY).await);
    };
    let request = ExportRequest {
        stations: chosen.iter().map(|s| s.code.clone()).collect(),
        station_ids: chosen.iter().map(|s| s.id).collect(),
        regions,
        from,
        to,
        survey_version: version,
        unit,
        formats,
        include_suspect: value("suspect").is_some(),
        k: state.release_k,
        xlsx_rows_per_sheet: export::XLSX_MAX_ROWS,
    };
    state.jobs.sweep();
    let id = crate::auth::random_token();
    std::fs::create_dir_all(&state.export_dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", state.export_dir.display()))?;
    let Some(ticket) = state.jobs.queue.admit() else {
        let mut r =
            render_form(&state, &staff, lang, &typed, vec![queue_full(lang)], StatusCode::TOO_MANY_REQUESTS).await;
        r.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("60"));
        return Ok(r);
    };
    let path = export::job_path(&state.export_dir, &id);
    state.jobs.add(&id, staff.user.id);
    let (jobs, db, actor, job_id) = (state.jobs.clone(), state.export_db.clone(), staff.user.email.clone(), id.clone());
    tokio::spawn(async move {
        let _turn = ticket.turn().await;
        jobs.update(&job_id, |j| j.state = JobState::Running);
        let progress = {
            let (jobs, id) = (jobs.clone(), job_id.clone());
            move |done: u64, total: u64| {
                jobs.update(&id, |j| {
                    j.done = done;
                    j.total = total;
                })
            }
        };
        let result = export::export_zip(&db, &survey, &request, &actor, &path, Arc::new(progress)).await;
        jobs.update(&job_id, |j| {
            j.state = match result {
                Ok(summary) => JobState::Done { path: path.clone(), summary: Box::new(summary) },
                Err(e) => {
                    tracing::error!("export failed: {e:#}");
                    JobState::Failed
                }
            }
        });
    });
    Ok(Redirect::to(&format!("/export/jobs/{id}?lang={}", lang.code())).into_response())
}
