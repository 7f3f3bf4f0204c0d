//! The supervisor dashboards.

use super::layout::{page, Lang};
use super::session::Staff;
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct DashQuery {
    #[serde(default)]
    lang: Option<String>,
}

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard", get(overview))
}

pub async fn overview(State(_state): State<AppState>, staff: Staff, Query(q): Query<DashQuery>) -> Response {
    let lang = Lang::parse(q.lang.as_deref().unwrap_or("es"));
    let body = view! { <h1>{lang.t("Resumen", "Overview")}</h1> };
    page(lang, lang.t("Resumen", "Overview"), Some(&staff), "/dashboard", body)
}
