use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::FieldError;
use serde::Serialize;

/// Every error the API answers with. Internal causes are logged, never sent.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("missing, unknown or revoked tablet token")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("too many wrong PINs; try again in {retry_after_s} seconds")]
    Locked { retry_after_s: i64 },
    #[error("too many requests from this tablet; retry later")]
    TooManyRequests,
    #[error("the body is larger than {} bytes", super::MAX_BODY_BYTES)]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error(transparent)]
    Validation(#[from] FieldError),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
    /// An internal error already counted for the periodic report (the submission path):
    /// answered like `Internal`, but not logged again.
    #[error("internal error")]
    Reported,
}

impl From<store::Error> for ApiError {
    fn from(e: store::Error) -> Self {
        ApiError::Internal(e.into())
    }
}

/// The JSON body of every error response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable kind: `bad_request`, `unauthorized`, `validation`, …
    pub error: &'static str,
    /// For validation errors: the field at fault, such as `answers.respect`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong, for a person.
    pub message: String,
    /// For `locked`: seconds until it may be tried again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<i64>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind, field) = match &self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request", None),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized", None),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", None),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", None),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict", None),
            ApiError::Locked { .. } => (StatusCode::LOCKED, "locked", None),
            ApiError::TooManyRequests => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests", None),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", None),
            ApiError::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", None),
            ApiError::Validation(e) => (StatusCode::UNPROCESSABLE_ENTITY, "validation", Some(e.field.clone())),
            ApiError::Internal(cause) => {
                tracing::error!(error = %format!("{cause:#}"), "internal error in the API");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", None)
            }
            ApiError::Reported => (StatusCode::INTERNAL_SERVER_ERROR, "internal", None),
        };
        let message = match &self {
            ApiError::Validation(e) => e.message.clone(),
            other => other.to_string(),
        };
        let retry_after_s = match &self {
            ApiError::Locked { retry_after_s } => Some(*retry_after_s),
            _ => None,
        };
        let mut resp = (status, Json(ErrorBody { error: kind, field, message, retry_after_s })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        resp
    }
}
