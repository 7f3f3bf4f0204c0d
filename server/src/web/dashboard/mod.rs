//! The supervisor dashboards: an overview of every station in her scope, a page per
//! station and a comparison. Every figure comes from the roll-ups, already suppressed
//! below k; every chart is drawn here as SVG, with its numbers as a table beside it.
//! Scope is checked on every request: a station outside it does not exist for her.
//!
//! `query` reads a dashboard URL into a [`Ctx`]; `view` holds what every page draws (the
//! filter form, a chart's figure, the SVG download, the page for a station not found);
//! `labels` names versions, questions and choices; the pages are `overview`, `station`
//! (with its charts in `station_charts`) and `compare`.

mod compare;
mod labels;
mod overview;
mod query;
mod station;
mod station_charts;
mod view;

use crate::AppState;
use axum::routing::get;
use axum::Router;

pub(crate) use query::{Ctx, DashQuery};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(overview::overview))
        .route("/dashboard/station/{code}", get(station::station))
        .route("/dashboard/station/{code}/chart/{file}", get(station::station_chart))
        .route("/dashboard/compare", get(compare::compare))
        .route("/dashboard/compare/chart/{file}", get(compare::compare_chart))
}
