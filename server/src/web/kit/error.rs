//! One error for the staff pages: each variant renders the response users and tests
//! have always seen for it.

use crate::web::layout::Lang;
use crate::web::session::Staff;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Why a staff handler did not do what was asked.
pub enum PageError {
    /// A failure of ours: the cause is logged, the page says only that it failed (500).
    Internal(anyhow::Error),
    /// A plain 404 saying what was not found.
    NotFound(&'static str),
    /// The form token or the form's origin is wrong (403); nothing was changed.
    FormRefused,
    /// A signed-in staff member who is not an administrator (403).
    AdminsOnly { lang: Lang, staff: Box<Staff> },
    /// A page already rendered: a refusal with its own status, or an extractor's rejection.
    Page(Box<Response>),
}

impl PageError {
    /// The internal error page, its cause logged.
    fn internal(e: anyhow::Error) -> Response {
        tracing::error!("staff page failed: {e:#}");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Error interno: inténtalo de nuevo en un momento. / Internal error: try again in a moment.",
        )
            .into_response()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Internal(e) => PageError::internal(e),
            PageError::NotFound(what) => (StatusCode::NOT_FOUND, what).into_response(),
            PageError::FormRefused => crate::web::session::refused(),
            PageError::AdminsOnly { lang, staff } => super::roles::admins_only_page(lang, &staff),
            PageError::Page(r) => *r,
        }
    }
}

impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> Self {
        PageError::Internal(e)
    }
}

impl From<crate::export::error::Error> for PageError {
    fn from(e: crate::export::error::Error) -> Self {
        PageError::Internal(e.into())
    }
}

impl From<crate::auth::Error> for PageError {
    fn from(e: crate::auth::Error) -> Self {
        PageError::Internal(e.into())
    }
}

impl From<store::Error> for PageError {
    fn from(e: store::Error) -> Self {
        PageError::Internal(e.into())
    }
}

impl From<tower_sessions::session::Error> for PageError {
    fn from(e: tower_sessions::session::Error) -> Self {
        PageError::Internal(e.into())
    }
}

impl From<Response> for PageError {
    fn from(r: Response) -> Self {
        PageError::Page(Box::new(r))
    }
}
