use super::extract::JsonBody;
use super::{ApiError, TabletStation};
use crate::{AppState, Counters};
use app::db::responses::{iso_week_label, Outcome};
use app::domain::{FieldError, Submission, SubmissionBody};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct SubmitResponse {
    /// `stored` on first delivery, `duplicate` when this id was already received.
    pub status: String,
}

/// Submit one visitor's answers. Safe to retry with the same `id`.
#[utoipa::path(
    post, path = "/api/v1/responses", tag = "responses",
    security(("tablet_token" = [])),
    request_body = SubmissionBody,
    responses(
        (status = 201, description = "Stored", body = SubmitResponse),
        (status = 200, description = "Already received; nothing new stored", body = SubmitResponse),
        (status = 400, description = "Not JSON", body = super::error::ErrorBody),
        (status = 401, description = "Missing, unknown or revoked token", body = super::error::ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = super::error::ErrorBody),
        (status = 422, description = "Invalid answer; the message names the field", body = super::error::ErrorBody),
    )
)]
pub async fn submit(
    State(state): State<AppState>,
    TabletStation(station): TabletStation,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<SubmitResponse>), ApiError> {
    let result = store(&state, &station, body).await;
    let counter = match &result {
        Ok((StatusCode::CREATED, _)) => &state.counters.stored,
        Ok(_) => &state.counters.replayed,
        Err(_) => &state.counters.refused,
    };
    Counters::add(counter);
    result
}

async fn store(
    state: &AppState,
    station: &app::db::stations::Station,
    body: serde_json::Value,
) -> Result<(StatusCode, Json<SubmitResponse>), ApiError> {
    let body = SubmissionBody::from_json(body)?;
    let survey = app::db::survey::load(&state.pool, body.survey_version).await?.ok_or_else(|| {
        FieldError::new("survey_version", format!("survey version {} was never published", body.survey_version))
    })?;
    let submission = Submission::parse(&body, &survey)?;
    let week = iso_week_label(chrono::Utc::now(), &station.timezone);
    let outcome =
        app::db::responses::submit(&state.pool, &state.seal, station.id, &week, &submission, state.release_k).await?;
    Ok(match outcome {
        Outcome::Stored => (StatusCode::CREATED, Json(SubmitResponse { status: "stored".into() })),
        Outcome::Replay => (StatusCode::OK, Json(SubmitResponse { status: "duplicate".into() })),
    })
}
