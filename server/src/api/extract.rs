use super::ApiError;
use crate::auth::secret_hash;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, request::Parts, StatusCode};
use serde_json::Value;
use store::stations::Station;

/// The station of the tablet that sent the request, from its bearer token.
pub struct TabletStation(pub Station);

/// The enrolled, unrevoked tablet that sent the request, at an active station: its id
/// (to record the day it delivered, never to link a response to it) and its station.
#[derive(Clone)]
pub struct Tablet {
    pub id: i64,
    pub station: Station,
    pub last_delivery_day: Option<String>,
}

impl FromRequestParts<AppState> for Tablet {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // Already checked by the rate limit in front of the handler (`per_tablet`).
        if let Some(tablet) = parts.extensions.get::<Tablet>() {
            return Ok(tablet.clone());
        }
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 128)
            .ok_or(ApiError::Unauthorized)?;
        let tablet = store::Tablets::tablet_of_token(&state.db, &secret_hash(token))
            .await?
            .filter(|t| t.station.active)
            .ok_or(ApiError::Unauthorized)?;
        Ok(Tablet { id: tablet.id, station: tablet.station, last_delivery_day: tablet.last_delivery_day })
    }
}

impl FromRequestParts<AppState> for TabletStation {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(TabletStation(Tablet::from_request_parts(parts, state).await?.station))
    }
}

/// A JSON body as an untyped value: size, media type and syntax are checked here with
/// precise errors; the shape is checked by the domain types.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::UnsupportedMediaType("send the body as Content-Type: application/json".into()));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::BadRequest(format!("cannot read the body: {rejection}"))
            }
        })?;
        let value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
        Ok(JsonBody(value))
    }
}
