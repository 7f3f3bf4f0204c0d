//! `/admin`: the network at a glance, the tablets that fell silent, and after how many
//! days a tablet counts as silent.

use super::form::StationForm;
use super::{admin_nav, lang_of};
use crate::web::kit::{Admin, CheckedForm, PageResult, Pairs};
use crate::web::layout::{page, Lang};
use crate::web::session::Staff;
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::SilentTabletDays;
use leptos::prelude::*;
use store::audit::Entry;
use store::settings;
use store::{NetworkSettings, Stations, Tablets};

/// `GET /admin`: the network at a glance, and the tablets that fell silent.
pub async fn overview_page(State(state): State<AppState>, Admin(staff): Admin, RawQuery(raw): RawQuery) -> PageResult {
    render_overview(&state, &staff, lang_of(raw.as_deref()), None, StatusCode::OK).await
}

/// What the threshold form says after a refused change: the typed value and the error.
struct DaysTyped {
    value: String,
    error: String,
}

async fn render_overview(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    typed: Option<DaysTyped>,
    status: StatusCode,
) -> PageResult {
    let days = NetworkSettings::get_i64(&state.db, settings::SILENT_TABLET_DAYS, SilentTabletDays::DEFAULT).await?;
    let counts = Stations::network_counts(&state.db).await?;
    let silent = Tablets::silent(&state.db, days, chrono::Utc::now()).await?;
    let l = lang.code();
    let silent_view = if silent.is_empty() {
        view! {
            <p class="empty-state" id="no-silent-tablets">{match lang {
                Lang::Es => format!("Ninguna tableta está en silencio: todas las tabletas activas entregaron respuestas (o se inscribieron) en los últimos {days} días."),
                Lang::En => format!("No tablet is silent: every active tablet delivered answers (or was enrolled) within the last {days} days."),
            }}</p>
        }
        .into_any()
    } else {
        let rows = silent
            .into_iter()
            .map(|t| {
                let href = format!("/admin/stations/{}?lang={l}", t.station_code);
                let last = if t.ever_delivered {
                    t.last_day.to_string()
                } else {
                    match lang {
                        Lang::Es => format!("nunca (inscrita el {})", t.last_day),
                        Lang::En => format!("never (enrolled on {})", t.last_day),
                    }
                };
                view! {
                    <tr data-tablet=t.id.to_string()>
                        <th scope="row"><a href=href>{format!("{} · {}", t.station_code, t.station_name)}</a></th>
                        <td>{format!("#{}", t.id)}</td>
                        <td>{last}</td>
                        <td class="num">{t.days}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-scroll" tabindex="0" role="region" aria-labelledby="silent-heading">
                <table id="silent-tablets-table">
                    <thead><tr>
                        <th scope="col">{lang.t("Comisaría", "Station")}</th>
                        <th scope="col">{lang.t("Tableta", "Tablet")}</th>
                        <th scope="col">{lang.t("Último día con entregas", "Last day it delivered")}</th>
                        <th scope="col">{lang.t("Días en silencio", "Days silent")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let (value, error) = match typed {
        Some(t) => (t.value, Some(t.error)),
        None => (days.to_string(), None),
    };
    let described = if error.is_some() { "silent-days-hint silent-days-error" } else { "silent-days-hint" };
    let body = view! {
        {admin_nav(lang, "/admin")}
        <h1>{lang.t("Resumen de la red", "Network overview")}</h1>
        <dl class="facts" id="network-counts">
            <dt>{lang.t("Comisarías activas", "Active stations")}</dt><dd id="count-stations">{counts.active_stations}</dd>
            <dt>{lang.t("Tabletas activas", "Active tablets")}</dt><dd id="count-tablets">{counts.active_tablets}</dd>
            <dt>{lang.t("Respuestas publicadas", "Responses released")}</dt><dd id="count-responses">{counts.released_responses}</dd>
        </dl>
        <section id="silent-tablets" aria-labelledby="silent-heading">
            <h2 id="silent-heading">{lang.t("Tabletas en silencio", "Silent tablets")}</h2>
            <p>{match lang {
                Lang::Es => format!("Tabletas activas de comisarías activas sin entregar respuestas desde hace más de {days} días (o, si nunca entregaron, desde que se inscribieron), según el calendario de su comisaría."),
                Lang::En => format!("Active tablets at active stations that delivered no answers for more than {days} days (or, if they never did, since they were enrolled), by their station's calendar."),
            }}</p>
            {silent_view}
        </section>
        <h2 id="silent-days-heading">{lang.t("Cuándo una tableta está en silencio", "When a tablet is silent")}</h2>
        <form method="post" action=format!("/admin/silent-tablets?lang={l}") class="picker" id="silent-days"
            aria-labelledby="silent-days-heading">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            <div class="field">
                <label for="days">{lang.t("Días sin entregas", "Days without deliveries")}</label>
                <input id="days" name="days" type="text" inputmode="numeric" value=value
                    aria-invalid=error.is_some().then_some("true") aria-describedby=described/>
                <p class="muted" id="silent-days-hint">{lang.t("De 1 a 90 días.", "From 1 to 90 days.")}</p>
                {error.map(|e| view! { <p class="field-error" id="silent-days-error">{e}</p> })}
            </div>
            <button type="submit" class="primary">{lang.t("Guardar", "Save")}</button>
        </form>
    };
    let mut r = page(lang, lang.t("Administración", "Administration"), Some(staff), &format!("/admin?lang={l}"), body);
    *r.status_mut() = status;
    Ok(r)
}

/// `POST /admin/silent-tablets`: after how many days without a delivery a tablet is
/// flagged as silent (1 to 90).
pub async fn set_silent_days(
    State(state): State<AppState>,
    Admin(staff): Admin,
    RawQuery(raw): RawQuery,
    CheckedForm(form): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let form = StationForm::from_pairs(form);
    let days = match SilentTabletDays::parse(&form.get("days")) {
        Ok(d) => d,
        Err(_) => {
            let error = lang.t("Escribe un número entero de 1 a 90.", "Type a whole number from 1 to 90.").to_string();
            let typed = DaysTyped { value: form.get("days"), error };
            return render_overview(&state, &staff, lang, Some(typed), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let new = days.get().to_string();
    let audit = |old: &Option<String>| {
        let old = old.clone().unwrap_or_else(|| SilentTabletDays::DEFAULT.to_string());
        let detail = format!("{old} → {new}");
        (old != new).then(|| Entry::new(&staff.user.email, "setting.update", settings::SILENT_TABLET_DAYS, detail))
    };
    NetworkSettings::set(&state.db, settings::SILENT_TABLET_DAYS, &new, audit).await?;
    Ok(Redirect::to(&format!("/admin?lang={}", lang.code())).into_response())
}
