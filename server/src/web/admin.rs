//! `/admin`: administrators run the stations of the network and their tablets from the
//! browser, and every change lands in the audit log. (Admins only, checked on every
//! request.)
//!
//! `overview` is the network at a glance and the silent-tablet setting; `stations` the
//! list of stations and the form that adds one; `station` one station's page and its
//! edit form; `kiosk` that page's kiosk settings and staff PIN; `release` its release
//! schedule; `alerts` its rule for the index alert; `tablets` its tablets (enrollment and
//! revocation). `form` is the form as
//! typed that they share; `station_view` draws the station page they all show.

mod alerts;
pub(crate) mod form;
pub(crate) mod kiosk;
mod overview;
pub(crate) mod release;
mod station;
pub(crate) mod station_view;
mod stations;
mod tablets;

pub use kiosk::{update_kiosk, update_pin};
pub use overview::{overview_page, set_silent_days};
pub use release::update_release;
pub use station::{station_page, update_station};
pub use stations::{create_station, stations_page};
pub use tablets::{enroll_tablet, enrollment_qr_svg, request_origin, revoke_tablet};

use super::layout::Lang;
use crate::AppState;
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(overview_page))
        .route("/admin/silent-tablets", post(set_silent_days))
        .route("/admin/stations", get(stations_page).post(create_station))
        .route("/admin/stations/{code}", get(station_page).post(update_station))
        .route("/admin/stations/{code}/kiosk", post(update_kiosk))
        .route("/admin/stations/{code}/release", post(update_release))
        .route("/admin/stations/{code}/alerts", post(alerts::update_alerts))
        .route("/admin/stations/{code}/pin", post(update_pin))
        .route("/admin/stations/{code}/tablets", post(enroll_tablet))
        .route("/admin/stations/{code}/tablets/{id}/revoke", post(revoke_tablet))
}

pub(super) fn lang_of(raw: Option<&str>) -> Lang {
    Lang::from_query(raw)
}

/// The admin console's sections, one link each; `current` is marked for screen readers.
pub(super) fn admin_nav(lang: Lang, current: &str) -> impl IntoView + use<> {
    let l = lang.code();
    let sections = [
        ("/admin", lang.t("Resumen", "Overview")),
        ("/admin/stations", lang.t("Comisarías", "Stations")),
        ("/admin/accounts", lang.t("Cuentas", "Accounts")),
        ("/admin/survey", lang.t("Encuesta", "Survey")),
        ("/admin/translations", lang.t("Traducciones", "Translations")),
        ("/admin/retention", lang.t("Conservación", "Retention")),
        ("/admin/voices", lang.t("Voces", "Voices")),
        ("/admin/webhooks", lang.t("Notificaciones", "Notifications")),
        ("/admin/audit", lang.t("Registro", "Audit log")),
    ];
    let current = current.to_string();
    let links = sections
        .into_iter()
        .map(|(path, label)| {
            let here = path == current;
            view! { <li><a href=format!("{path}?lang={l}") aria-current=here.then_some("page")>{label}</a></li> }
        })
        .collect_view();
    view! {
        <nav class="admin-nav" aria-label=lang.t("Administración", "Administration")><ul>{links}</ul></nav>
    }
}
