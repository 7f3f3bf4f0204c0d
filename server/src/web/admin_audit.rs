//! `/admin/audit`: every change administrators (and the command line) made, every
//! sign-in, failed sign-in, export, revocation and purge, with who, what and when;
//! filterable, and downloadable as CSV (`/admin/audit.csv` with the same filters).

use super::admin::{admin_nav, lang_of};
use super::kit::{Admin, PageResult, Pairs};
use super::layout::{page, Lang};
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use std::collections::BTreeMap;
use store::audit::AuditFilter;
use store::AuditLog;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/audit", get(audit_page)).route("/admin/audit.csv", get(audit_csv))
}

/// Lines shown on the page; the CSV has them all.
const PAGE_LINES: i64 = 200;
/// A CSV download stops here (far beyond any real network's log of a year).
const CSV_LINES: i64 = 1_000_000;

/// The families of actions the filter offers, with their labels.
const FAMILIES: [(&str, &str, &str); 13] = [
    ("signin", "Ingresos", "Sign-ins"),
    ("signout", "Salidas", "Sign-outs"),
    ("account", "Cuentas", "Accounts"),
    ("station", "Comisarías", "Stations"),
    ("tablet", "Tabletas", "Tablets"),
    ("survey", "Encuesta", "Survey"),
    ("translation", "Traducciones", "Translations"),
    ("language", "Idiomas", "Languages"),
    ("setting", "Ajustes", "Settings"),
    ("retention", "Purgas por conservación", "Retention purges"),
    ("export", "Exportaciones", "Exports"),
    ("backup", "Copias de seguridad", "Backups"),
    ("restore", "Restauraciones", "Restores"),
];

/// The filter as typed, and what is wrong with each field.
pub(crate) struct FilterForm {
    pub(crate) typed: BTreeMap<String, String>,
    pub(crate) errors: BTreeMap<&'static str, String>,
}

impl FilterForm {
    pub(crate) fn from_query(raw: Option<&str>) -> FilterForm {
        let pairs = Pairs::parse(raw.unwrap_or_default()).0;
        FilterForm { typed: pairs.into_iter().collect(), errors: BTreeMap::new() }
    }

    fn get(&self, k: &str) -> String {
        self.typed.get(k).map(|v| v.trim().to_string()).unwrap_or_default()
    }

    /// The filter, or the errors (in `lang`) that stop it.
    pub(crate) fn parse(&mut self, lang: Lang) -> Option<AuditFilter> {
        let actor = self.get("actor");
        if actor.chars().count() > 254 {
            self.errors
                .insert("actor", lang.t("Escribe como mucho 254 caracteres.", "Type at most 254 characters.").into());
        }
        let action = self.get("action");
        if !action.is_empty() && !FAMILIES.iter().any(|(f, _, _)| *f == action) {
            self.errors
                .insert("action", lang.t("Elige una acción de la lista.", "Choose an action from the list.").into());
        }
        let mut day = |key: &'static str| {
            let v = self.get(key);
            if !v.is_empty() && chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").is_err() {
                let msg = match lang {
                    Lang::Es => format!("«{v}» no es una fecha AAAA-MM-DD."),
                    Lang::En => format!("“{v}” is not a YYYY-MM-DD date."),
                };
                self.errors.insert(key, msg);
            }
            v
        };
        let (from, to) = (day("from"), day("to"));
        if self.errors.is_empty() && !from.is_empty() && !to.is_empty() && to < from {
            self.errors.insert(
                "to",
                lang.t("El final no puede ser anterior al inicio.", "The end cannot come before the start.").into(),
            );
        }
        self.errors.is_empty().then_some(AuditFilter { actor, action, from, to })
    }

    /// The filter as a query string, for the CSV link.
    pub(crate) fn query(&self, lang: Lang) -> String {
        let mut pairs: Vec<(&str, String)> = vec![("lang", lang.code().to_string())];
        for k in ["actor", "action", "from", "to"] {
            let v = self.get(k);
            if !v.is_empty() {
                pairs.push((k, v));
            }
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

fn text_field(
    form: &FilterForm,
    lang: Lang,
    key: &'static str,
    kind: &'static str,
    label: &'static str,
) -> impl IntoView {
    let id = format!("audit-{key}");
    let error = form.errors.get(key).cloned();
    let error_id = format!("{id}-error");
    let described = error.as_ref().map(|_| error_id.clone());
    let _ = lang;
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id name=key type=kind value=form.get(key) aria-invalid=error.is_some().then_some("true")
                aria-describedby=described/>
            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
        </div>
    }
}

pub async fn audit_page(State(state): State<AppState>, Admin(staff): Admin, RawQuery(raw): RawQuery) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let mut form = FilterForm::from_query(raw.as_deref());
    let filter = form.parse(lang);
    let lines = match &filter {
        Some(f) => AuditLog::search(&state.db, f, PAGE_LINES + 1).await?,
        None => Vec::new(),
    };
    let more = lines.len() as i64 > PAGE_LINES;
    let shown = lines.len().min(PAGE_LINES as usize);
    let rows = lines
        .into_iter()
        .take(PAGE_LINES as usize)
        .map(|a| {
            let family = a.action.clone();
            view! {
                <tr data-action=family>
                    <td>{a.at}</td><td>{a.actor}</td><td>{a.action}</td><td>{a.target}</td><td>{a.detail}</td>
                </tr>
            }
        })
        .collect_view();
    let chosen = form.get("action");
    let options = FAMILIES
        .iter()
        .map(|(value, es, en)| {
            view! { <option value=*value selected=chosen == *value>{lang.t(es, en)}</option> }
        })
        .collect_view();
    let action_error = form.errors.get("action").cloned();
    let csv_href = format!("/admin/audit.csv?{}", form.query(lang));
    let empty = shown == 0 && filter.is_some();
    let body = view! {
        {admin_nav(lang, "/admin/audit")}
        <h1>{lang.t("Registro de auditoría", "Audit log")}</h1>
        <p>{lang.t(
            "Cada cambio del personal, ingreso, ingreso fallido, exportación y revocación, con quién, qué y cuándo (UTC). Las respuestas de las visitantes nunca llevan hora.",
            "Every staff change, sign-in, failed sign-in, export and revocation, with who, what and when (UTC). Visitors' answers never carry a time.",
        )}</p>
        <form method="get" action="/admin/audit" class="picker" id="audit-filter">
            <input type="hidden" name="lang" value=lang.code()/>
            {text_field(&form, lang, "actor", "text", lang.t("Quién (parte del correo)", "Who (part of the email)"))}
            <div class="field">
                <label for="audit-action">{lang.t("Acción", "Action")}</label>
                <select id="audit-action" name="action" aria-invalid=action_error.is_some().then_some("true")
                    aria-describedby=action_error.as_ref().map(|_| "audit-action-error")>
                    <option value="">{lang.t("Todas", "All")}</option>
                    {options}
                </select>
                {action_error.map(|e| view! { <p class="field-error" id="audit-action-error">{e}</p> })}
            </div>
            {text_field(&form, lang, "from", "date", lang.t("Desde (día)", "From (day)"))}
            {text_field(&form, lang, "to", "date", lang.t("Hasta (día)", "To (day)"))}
            <button type="submit" class="primary">{lang.t("Filtrar", "Filter")}</button>
        </form>
        <p><a id="audit-csv" href=csv_href download="">{lang.t("Descargar como CSV (todas las líneas del filtro)", "Download as CSV (every line of the filter)")}</a></p>
        {more.then(|| view! { <p class="note">{match lang {
            Lang::Es => format!("Se muestran las {PAGE_LINES} líneas más recientes; el CSV las tiene todas."),
            Lang::En => format!("The {PAGE_LINES} newest lines are shown; the CSV has them all."),
        }}</p> })}
        {empty.then(|| view! { <p class="empty" id="audit-empty">{lang.t("Ninguna línea coincide con el filtro.", "No line matches the filter.")}</p> })}
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
    let mut r = page(lang, lang.t("Registro de auditoría", "Audit log"), Some(&staff), "/admin/audit", body);
    if filter.is_none() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

/// A cell a spreadsheet would not run as a formula (an actor is whatever someone typed
/// on the sign-in page).
fn cell(s: &str) -> String {
    crate::export::formula_safe(s).into_owned()
}

pub async fn audit_csv(State(state): State<AppState>, Admin(_): Admin, RawQuery(raw): RawQuery) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let mut form = FilterForm::from_query(raw.as_deref());
    let Some(filter) = form.parse(lang) else {
        let errors: Vec<String> = form.errors.into_values().collect();
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, errors.join("\n")).into_response());
    };
    let lines = AuditLog::search(&state.db, &filter, CSV_LINES).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let written = (|| -> Result<Vec<u8>, csv::Error> {
        out.write_record(["at_utc", "actor", "action", "target", "detail"])?;
        for a in &lines {
            out.write_record([cell(&a.at), cell(&a.actor), cell(&a.action), cell(&a.target), cell(&a.detail)])?;
        }
        out.into_inner().map_err(|e| e.into_error().into())
    })();
    let bytes = written.map_err(anyhow::Error::from)?;
    let name = format!("digna-audit-{}.csv", chrono::Utc::now().format("%Y-%m-%d"));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_look_like_formulas_are_neutralized() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("@sum"), "'@sum");
        assert_eq!(cell("ana@digna.pe"), "ana@digna.pe");
    }

    #[test]
    fn the_filter_refuses_what_it_cannot_use() {
        let mut f = FilterForm::from_query(Some("action=drop&from=2026-13-01&to=2026-01-01"));
        assert!(f.parse(Lang::En).is_none());
        assert!(f.errors.contains_key("action") && f.errors.contains_key("from"));
        let mut f = FilterForm::from_query(Some("from=2026-02-01&to=2026-01-01"));
        assert!(f.parse(Lang::Es).is_none());
        assert!(f.errors.contains_key("to"));
        let mut f = FilterForm::from_query(Some("actor=%20ana%20&action=tablet&from=2026-01-01"));
        let parsed = f.parse(Lang::Es).expect("valid");
        assert_eq!((parsed.actor.as_str(), parsed.action.as_str()), ("ana", "tablet"));
    }
}
