//! `/admin/audit`: every change administrators (and the command line) made, every
//! sign-in and export, with who, what and when.

use super::admin::{admin_nav, admins_only, lang_of};
use super::layout::page;
use super::session::Staff;
use crate::AppState;
use app::db::audit;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/audit", get(audit_page))
}

pub async fn audit_page(State(state): State<AppState>, staff: Staff, RawQuery(raw): RawQuery) -> Response {
    let lang = lang_of(raw.as_deref());
    if let Some(r) = admins_only(lang, &staff) {
        return r;
    }
    let lines = match audit::audit_log(&state.pool, 500).await {
        Ok(l) => l,
        Err(e) => return super::internal_error(e.into()),
    };
    let rows = lines
        .into_iter()
        .map(|a| view! { <tr><td>{a.at}</td><td>{a.actor}</td><td>{a.action}</td><td>{a.target}</td><td>{a.detail}</td></tr> })
        .collect_view();
    let body = view! {
        {admin_nav(lang, "/admin/audit")}
        <h1>{lang.t("Registro de cambios", "Audit log")}</h1>
        <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Registro", "Log")>
            <table id="admin-audit">
                <thead><tr>
                    <th scope="col">{lang.t("Cuándo (UTC)", "When (UTC)")}</th><th scope="col">{lang.t("Quién", "Who")}</th>
                    <th scope="col">{lang.t("Acción", "Action")}</th><th scope="col">{lang.t("Sobre", "Target")}</th>
                    <th scope="col">{lang.t("Detalle", "Detail")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    };
    page(lang, lang.t("Registro de cambios", "Audit log"), Some(&staff), "/admin/audit", body)
}
