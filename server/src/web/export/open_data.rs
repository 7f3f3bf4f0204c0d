//! `/export/open-data`: per region and month, noisy counts (differential privacy), and
//! the privacy budget each month has spent.

use super::{month, months};
use crate::web::kit::{CheckedForm, Exporter, PageResult, Pairs};
use crate::web::layout::{check_list, form_errors, page, regions_of, Lang};
use crate::web::session::Staff;
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos::prelude::*;

async fn render_open_data(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    typed: &[(String, String)],
    errors: Vec<String>,
    status: StatusCode,
) -> Response {
    let stations = store::Dashboards::stations(&state.db, &staff.station_ids).await.unwrap_or_default();
    let typed_value = |k: &str| typed.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let her_regions = regions_of(&stations);
    // What each of her regions has spent, month by month, newest first: what was spent on
    // every region (before the budget was per region) counts for each.
    let ledger = store::Exports::privacy_ledger(&state.db).await.unwrap_or_default();
    let mut spent: std::collections::BTreeMap<(String, String), Vec<String>> = Default::default();
    for s in ledger {
        for region in her_regions.iter().filter(|r| s.region.as_ref().is_none_or(|on| on == *r)) {
            spent.entry((s.month.clone(), region.clone())).or_default().push(s.epsilon.clone());
        }
    }
    let ledger_rows = spent
        .into_iter()
        .rev()
        .map(|((m, r), es)| view! { <tr><th scope="row">{m}</th><td>{r}</td><td>{es.join(" + ")}</td></tr> })
        .collect_view();
    let regions = her_regions.into_iter().map(|r| (r.clone(), r)).collect();
    let boxes = check_list("od", "region", regions, &|r| typed.iter().any(|(k, v)| k == "region" && v == r));
    let today = chrono::Utc::now().date_naive();
    let l = lang.code();
    let body = view! {
        <h1>{lang.t("Datos abiertos con privacidad diferencial", "Open data with differential privacy")}</h1>
        <p class="lead">{match lang {
            Lang::Es => format!("Por región y mes: el número de respuestas y el reparto de cada pregunta, cada cifra con ruido de Laplace discreto (δ = 0). Cada publicación gasta su ε en cada región y mes que cubre; ninguna región puede pasar de ε = {} en un mes.", state.dp_cap),
            Lang::En => format!("Per region and month: the number of responses and each question's distribution, every figure with discrete Laplace noise (δ = 0). Each release spends its ε on every region and month it covers; no region may go past ε = {} in a month.", state.dp_cap),
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
        <h2>{lang.t("Presupuesto gastado por mes y región", "Budget spent per month and region")}</h2>
        <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Presupuesto", "Budget")>
            <table id="budget-table">
                <thead><tr>
                    <th scope="col">{lang.t("Mes", "Month")}</th><th scope="col">{lang.t("Región", "Region")}</th>
                    <th scope="col">{lang.t("ε gastado", "ε spent")}</th>
                </tr></thead>
                <tbody>{ledger_rows}</tbody>
            </table>
        </div>
    };
    let mut r =
        page(lang, lang.t("Datos abiertos", "Open data"), Some(staff), &format!("/export/open-data?lang={l}"), body);
    *r.status_mut() = status;
    r
}

pub async fn open_data_form(
    State(state): State<AppState>,
    Exporter(staff): Exporter,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let lang = Lang::from_query(raw.as_deref());
    Ok(render_open_data(&state, &staff, lang, &[], Vec::new(), StatusCode::OK).await)
}

pub async fn open_data_release(
    State(state): State<AppState>,
    Exporter(staff): Exporter,
    RawQuery(raw): RawQuery,
    CheckedForm(Pairs(typed)): CheckedForm<Pairs>,
) -> PageResult {
    use crate::open_data::{OpenDataError, OpenDataRequest};
    let lang = Lang::from_query(raw.as_deref());
    let value = |k: &str| typed.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    let mut errors = Vec::new();
    let stations = store::Dashboards::stations(&state.db, &staff.station_ids).await.unwrap_or_default();
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
            let (period, problem) = months(&state, lang, f, t).await;
            errors.extend(problem);
            period
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
    let epsilon = match value("epsilon").map(|e| e.parse::<domain::privacy::dp::Epsilon>()) {
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
    let version = store::Surveys::current_version(&state.db).await.ok().flatten().unwrap_or(1);
    let survey = store::Surveys::load(&state.db, version).await.ok().flatten();
    let (Some(epsilon), Some(survey), true) = (epsilon, survey, errors.is_empty()) else {
        return Ok(render_open_data(&state, &staff, lang, &typed, errors, StatusCode::UNPROCESSABLE_ENTITY).await);
    };
    let station_ids = stations.iter().filter(|s| regions.contains(&s.region)).map(|s| s.id).collect();
    let request = OpenDataRequest { regions, station_ids, from, to, survey_version: version, epsilon };
    // In the export queue like any export: its turn waits in this request.
    let Some(ticket) = state.jobs.queue.admit() else {
        let message = super::queue_full(lang);
        let mut r = render_open_data(&state, &staff, lang, &typed, vec![message], StatusCode::TOO_MANY_REQUESTS).await;
        r.headers_mut().insert(header::RETRY_AFTER, axum::http::HeaderValue::from_static("60"));
        return Ok(r);
    };
    let _turn = ticket.turn().await;
    std::fs::create_dir_all(&state.export_dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", state.export_dir.display()))?;
    let out = state.export_dir.join(format!("open-data-{}.zip", crate::auth::random_token()));
    let released = crate::open_data::release(
        &state.export_db,
        &survey,
        &request,
        state.dp_cap,
        &staff.user.email,
        &out,
        rand::rngs::OsRng,
    )
    .await;
    match released {
        Ok(_) => {
            // Streamed from the open file, whose name is gone at once.
            let file = tokio::fs::File::open(&out).await;
            let _ = std::fs::remove_file(&out);
            let file = file.map_err(|e| anyhow::anyhow!("cannot read the release back: {e}"))?;
            Ok((
                [
                    (header::CONTENT_TYPE, "application/zip".to_string()),
                    (header::CONTENT_DISPOSITION, "attachment; filename=\"digna-open-data.zip\"".to_string()),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(file)),
            )
                .into_response())
        }
        Err(OpenDataError::OverBudget { region, month, asking, spent, cap }) => {
            let message = match lang {
                Lang::Es => format!("Rechazado: publicar con ε = {asking} llevaría la región «{region}» en {month} más allá de su tope de ε = {cap} (ya gastado: {spent})."),
                Lang::En => format!("Refused: releasing with ε = {asking} would take region “{region}” in {month} past its cap of ε = {cap} (already spent: {spent})."),
            };
            Ok(render_open_data(&state, &staff, lang, &typed, vec![message], StatusCode::CONFLICT).await)
        }
        Err(OpenDataError::Export(e)) => Err(e.into()),
    }
}
