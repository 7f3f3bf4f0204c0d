//! The role checks of the staff pages as extractors: a handler that takes one cannot
//! run for anyone else, and whoever is refused sees the page she always saw.

use super::PageError;
use crate::web::layout::{page, Lang};
use crate::web::session::Staff;
use crate::AppState;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Role;
use leptos::prelude::*;

/// A signed-in administrator. Anyone else signed in gets the 403 "administrators only"
/// page; anyone signed out is sent to sign in.
pub struct Admin(pub Staff);

/// A signed-in staff member who may export data: an administrator or a researcher.
/// Anyone else gets the 403 export page.
pub struct Exporter(pub Staff);

/// An administrator, on the export pages: anyone else gets the 403 export page.
pub struct ExportAdmin(pub Staff);

/// The staff member signed in, if her role is one of `admitted`; else `refusal`'s page.
async fn gate<S>(
    parts: &mut Parts,
    state: &S,
    admitted: &[Role],
    refusal: fn(Lang, Box<Staff>) -> PageError,
) -> Result<Staff, PageError>
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    let staff = Staff::from_request_parts(parts, state).await.map_err(PageError::from)?;
    if admitted.contains(&staff.role()) {
        Ok(staff)
    } else {
        Err(refusal(Lang::from_query(parts.uri.query()), Box::new(staff)))
    }
}

fn export_refusal(lang: Lang, staff: Box<Staff>) -> PageError {
    PageError::from(export_forbidden_page(lang, &staff))
}

impl<S> FromRequestParts<S> for Admin
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        gate(parts, state, &[Role::Admin], |lang, staff| PageError::AdminsOnly { lang, staff }).await.map(Admin)
    }
}

impl<S> FromRequestParts<S> for Exporter
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        gate(parts, state, &[Role::Admin, Role::Researcher], export_refusal).await.map(Exporter)
    }
}

impl<S> FromRequestParts<S> for ExportAdmin
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        gate(parts, state, &[Role::Admin], export_refusal).await.map(ExportAdmin)
    }
}

/// 403: the administration is for administrators.
pub(super) fn admins_only_page(lang: Lang, staff: &Staff) -> Response {
    let body = view! {
        <section class="card">
            <h1>{lang.t("Administración", "Administration")}</h1>
            <p>{lang.t("Solo las administradoras pueden entrar aquí.", "Only administrators may come here.")}</p>
        </section>
    };
    let mut r = page(lang, lang.t("Administración", "Administration"), Some(staff), "/admin", body);
    *r.status_mut() = StatusCode::FORBIDDEN;
    r
}

/// 403: exports are for researchers and administrators.
fn export_forbidden_page(lang: Lang, staff: &Staff) -> Response {
    let body = view! {
        <section class="card">
            <h1>{lang.t("Exportar", "Export")}</h1>
            <p>{lang.t(
                "Solo las investigadoras y las administradoras pueden exportar datos.",
                "Only researchers and administrators can export data.",
            )}</p>
        </section>
    };
    let mut r = page(lang, lang.t("Exportar", "Export"), Some(staff), "/export", body);
    *r.status_mut() = StatusCode::FORBIDDEN;
    r.into_response()
}
