//! The public JSON API under `/api/v1`, described by `/api/v1/openapi.json`.

mod error;
mod extract;
mod kiosk;
mod openapi;
mod rate_limit;
pub(crate) mod responses;
mod staff;
mod survey;
mod tablets;

pub use error::ApiError;
pub use extract::TabletStation;
pub use rate_limit::{TABLET_BURST, TABLET_REFILL};
pub use tablets::{create_enrollment_code, new_enrollment, ENROLLMENT_CODE_HOURS};

use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use rate_limit::per_tablet;
use std::sync::Arc;

/// Bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    // Each router has its own buckets (a test's server never shares another's).
    let limits = Arc::new(rate_limit::TabletLimits::new());
    Router::new()
        .route("/tablets/enroll", post(tablets::enroll).layer(rate_limit::enrollment()))
        .route("/survey", get(per_tablet(&limits, survey::current)))
        .route("/responses", post(per_tablet(&limits, responses::submit)))
        .route("/kiosk", get(per_tablet(&limits, kiosk::config)))
        .route("/staff/unlock", post(per_tablet(&limits, staff::unlock)))
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { ApiError::NotFound("no such API route".into()) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}
