use super::extract::{JsonBody, Tablet};
use super::ApiError;
use crate::privacy::ingest::{self, Pending};
use crate::{AppState, Counters};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use base64::{engine::general_purpose::STANDARD, Engine};
use domain::time::calendar::iso_week_label;
use domain::{FieldError, Submission, SubmissionBody};
use serde::{Deserialize, Serialize};
use store::responses::Outcome;

/// A submission sealed on the tablet: the JSON of a [`SubmissionBody`], encrypted to the
/// server's public key (`GET /api/v1/kiosk`) as a libsodium-compatible sealed box.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SealedSubmission {
    /// The sealed box, standard base64.
    pub sealed: String,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct SubmitResponse {
    /// `stored` on first delivery, `duplicate` when this id was already received.
    pub status: String,
}

/// Submit one visitor's answers, sealed. Safe to retry with the same `id`.
///
/// The body is `{"sealed": "<base64>"}`: the JSON of a `SubmissionBody`, with the
/// `durations` the tablet measured, in a frame of 4,096 bytes (a zero byte, its length
/// as four big-endian bytes, the JSON, zeros), sealed to the key of `GET /api/v1/kiosk`
/// as a libsodium sealed box. A plain body, or a sealed one without `durations`, is
/// refused (422): see the README, "Anonymous by construction".
#[utoipa::path(
    post, path = "/api/v1/responses", tag = "responses",
    security(("tablet_token" = [])),
    request_body(content(
        (SealedSubmission = "application/json"),
    )),
    responses(
        (status = 201, description = "Stored", body = SubmitResponse),
        (status = 200, description = "Already received; nothing new stored", body = SubmitResponse),
        (status = 400, description = "Not JSON", body = super::error::ErrorBody),
        (status = 401, description = "Missing, unknown or revoked token", body = super::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 413, description = "Body over 64 KiB", body = super::error::ErrorBody),
        (status = 415, description = "Not sent as application/json", body = super::error::ErrorBody),
        (status = 422, description = "Invalid answer, a plain (unsealed) body, no durations, or a sealed box that cannot be opened; the message names the field", body = super::error::ErrorBody),
(status = 429, description = "Too many requests; retry after `Retry-After` seconds", body = super::error::ErrorBody, headers(("Retry-After" = u64, description = "Whole seconds to wait"))),
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
    match &result {
        Ok((StatusCode::CREATED, _)) => Counters::add(&state.counters.stored),
        Ok(_) => Counters::add(&state.counters.replayed),
        // Counted into the hourly report with its cause, never a log line per request:
        // its time would date a visit.
        Err(ApiError::Internal(cause)) => {
            state.counters.fail(format!("{cause:#}"));
            return Err(ApiError::Reported);
        }
        Err(_) => Counters::add(&state.counters.refused),
    }
    result
}

async fn store(
    state: &AppState,
    station: &store::stations::Station,
    body: serde_json::Value,
) -> Result<(StatusCode, Json<SubmitResponse>), ApiError> {
    let body = unseal(state, body)?;
    let survey = ingest::published_survey(state, body.survey_version).await?.ok_or_else(|| {
        FieldError::new("survey_version", format!("survey version {} was never published", body.survey_version))
    })?;
    let mut submission = Submission::parse(&body, &survey)?;
    // A body without durations could never be marked suspect: refused, so that whoever
    // holds a tablet's token cannot slip in answers that pass for a visitor's.
    let durations = submission.durations().ok_or_else(|| {
        FieldError::new("durations", "missing: a tablet sends {\"survey_ms\": n, \"since_previous_ms\": n or null}")
    })?;
    // Only the flag is kept, never the durations it comes from.
    submission.set_suspect(station.settings.is_suspect(durations.survey_ms, durations.since_previous_ms));
    let pending =
        Pending { station_id: station.id, iso_week: iso_week_label(chrono::Utc::now(), &station.timezone), submission };
    // Every pending record has one size: what does not fit is refused, not sealed larger.
    let record = ingest::seal(&state.seal, &pending).map_err(|e| FieldError::new("answers", e.to_string()))?;
    let outcome = ingest::store(state, record).await.map_err(|e| ApiError::Internal(e.into()))?;
    Ok(match outcome {
        Outcome::Stored => (StatusCode::CREATED, Json(SubmitResponse { status: "stored".into() })),
        Outcome::Replay => (StatusCode::OK, Json(SubmitResponse { status: "duplicate".into() })),
    })
}

/// Notes the day (in the station's timezone) this tablet last delivered answers, for the
/// admin console's silent-tablet list: a day, never a time, and written only when it
/// changes. Nothing links the response to the tablet.
async fn record_delivery_day(state: &AppState, tablet: &Tablet) -> Result<(), ApiError> {
    let today = domain::time::calendar::local_day(chrono::Utc::now(), &tablet.station.timezone).to_string();
    if tablet.last_delivery_day.as_deref() != Some(today.as_str()) {
        store::Tablets::record_delivery_day(&state.db, tablet.id, &today).await?;
    }
    Ok(())
}

/// A sealed submission opened, taken out of its frame and read. A plain one is refused:
/// its length, on the wire and in any log of a proxy, would follow her answers.
fn unseal(state: &AppState, body: serde_json::Value) -> Result<SubmissionBody, FieldError> {
    let sealed = match &body {
        serde_json::Value::Object(obj) if obj.contains_key("sealed") => match (obj.len(), &obj["sealed"]) {
            (1, serde_json::Value::String(s)) => s,
            (1, _) => return Err(FieldError::new("sealed", "expected a base64 string")),
            _ => return Err(FieldError::new("sealed", "a sealed submission holds nothing but \"sealed\"")),
        },
        serde_json::Value::Object(_) => return Err(FieldError::new(
            "sealed",
            "missing: a tablet seals its answers to the key of GET /api/v1/kiosk and sends {\"sealed\": \"<base64>\"}",
        )),
        _ => return Err(FieldError::new("body", "expected a JSON object")),
    };
    let bytes = STANDARD.decode(sealed).map_err(|_| FieldError::new("sealed", "not valid base64"))?;
    let plain = state
        .seal
        .open_box(&bytes)
        .ok_or_else(|| FieldError::new("sealed", "cannot be opened: altered, or sealed to another key"))?;
    SubmissionBody::from_opened(&plain)
}
