use super::{ApiError, TabletStation};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use domain::Survey;

/// The survey version current for the tablet's station.
#[utoipa::path(
    get, path = "/api/v1/survey", tag = "survey",
    security(("tablet_token" = [])),
    responses(
        (status = 200, description = "The current survey", body = Survey),
        (status = 401, description = "Missing, unknown or revoked token", body = super::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 404, description = "No survey version is published", body = super::error::ErrorBody),
        (status = 429, description = "Too many requests; retry after `Retry-After` seconds", body = super::error::ErrorBody, headers(("Retry-After" = u64, description = "Whole seconds to wait"))),
    )
)]
pub async fn current(State(state): State<AppState>, _tablet: TabletStation) -> Result<Json<Survey>, ApiError> {
    let version = store::Surveys::current_version(&state.db)
        .await?
        .ok_or_else(|| ApiError::NotFound("no survey version is published".into()))?;
    let survey = store::Surveys::load(&state.db, version)
        .await?
        .ok_or_else(|| ApiError::NotFound("no survey version is published".into()))?;
    Ok(Json(survey))
}
