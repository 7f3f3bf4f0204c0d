//! A per-tablet rate limit: a flood from one device token gets 429 and cannot crowd
//! out other tablets. Keyed on a hash of the token, never on an address.

use super::ApiError;
use axum::body::Body;
use axum::http::{header, Request, Response};
use axum::response::IntoResponse;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};

/// Requests a tablet may make at once, and how fast it earns more: enough to deliver a
/// queue after an outage in a few rounds.
pub const BURST: u32 = 30;
pub const REFILL_MS: u64 = 100;

#[derive(Clone, Copy)]
pub struct TabletKey;

impl KeyExtractor for TabletKey {
    type Key = [u8; 16];

    fn extract<T>(&self, req: &Request<T>) -> Result<Self::Key, GovernorError> {
        // Requests without a token (enrollment) share one bucket.
        let token = req.headers().get(header::AUTHORIZATION).map(|v| v.as_bytes()).unwrap_or_default();
        let digest = Sha256::digest(token);
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        Ok(key)
    }
}

pub fn per_tablet(
) -> GovernorLayer<TabletKey, governor::middleware::NoOpMiddleware<governor::clock::QuantaInstant>, Body> {
    let config = GovernorConfigBuilder::default()
        .key_extractor(TabletKey)
        .per_millisecond(REFILL_MS)
        .burst_size(BURST)
        .finish()
        .expect("a valid rate limit");
    GovernorLayer::new(Arc::new(config))
        .error_handler(|_e: GovernorError| -> Response<Body> { ApiError::TooManyRequests.into_response() })
}
