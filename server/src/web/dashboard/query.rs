//! A dashboard URL's query, typed ([`DashQuery`]), and what a page reads from it
//! ([`Ctx`]): the language, the filters, and the way figures are written.

use crate::web::kit::Pairs;
use crate::web::layout::Lang;
use domain::{DashboardFilters, IsoWeek, Language, Shown};

/// Everything a dashboard URL may carry, as typed; parsed into [`Ctx`].
#[derive(Default, Clone, Debug)]
pub struct DashQuery {
    pub(super) lang: Option<String>,
    pub(super) from: Option<String>,
    pub(super) to: Option<String>,
    pub(super) version: Option<String>,
    pub(super) language: Option<String>,
    pub(super) suspect: Option<String>,
    pub(super) sort: Option<String>,
    pub(super) dir: Option<String>,
    /// The overview's page, from 1.
    pub(super) page: Option<String>,
    pub(super) items: Option<String>,
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
    pub(crate) k: domain::K,
}

fn this_week() -> IsoWeek {
    domain::time::calendar::dashboards_week(chrono::Utc::now())
}

impl Ctx {
    pub(crate) fn new(q: &DashQuery, k: domain::K) -> Ctx {
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
        Ctx { lang, filters, errors, k }
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

    pub(crate) fn fewer(&self) -> String {
        match self.lang {
            Lang::Es => format!("menos de {} respuestas", self.k),
            Lang::En => format!("fewer than {} responses", self.k),
        }
    }

    pub(crate) fn number(&self, v: f64) -> String {
        let s = format!("{v:.1}");
        match self.lang {
            Lang::Es => s.replace('.', ","),
            Lang::En => s,
        }
    }

    pub(crate) fn shown_index(&self, v: &Shown<f64>) -> String {
        match v {
            Shown::Value(v) => self.number(*v),
            Shown::Suppressed => self.fewer(),
        }
    }

    pub(crate) fn shown_count(&self, v: &Shown<i64>) -> String {
        match v {
            Shown::Value(v) => v.to_string(),
            Shown::Suppressed => self.fewer(),
        }
    }

    pub(crate) fn shown_change(&self, v: &Shown<f64>) -> String {
        match v {
            Shown::Value(v) if *v > 0.0 => format!("+{}", self.number(*v)),
            Shown::Value(v) => self.number(*v).replace('-', "−"),
            Shown::Suppressed => "—".to_string(),
        }
    }

    pub(crate) fn period(&self) -> String {
        match self.lang {
            Lang::Es => format!("semanas {} a {}", self.filters.from(), self.filters.to()),
            Lang::En => format!("weeks {} to {}", self.filters.from(), self.filters.to()),
        }
    }
}
