//! `/export`: researchers and admins export anonymized microdata of their scope as a
//! background job with a progress bar, then download the ZIP. Admins list the audit.

use super::layout::{check_list, form_errors, page, regions_of, scope_picker, Lang};
use super::session::{check_form, Staff};
use crate::export::{self, ExportRequest, ExportSummary, Formats, UnitName};
use crate::AppState;
use app::domain::Role;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A finished export waits this long for its download.
const KEEP_FOR: Duration = Duration::from_secs(60 * 60);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/export", get(form).post(start))
        .route("/export/jobs/{id}", get(job))
        .route("/export/jobs/{id}/download", get(download))
        .route("/export/audit", get(audit))
        .route("/export/open-data", get(open_data_form).post(open_data_release))
}

/// Exports running or waiting for their download, by id. In memory: a restart forgets
/// them (their audit records stay).
#[derive(Default)]
pub struct Jobs {
    inner: Mutex<HashMap<String, Job>>,
}

#[derive(Clone)]
struct Job {
    owner: i64,
    done: u64,
    total: u64,
    state: JobState,
    started: Instant,
}

#[derive(Clone)]
enum JobState {
    Running,
    Done {
        path: PathBuf,
        summary: Box<ExportSummary>,
    },
    /// The cause is in the server's log, never on the page.
    Failed,
}

impl Jobs {
    fn get(&self, id: &str, owner: i64) -> Option<Job> {
        let jobs = self.inner.lock().expect("jobs lock");
        jobs.get(id).filter(|j| j.owner == owner).cloned()
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut Job)) {
        if let Some(job) = self.inner.lock().expect("jobs lock").get_mut(id) {
            f(job);
        }
    }

    /// Forgets jobs older than [`KEEP_FOR`] and deletes their files.
    pub fn sweep(&self) {
        let mut jobs = self.inner.lock().expect("jobs lock");
        jobs.retain(|_, j| {
            let keep = j.started.elapsed() < KEEP_FOR;
            if let (false, JobState::Done { path, .. }) = (keep, &j.state) {
                let _ = std::fs::remove_file(path);
            }
            keep
        });
    }
}

fn may_export(staff: &Staff) -> bool {
    matches!(staff.role(), Role::Admin | Role::Researcher)
}

fn forbidden(lang: Lang, staff: &Staff) -> Response {
    let body = view! {
        <section class="card">
            <h1>{lang.t("Exportar", "Export")}</h1>
            <p>{lang.t(
                "Solo las investigadoras y las administradoras pueden exportar datos.",
                "Only researchers and administrators can export data.",
            )}</p>
        </section>
    };
    let mut r = page(lang, lang.t("Exportar", "Export"), Some(staff), "/export", body);
    *r.status_mut() = StatusCode::FORBIDDEN;
    r
}

pub async fn form(State(state): State<AppState>, staff: Staff, RawQuery(raw): RawQuery) -> Response {
    let lang = Lang::from_query(raw.as_deref());
    if !may_export(&staff) {
        return forbidden(lang, &staff);
    }
    render_form(&state, &staff, lang, &[], Vec::new(), StatusCode::OK).await
}

async fn render_form(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    typed: &[(String, String)],
    errors: Vec<String>,
    status: StatusCode,
) -> Response {
    let stations = app::db::dashboard::stations(&state.pool, &staff.station_ids).await.unwrap_or_default();
    let versions = app::db::survey::published_versions(&state.pool).await.unwrap_or_default();
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

/// Why the period cannot be exported (`export::period_problem`), against today and the
/// first release; a database error is no reason to refuse (the export reads it again).
async fn period_problem(state: &AppState, from: chrono::NaiveDate, to: chrono::NaiveDate) -> Option<(String, String)> {
    let first = app::db::maintenance::first_release_day(&state.pool).await.unwrap_or(Some(from));
    export::period_problem(from, to, chrono::Utc::now().date_naive(), first)
}

pub(crate) fn month(v: Option<&String>) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(&format!("{}-01", v?.trim()), "%Y-%m-%d").ok()
}

pub async fn start(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: String,
) -> Response {
    let lang = Lang::from_query(raw.as_deref());
    let typed: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let csrf = typed.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    if let Err(refused) = check_form(&staff.session, &headers, csrf).await {
        return refused;
    }
    if !may_export(&staff) {
        return forbidden(lang, &staff);
    }
    let value = |k: &str| typed.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    let mut errors = Vec::new();
    let stations = app::db::dashboard::stations(&state.pool, &staff.station_ids).await.unwrap_or_default();
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
            let (from, to) = (export::month_start(f), export::month_end(t));
            if let Some((es, en)) = period_problem(&state, from, to).await {
                errors.push(match lang {
                    Lang::Es => es,
                    Lang::En => en,
                });
            }
            (from, to)
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
        None => app::db::survey::current_version(&state.pool).await.ok().flatten().unwrap_or(1),
    };
    let survey = app::db::survey::load(&state.pool, version).await.ok().flatten();
    if survey.is_none() {
        errors.push(lang.t("Esa versión de la encuesta no existe.", "That survey version does not exist.").into());
    }
    let Some(survey) = survey.filter(|_| errors.is_empty()) else {
        return render_form(&state, &staff, lang, &typed, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
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
        k: state.release_k as u64,
        xlsx_rows_per_sheet: export::XLSX_MAX_ROWS,
    };
    state.jobs.sweep();
    let id = super::auth::random_token();
    if let Err(e) = std::fs::create_dir_all(&state.export_dir) {
        return super::internal_error(anyhow::anyhow!("cannot create {}: {e}", state.export_dir.display()));
    }
    let path = export::job_path(&state.export_dir, &id);
    state.jobs.inner.lock().expect("jobs lock").insert(
        id.clone(),
        Job { owner: staff.user.id, done: 0, total: 0, state: JobState::Running, started: Instant::now() },
    );
    let (jobs, pool, actor, job_id) = (state.jobs.clone(), state.pool.clone(), staff.user.email.clone(), id.clone());
    tokio::spawn(async move {
        let progress = {
            let (jobs, id) = (jobs.clone(), job_id.clone());
            move |done: u64, total: u64| {
                jobs.update(&id, |j| {
                    j.done = done;
                    j.total = total;
                })
            }
        };
        let result = export::export_zip(&pool, &survey, &request, &actor, &path, &progress).await;
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
    Redirect::to(&format!("/export/jobs/{id}?lang={}", lang.code())).into_response()
}

pub async fn job(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = Lang::from_query(raw.as_deref());
    let l = lang.code();
    let Some(job) = state.jobs.get(&id, staff.user.id) else {
        let body = view! { <section class="card"><h1>{lang.t("Exportación no encontrada", "Export not found")}</h1>
        <p><a href=format!("/export?lang={l}")>{lang.t("Nueva exportación", "New export")}</a></p></section> };
        let mut r = page(lang, lang.t("Exportar", "Export"), Some(&staff), "/export", body);
        *r.status_mut() = StatusCode::NOT_FOUND;
        return r;
    };
    let percent = (job.done * 100).checked_div(job.total).unwrap_or(0);
    let (refresh, content) = match &job.state {
        JobState::Running => (
            true,
            view! {
                <p role="status">{match lang {
                    Lang::Es => format!("Exportando: {} de {} respuestas ({percent} %).", job.done, job.total),
                    Lang::En => format!("Exporting: {} of {} responses ({percent} %).", job.done, job.total),
                }}</p>
                <progress id="export-progress" max=job.total.max(1).to_string() value=job.done.to_string()
                    aria-label=lang.t("Avance de la exportación", "Export progress")></progress>
            }
            .into_any(),
        ),
        JobState::Done { summary, .. } => {
            let steps = summary
                .report
                .steps
                .iter()
                .filter(|s| s.rows > 0)
                .map(|s| view! { <li>{format!("{}: {}", if lang == Lang::En { s.step.description_en() } else { s.step.description_es() }, s.rows)}</li> })
                .collect_view();
            (
                false,
                view! {
                    <p role="status" id="export-done">{match lang {
                        Lang::Es => format!("Listo: {} respuestas exportadas, {} suprimidas.", summary.rows, summary.suppressed),
                        Lang::En => format!("Done: {} responses exported, {} suppressed.", summary.rows, summary.suppressed),
                    }}</p>
                    <ul>{steps}</ul>
                    <p><a class="button primary" href=format!("/export/jobs/{id}/download") download="digna-export.zip">
                        {lang.t("Descargar el ZIP", "Download the ZIP")}</a></p>
                    <p class="muted">{format!("SHA-256: {}", summary.zip_sha256)}</p>
                }
                .into_any(),
            )
        }
        JobState::Failed => (
            false,
            view! {
                <p class="form-error" role="alert">
                    {lang.t(
                        "La exportación falló. Inténtalo de nuevo; si vuelve a fallar, avisa a quien administra Digna: la causa quedó en el registro del servidor.",
                        "The export failed. Try again; if it fails again, tell whoever runs Digna: the cause is in the server's log.",
                    )}
                </p>
            }
                .into_any(),
        ),
    };
    let body = view! {
        {refresh.then(|| view! { <meta http-equiv="refresh" content="1"/> })}
        <section class="card">
            <h1>{lang.t("Exportación", "Export")}</h1>
            {content}
            <p><a href=format!("/export?lang={l}")>{lang.t("Nueva exportación", "New export")}</a></p>
        </section>
    };
    page(lang, lang.t("Exportación", "Export"), Some(&staff), &format!("/export/jobs/{id}?lang={l}"), body)
}

pub async fn download(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Response {
    let Some(Job { state: JobState::Done { path, .. }, .. }) = state.jobs.get(&id, staff.user.id) else {
        return (StatusCode::NOT_FOUND, "no such export").into_response();
    };
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(_) => return (StatusCode::NOT_FOUND, "the export has expired").into_response(),
    };
    let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(file));
    (
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"digna-export.zip\"".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

pub async fn audit(State(state): State<AppState>, staff: Staff, RawQuery(raw): RawQuery) -> Response {
    let lang = Lang::from_query(raw.as_deref());
    if staff.role() != Role::Admin {
        let mut r = forbidden(lang, &staff);
        *r.status_mut() = StatusCode::FORBIDDEN;
        return r;
    }
    let records = match app::db::exports::list_audit(&state.pool, 500).await {
        Ok(r) => r,
        Err(e) => return super::internal_error(e.into()),
    };
    let rows = records
        .into_iter()
        .map(|a| {
            view! {
                <tr>
                    <td>{a.id}</td><td>{a.created_at}</td><td>{a.actor}</td><td>{a.kind}</td>
                    <td class="num">{a.rows}</td><td class="num">{a.suppressed}</td>
                    <td><code class="wrap">{a.filters}</code></td><td><code class="wrap">{a.zip_sha256}</code></td>
                </tr>
            }
        })
        .collect_view();
    let body = view! {
        <h1>{lang.t("Registro de exportaciones", "Export audit log")}</h1>
        <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Registro", "Log")>
            <table id="audit-table">
                <thead><tr>
                    <th scope="col">"#"</th><th scope="col">{lang.t("Cuándo (UTC)", "When (UTC)")}</th>
                    <th scope="col">{lang.t("Quién", "Who")}</th><th scope="col">{lang.t("Tipo", "Kind")}</th>
                    <th scope="col">{lang.t("Filas", "Rows")}</th><th scope="col">{lang.t("Suprimidas", "Suppressed")}</th>
                    <th scope="col">{lang.t("Filtros", "Filters")}</th><th scope="col">"SHA-256"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    };
    page(lang, lang.t("Registro de exportaciones", "Export audit log"), Some(&staff), "/export/audit", body)
}

/// The shared job registry.
/// Deletes what earlier runs left in `dir` (jobs live in memory: a ZIP there at start
/// belongs to no job) and, later, files older than an hour; runs at start and hourly,
/// with the sweep of finished jobs.
pub fn spawn_cleanup(jobs: Arc<Jobs>, dir: PathBuf) {
    remove_older_than(&dir, Duration::ZERO);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(KEEP_FOR);
        every.tick().await;
        loop {
            every.tick().await;
            jobs.sweep();
            remove_older_than(&dir, KEEP_FOR);
        }
    });
}

/// Deletes the files of `dir` last written longer than `age` ago.
pub fn remove_older_than(dir: &std::path::Path, age: Duration) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let old = entry.metadata().ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok());
        if entry.path().is_file() && old.is_some_and(|o| o >= age) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

pub fn jobs() -> Arc<Jobs> {
    Arc::new(Jobs::default())
}

async fn render_open_data(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    typed: &[(String, String)],
    errors: Vec<String>,
    status: StatusCode,
) -> Response {
    let stations = app::db::dashboard::stations(&state.pool, &staff.station_ids).await.unwrap_or_default();
    let typed_value = |k: &str| typed.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let regions = regions_of(&stations).into_iter().map(|r| (r.clone(), r)).collect();
    let boxes = check_list("od", "region", regions, &|r| typed.iter().any(|(k, v)| k == "region" && v == r));
    let ledger = app::db::exports::privacy_ledger(&state.pool).await.unwrap_or_default();
    let mut by_month: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (m, e) in ledger {
        by_month.entry(m).or_default().push(e);
    }
    let ledger_rows = by_month
        .into_iter()
        .rev()
        .map(|(m, es)| view! { <tr><th scope="row">{m}</th><td>{es.join(" + ")}</td></tr> })
        .collect_view();
    let today = chrono::Utc::now().date_naive();
    let l = lang.code();
    let body = view! {
        <h1>{lang.t("Datos abiertos con privacidad diferencial", "Open data with differential privacy")}</h1>
        <p class="lead">{match lang {
            Lang::Es => format!("Por región y mes: el número de respuestas y el reparto de cada pregunta, cada cifra con ruido de Laplace discreto (δ = 0). Cada publicación gasta su ε en cada mes que cubre; ningún mes puede pasar de ε = {}.", state.dp_cap),
            Lang::En => format!("Per region and month: the number of responses and each question's distribution, every figure with discrete Laplace noise (δ = 0). Each release spends its ε on every month it covers; no month may go past ε = {}.", state.dp_cap),
        }}</p>
        <form method="post" action=format!("/export/open-data?lang={l}") class="picker" id="open-data-form">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            {form_errors(errors)}
            <fieldset>
                <legend>{lang.t("Regiones", "Regions")}</legend>
                {boxes}
            </fieldset>
            <div class="field">
                <label for="od-from">{lang.t("Desde el mes", "From month")}</label>
                <input id="od-from" name="from" type="month" required
                    value=typed_value("from").unwrap_or_else(|| (today - chrono::Duration::days(90)).format("%Y-%m").to_string())/>
            </div>
            <div class="field">
                <label for="od-to">{lang.t("Hasta el mes", "To month")}</label>
                <input id="od-to" name="to" type="month" required value=typed_value("to").unwrap_or_else(|| today.format("%Y-%m").to_string())/>
            </div>
            <div class="field">
                <label for="od-epsilon">{lang.t("ε de esta publicación", "ε of this release")}</label>
                <input id="od-epsilon" name="epsilon" type="text" inputmode="decimal" required
                    value=typed_value("epsilon").unwrap_or_else(|| state.dp_epsilon.to_string())/>
            </div>
            <button type="submit" class="primary">{lang.t("Publicar y descargar", "Release and download")}</button>
        </form>
        <h2>{lang.t("Presupuesto gastado por mes", "Budget spent per month")}</h2>
        <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Presupuesto", "Budget")>
            <table id="budget-table">
                <thead><tr><th scope="col">{lang.t("Mes", "Month")}</th><th scope="col">{lang.t("ε gastado", "ε spent")}</th></tr></thead>
                <tbody>{ledger_rows}</tbody>
            </table>
        </div>
    };
    let mut r =
        page(lang, lang.t("Datos abiertos", "Open data"), Some(staff), &format!("/export/open-data?lang={l}"), body);
    *r.status_mut() = status;
    r
}

pub async fn open_data_form(State(state): State<AppState>, staff: Staff, RawQuery(raw): RawQuery) -> Response {
    let lang = Lang::from_query(raw.as_deref());
    if !may_export(&staff) {
        return forbidden(lang, &staff);
    }
    render_open_data(&state, &staff, lang, &[], Vec::new(), StatusCode::OK).await
}

pub async fn open_data_release(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: String,
) -> Response {
    use crate::open_data::{OpenDataError, OpenDataRequest};
    let lang = Lang::from_query(raw.as_deref());
    let typed: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let csrf = typed.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    if let Err(refused) = check_form(&staff.session, &headers, csrf).await {
        return refused;
    }
    if !may_export(&staff) {
        return forbidden(lang, &staff);
    }
    let value = |k: &str| typed.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    let mut errors = Vec::new();
    let stations = app::db::dashboard::stations(&state.pool, &staff.station_ids).await.unwrap_or_default();
    let mut regions: Vec<String> = typed.iter().filter(|(k, _)| k == "region").map(|(_, v)| v.clone()).collect();
    regions.sort();
    regions.dedup();
    for r in &regions {
        if !stations.iter().any(|s| &s.region == r) {
            errors.push(match lang {
                Lang::Es => format!("No puedes publicar la región «{r}»."),
                Lang::En => format!("You may not release region “{r}”."),
            });
        }
    }
    if regions.is_empty() {
        errors.push(lang.t("Elige al menos una región.", "Choose at least one region.").into());
    }
    let (from, to) = match (month(value("from")), month(value("to"))) {
        (Some(f), Some(t)) if f <= t => {
            let (from, to) = (export::month_start(f), export::month_end(t));
            if let Some((es, en)) = period_problem(&state, from, to).await {
                errors.push(match lang {
                    Lang::Es => es,
                    Lang::En => en,
                });
            }
            (from, to)
        }
        _ => {
            errors.push(
                lang.t(
                    "Indica los meses como AAAA-MM, el primero antes del último.",
                    "Give the months as YYYY-MM, the first before the last.",
                )
                .into(),
            );
            (chrono::NaiveDate::MIN, chrono::NaiveDate::MIN)
        }
    };
    let epsilon = match value("epsilon").map(|e| e.parse::<app::dp::Epsilon>()) {
        Some(Ok(e)) => Some(e),
        Some(Err(e)) => {
            errors.push(format!("ε: {e}"));
            None
        }
        None => {
            errors.push("ε".into());
            None
        }
    };
    let version = app::db::survey::current_version(&state.pool).await.ok().flatten().unwrap_or(1);
    let survey = app::db::survey::load(&state.pool, version).await.ok().flatten();
    let (Some(epsilon), Some(survey), true) = (epsilon, survey, errors.is_empty()) else {
        return render_open_data(&state, &staff, lang, &typed, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let station_ids = stations.iter().filter(|s| regions.contains(&s.region)).map(|s| s.id).collect();
    let request = OpenDataRequest { regions, station_ids, from, to, survey_version: version, epsilon };
    let mut rng = rand::rngs::OsRng;
    match crate::open_data::release(&state.pool, &survey, &request, state.dp_cap, &staff.user.email, &mut rng).await {
        Ok((bytes, _)) => (
            [
                (header::CONTENT_TYPE, "application/zip".to_string()),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"digna-open-data.zip\"".to_string()),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(OpenDataError::OverBudget { month, asking, spent, cap }) => {
            let message = match lang {
                Lang::Es => format!("Rechazado: publicar con ε = {asking} llevaría {month} más allá de su tope de ε = {cap} (ya gastado: {spent})."),
                Lang::En => format!("Refused: releasing with ε = {asking} would take {month} past its cap of ε = {cap} (already spent: {spent})."),
            };
            render_open_data(&state, &staff, lang, &typed, vec![message], StatusCode::CONFLICT).await
        }
        Err(OpenDataError::Other(e)) => super::internal_error(e),
    }
}
