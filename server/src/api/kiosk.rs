use super::{ApiError, TabletStation};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use base64::{engine::general_purpose::STANDARD, Engine};
use domain::KioskSettings;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct KioskStation {
    pub code: String,
    pub name: String,
}

/// What an enrolled tablet needs besides the survey.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct KioskConfig {
    pub station: KioskStation,
    /// The server's X25519 public key (standard base64): tablets seal answers to it.
    pub seal_public_key: String,
    pub settings: KioskSettings,
    /// Whether the station has a staff PIN (the staff panel opens only with one).
    pub staff_pin_set: bool,
}

/// The tablet's configuration: its station, the key to seal answers to, kiosk settings.
#[utoipa::path(
    get, path = "/api/v1/kiosk", tag = "tablets",
    security(("tablet_token" = [])),
    responses(
        (status = 200, description = "The tablet's configuration", body = KioskConfig),
        (status = 401, description = "Missing, unknown or revoked token", body = super::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 429, description = "Too many requests; retry after `Retry-After` seconds", body = super::error::ErrorBody, headers(("Retry-After" = u64, description = "Whole seconds to wait"))),
    )
)]
pub async fn config(
    State(state): State<AppState>,
    TabletStation(station): TabletStation,
) -> Result<Json<KioskConfig>, ApiError> {
    Ok(Json(KioskConfig {
        station: KioskStation { code: station.code, name: station.name },
        seal_public_key: STANDARD.encode(state.seal.box_public_key()),
        settings: station.settings,
        staff_pin_set: station.staff_pin_set,
    }))
}
