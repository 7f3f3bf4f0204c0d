//! The supervisor dashboards: an overview of every station in her scope, a page per
//! station and a comparison. Every figure comes from the roll-ups, already suppressed
//! below k; every chart is drawn here as SVG, with its numbers as a table beside it.
//! Scope is checked on every request: a station outside it does not exist for her.

use super::kit::{PageError, PageResult, Pairs};
use super::layout::{form_errors, page, scope_picker, Lang};
use super::session::Staff;
use crate::charts::{self, ChartText, Series};
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use domain::{
    CompareGroup, DashboardFilters, IsoWeek, Language, OverviewRow, Shown, StationLabel, StationReport, Survey,
};
use leptos::prelude::*;
use store_sqlite::dashboard as data;

/// A station is flagged when its index fell by more than this many points.
pub const DROP_THRESHOLD: f64 = 10.0;
/// How many stations or regions a comparison holds.
pub const COMPARE_MIN: usize = 2;
pub const COMPARE_MAX: usize = 8;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(overview))
        .route("/dashboard/station/{code}", get(station))
        .route("/dashboard/station/{code}/chart/{file}", get(station_chart))
        .route("/dashboard/compare", get(compare))
        .route("/dashboard/compare/chart/{file}", get(compare_chart))
}

/// Everything a dashboard URL may carry, as typed; parsed into [`Ctx`].
#[derive(Default, Clone, Debug)]
pub struct DashQuery {
    lang: Option<String>,
    from: Option<String>,
    to: Option<String>,
    version: Option<String>,
    language: Option<String>,
    suspect: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    /// The overview's page, from 1.
    page: Option<String>,
    items: Option<String>,
}

impl DashQuery {
    /// From the raw query string. Repeated `item` fields (the comparison's check boxes)
    /// join the comma-separated `items`; a malformed query string is an empty one.
    pub(crate) fn from_raw(raw: Option<&str>) -> DashQuery {
        let pairs = Pairs::parse(raw.unwrap_or("")).0;
        let mut q = DashQuery::default();
        let mut items: Vec<String> = Vec::new();
        for (k, v) in pairs {
            let slot = match k.as_str() {
                "lang" => &mut q.lang,
                "from" => &mut q.from,
                "to" => &mut q.to,
                "version" => &mut q.version,
                "language" => &mut q.language,
                "suspect" => &mut q.suspect,
                "sort" => &mut q.sort,
                "dir" => &mut q.dir,
                "page" => &mut q.page,
                "items" => {
                    items.extend(v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string));
                    continue;
                }
                "item" => {
                    items.push(v.trim().to_string());
                    continue;
                }
                _ => continue,
            };
            *slot = Some(v);
        }
        if !items.is_empty() {
            q.items = Some(items.join(","));
        }
        q
    }
}

/// A page's language and filters, and what was wrong with the URL's.
pub(crate) struct Ctx {
    pub(crate) lang: Lang,
    pub(crate) filters: DashboardFilters,
    pub(crate) errors: Vec<String>,
    k: i64,
}

fn this_week() -> IsoWeek {
    let label = domain::time::calendar::iso_week_label(chrono::Utc::now(), "America/Lima");
    IsoWeek::parse(&label).unwrap_or_else(|_| IsoWeek::parse("2026-W01").expect("a valid week"))
}

impl Ctx {
    pub(crate) fn new(q: &DashQuery, k: usize) -> Ctx {
        let lang = Lang::parse(q.lang.as_deref().unwrap_or("es"));
        let default = DashboardFilters::last_weeks(this_week());
        let mut errors = Vec::new();
        let mut week = |v: &Option<String>, field: &str, fallback: IsoWeek| match v.as_deref().map(str::trim) {
            None | Some("") => fallback,
            Some(s) => IsoWeek::parse(s).unwrap_or_else(|e| {
                errors.push(format!("{field}: {e}"));
                fallback
            }),
        };
        let from = week(&q.from, lang.t("Desde", "From"), default.from());
        let to = week(&q.to, lang.t("Hasta", "To"), default.to());
        let version = match q.version.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => match v.parse::<i64>() {
                Ok(v) if v >= 1 => Some(v),
                _ => {
                    errors.push(format!("{}: {v:?}", lang.t("Versión no válida", "Invalid version")));
                    None
                }
            },
        };
        let language = match q.language.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(l) => Language::parse(l).map_err(|e| errors.push(e)).ok(),
        };
        let suspect = matches!(q.suspect.as_deref(), Some("1" | "on" | "true"));
        let filters = match DashboardFilters::parse(from, to, version, language, suspect) {
            Ok(f) => f,
            Err(e) => {
                errors.push(format!("{}: {}", e.field, e.message));
                default
            }
        };
        Ctx { lang, filters, errors, k: k as i64 }
    }

    /// The query string that reproduces these filters (and language).
    pub(crate) fn query(&self) -> String {
        let f = &self.filters;
        let mut q = format!("lang={}&from={}&to={}", self.lang.code(), f.from(), f.to());
        if let Some(v) = f.survey_version() {
            q.push_str(&format!("&version={v}"));
        }
        if let Some(l) = f.language() {
            q.push_str(&format!("&language={}", l.code()));
        }
        if f.include_suspect() {
            q.push_str("&suspect=1");
        }
        q
    }

    fn fewer(&self) -> String {
        match self.lang {
            Lang::Es => format!("menos de {} respuestas", self.k),
            Lang::En => format!("fewer than {} responses", self.k),
        }
    }

    fn number(&self, v: f64) -> String {
        let s = format!("{v:.1}");
        match self.lang {
            Lang::Es => s.replace('.', ","),
            Lang::En => s,
        }
    }

    fn shown_index(&self, v: &Shown<f64>) -> String {
        match v {
            Shown::Value(v) => self.number(*v),
            Shown::Suppressed => self.fewer(),
        }
    }

    fn shown_count(&self, v: &Shown<i64>) -> String {
        match v {
            Shown::Value(v) => v.to_string(),
            Shown::Suppressed => self.fewer(),
        }
    }

    fn shown_change(&self, v: &Shown<f64>) -> String {
        match v {
            Shown::Value(v) if *v > 0.0 => format!("+{}", self.number(*v)),
            Shown::Value(v) => self.number(*v).replace('-', "−"),
            Shown::Suppressed => "—".to_string(),
        }
    }

    fn period(&self) -> String {
        match self.lang {
            Lang::Es => format!("semanas {} a {}", self.filters.from(), self.filters.to()),
            Lang::En => format!("weeks {} to {}", self.filters.from(), self.filters.to()),
        }
    }
}

/// The filter form every dashboard page carries; it sends the filters in the URL.
fn filter_form(ctx: &Ctx, versions: &[i64], action: &str, extra: Vec<(&'static str, String)>) -> impl IntoView {
    let lang = ctx.lang;
    let f = &ctx.filters;
    let (from, to) = (f.from().to_string(), f.to().to_string());
    let version = f.survey_version();
    let language = f.language();
    let errors = ctx.errors.clone();
    let version_options = versions
        .iter()
        .map(|v| {
            let v = *v;
            view! { <option value=v.to_string() selected=version == Some(v)>{format!("v{v}")}</option> }
        })
        .collect_view();
    let language_options = Language::ALL
        .iter()
        .map(|l| {
            let l = *l;
            view! { <option value=l.code() selected=language == Some(l)>{l.native_name()}</option> }
        })
        .collect_view();
    let hidden =
        extra.into_iter().map(|(name, value)| view! { <input type="hidden" name=name value=value/> }).collect_view();
    view! {
        <form method="get" action=action.to_string() class="filters" aria-label=lang.t("Filtros", "Filters")>
            <input type="hidden" name="lang" value=lang.code()/>
            {hidden}
            <div class="field">
                <label for="f-from">{lang.t("Desde la semana", "From week")}</label>
                <input id="f-from" name="from" type="week" value=from required/>
            </div>
            <div class="field">
                <label for="f-to">{lang.t("Hasta la semana", "To week")}</label>
                <input id="f-to" name="to" type="week" value=to required/>
            </div>
            <div class="field">
                <label for="f-version">{lang.t("Versión de la encuesta", "Survey version")}</label>
                <select id="f-version" name="version">
                    <option value="" selected=version.is_none()>{lang.t("Todas", "All")}</option>
                    {version_options}
                </select>
            </div>
            <div class="field">
                <label for="f-language">{lang.t("Idioma de la encuesta", "Survey language")}</label>
                <select id="f-language" name="language">
                    <option value="" selected=language.is_none()>{lang.t("Todos", "All")}</option>
                    {language_options}
                </select>
            </div>
            <div class="field check">
                <input id="f-suspect" name="suspect" type="checkbox" value="1" checked=f.include_suspect()/>
                <label for="f-suspect">{lang.t(
                    "Incluir respuestas sospechosas (demasiado rápidas o seguidas)",
                    "Include suspect responses (too fast or back to back)",
                )}</label>
            </div>
            <button type="submit" class="primary">{lang.t("Aplicar filtros", "Apply filters")}</button>
            {(!errors.is_empty()).then(|| view! {
                <div class="form-error" role="alert">
                    <p>{lang.t("Algunos filtros no son válidos; se usan los predeterminados:", "Some filters are not valid; the defaults are used:")}</p>
                    <ul>{errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
                </div>
            })}
        </form>
    }
}

/// A chart with its title, the numbers as a table behind a toggle, and downloads.
struct Chart {
    name: &'static str,
    svg: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn figure(lang: Lang, chart: Chart, download_base: &str, query: &str) -> impl IntoView {
    let href = format!("{download_base}/{}.svg?{query}", chart.name);
    let png_name = format!("digna-{}.png", chart.name);
    let svg_name = format!("digna-{}.svg", chart.name);
    let headers = chart.headers.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view();
    let rows = chart
        .rows
        .into_iter()
        .map(|r| {
            let mut cells = r.into_iter();
            let first = cells.next().unwrap_or_default();
            view! { <tr><th scope="row">{first}</th>{cells.map(|c| view! { <td>{c}</td> }).collect_view()}</tr> }
        })
        .collect_view();
    view! {
        <figure class="chart-card" id=format!("chart-{}", chart.name) data-chart-name=chart.name>
            <div class="chart-svg" inner_html=chart.svg></div>
            <div class="chart-tools">
                <details class="as-table">
                    <summary>{lang.t("Ver como tabla", "Show as table")}</summary>
                    <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Los datos del gráfico", "The chart's data")>
                        <table>
                            <thead><tr>{headers}</tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                </details>
                <a class="download" href=href.clone() download=svg_name>{lang.t("Descargar SVG", "Download SVG")}</a>
                <a class="download" href=href.clone() data-png-from=href download=png_name>{lang.t("Descargar PNG", "Download PNG")}</a>
            </div>
        </figure>
    }
}

fn svg_response(svg: String, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"digna-{name}.svg\"")),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        svg,
    )
        .into_response()
}

fn not_found(lang: Lang, staff: &Staff, here: &str) -> Response {
    let body = view! {
        <section class="card">
            <h1>{lang.t("Comisaría no encontrada", "Station not found")}</h1>
            <p>{lang.t(
                "No hay una comisaría con ese código entre las que puedes ver.",
                "There is no station with that code among those you may see.",
            )}</p>
            <a href=format!("/dashboard?lang={}", lang.code())>{lang.t("Volver al resumen", "Back to the overview")}</a>
        </section>
    };
    let mut r = page(lang, lang.t("No encontrada", "Not found"), Some(staff), here, body);
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}

async fn versions(state: &AppState) -> Vec<i64> {
    store_sqlite::survey::published_versions(&state.pool).await.unwrap_or_default()
}

/// The survey whose texts label the charts: the filtered version, else the current one
/// with the questions only older versions have (labelled from the newest that has them).
async fn label_survey(state: &AppState, ctx: &Ctx) -> Option<Survey> {
    let version = match ctx.filters.survey_version() {
        Some(v) => Some(v),
        None => store_sqlite::survey::current_version(&state.pool).await.ok().flatten(),
    }?;
    let mut survey = store_sqlite::survey::load(&state.pool, version).await.ok().flatten()?;
    if ctx.filters.survey_version().is_none() {
        let older = store_sqlite::survey::published_versions(&state.pool).await.unwrap_or_default();
        for v in older.into_iter().rev().filter(|v| *v != version) {
            if let Ok(Some(old)) = store_sqlite::survey::load(&state.pool, v).await {
                let new: Vec<_> = old.questions.into_iter().filter(|q| survey.question(&q.key).is_none()).collect();
                survey.questions.extend(new);
            }
        }
    }
    Some(survey)
}

/// Which survey versions a station's figures come from ("Encuesta: versiones 1 y 2"),
/// and, when they mix versions, the questions that only some of them asked.
async fn versions_line(state: &AppState, ctx: &Ctx, station_id: i64) -> (String, Option<String>) {
    let lang = ctx.lang;
    let versions =
        store_sqlite::survey::versions_with_responses(&state.pool, station_id, &ctx.filters).await.unwrap_or_default();
    let list = |vs: &[i64]| {
        let names: Vec<String> = vs.iter().map(i64::to_string).collect();
        match names.split_last() {
            None => String::new(),
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} {} {last}", rest.join(", "), lang.t("y", "and")),
        }
    };
    let line = match (versions.len(), lang) {
        (0, Lang::Es) => "Encuesta: sin respuestas publicadas en este periodo.".to_string(),
        (0, Lang::En) => "Survey: no released responses in this period.".to_string(),
        (1, Lang::Es) => format!("Encuesta: versión {}.", list(&versions)),
        (1, Lang::En) => format!("Survey: version {}.", list(&versions)),
        (_, Lang::Es) => format!("Encuesta: versiones {}.", list(&versions)),
        (_, Lang::En) => format!("Survey: versions {}.", list(&versions)),
    };
    if versions.len() < 2 {
        return (line, None);
    }
    let held = store_sqlite::survey::question_versions(&state.pool).await.unwrap_or_default();
    let partial: Vec<String> = held
        .iter()
        .filter_map(|(key, in_versions)| {
            let asked: Vec<i64> = versions.iter().copied().filter(|v| in_versions.contains(v)).collect();
            (!asked.is_empty() && asked.len() < versions.len()).then(|| format!("{key} (v{})", list(&asked)))
        })
        .collect();
    let note = (!partial.is_empty()).then(|| match lang {
        Lang::Es => format!(
            "Preguntas que no estaban en todas esas versiones: {}. Sus respuestas vienen solo de esas versiones, pero \
             sus porcentajes son del total de respuestas: las de las demás versiones cuentan como no contestadas. \
             Elige una versión en los filtros para verlas por separado.",
            partial.join("; ")
        ),
        Lang::En => format!(
            "Questions not in all those versions: {}. Their answers come only from those versions, but their shares \
             are of all responses: those under the other versions count as unanswered. Choose a version in the \
             filters to see them apart.",
            partial.join("; ")
        ),
    });
    (line, note)
}

fn survey_lang(lang: Lang) -> Language {
    match lang {
        Lang::Es => Language::Es,
        Lang::En => Language::En,
    }
}

/// What a release withheld so that no visitor stood out (`domain::release`).
fn withheld_text(lang: Lang) -> &'static str {
    lang.t("No registrado (privacidad)", "Not recorded (privacy)")
}

fn question_text(survey: Option<&Survey>, lang: Lang, key: &str) -> String {
    survey
        .and_then(|s| s.question(key))
        .map(|q| domain::text_in(&q.text, survey_lang(lang)))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| key.to_string())
}

fn choice_text(survey: Option<&Survey>, lang: Lang, question: &str, choice: &str) -> String {
    if choice == domain::privacy::release::WITHHELD {
        return withheld_text(lang).to_string();
    }
    survey
        .and_then(|s| s.question(question))
        .and_then(|q| q.choice(choice))
        .map(|c| domain::text_in(&c.text, survey_lang(lang)))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| choice.to_string())
}

// ---------------------------------------------------------------- overview

pub async fn overview(State(state): State<AppState>, staff: Staff, RawQuery(raw): RawQuery) -> PageResult {
    let q = DashQuery::from_raw(raw.as_deref());
    let ctx = Ctx::new(&q, state.release_k);
    let lang = ctx.lang;
    let mut rows = data::overview(&state.pool, &staff.station_ids, &ctx.filters, ctx.k, DROP_THRESHOLD).await?;
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

// ---------------------------------------------------------------- station

/// The station of `code` if she may see it; `None` for no station and for a station
/// outside her scope alike, so a URL cannot tell them apart.
async fn station_in_scope(state: &AppState, staff: &Staff, code: &str) -> Result<Option<i64>, PageError> {
    Ok(store_sqlite::stations::by_code(&state.pool, code).await?.filter(|s| staff.may_see(s.id)).map(|s| s.id))
}

const FACES: [&str; 5] = ["1", "2", "3", "4", domain::RATHER_NOT];

fn face_label(lang: Lang, value: &str) -> &'static str {
    match value {
        "1" => lang.t("Muy mal", "Very bad"),
        "2" => lang.t("Mal", "Bad"),
        "3" => lang.t("Bien", "Good"),
        "4" => lang.t("Muy bien", "Very good"),
        _ => lang.t("Prefiero no responder", "Rather not answer"),
    }
}

fn station_charts(ctx: &Ctx, report: &StationReport, survey: Option<&Survey>) -> Vec<Chart> {
    let lang = ctx.lang;
    let code = &report.station.code;
    let fewer = ctx.fewer();
    let weeks = ctx.filters.weeks();
    let week_labels: Vec<String> = weeks.iter().map(|w| w.to_string()).collect();
    let find = |w: &IsoWeek| report.weeks.iter().find(|r| r.week == *w);
    let points: Vec<Option<f64>> = weeks.iter().map(|w| find(w).and_then(|r| r.index.value())).collect();
    let counts: Vec<Option<i64>> = weeks.iter().map(|w| find(w).and_then(|r| r.responses.value())).collect();
    let drawn: Vec<f64> = points.iter().flatten().copied().collect();
    let hidden = report.weeks.iter().filter(|r| r.index.is_suppressed()).count();
    let summary = match lang {
        Lang::Es => format!(
            "Índice de dignidad de {code} por semana, {}: {} semanas con datos{}{}; las semanas sin respuestas publicadas quedan en blanco.",
            ctx.period(),
            drawn.len(),
            range_text(ctx, &drawn, " (de ", " a ", ")"),
            if hidden > 0 { format!(", {hidden} ocultas por tener {fewer}") } else { String::new() },
        ),
        Lang::En => format!(
            "Dignity index of {code} by week, {}: {} weeks with data{}{}; weeks without released responses are left blank.",
            ctx.period(),
            drawn.len(),
            range_text(ctx, &drawn, " (from ", " to ", ")"),
            if hidden > 0 { format!(", {hidden} hidden for having {fewer}") } else { String::new() },
        ),
    };
    let title = match lang {
        Lang::Es => format!("Índice de dignidad por semana · {code}"),
        Lang::En => format!("Dignity index by week · {code}"),
    };
    let index_chart = Chart {
        name: "index",
        svg: charts::index_line_chart(
            &week_labels,
            &[Series { label: code, points: points.clone() }],
            Some(&counts),
            &ChartText {
                title: &title,
                x_label: lang.t("Semana ISO", "ISO week"),
                y_label: lang.t("Índice (0–100)", "Index (0–100)"),
                summary: &summary,
            },
        ),
        headers: vec![
            lang.t("Semana", "Week").into(),
            lang.t("Respuestas", "Responses").into(),
            lang.t("Índice", "Index").into(),
        ],
        rows: report
            .weeks
            .iter()
            .map(|r| vec![r.week.to_string(), ctx.shown_count(&r.responses), ctx.shown_index(&r.index)])
            .collect(),
    };

    // Answers to every face-scale question, as 100 % bars.
    let segment_labels: Vec<String> = FACES.iter().map(|v| face_label(lang, v).to_string()).collect();
    // Shares are of every response, so the known faces keep their true width when
    // others are hidden (the hidden rest is drawn as one hatched band).
    let total = report.responses.value().and_then(|n| u64::try_from(n).ok());
    let rows: Vec<charts::StackedRow> = report
        .scales
        .iter()
        .map(|d| {
            let segments = FACES
                .iter()
                .map(|v| {
                    d.values
                        .iter()
                        .find(|c| c.value == *v)
                        .map_or(Some(0), |c| c.count.value().map(|n| u64::try_from(n).unwrap_or(0)))
                })
                .collect();
            charts::StackedRow { label: question_text(survey, lang, &d.question_key), segments, total }
        })
        .collect();
    let answers_title = match lang {
        Lang::Es => format!("Respuestas por pregunta · {code}"),
        Lang::En => format!("Answers by question · {code}"),
    };
    let answers_summary = match lang {
        Lang::Es => format!("Reparto de las respuestas a {} preguntas, de «Muy mal» a «Muy bien», {}. Las respuestas con {fewer} se muestran juntas como «{fewer}».", rows.len(), ctx.period()),
        Lang::En => format!("How {} questions were answered, from “Very bad” to “Very good”, {}. Answers with {fewer} are shown together as “{fewer}”.", rows.len(), ctx.period()),
    };
    let mut headers = vec![lang.t("Pregunta", "Question").to_string()];
    headers.extend(segment_labels.iter().cloned());
    let table_rows = report
        .scales
        .iter()
        .map(|d| {
            let mut row = vec![question_text(survey, lang, &d.question_key)];
            row.extend(FACES.iter().map(|v| {
                d.values.iter().find(|c| c.value == *v).map_or("0".to_string(), |c| ctx.shown_count(&c.count))
            }));
            row
        })
        .collect();
    let answers_chart = Chart {
        name: "answers",
        svg: charts::stacked_bars(
            &rows,
            &segment_labels,
            &fewer,
            &ChartText {
                title: &answers_title,
                x_label: lang.t("Porcentaje de respuestas", "Share of answers"),
                y_label: "",
                summary: &answers_summary,
            },
        ),
        headers,
        rows: table_rows,
    };

    let mut out = vec![index_chart, answers_chart];
    // Waiting time bands, and the improvement pick-list ranked.
    for d in report.single_choices.iter().filter(|d| d.question_key == "waiting_time") {
        out.push(count_chart(
            ctx,
            "waiting",
            &question_text(survey, lang, &d.question_key),
            d.values.iter().map(|c| (choice_text(survey, lang, &d.question_key, &c.value), c.count)).collect(),
            code,
        ));
    }
    for p in report.pick_lists.iter().filter(|p| p.question_key == "improve") {
        out.push(count_chart(
            ctx,
            "improve",
            &question_text(survey, lang, &p.question_key),
            p.choices.iter().map(|c| (choice_text(survey, lang, &p.question_key, &c.value), c.count)).collect(),
            code,
        ));
    }
    out
}

fn range_text(ctx: &Ctx, values: &[f64], open: &str, mid: &str, close: &str) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if values.is_empty() {
        String::new()
    } else {
        format!("{open}{}{mid}{}{close}", ctx.number(min), ctx.number(max))
    }
}

fn count_chart(ctx: &Ctx, name: &'static str, question: &str, items: Vec<(String, Shown<i64>)>, code: &str) -> Chart {
    let lang = ctx.lang;
    let fewer = ctx.fewer();
    let title = format!("{question} · {code}");
    let shown = items.iter().filter(|(_, c)| !c.is_suppressed()).count();
    let summary = match lang {
        Lang::Es => format!(
            "Cuántas personas eligieron cada opción, {}: {shown} de {} opciones con cifras; las demás tienen {fewer}.",
            ctx.period(),
            items.len()
        ),
        Lang::En => format!(
            "How many people chose each option, {}: {shown} of {} options with figures; the others have {fewer}.",
            ctx.period(),
            items.len()
        ),
    };
    let bars: Vec<(String, Option<f64>)> =
        items.iter().map(|(label, c)| (label.clone(), c.value().map(|n| n as f64))).collect();
    Chart {
        name,
        svg: charts::bars(
            &bars,
            None,
            &fewer,
            &ChartText { title: &title, x_label: lang.t("Personas", "People"), y_label: "", summary: &summary },
        ),
        headers: vec![lang.t("Opción", "Option").into(), lang.t("Personas", "People").into()],
        rows: items.iter().map(|(label, c)| vec![label.clone(), ctx.shown_count(c)]).collect(),
    }
}

pub async fn station(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let q = DashQuery::from_raw(raw.as_deref());
    let ctx = Ctx::new(&q, state.release_k);
    let lang = ctx.lang;
    let query = ctx.query();
    let here = format!("/dashboard/station/{}?{query}", super::session::url_encode(&code));
    let id = match station_in_scope(&state, &staff, &code).await? {
        Some(id) => id,
        None => return Ok(not_found(lang, &staff, &here)),
    };
    let report = match data::station_report(&state.pool, id, &ctx.filters, ctx.k).await? {
        Some(r) => r,
        None => return Ok(not_found(lang, &staff, &here)),
    };
    let survey = label_survey(&state, &ctx).await;
    let versions = versions(&state).await;
    let (versions_text, versions_note) = versions_line(&state, &ctx, id).await;
    let charts = station_charts(&ctx, &report, survey.as_ref());
    let base = format!("/dashboard/station/{}/chart", report.station.code);
    let figures = charts.into_iter().map(|c| figure(lang, c, &base, &query)).collect_view();
    let breakdown = |title: &'static str, rows: &[domain::CategoryRow], question: &str| {
        let rows = rows
            .iter()
            .map(|r| {
                let label = match &r.category {
                    None => lang.t("Sin respuesta", "No answer").to_string(),
                    Some(c) if c == domain::privacy::release::WITHHELD => withheld_text(lang).to_string(),
                    Some(c) if question == "language" => {
                        Language::parse(c).map(|l| l.native_name().to_string()).unwrap_or_else(|_| c.clone())
                    }
                    Some(c) => choice_text(survey.as_ref(), lang, question, c),
                };
                view! {
                    <tr>
                        <th scope="row">{label}</th>
                        <td class="num" class:suppressed=r.responses.is_suppressed()>{ctx.shown_count(&r.responses)}</td>
                        <td class="num" class:suppressed=r.index.is_suppressed()>{ctx.shown_index(&r.index)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-scroll" tabindex="0" role="region" aria-label=title>
                <table class="breakdown">
                    <caption>{title}</caption>
                    <thead><tr>
                        <th scope="col">{lang.t("Grupo", "Group")}</th>
                        <th scope="col">{lang.t("Respuestas", "Responses")}</th>
                        <th scope="col">{lang.t("Índice", "Index")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    };
    let total_line = match lang {
        Lang::Es => format!(
            "{}: {} respuestas, índice de dignidad {}.",
            ctx.period(),
            ctx.shown_count(&report.responses),
            ctx.shown_index(&report.index)
        ),
        Lang::En => format!(
            "{}: {} responses, dignity index {}.",
            ctx.period(),
            ctx.shown_count(&report.responses),
            ctx.shown_index(&report.index)
        ),
    };
    let s = report.station.clone();
    let action = format!("/dashboard/station/{}", s.code);
    let body = view! {
        <nav class="breadcrumbs" aria-label=lang.t("Ruta", "Breadcrumbs")>
            <a href=format!("/dashboard?{query}")>{lang.t("Resumen", "Overview")}</a>" › "<span aria-current="page">{s.code.clone()}</span>
        </nav>
        <h1>{format!("{} · {}", s.code, s.name)}</h1>
        <p class="lead">{format!("{} · {}", s.region, total_line)}</p>
        <p id="survey-versions-line">{versions_text}</p>
        {versions_note.map(|n| view! { <p class="muted" id="survey-versions-note">{n}</p> })}
        {filter_form(&ctx, &versions, &action, vec![])}
        <div class="charts">{figures}</div>
        <h2>{lang.t("Por grupo", "By group")}</h2>
        <div class="breakdowns">
            {breakdown(lang.t("Quién responde", "Who answers"), &report.by_respondent, domain::RESPONDENT_KEY)}
            {breakdown(lang.t("Edad", "Age"), &report.by_age_band, domain::AGE_BAND_KEY)}
            {breakdown(lang.t("Idioma de la encuesta", "Survey language"), &report.by_language, "language")}
        </div>
    };
    Ok(page(lang, &format!("{} · {}", s.code, lang.t("Comisaría", "Station")), Some(&staff), &here, body))
}

/// One chart of a station page as an SVG download.
pub async fn station_chart(
    State(state): State<AppState>,
    staff: Staff,
    Path((code, file)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let q = DashQuery::from_raw(raw.as_deref());
    let ctx = Ctx::new(&q, state.release_k);
    let Some(id) = station_in_scope(&state, &staff, &code).await? else {
        return Err(PageError::NotFound("no such station in your scope"));
    };
    let report = match data::station_report(&state.pool, id, &ctx.filters, ctx.k).await? {
        Some(r) => r,
        None => return Ok((StatusCode::NOT_FOUND, "no such station in your scope").into_response()),
    };
    let survey = label_survey(&state, &ctx).await;
    let name = file.strip_suffix(".svg").unwrap_or("");
    match station_charts(&ctx, &report, survey.as_ref()).into_iter().find(|c| c.name == name) {
        Some(chart) => Ok(svg_response(chart.svg, &format!("{}-{name}", report.station.code))),
        None => Ok((StatusCode::NOT_FOUND, "no such chart").into_response()),
    }
}

// ---------------------------------------------------------------- compare

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
    let items_param = super::session::url_encode(&items.join(","));
    let here = format!("/dashboard/compare?{query}&items={items_param}");
    let stations = data::stations(&state.pool, &staff.station_ids).await?;
    let (groups, mut errors) = compare_groups(lang, &items, &stations);
    if !items.is_empty() && !(COMPARE_MIN..=COMPARE_MAX).contains(&groups.len()) {
        errors.push(match lang {
            Lang::Es => format!("Elige de {COMPARE_MIN} a {COMPARE_MAX} comisarías o regiones."),
            Lang::En => format!("Choose {COMPARE_MIN} to {COMPARE_MAX} stations or regions."),
        });
    }
    let ready = errors.is_empty() && (COMPARE_MIN..=COMPARE_MAX).contains(&groups.len());
    let columns = if ready { data::compare(&state.pool, &groups, &ctx.filters, ctx.k).await? } else { Vec::new() };
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
    let stations = data::stations(&state.pool, &staff.station_ids).await?;
    let (groups, errors) = compare_groups(ctx.lang, &compare_items(&q), &stations);
    if !errors.is_empty() || !(COMPARE_MIN..=COMPARE_MAX).contains(&groups.len()) {
        return Ok((StatusCode::NOT_FOUND, "choose 2 to 8 stations or regions in your scope").into_response());
    }
    Ok(svg_response(
        compare_chart_of(&ctx, &data::compare(&state.pool, &groups, &ctx.filters, ctx.k).await?).svg,
        "compare-index",
    ))
}
