//! `/admin/retention`: how long raw responses are kept, what the next purge would take,
//! a purge on demand, and the purges so far. The dashboards' roll-ups are never purged.

use super::admin::{admin_nav, lang_of};
use super::kit::{Admin, CheckedForm, PageResult, Pairs};
use super::layout::{page, Lang};
use super::session::Staff;
use crate::privacy::retention;
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use store::audit::AuditFilter;
use store::audit::Entry;
use store::settings;
use store::{AuditLog, Maintenance, NetworkSettings};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/retention", get(retention_page).post(set_years))
        .route("/admin/retention/purge", post(purge_now))
}

async fn render(state: &AppState, staff: &Staff, lang: Lang, typed: Option<(String, String)>) -> PageResult {
    let years = retention::years(&state.db).await?;
    let cutoff = domain::time::calendar::retention_cutoff(chrono::Utc::now().date_naive(), years);
    let due = Maintenance::responses_before(&state.db, &cutoff).await?;
    let filter = AuditFilter { action: "retention".into(), ..AuditFilter::default() };
    let purges = AuditLog::search(&state.db, &filter, 20).await?;
    let l = lang.code();
    let (value, error) = match typed {
        Some((v, e)) => (v, Some(e)),
        None => (years.to_string(), None),
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let history = if purges.is_empty() {
        view! { <p class="empty" id="purges-empty">{lang.t("Todavía no se purgó nada.", "Nothing has been purged yet.")}</p> }
            .into_any()
    } else {
        let rows = purges
            .into_iter()
            .map(|a| view! { <tr><td>{a.at}</td><td>{a.actor}</td><td>{a.action}</td><td>{a.detail}</td></tr> })
            .collect_view();
        view! {
            <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Purgas", "Purges")>
                <table id="purges">
                    <thead><tr>
                        <th scope="col">{lang.t("Cuándo (UTC)", "When (UTC)")}</th><th scope="col">{lang.t("Quién", "Who")}</th>
                        <th scope="col">{lang.t("Acción", "Action")}</th><th scope="col">{lang.t("Detalle", "Detail")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let body = view! {
        {admin_nav(lang, "/admin/retention")}
        <h1>{lang.t("Conservación de respuestas", "Keeping responses")}</h1>
        <p>{lang.t(
            "Las respuestas individuales más antiguas que el período elegido se borran cada día. Los totales por semana que usan los tableros se conservan.",
            "Individual responses older than the chosen period are deleted every day. The weekly totals the dashboards use are kept.",
        )}</p>
        <p id="retention-status">{match lang {
            Lang::Es => format!("Se conservan {years} años: desde la semana {cutoff}. Hoy se purgarían {due} respuestas."),
            Lang::En => format!("{years} years are kept: from week {cutoff} on. Today {due} responses would be purged."),
        }}</p>
        <form method="post" action=format!("/admin/retention?lang={l}") class="picker" id="retention-form">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            <div class="field">
                <label for="retention-years">{lang.t("Años que se conservan (1 a 50)", "Years kept (1 to 50)")}</label>
                <input id="retention-years" name="years" type="number" min="1" max="50" inputmode="numeric" value=value
                    aria-invalid=error.is_some().then_some("true")
                    aria-describedby=error.as_ref().map(|_| "retention-years-error")/>
                {error.map(|e| view! { <p class="field-error" id="retention-years-error">{e}</p> })}
            </div>
            <button type="submit" class="primary">{lang.t("Guardar", "Save")}</button>
        </form>
        <form method="post" action=format!("/admin/retention/purge?lang={l}") id="purge-now">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            <button type="submit">{lang.t("Purgar ahora", "Purge now")}</button>
        </form>
        <h2>{lang.t("Purgas", "Purges")}</h2>
        {history}
    };
    let mut r =
        page(lang, lang.t("Conservación", "Retention"), Some(staff), &format!("/admin/retention?lang={l}"), body);
    *r.status_mut() = status;
    Ok(r)
}

pub async fn retention_page(State(state): State<AppState>, Admin(staff): Admin, RawQuery(raw): RawQuery) -> PageResult {
    render(&state, &staff, lang_of(raw.as_deref()), None).await
}

pub async fn set_years(
    State(state): State<AppState>,
    Admin(staff): Admin,
    RawQuery(raw): RawQuery,
    CheckedForm(form): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let typed = form.value("years");
    let years = match typed.trim().parse::<i64>() {
        Ok(y) if retention::YEARS.contains(&y) => y,
        _ => {
            let msg = match lang {
                Lang::Es => format!("«{}» no es un número de años entre 1 y 50.", typed.trim()),
                Lang::En => format!("“{}” is not a number of years from 1 to 50.", typed.trim()),
            };
            return render(&state, &staff, lang, Some((typed, msg))).await;
        }
    };
    let audit = |old: &Option<String>| {
        let old = old.clone().unwrap_or_else(|| retention::DEFAULT_YEARS.to_string());
        let detail = format!("retention_years: {old} → {years}");
        (old != years.to_string()).then(|| Entry::new(&staff.user.email, "setting.update", "retention_years", detail))
    };
    NetworkSettings::set(&state.db, settings::RETENTION_YEARS, &years.to_string(), audit).await?;
    Ok(Redirect::to(&format!("/admin/retention?lang={}", lang.code())).into_response())
}

pub async fn purge_now(
    State(state): State<AppState>,
    Admin(staff): Admin,
    RawQuery(raw): RawQuery,
    CheckedForm(_): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    retention::purge(&state.db, &staff.user.email).await?;
    Ok(Redirect::to(&format!("/admin/retention?lang={}", lang.code())).into_response())
}
