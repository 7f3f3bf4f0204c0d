//! The staff side of Digna: sign-in, accounts and the supervisor dashboards. These
//! pages carry the session cookie; the kiosk (`/kiosk`) and the API (`/api/v1`) are
//! outside this router and never see it.

pub mod account;
pub mod account_notifications;
pub mod account_password;
pub mod admin;
pub mod admin_accounts;
pub mod admin_audit;
pub mod admin_retention;
pub mod admin_survey;
pub mod admin_voices;
pub mod admin_webhooks;
pub mod dashboard;
pub mod export;
pub mod kit;
pub mod lang;
pub mod layout;
pub mod session;
pub mod session_store;
pub mod signin;

use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use session_store::HashedStore;

/// Staff forms are small: anything bigger is refused.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

pub fn router(store: HashedStore, secure_cookies: bool) -> Router<AppState> {
    Router::new()
        .route("/signin", get(signin::form).post(signin::submit))
        .route("/signin/two-factor", get(signin::second_factor_form).post(signin::second_factor_submit))
        .route("/signout", post(signin::sign_out))
        .route("/account", get(account::overview))
        .route("/account/two-factor", get(account::two_factor_form).post(account::two_factor_confirm))
        .route("/account/password", get(account_password::form).post(account_password::submit))
        .merge(account_notifications::router())
        .merge(dashboard::router())
        .merge(export::router())
        .merge(admin::router())
        .merge(admin_accounts::router())
        .merge(admin_survey::router())
        .merge(admin_audit::router())
        .merge(admin_retention::router())
        .merge(admin_webhooks::router())
        .merge(admin_voices::router())
        .layer(session::layer(store, secure_cookies))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(axum::middleware::from_fn(server_timing))
}

/// Says how long the server spent on a staff page (`Server-Timing: app;dur=…` in
/// milliseconds), for browsers' developer tools and the dashboard benchmarks. Staff pages
/// only: the kiosk and the API never carry a time.
async fn server_timing(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let start = std::time::Instant::now();
    let mut response = next.run(req).await;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("app;dur={ms:.2}")) {
        response.headers_mut().insert("server-timing", v);
    }
    response
}

/// The session store, its table created if missing.
pub async fn session_store(db: &crate::Db) -> anyhow::Result<HashedStore> {
    HashedStore::new(db).await
}

/// Deletes expired sessions every hour.
pub fn spawn_session_cleanup(store: HashedStore) {
    use tower_sessions::session_store::ExpiredDeletion;
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            if let Err(e) = store.delete_expired().await {
                tracing::warn!("cannot delete expired sessions: {e}");
            }
        }
    });
}

/// The staff pages' one script: chart downloads as PNG. Everything else works without it.
/// The "Voces" page's recorder.
pub async fn voices_script() -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("voices.js"),
    )
        .into_response()
}

pub async fn staff_script() -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("staff.js"),
    )
        .into_response()
}
