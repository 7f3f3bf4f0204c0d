//! `/admin/stations/{code}`: one station's page (drawn by `station_view`) and the form
//! that edits its details.

use super::form::StationForm;
use super::lang_of;
use super::station_view::{render_station, station_or_404, StationPage};
use crate::web::kit::{Admin, CheckedForm, PageResult, Pairs};
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use store::audit::Entry;
use store::Stations;

pub async fn station_page(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let station = station_or_404(&state, &code).await?;
    render_station(&state, &staff, lang_of(raw.as_deref()), &station, StationPage::default(), StatusCode::OK).await
}

pub async fn update_station(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
    CheckedForm(form): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let station = station_or_404(&state, &code).await?;
    let (name, region, timezone, active) = match StationForm::from_pairs(form).parse(lang) {
        Ok(v) => v,
        Err(f) => {
            let shown = StationPage { edit: Some(f), ..StationPage::default() };
            return render_station(&state, &staff, lang, &station, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let mut changes = Vec::new();
    if name.as_ref() != station.name {
        changes.push(format!("name: {} → {}", station.name, name.as_ref()));
    }
    if region.as_ref() != station.region {
        changes.push(format!("region: {} → {}", station.region, region.as_ref()));
    }
    if timezone != station.timezone {
        changes.push(format!("timezone: {} → {timezone}", station.timezone));
    }
    if active != station.active {
        changes.push(if active { "activated".into() } else { "deactivated".into() });
    }
    if !changes.is_empty() {
        let audit = Entry::new(&staff.user.email, "station.update", &station.code, changes.join("; "));
        Stations::update(&state.db, station.id, &name, &region, &timezone, active, &audit).await?;
    }
    Ok(Redirect::to(&format!("/admin/stations?lang={}", lang.code())).into_response())
}
