//! A station's kiosk settings (inactivity timings, the thresholds under which a survey is
//! marked suspect) and its staff PIN, which opens the tablets' staff panel.

use super::form::StationForm;
use super::lang_of;
use super::station_view::{back_to_station, render_station, station_or_404, StationPage};
use crate::web::kit::{Admin, CheckedForm, PageResult, Pairs};
use crate::web::layout::Lang;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use domain::{KioskSetting, KioskSettings, StaffPin};
use store::audit::Entry;
use store::Stations;

/// The kiosk settings as typed, into the domain type; or the form with an error per field.
pub(crate) fn parse_kiosk(
    mut form: StationForm,
    lang: Lang,
    current: KioskSettings,
) -> Result<KioskSettings, StationForm> {
    let mut settings = current;
    for setting in KioskSetting::ALL {
        let parsed = form.get(setting.key()).trim().parse::<u32>().ok().map(|v| settings.with(setting, v));
        match parsed {
            Some(Ok(next)) => settings = next,
            _ => {
                let range = setting.range();
                let message = match lang {
                    Lang::Es => format!("Escribe un número entero de {} a {} segundos.", range.start(), range.end()),
                    Lang::En => format!("Type a whole number from {} to {} seconds.", range.start(), range.end()),
                };
                form.errors.insert(setting.key(), message);
            }
        }
    }
    if form.errors.is_empty() {
        Ok(settings)
    } else {
        Err(form)
    }
}

/// `POST /admin/stations/{code}/kiosk`: the kiosk's inactivity timings and the
/// thresholds under which a survey is marked suspect.
pub async fn update_kiosk(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
    CheckedForm(form): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let station = station_or_404(&state, &code).await?;
    let form = StationForm::from_pairs(form);
    let settings = match parse_kiosk(form, lang, station.settings) {
        Ok(s) => s,
        Err(f) => {
            let shown = StationPage { kiosk: Some(f), ..StationPage::default() };
            return render_station(&state, &staff, lang, &station, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let changes = settings.changes_from(&station.settings);
    if !changes.is_empty() {
        let audit = Entry::new(&staff.user.email, "station.update", &station.code, changes.join("; "));
        Stations::set_settings(&state.db, station.id, &settings, &audit).await?;
    }
    Ok(back_to_station(lang, &station.code))
}

/// `POST /admin/stations/{code}/pin`: sets (`action=set`) or removes (`action=clear`)
/// the staff PIN. The PIN is never shown, logged or audited; only its hash is kept.
pub async fn update_pin(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
    CheckedForm(form): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let station = station_or_404(&state, &code).await?;
    let form = StationForm::from_pairs(form);
    if form.get("action") == "clear" {
        if station.staff_pin_set {
            let audit = Entry::new(&staff.user.email, "station.pin", &station.code, "cleared");
            Stations::clear_staff_pin(&state.db, station.id, &audit).await?;
        }
        return Ok(back_to_station(lang, &station.code));
    }
    let pin = match StaffPin::parse(&form.get("pin")) {
        Ok(p) => p,
        Err(_) => {
            // What was typed is not shown again: a PIN never appears on a page.
            let error = lang.t(
                "El PIN tiene de 4 a 8 cifras, sin letras ni espacios.",
                "A PIN has 4 to 8 digits, no letters or spaces.",
            );
            let shown = StationPage { pin_error: Some(error.into()), ..StationPage::default() };
            return render_station(&state, &staff, lang, &station, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let hash = tokio::task::spawn_blocking(move || crate::auth::password::hash_pin(&pin))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|e| anyhow::anyhow!("cannot hash the PIN: {e}"))?;
    let audit = Entry::new(&staff.user.email, "station.pin", &station.code, "set");
    Stations::set_staff_pin_hash(&state.db, station.id, &hash, &audit).await?;
    Ok(back_to_station(lang, &station.code))
}
