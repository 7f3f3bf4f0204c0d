//! `POST /admin/stations/{code}/alerts`: the station's own rule for the index alert (the
//! points it may fall, and a floor), audited; the default rule removes its own.

use super::form::StationForm;
use super::lang_of;
use super::station_view::{back_to_station, parse_alerts, render_station, rule_of, station_or_404, StationPage};
use crate::web::kit::{Admin, CheckedForm, PageResult, Pairs};
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use store::audit::Entry;
use store::Notifications;

pub async fn update_alerts(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
    CheckedForm(form): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let station = station_or_404(&state, &code).await?;
    let rule = match parse_alerts(StationForm::from_pairs(form), lang) {
        Ok(rule) => rule,
        Err(f) => {
            let shown = StationPage { alerts: Some(f), ..StationPage::default() };
            return render_station(&state, &staff, lang, &station, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    if rule_of(&state, station.id).await? != rule {
        let detail = format!(
            "drop_points={} floor={}",
            rule.drop_points,
            rule.floor.map(|f| f.to_string()).unwrap_or_else(|| "none".into())
        );
        let audit = Entry::new(&staff.user.email, "station.alert_rule", &station.code, detail);
        Notifications::set_alert_rule(&state.db, station.id, rule, &audit).await?;
    }
    Ok(back_to_station(lang, &station.code))
}
