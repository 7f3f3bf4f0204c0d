//! The comparison: two to eight stations or regions of her scope side by side, on the
//! index and on each question; and its chart as an SVG download.

use super::labels::{label_survey, question_text, versions};
use super::query::{Ctx, DashQuery};
use super::view::{figure, filter_form, svg_response, Chart};
use crate::charts::{self, ChartText};
use crate::web::kit::PageResult;
use crate::web::layout::{form_errors, page, scope_picker, Lang};
use crate::web::session::Staff;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::{CompareGroup, Shown, StationLabel};
use leptos::prelude::*;
use store::Dashboards;

/// How many stations or regions a comparison holds.
pub const COMPARE_MIN: usize = 2;
pub const COMPARE_MAX: usize = 8;

/// What a comparison asks for: `s:CODE` for a station, `r:Region` for a region, comma
/// separated, as the form sends them.
fn compare_items(q: &DashQuery) -> Vec<String> {
    q.items.as_deref().unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// The groups she asked for, within her scope; unknown or foreign items are reported,
/// never looked up further.
fn compare_groups(lang: Lang, items: &[String], stations: &[StationLabel]) -> (Vec<CompareGroup>, Vec<String>) {
    let mut groups = Vec::new();
    let mut errors = Vec::new();
    for item in items {
        if let Some(code) = item.strip_prefix("s:") {
            match stations.iter().find(|s| s.code == code) {
                Some(s) => groups.push(CompareGroup::station(s)),
                None => errors.push(match lang {
                    Lang::Es => format!("No puedes ver una comisaría con código «{code}»."),
                    Lang::En => format!("You may not see a station with code “{code}”."),
                }),
            }
        } else if let Some(region) = item.strip_prefix("r:") {
            let ids: Vec<i64> = stations.iter().filter(|s| s.region == region).map(|s| s.id).collect();
            if ids.is_empty() {
                errors.push(match lang {
                    Lang::Es => format!("No puedes ver la región «{region}»."),
                    Lang::En => format!("You may not see the region “{region}”."),
                });
            } else {
                groups.push(CompareGroup { label: region.to_string(), station_ids: ids });
            }
        } else {
            errors.push(format!("{item:?}"));
        }
    }
    groups.dedup_by(|a, b| a.label == b.label);
    (groups, errors)
}

pub async fn compare(State(state): State<AppState>, staff: Staff, RawQuery(raw): RawQuery) -> PageResult {
    let q = DashQuery::from_raw(raw.as_deref());
    let ctx = Ctx::new(&q, state.release_k);
    let lang = ctx.lang;
    let query = ctx.query();
    let items = compare_items(&q);
    let items_param = crate::web::session::url_encode(&items.join(","));
    let here = format!("/dashboard/compare?{query}&items={items_param}");
    let stations = Dashboards::stations(&state.db, &staff.station_ids).await?;
    let (groups, mut errors) = compare_groups(lang, &items, &stations);
    if !items.is_empty() && !(COMPARE_MIN..=COMPARE_MAX).contains(&groups.len()) {
        errors.push(match lang {
            Lang::Es => format!("Elige de {COMPARE_MIN} a {COMPARE_MAX} comisarías o regiones."),
            Lang::En => format!("Choose {COMPARE_MIN} to {COMPARE_MAX} stations or regions."),
        });
    }
    let ready = errors.is_empty() && (COMPARE_MIN..=COMPARE_MAX).contains(&groups.len());
    let columns = if ready { Dashboards::compare(&state.db, &groups, &ctx.filters, ctx.k).await? } else { Vec::new() };
    let survey = label_survey(&state, &ctx).await;
    let versions = versions(&state).await;

    let result = if ready {
        let chart = compare_chart_of(&ctx, &columns);
        let headers = columns.iter().map(|c| view! { <th scope="col">{c.label.clone()}</th> }).collect_view();
        let question_keys: Vec<String> =
            columns.first().map(|c| c.questions.iter().map(|q| q.question_key.clone()).collect()).unwrap_or_default();
        let question_rows = question_keys
            .iter()
            .map(|key| {
                let cells = columns
                    .iter()
                    .map(|c| {
                        let mean = c.questions.iter().find(|q| &q.question_key == key).map(|q| q.mean);
                        let mean = mean.unwrap_or(Shown::Suppressed);
                        view! { <td class="num" class:suppressed=mean.is_suppressed()>{ctx.shown_index(&mean)}</td> }
                    })
                    .collect_view();
                view! { <tr><th scope="row">{question_text(survey.as_ref(), lang, key)}</th>{cells}</tr> }
            })
            .collect_view();
        let responses = columns
            .iter()
            .map(|c| view! { <td class="num" class:suppressed=c.responses.is_suppressed()>{ctx.shown_count(&c.responses)}</td> })
            .collect_view();
        let index = columns
            .iter()
            .map(
                |c| view! { <td class="num" class:suppressed=c.index.is_suppressed()>{ctx.shown_index(&c.index)}</td> },
            )
            .collect_view();
        let left_out: usize = columns.iter().map(|c| c.left_out).sum();
        view! {
            {figure(lang, chart, "/dashboard/compare/chart", &format!("{query}&items={items_param}"))}
            <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Tabla de comparación", "Comparison table")>
                <table class="compare" id="compare-table">
                    <caption>{match lang {
                        Lang::Es => format!("Índice y cada pregunta (0 a 100), {}", ctx.period()),
                        Lang::En => format!("Index and each question (0 to 100), {}", ctx.period()),
                    }}</caption>
                    <thead><tr><td></td>{headers}</tr></thead>
                    <tbody>
                        <tr><th scope="row">{lang.t("Respuestas", "Responses")}</th>{responses}</tr>
                        <tr class="index-row"><th scope="row">{lang.t("Índice de dignidad", "Dignity index")}</th>{index}</tr>
                        {question_rows}
                    </tbody>
                </table>
            </div>
            {(left_out > 0).then(|| view! {
                <p class="muted">{match lang {
                    Lang::Es => format!("{left_out} comisaría(s) con {} quedan fuera de las cifras de su grupo, para que no se puedan deducir por resta.", ctx.fewer()),
                    Lang::En => format!("{left_out} station(s) with {} are left out of their group's figures, so that they cannot be worked out by subtraction.", ctx.fewer()),
                }}</p>
            })}
        }
        .into_any()
    } else {
        view! {
            <p class="empty-state">{lang.t(
                "Marca de 2 a 8 comisarías o regiones y pulsa «Comparar».",
                "Tick 2 to 8 stations or regions and press “Compare”.",
            )}</p>
        }
        .into_any()
    };
    let body = view! {
        <h1>{lang.t("Comparar comisarías y regiones", "Compare stations and regions")}</h1>
        <p class="lead">{match lang {
            Lang::Es => format!("Lado a lado en el índice de dignidad y en cada pregunta, {}.", ctx.period()),
            Lang::En => format!("Side by side on the dignity index and on each question, {}.", ctx.period()),
        }}</p>
        {filter_form(&ctx, &versions, "/dashboard/compare", vec![("items", items.join(","))])}
        <form method="get" action="/dashboard/compare" class="picker" id="compare-picker">
            <input type="hidden" name="lang" value=lang.code()/>
            <input type="hidden" name="from" value=ctx.filters.from().to_string()/>
            <input type="hidden" name="to" value=ctx.filters.to().to_string()/>
            {ctx.filters.survey_version().map(|v| view! { <input type="hidden" name="version" value=v.to_string()/> })}
            {ctx.filters.language().map(|l| view! { <input type="hidden" name="language" value=l.code()/> })}
            {ctx.filters.include_suspect().then(|| view! { <input type="hidden" name="suspect" value="1"/> })}
            // Every station and region in her scope, checked when chosen.
            {scope_picker(lang, &stations, "item", &|v| items.iter().any(|i| i == v))}
            <button type="submit" class="primary">{lang.t("Comparar", "Compare")}</button>
            {form_errors(errors)}
        </form>
        {result}
    };
    Ok(page(lang, lang.t("Comparar", "Compare"), Some(&staff), &here, body))
}

fn compare_chart_of(ctx: &Ctx, columns: &[domain::CompareColumn]) -> Chart {
    let lang = ctx.lang;
    let fewer = ctx.fewer();
    let items: Vec<(String, Option<f64>)> = columns.iter().map(|c| (c.label.clone(), c.index.value())).collect();
    let summary = match lang {
        Lang::Es => format!(
            "Índice de dignidad de {} grupos, {}: {}.",
            columns.len(),
            ctx.period(),
            columns.iter().map(|c| format!("{} {}", c.label, ctx.shown_index(&c.index))).collect::<Vec<_>>().join("; ")
        ),
        Lang::En => format!(
            "Dignity index of {} groups, {}: {}.",
            columns.len(),
            ctx.period(),
            columns.iter().map(|c| format!("{} {}", c.label, ctx.shown_index(&c.index))).collect::<Vec<_>>().join("; ")
        ),
    };
    Chart {
        name: "compare-index",
        svg: charts::bars(
            &items,
            Some(100.0),
            &fewer,
            &ChartText {
                title: lang.t("Índice de dignidad por grupo", "Dignity index by group"),
                x_label: lang.t("Índice (0–100)", "Index (0–100)"),
                y_label: "",
                summary: &summary,
            },
        ),
        headers: vec![
            lang.t("Grupo", "Group").into(),
            lang.t("Respuestas", "Responses").into(),
            lang.t("Índice", "Index").into(),
        ],
        rows: columns
            .iter()
            .map(|c| vec![c.label.clone(), ctx.shown_count(&c.responses), ctx.shown_index(&c.index)])
            .collect(),
    }
}

pub async fn compare_chart(
    State(state): State<AppState>,
    staff: Staff,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let q = DashQuery::from_raw(raw.as_deref());
    let ctx = Ctx::new(&q, state.release_k);
    if file != "compare-index.svg" {
        return Ok((StatusCode::NOT_FOUND, "no such chart").into_response());
    }
    let stations = Dashboards::stations(&state.db, &staff.station_ids).await?;
    let (groups, errors) = compare_groups(ctx.lang, &compare_items(&q), &stations);
    if !errors.is_empty() || !(COMPARE_MIN..=COMPARE_MAX).contains(&groups.len()) {
        return Ok((StatusCode::NOT_FOUND, "choose 2 to 8 stations or regions in your scope").into_response());
    }
    Ok(svg_response(
        compare_chart_of(&ctx, &Dashboards::compare(&state.db, &groups, &ctx.filters, ctx.k).await?).svg,
        "compare-index",
    ))
}
