//! One station's page as it is drawn (its details, kiosk settings, release schedule,
//! staff PIN and tablets), which its handlers (`station`, `kiosk`, `release`, `tablets`)
//! show again with what was typed and its errors. It draws; it changes nothing.

mod alerts;
mod kiosk;
mod release;
mod tablets;

pub(in crate::web::admin) use alerts::{parse_alerts, rule_of};
pub(crate) use kiosk::kiosk_form_of;
pub(crate) use release::release_form_of;
pub(in crate::web::admin) use release::{schedule_of, AT, EVERY};
pub(in crate::web::admin) use tablets::Enrollment;

use super::admin_nav;
use super::form::{field, StationForm};
use crate::web::kit::PageError;
use crate::web::kit::PageResult;
use crate::web::layout::{page, Lang};
use crate::web::session::Staff;
use crate::AppState;
use alerts::{alerts_form_of, alerts_section};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{KioskSetting, SilentTabletDays};
use kiosk::kiosk_field;
use leptos::prelude::*;
use release::release_section;
use store::settings;
use store::stations::Station;
use store::{NetworkSettings, Stations, Tablets};
use tablets::{enrollment_view, tablet_rows};

/// What the station page shows besides the station: its forms as typed with their
/// errors, and an enrollment code just created.
#[derive(Default)]
pub(in crate::web::admin) struct StationPage {
    pub(in crate::web::admin) edit: Option<StationForm>,
    pub(in crate::web::admin) kiosk: Option<StationForm>,
    pub(in crate::web::admin) release: Option<StationForm>,
    pub(in crate::web::admin) alerts: Option<StationForm>,
    pub(in crate::web::admin) pin_error: Option<String>,
    pub(in crate::web::admin) enrollment: Option<Enrollment>,
}

pub(in crate::web::admin) async fn render_station(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    station: &Station,
    shown: StationPage,
    status: StatusCode,
) -> PageResult {
    let list = Tablets::list_for_station(&state.db, station.id).await?;
    let silent_days =
        NetworkSettings::get_i64(&state.db, settings::SILENT_TABLET_DAYS, SilentTabletDays::DEFAULT).await?;
    let scheduled = schedule_of(state, station.id).await?;
    let l = lang.code();
    let code = station.code.clone();
    let form = shown.edit.unwrap_or_else(|| StationForm::of(station));
    let kiosk = shown.kiosk.unwrap_or_else(|| kiosk_form_of(&station.settings));
    let release = shown.release.unwrap_or_else(|| release_form_of(scheduled.schedule));
    let release = release_section(lang, staff, &scheduled, &release, chrono::Utc::now());
    let alerts = match shown.alerts {
        Some(typed) => typed,
        None => alerts_form_of(rule_of(state, station.id).await?),
    };
    let alerts = alerts_section(lang, staff, &station.code, &alerts);
    let active = form.typed.contains_key("active");
    let pin_error = shown.pin_error;
    let pin_described = pin_error.as_ref().map(|_| "pin-hint pin-error").unwrap_or("pin-hint");
    let empty = list.is_empty();
    let rows = tablet_rows(lang, staff, station, list, silent_days);
    let kiosk_fields = KioskSetting::ALL.into_iter().map(|k| kiosk_field(&kiosk, lang, k)).collect_view();
    let body = view! {
        {admin_nav(lang, "/admin/stations")}
        <nav class="breadcrumbs" aria-label=lang.t("Ruta", "Breadcrumbs")>
            <a href=format!("/admin/stations?lang={l}")>{lang.t("Comisarías", "Stations")}</a>" › "<span aria-current="page">{code.clone()}</span>
        </nav>
        <h1>{code.clone()}</h1>
        <form method="post" action=format!("/admin/stations/{code}?lang={l}") class="picker" id="edit-station">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            {field(&form, lang, "name", ("Nombre", "Name"))}
            {field(&form, lang, "region", ("Región", "Region"))}
            {field(&form, lang, "timezone", ("Zona horaria", "Timezone"))}
            <div class="field check">
                <input id="st-active" name="active" type="checkbox" value="1" checked=active/>
                <label for="st-active">{lang.t(
                    "Activa (desactivada, sus tabletas dejan de aceptar respuestas; su historia se conserva)",
                    "Active (deactivated, its tablets stop accepting answers; its history stays)",
                )}</label>
            </div>
            <button type="submit" class="primary">{lang.t("Guardar", "Save")}</button>
        </form>

        <h2 id="kiosk-heading">{lang.t("Ajustes del quiosco", "Kiosk settings")}</h2>
        <form method="post" action=format!("/admin/stations/{code}/kiosk?lang={l}") class="picker" id="kiosk-settings"
            aria-labelledby="kiosk-heading">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            {kiosk_fields}
            <button type="submit" class="primary">{lang.t("Guardar los ajustes", "Save the settings")}</button>
        </form>

        {release}

        {alerts}

        <h2 id="staff-pin-heading">{lang.t("PIN del personal", "Staff PIN")}</h2>
        <p id="staff-pin-state">{if station.staff_pin_set {
            lang.t("PIN: configurado.", "PIN: set.")
        } else {
            lang.t(
                "PIN: no configurado. El panel del personal de las tabletas no se puede abrir.",
                "PIN: not set. The tablets' staff panel cannot be opened.",
            )
        }}</p>
        <form method="post" action=format!("/admin/stations/{code}/pin?lang={l}") class="picker" id="staff-pin"
            aria-labelledby="staff-pin-heading">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            <div class="field">
                <label for="pin">{lang.t("Nuevo PIN", "New PIN")}</label>
                <input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="new-password" maxlength="8"
                    aria-invalid=pin_error.is_some().then_some("true") aria-describedby=pin_described/>
                <p class="muted" id="pin-hint">{lang.t(
                    "De 4 a 8 cifras. Nunca se muestra; se guarda solo su huella.",
                    "4 to 8 digits. It is never shown; only its fingerprint is kept.",
                )}</p>
                {pin_error.map(|e| view! { <p class="field-error" id="pin-error">{e}</p> })}
            </div>
            <button type="submit" name="action" value="set" class="primary">{lang.t("Guardar el PIN", "Save the PIN")}</button>
            {station.staff_pin_set.then(|| view! {
                <button type="submit" name="action" value="clear" class="button" id="clear-staff-pin">
                    {lang.t("Quitar el PIN", "Remove the PIN")}
                </button>
            })}
        </form>

        <h2 id="tablets-heading">{lang.t("Tabletas", "Tablets")}</h2>
        <p class="notice">{lang.t(
            "Revocar una tableta es inmediato: su siguiente envío se rechaza. Las respuestas que aún guarde se entregan si se vuelve a inscribir.",
            "Revoking a tablet takes effect at once: its next delivery is refused. Answers still queued on it are delivered if it is enrolled again.",
        )}</p>
        {if empty {
            view! { <p class="empty-state" id="no-tablets">{lang.t("Esta comisaría aún no tiene tabletas.", "This station has no tablets yet.")}</p> }.into_any()
        } else {
            view! {
                <div class="table-scroll" tabindex="0" role="region" aria-labelledby="tablets-heading">
                    <table id="tablets">
                        <thead><tr>
                            <th scope="col">{lang.t("Tableta", "Tablet")}</th>
                            <th scope="col">{lang.t("Inscrita el día", "Enrolled on")}</th>
                            <th scope="col">{lang.t("Último día con entregas", "Last day it delivered")}</th>
                            <th scope="col">{lang.t("Estado", "State")}</th>
                            <th scope="col">{match lang {
                                Lang::Es => format!("Sin entregas más de {silent_days} días"),
                                Lang::En => format!("Silent over {silent_days} days"),
                            }}</th>
                            <th scope="col">{lang.t("Acción", "Action")}</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }.into_any()
        }}
        {shown.enrollment.map(|e| enrollment_view(lang, e))}
        <form method="post" action=format!("/admin/stations/{code}/tablets?lang={l}") id="enroll-tablet">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            <button type="submit" class="primary">{lang.t("Inscribir una tableta", "Enroll a tablet")}</button>
        </form>
    };
    let mut r = page(lang, &code, Some(staff), &format!("/admin/stations/{code}?lang={l}"), body);
    *r.status_mut() = status;
    Ok(r)
}

/// The station named in the path, or a 404.
pub(in crate::web::admin) async fn station_or_404(state: &AppState, code: &str) -> Result<Station, PageError> {
    Stations::by_code(&state.db, code).await?.ok_or(PageError::NotFound("no such station"))
}

pub(in crate::web::admin) fn back_to_station(lang: Lang, code: &str) -> Response {
    Redirect::to(&format!("/admin/stations/{code}?lang={}", lang.code())).into_response()
}
