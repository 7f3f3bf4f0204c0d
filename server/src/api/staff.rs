use super::extract::{JsonBody, Tablet};
use super::ApiError;
use crate::auth::password::verify_pin;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use domain::FieldError;
use serde::{Deserialize, Serialize};
use store::stations::PinAttempt;

/// Wrong PINs in a row that lock the staff panel, and for how long.
pub const PIN_ATTEMPTS: i64 = 5;
pub const PIN_LOCK_SECONDS: i64 = 5 * 60;

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnlockRequest {
    /// The station's staff PIN: 4 to 8 digits.
    #[schema(pattern = "^[0-9]{4,8}$", example = "4826")]
    pub pin: String,
}

/// Check the station's staff PIN to open the tablet's staff panel.
#[utoipa::path(
    post, path = "/api/v1/staff/unlock", tag = "tablets",
    security(("tablet_token" = [])),
    request_body = UnlockRequest,
    responses(
        (status = 204, description = "The PIN is right"),
        (status = 400, description = "Not JSON", body = super::error::ErrorBody),
        (status = 401, description = "Missing, unknown or revoked token", body = super::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "Wrong PIN (counted towards the lock)", body = super::error::ErrorBody),
        (status = 404, description = "The tablet was removed meanwhile", body = super::error::ErrorBody),
        (status = 409, description = "The station has no staff PIN", body = super::error::ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = super::error::ErrorBody),
        (status = 415, description = "Not sent as application/json", body = super::error::ErrorBody),
        (status = 422, description = "Not a PIN (4 to 8 digits): refused without counting an attempt", body = super::error::ErrorBody),
        (status = 423, description = "Locked after five wrong PINs", body = super::error::ErrorBody),
        (status = 429, description = "Too many requests; retry after `Retry-After` seconds", body = super::error::ErrorBody, headers(("Retry-After" = u64, description = "Whole seconds to wait"))),
    )
)]
pub async fn unlock(
    State(state): State<AppState>,
    tablet: Tablet,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, ApiError> {
    let request: UnlockRequest = serde_json::from_value(body)
        .map_err(|e| FieldError::new("pin", format!("expected {{\"pin\": \"1234\"}}: {e}")))?;
    // Something that cannot be a PIN is refused before an attempt is counted: it says
    // nothing about the PIN, and a refused request changes nothing.
    if !(4..=8).contains(&request.pin.len()) || !request.pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::new("pin", "a staff PIN has 4 to 8 digits").into());
    }
    let now = chrono::Utc::now().timestamp();
    // The attempt is counted before the slow check, so guesses sent together cannot slip
    // past the lock while earlier ones are still being checked. The lock is this
    // tablet's: wrong PINs at one tablet keep no one out of another's panel.
    let attempt = store::Tablets::reserve_pin_attempt(&state.db, tablet.id, PIN_ATTEMPTS, now, PIN_LOCK_SECONDS)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such tablet".into()))?;
    let (hash, locks) = match attempt {
        PinAttempt::Check { hash, locks } => (hash, locks),
        PinAttempt::NoPin => {
            return Err(ApiError::Conflict(
                "this station has no staff PIN; the administrator sets one with `digna station set`".into(),
            ))
        }
        PinAttempt::Locked { until } => return Err(ApiError::Locked { retry_after_s: (until - now).max(1) }),
    };
    let pin = request.pin;
    let right =
        tokio::task::spawn_blocking(move || verify_pin(&pin, &hash)).await.map_err(|e| ApiError::Internal(e.into()))?;
    if right {
        store::Tablets::clear_pin_failures(&state.db, tablet.id).await?;
        return Ok(StatusCode::NO_CONTENT);
    }
    if locks {
        // How long this lock lasts (it doubles with every lock since the last right PIN).
        let until = store::Tablets::pin_locked_until(&state.db, tablet.id).await?.unwrap_or(now + PIN_LOCK_SECONDS);
        return Err(ApiError::Locked { retry_after_s: (until - now).max(1) });
    }
    Err(ApiError::Forbidden("wrong PIN".into()))
}
