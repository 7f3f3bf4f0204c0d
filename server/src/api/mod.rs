//! The public JSON API under `/api/v1`, described by `/api/v1/openapi.json`.

mod error;
mod extract;
mod kiosk;
mod openapi;
mod rate_limit;
mod responses;
mod staff;
mod survey;
mod tablets;

pub use error::ApiError;
pub use extract::TabletStation;
pub use staff::hash_pin;
pub use tablets::{create_enrollment_code, ENROLLMENT_CODE_HOURS};

use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

/// Bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tablets/enroll", post(tablets::enroll))
        .route("/survey", get(survey::current))
        .route("/responses", post(responses::submit))
        .route("/kiosk", get(kiosk::config))
        .route("/staff/unlock", post(staff::unlock))
        .layer(rate_limit::per_tablet())
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { ApiError::NotFound("no such API route".into()) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}
