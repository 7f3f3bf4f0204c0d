use super::extract::{JsonBody, Tablet};
use super::ApiError;
use crate::{AppState, Counters};
use app::db::responses::{iso_week_label, Outcome};
use app::domain::{FieldError, Submission, SubmissionBody};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::{Deserialize, Serialize};

/// A submission sealed on the tablet: the JSON of a [`SubmissionBody`], encrypted to the
/// server's public key (`GET /api/v1/kiosk`) as a libsodium-compatible sealed box.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct SealedSubmission {
    /// The sealed box, standard base64.
    pub sealed: String,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct SubmitResponse {
    /// `stored` on first delivery, `duplicate` when this id was already received.
    pub status: String,
}

/// Submit one visitor's answers, plain or sealed. Safe to retry with the same `id`.
#[utoipa::path(
    post, path = "/api/v1/responses", tag = "responses",
    security(("tablet_token" = [])),
    request_body(content(
        (SubmissionBody = "application/json"),
        (SealedSubmission = "application/json"),
    )),
    responses(
        (status = 201, description = "Stored", body = SubmitResponse),
        (status = 200, description = "Already received; nothing new stored", body = SubmitResponse),
        (status = 400, description = "Not JSON", body = super::error::ErrorBody),
        (status = 401, description = "Missing, unknown or revoked token", body = super::error::ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = super::error::ErrorBody),
        (status = 422, description = "Invalid answer, or a sealed box that cannot be opened; the message names the field", body = super::error::ErrorBody),
        (status = 429, description = "Too many requests from this tablet", body = super::error::ErrorBody),
    )
)]
pub async fn submit(
    State(state): State<AppState>,
    tablet: Tablet,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<SubmitResponse>), ApiError> {
    let mut result = store(&state, &tablet.station, body).await;
    if result.is_ok() {
        if let Err(e) = record_delivery_day(&state, &tablet).await {
            result = Err(e);
        }
    }
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
    let body = SubmissionBody::from_json(unseal(state, body)?)?;
    let survey = app::db::survey::load(&state.pool, body.survey_version).await?.ok_or_else(|| {
        FieldError::new("survey_version", format!("survey version {} was never published", body.survey_version))
    })?;
    let mut submission = Submission::parse(&body, &survey)?;
    // Only the flag is kept, never the durations it comes from.
    submission.content.suspect =
        submission.durations.is_some_and(|d| station.settings.is_suspect(d.survey_ms, d.since_previous_ms));
    let week = iso_week_label(chrono::Utc::now(), &station.timezone);
    let outcome =
        app::db::responses::submit(&state.pool, &state.seal, station.id, &week, &submission, state.release_k).await?;
    Ok(match outcome {
        Outcome::Stored => (StatusCode::CREATED, Json(SubmitResponse { status: "stored".into() })),
        Outcome::Replay => (StatusCode::OK, Json(SubmitResponse { status: "duplicate".into() })),
    })
}

/// Notes the day (in the station's timezone) this tablet last delivered answers, for the
/// admin console's silent-tablet list: a day, never a time, and written only when it
/// changes. Nothing links the response to the tablet.
async fn record_delivery_day(state: &AppState, tablet: &Tablet) -> Result<(), ApiError> {
    let today = app::db::tablets::local_day(chrono::Utc::now(), &tablet.station.timezone).to_string();
    if tablet.last_delivery_day.as_deref() != Some(today.as_str()) {
        app::db::tablets::record_delivery_day(&state.pool, tablet.id, &today).await?;
    }
    Ok(())
}

/// A sealed submission opened; a plain one as it is.
fn unseal(state: &AppState, body: serde_json::Value) -> Result<serde_json::Value, FieldError> {
    let sealed = match &body {
        serde_json::Value::Object(obj) if obj.contains_key("sealed") => match (obj.len(), &obj["sealed"]) {
            (1, serde_json::Value::String(s)) => s,
            (1, _) => return Err(FieldError::new("sealed", "expected a base64 string")),
            _ => return Err(FieldError::new("sealed", "a sealed submission holds nothing but \"sealed\"")),
        },
        _ => return Ok(body),
    };
    let bytes = STANDARD.decode(sealed).map_err(|_| FieldError::new("sealed", "not valid base64"))?;
    let plain = state
        .seal
        .open_box(&bytes)
        .ok_or_else(|| FieldError::new("sealed", "cannot be opened: altered, or sealed to another key"))?;
    serde_json::from_slice(&plain).map_err(|e| FieldError::new("sealed", format!("opened, but not JSON: {e}")))
}
