//! The frame of every staff page: language, header, navigation, and the HTML document.
//! Staff pages are rendered on the server with Leptos' `view!` and need no WebAssembly.

pub use super::lang::Lang;
use super::session::Staff;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;

/// A whole staff page: never cached, never framed, no referrer outside the site.
pub fn page(lang: Lang, title: &str, staff: Option<&Staff>, here: &str, body: impl IntoView + 'static) -> Response {
    let title_text = format!("{title} · Digna");
    let switch_href = switch_language_href(here, lang.other());
    let nav = staff.map(|s| {
        let csrf = s.csrf.clone();
        let email = s.user.email.clone();
        let l = lang.code();
        let exports = matches!(s.role(), domain::Role::Admin | domain::Role::Researcher);
        view! {
            <nav class="staff-nav" aria-label=lang.t("Principal", "Main")>
                <a href=format!("/dashboard?lang={l}")>{lang.t("Resumen", "Overview")}</a>
                <a href=format!("/dashboard/compare?lang={l}")>{lang.t("Comparar", "Compare")}</a>
                {exports.then(|| view! { <a href=format!("/export?lang={l}")>{lang.t("Exportar", "Export")}</a> })}
                {(s.role() == domain::Role::Admin).then(|| view! {
                    <a href=format!("/admin?lang={l}")>{lang.t("Administración", "Administration")}</a>
                })}
                <a href=format!("/account?lang={l}")>{lang.t("Mi cuenta", "My account")}</a>
                <span class="staff-who">{email}</span>
                <form method="post" action=format!("/signout?lang={l}") class="inline-form">
                    <input type="hidden" name="csrf" value=csrf/>
                    <button type="submit" class="link-button">{lang.t("Salir", "Sign out")}</button>
                </form>
            </nav>
        }
    });
    let doc = view! {
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="referrer" content="same-origin"/>
                <title>{title_text}</title>
                <link rel="stylesheet" href="/pkg/digna.css"/>
                <link rel="icon" href="/favicon.ico"/>
                <script src="/staff.js" defer></script>
            </head>
            <body class="staff">
                <a class="skip-link" href="#main">{lang.t("Ir al contenido", "Skip to content")}</a>
                <header class="staff-header">
                    <a class="brand" href=format!("/dashboard?lang={}", lang.code())>"Digna"</a>
                    {nav}
                    <a class="lang-switch" href=switch_href hreflang=lang.other().code() lang=lang.other().code()>
                        {lang.other().native_name()}
                    </a>
                </header>
                <main id="main" tabindex="-1">{body}</main>
            </body>
        </html>
    };
    html_response(format!("<!DOCTYPE html>{}", doc.to_html()))
}

/// The regions of `stations`, sorted, each once.
pub fn regions_of(stations: &[domain::StationLabel]) -> Vec<String> {
    let mut regions: Vec<String> = stations.iter().map(|s| s.region.clone()).collect();
    regions.sort();
    regions.dedup();
    regions
}

/// A form's errors, announced to screen readers; nothing when there are none.
pub fn form_errors(errors: Vec<String>) -> Option<impl IntoView> {
    (!errors.is_empty()).then(|| {
        view! {
            <div class="form-error" role="alert"><ul>{errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul></div>
        }
    })
}

/// A list of check boxes named `name`, one per (value, label), ticked where `checked`
/// says; ids are `{prefix}-{value}` with ':' and ' ' as '-'.
pub fn check_list(
    prefix: &str,
    name: &'static str,
    items: Vec<(String, String)>,
    checked: &dyn Fn(&str) -> bool,
) -> impl IntoView + use<> {
    let boxes = items
        .into_iter()
        .map(|(value, label)| {
            let id = format!("{prefix}-{}", value.replace([':', ' '], "-"));
            let on = checked(&value);
            view! { <li><input type="checkbox" id=id.clone() name=name value=value checked=on/><label for=id>{label}</label></li> }
        })
        .collect_view();
    view! { <ul class="checks">{boxes}</ul> }
}

/// The stations and regions of a scope as two groups of check boxes named `item`, with
/// values `s:CODE` and `r:Region` (the comparison and the export read them so).
pub fn scope_picker(
    lang: Lang,
    stations: &[domain::StationLabel],
    prefix: &str,
    checked: &dyn Fn(&str) -> bool,
) -> impl IntoView + use<> {
    let station_items =
        stations.iter().map(|s| (format!("s:{}", s.code), format!("{} · {}", s.code, s.name))).collect();
    let region_items = regions_of(stations).into_iter().map(|r| (format!("r:{r}"), r)).collect();
    view! {
        <fieldset>
            <legend>{lang.t("Comisarías", "Stations")}</legend>
            {check_list(prefix, "item", station_items, checked)}
        </fieldset>
        <fieldset>
            <legend>{lang.t("Regiones", "Regions")}</legend>
            {check_list(prefix, "item", region_items, checked)}
        </fieldset>
    }
}

/// An HTML response with the headers every staff page carries.
pub fn html_response(html: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
            // Same-origin, so that browsers send the Origin of staff forms (checked against
            // cross-site requests) and no address leaves the site.
            (header::REFERRER_POLICY, "same-origin"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        html,
    )
        .into_response()
}

/// The same page in another language: `here` with its `lang` parameter replaced.
fn switch_language_href(here: &str, lang: Lang) -> String {
    let (path, query) = here.split_once('?').unwrap_or((here, ""));
    let mut parts: Vec<String> =
        query.split('&').filter(|kv| !kv.is_empty() && !kv.starts_with("lang=")).map(str::to_string).collect();
    parts.insert(0, format!("lang={}", lang.code()));
    format!("{path}?{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switching_language_keeps_the_other_filters() {
        assert_eq!(
            switch_language_href("/dashboard?lang=es&from=2026-W01", Lang::En),
            "/dashboard?lang=en&from=2026-W01"
        );
        assert_eq!(switch_language_href("/dashboard", Lang::En), "/dashboard?lang=en");
    }
}
