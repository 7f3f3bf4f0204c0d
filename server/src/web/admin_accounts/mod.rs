//! `/admin/accounts`: administrators invite staff, change their role and scope, disable
//! them and force a new password; `/invite/{token}` lets the person choose her password.
//!
//! An invited or reset account has no usable password: she chooses one through a
//! one-time link valid [`accounts::LINK_DAYS`] days. Only the SHA-256 of the link's
//! token is stored, and the link itself is shown once, to the admin who made it. The
//! last active admin can be neither demoted, disabled nor reset (the check is part of
//! the database update, see `store::Accounts`).
//!
//! `form` reads and draws the role and scope fields; `list` is the list and the
//! invitation; `account` is one account's page and its changes; `new_link` makes a
//! one-time link's URL and shows it once; `link` is the page the link opens.

mod account;
mod form;
mod link;
mod list;
mod new_link;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub(crate) use form::AccountForm;
pub(super) use link::new_password;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/accounts", get(list::accounts_page).post(list::invite))
        .route("/admin/accounts/{id}", get(account::account_page).post(account::update))
        .route("/admin/accounts/{id}/disable", post(account::disable))
        .route("/admin/accounts/{id}/enable", post(account::enable))
        .route("/admin/accounts/{id}/reset", post(account::reset))
        .route("/invite/{token}", get(link::link_page).post(link::accept_link))
}
