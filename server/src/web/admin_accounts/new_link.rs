//! A new one-time link: its token's hash (all the database keeps), its URL, and the
//! session slot that shows it once, to the admin who made it.

use crate::web::kit::PageResult;
use crate::web::layout::Lang;
use crate::web::session::Staff;
use crate::AppState;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use sha2::{Digest, Sha256};

/// The session key under which a new link waits to be shown once: (account id, URL).
pub(super) const NEW_LINK: &str = "admin_new_account_link";

pub(super) fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The link to send, absolute when the request says which host it reached.
fn link_url(state: &AppState, headers: &HeaderMap, token: &str) -> String {
    match crate::web::admin::request_origin(headers, state.secure_cookies) {
        Some(origin) => format!("{origin}/invite/{token}"),
        None => format!("/invite/{token}"),
    }
}

/// Keeps the new link in the session for the next page only, and goes there.
pub(super) async fn show_link_once(
    state: &AppState,
    staff: &Staff,
    headers: &HeaderMap,
    lang: Lang,
    id: i64,
    token: &str,
) -> PageResult {
    staff
        .session
        .insert(NEW_LINK, (id, link_url(state, headers, token)))
        .await
        .map_err(|e| anyhow::anyhow!("session: {e}"))?;
    Ok(Redirect::to(&format!("/admin/accounts/{id}?lang={}", lang.code())).into_response())
}
