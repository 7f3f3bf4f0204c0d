//! The overview: every station in her scope, one page of the table at a time, sortable,
//! with the stations whose index fell flagged.

use super::labels::versions;
use super::query::{Ctx, DashQuery};
use super::view::filter_form;
use crate::charts;
use crate::web::kit::PageResult;
use crate::web::layout::{page, Lang};
use crate::web::session::Staff;
use crate::AppState;
use axum::extract::{RawQuery, State};
use domain::{OverviewRow, Shown};
use leptos::prelude::*;
use store::Dashboards;

/// A station is flagged when its index fell by more than this many points.
pub const DROP_THRESHOLD: f64 = 10.0;

pub async fn overview(State(state): State<AppState>, staff: Staff, RawQuery(raw): RawQuery) -> PageResult {
    let q = DashQuery::from_raw(raw.as_deref());
    let ctx = Ctx::new(&q, state.release_k);
    let lang = ctx.lang;
    let mut rows = Dashboards::overview(&state.db, &staff.station_ids, &ctx.filters, ctx.k, DROP_THRESHOLD).await?;
    let sort = q.sort.as_deref().unwrap_or("station");
    let descending = q.dir.as_deref() == Some("desc");
    sort_rows(&mut rows, sort, descending);
    let versions = versions(&state).await;
    let query = ctx.query();
    let dir = if descending { "desc" } else { "asc" };
    // One page of stations, in the order chosen over all of them: what a page renders
    // does not grow with the stations in scope.
    let total = rows.len();
    let pages = total.div_ceil(OVERVIEW_PAGE).max(1);
    let page_no = q.page.as_deref().and_then(|p| p.trim().parse::<usize>().ok()).unwrap_or(1).clamp(1, pages);
    let first = (page_no - 1) * OVERVIEW_PAGE;
    let shown = &rows[first..(first + OVERVIEW_PAGE).min(total)];
    let page_link = |p: usize| format!("/dashboard?{query}&sort={sort}&dir={dir}&page={p}");
    let here = page_link(page_no);
    let flagged = rows.iter().filter(|r| r.flagged).count();

    let header = |key: &'static str, label: &'static str| {
        let active = sort == key;
        let next_dir = if active && !descending { "desc" } else { "asc" };
        let aria = if !active {
            "none"
        } else if descending {
            "descending"
        } else {
            "ascending"
        };
        let href = format!("/dashboard?{query}&sort={key}&dir={next_dir}");
        view! {
            <th scope="col" aria-sort=aria>
                <a href=href>{label}{if active { if descending { " ▼" } else { " ▲" } } else { "" }}</a>
            </th>
        }
    };
    let table = if staff.station_ids.is_empty() {
        view! {
            <p class="empty-state">{lang.t(
                "Aún no tienes comisarías asignadas. Pide a una administradora que te dé acceso a tus comisarías o regiones.",
                "You have no stations yet. Ask an administrator to grant you your stations or regions.",
            )}</p>
        }
        .into_any()
    } else {
        let body = shown
            .iter()
            .map(|r| {
                let link = format!("/dashboard/station/{}?{query}", r.station.code);
                let spark_title = match lang {
                    Lang::Es => format!("Tendencia semanal del índice en {}", r.station.code),
                    Lang::En => format!("Weekly index trend at {}", r.station.code),
                };
                let spark = charts::sparkline(&r.trend, &spark_title);
                let flag = r.flagged.then(|| {
                    view! {
                        <span class="flag" title=lang.t("Bajó más de 10 puntos", "Fell by more than 10 points")>
                            {lang.t("⚑ Bajó", "⚑ Fell")}
                        </span>
                    }
                });
                let change_class = match r.change {
                    Shown::Value(v) if v < 0.0 => "change down",
                    Shown::Value(v) if v > 0.0 => "change up",
                    _ => "change",
                };
                view! {
                    <tr class:flagged=r.flagged data-station=r.station.code.clone()>
                        <th scope="row"><a href=link>{r.station.code.clone()}</a>" "<span class="muted">{r.station.name.clone()}</span></th>
                        <td>{r.station.region.clone()}</td>
                        <td class="num" class:suppressed=r.responses.is_suppressed()>{ctx.shown_count(&r.responses)}</td>
                        <td class="num" class:suppressed=r.index.is_suppressed()>{ctx.shown_index(&r.index)}</td>
                        <td class=format!("num {change_class}")>{ctx.shown_change(&r.change)}" "{flag}</td>
                        <td class="spark" inner_html=spark></td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Tabla de comisarías", "Stations table")>
                <table class="overview" id="overview-table">
                    <caption>{match lang {
                        Lang::Es => format!("Comisarías a tu cargo, {}. Índice de dignidad de 0 a 100.", ctx.period()),
                        Lang::En => format!("Stations in your care, {}. Dignity index from 0 to 100.", ctx.period()),
                    }}{(pages > 1).then(|| match lang {
                        Lang::Es => format!(" Comisarías {} a {} de {total}.", first + 1, first + shown.len()),
                        Lang::En => format!(" Stations {} to {} of {total}.", first + 1, first + shown.len()),
                    })}</caption>
                    <thead>
                        <tr>
                            {header("station", lang.t("Comisaría", "Station"))}
                            {header("region", lang.t("Región", "Region"))}
                            {header("responses", lang.t("Respuestas", "Responses"))}
                            {header("index", lang.t("Índice de dignidad", "Dignity index"))}
                            {header("change", lang.t("Cambio", "Change"))}
                            <th scope="col">{lang.t("Tendencia", "Trend")}</th>
                        </tr>
                    </thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
            {pager(lang, page_no, pages, page_link)}
        }
        .into_any()
    };
    let lead = match lang {
        Lang::Es => format!(
            "Cómo trata cada comisaría a quienes denuncian violencia, {}. El cambio compara con el mismo número de semanas anteriores. Las cifras de menos de {} respuestas no se muestran.",
            ctx.period(),
            ctx.k
        ),
        Lang::En => format!(
            "How each station treats people who report violence, {}. The change compares with as many weeks before. Figures about fewer than {} responses are not shown.",
            ctx.period(),
            ctx.k
        ),
    };
    let flag_note = (flagged > 0).then(|| {
        view! {
            <p class="notice" role="status">{match lang {
                Lang::Es => format!("{flagged} comisaría(s) bajaron más de {DROP_THRESHOLD} puntos respecto al periodo anterior."),
                Lang::En => format!("{flagged} station(s) fell by more than {DROP_THRESHOLD} points against the previous period."),
            }}</p>
        }
    });
    let body = view! {
        <h1>{lang.t("Resumen de comisarías", "Stations overview")}</h1>
        <p class="lead">{lead}</p>
        {filter_form(&ctx, &versions, "/dashboard", vec![("sort", sort.to_string()), ("dir", dir.to_string())])}
        {flag_note}
        {table}
    };
    Ok(page(lang, lang.t("Resumen", "Overview"), Some(&staff), &here, body))
}

/// Stations per page of the overview.
const OVERVIEW_PAGE: usize = 100;

/// Links to the previous and next pages of a table, and where this one stands; nothing
/// when there is one page.
fn pager(lang: Lang, page_no: usize, pages: usize, link: impl Fn(usize) -> String) -> Option<impl IntoView> {
    (pages > 1).then(|| {
        let previous = (page_no > 1).then(|| {
            view! { <a class="button" rel="prev" href=link(page_no - 1)>{lang.t("← Anterior", "← Previous")}</a> }
        });
        let next = (page_no < pages).then(|| {
            view! { <a class="button" rel="next" href=link(page_no + 1)>{lang.t("Siguiente →", "Next →")}</a> }
        });
        view! {
            <nav class="pager" aria-label=lang.t("Páginas de la tabla", "Table pages")>
                {previous}
                <span class="pager-at">{match lang {
                    Lang::Es => format!("Página {page_no} de {pages}"),
                    Lang::En => format!("Page {page_no} of {pages}"),
                }}</span>
                {next}
            </nav>
        }
    })
}

fn sort_rows(rows: &mut [OverviewRow], key: &str, descending: bool) {
    // Hidden figures sort last whichever the direction.
    fn by<T: PartialOrd + Copy>(a: &Shown<T>, b: &Shown<T>, descending: bool) -> std::cmp::Ordering {
        use std::cmp::Ordering::*;
        match (a, b) {
            (Shown::Value(x), Shown::Value(y)) => {
                let o = x.partial_cmp(y).unwrap_or(Equal);
                if descending {
                    o.reverse()
                } else {
                    o
                }
            }
            (Shown::Value(_), Shown::Suppressed) => Less,
            (Shown::Suppressed, Shown::Value(_)) => Greater,
            _ => Equal,
        }
    }
    rows.sort_by(|a, b| {
        let o = match key {
            "region" => a.station.region.cmp(&b.station.region).then(a.station.code.cmp(&b.station.code)),
            "responses" => return by(&a.responses, &b.responses, descending).then(a.station.code.cmp(&b.station.code)),
            "index" => return by(&a.index, &b.index, descending).then(a.station.code.cmp(&b.station.code)),
            "change" => return by(&a.change, &b.change, descending).then(a.station.code.cmp(&b.station.code)),
            _ => a.station.code.cmp(&b.station.code),
        };
        if descending {
            o.reverse()
        } else {
            o
        }
    });
}
