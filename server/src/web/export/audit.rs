//! `/export/audit`: every export's audit record, for admins.

use crate::web::kit::{ExportAdmin, PageResult};
use crate::web::layout::{page, Lang};
use crate::AppState;
use axum::extract::{RawQuery, State};
use leptos::prelude::*;

pub async fn audit(
    State(state): State<AppState>,
    ExportAdmin(staff): ExportAdmin,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let lang = Lang::from_query(raw.as_deref());
    let records = store::Exports::list_audit(&state.db, 500).await?;
    let rows = records
        .into_iter()
        .map(|a| {
            view! {
                <tr>
                    <td>{a.id}</td><td>{a.created_at}</td><td>{a.actor}</td><td>{a.kind}</td>
                    <td class="num">{a.rows}</td><td class="num">{a.suppressed}</td>
                    <td><code class="wrap">{a.filters}</code></td><td><code class="wrap">{a.zip_sha256}</code></td>
                </tr>
            }
        })
        .collect_view();
    let body = view! {
        <h1>{lang.t("Registro de exportaciones", "Export audit log")}</h1>
        <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Registro", "Log")>
            <table id="audit-table">
                <thead><tr>
                    <th scope="col">"#"</th><th scope="col">{lang.t("Cuándo (UTC)", "When (UTC)")}</th>
                    <th scope="col">{lang.t("Quién", "Who")}</th><th scope="col">{lang.t("Tipo", "Kind")}</th>
                    <th scope="col">{lang.t("Filas", "Rows")}</th><th scope="col">{lang.t("Suprimidas", "Suppressed")}</th>
                    <th scope="col">{lang.t("Filtros", "Filters")}</th><th scope="col">"SHA-256"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    };
    Ok(page(lang, lang.t("Registro de exportaciones", "Export audit log"), Some(&staff), "/export/audit", body))
}
