//! `/admin`: administrators run the stations of the network from the browser, and every
//! change lands in the audit log. (Admins only, checked on every request.)

use super::layout::{page, Lang};
use super::session::{check_form, Staff};
use crate::AppState;
use app::db::audit;
use app::db::stations::{self, Station};
use app::domain::{Name, Role, StationCode};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { Redirect::to("/admin/stations") }))
        .route("/admin/stations", get(stations_page).post(create_station))
        .route("/admin/stations/{code}", get(station_page).post(update_station))
}

pub(super) fn lang_of(raw: Option<&str>) -> Lang {
    Lang::from_query(raw)
}

pub(super) fn admins_only(lang: Lang, staff: &Staff) -> Option<Response> {
    (staff.role() != Role::Admin).then(|| {
        let body = view! {
            <section class="card">
                <h1>{lang.t("Administración", "Administration")}</h1>
                <p>{lang.t("Solo las administradoras pueden entrar aquí.", "Only administrators may come here.")}</p>
            </section>
        };
        let mut r = page(lang, lang.t("Administración", "Administration"), Some(staff), "/admin", body);
        *r.status_mut() = StatusCode::FORBIDDEN;
        r
    })
}

/// What a station form says, as typed, and what is wrong with each field.
#[derive(Default)]
struct StationForm {
    typed: BTreeMap<String, String>,
    errors: BTreeMap<&'static str, String>,
}

impl StationForm {
    fn from_body(body: &str) -> StationForm {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(body).unwrap_or_default();
        StationForm { typed: pairs.into_iter().collect(), errors: BTreeMap::new() }
    }

    fn of(s: &Station) -> StationForm {
        let typed = [
            ("code", s.code.clone()),
            ("name", s.name.clone()),
            ("region", s.region.clone()),
            ("timezone", s.timezone.clone()),
            ("active", if s.active { "1".into() } else { String::new() }),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        StationForm { typed, errors: BTreeMap::new() }
    }

    fn get(&self, k: &str) -> String {
        self.typed.get(k).cloned().unwrap_or_default()
    }

    /// The fields as domain values, or the form with an error per field.
    fn parse(mut self, lang: Lang) -> Result<(Name, Name, String, bool), StationForm> {
        let name = Name::parse(lang.t("El nombre", "The name"), &self.get("name"), 200);
        let region = Name::parse(lang.t("La región", "The region"), &self.get("region"), 100);
        let timezone = self.get("timezone").trim().to_string();
        if let Err(e) = &name {
            self.errors.insert("name", e.clone());
        }
        if let Err(e) = &region {
            self.errors.insert("region", e.clone());
        }
        if timezone.parse::<chrono_tz::Tz>().is_err() {
            self.errors.insert(
                "timezone",
                match lang {
                    Lang::Es => format!("«{timezone}» no es una zona horaria IANA, como America/Lima"),
                    Lang::En => format!("“{timezone}” is not an IANA timezone such as America/Lima"),
                },
            );
        }
        match (name, region, self.errors.is_empty()) {
            (Ok(n), Ok(r), true) => Ok((n, r, timezone, self.typed.contains_key("active"))),
            _ => Err(self),
        }
    }
}

fn field(form: &StationForm, lang: Lang, key: &'static str, label: (&'static str, &'static str)) -> impl IntoView {
    let id = format!("st-{key}");
    let error = form.errors.get(key).cloned();
    let error_id = format!("{id}-error");
    let described = error.as_ref().map(|_| error_id.clone());
    view! {
        <div class="field">
            <label for=id.clone()>{lang.t(label.0, label.1)}</label>
            <input id=id name=key type="text" value=form.get(key) aria-invalid=error.is_some().then_some("true")
                aria-describedby=described/>
            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
        </div>
    }
}

async fn render_stations(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    form: StationForm,
    status: StatusCode,
) -> Response {
    let all = match stations::list_all(&state.pool).await {
        Ok(s) => s,
        Err(e) => return super::internal_error(e.into()),
    };
    let l = lang.code();
    let rows = all
        .into_iter()
        .map(|s| {
            let href = format!("/admin/stations/{}?lang={l}", s.code);
            view! {
                <tr data-station=s.code.clone()>
                    <th scope="row"><a href=href>{s.code.clone()}</a></th>
                    <td>{s.name}</td><td>{s.region}</td><td>{s.timezone}</td>
                    <td>{if s.active { lang.t("Activa", "Active") } else { lang.t("Desactivada", "Deactivated") }}</td>
                </tr>
            }
        })
        .collect_view();
    let code_error = form.errors.get("code").cloned();
    let body = view! {
        {admin_nav(lang, "/admin/stations")}
        <h1>{lang.t("Comisarías", "Stations")}</h1>
        <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Comisarías", "Stations")>
            <table id="stations-table">
                <thead><tr>
                    <th scope="col">{lang.t("Código", "Code")}</th><th scope="col">{lang.t("Nombre", "Name")}</th>
                    <th scope="col">{lang.t("Región", "Region")}</th><th scope="col">{lang.t("Zona horaria", "Timezone")}</th>
                    <th scope="col">{lang.t("Estado", "State")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <h2>{lang.t("Nueva comisaría", "New station")}</h2>
        <form method="post" action=format!("/admin/stations?lang={l}") class="picker" id="new-station">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            <input type="hidden" name="active" value="1"/>
            <div class="field">
                <label for="st-code">{lang.t("Código (como LIM-01)", "Code (such as LIM-01)")}</label>
                <input id="st-code" name="code" type="text" value=form.get("code")
                    aria-invalid=code_error.is_some().then_some("true")
                    aria-describedby=code_error.as_ref().map(|_| "st-code-error")/>
                {code_error.map(|e| view! { <p class="field-error" id="st-code-error">{e}</p> })}
            </div>
            {field(&form, lang, "name", ("Nombre", "Name"))}
            {field(&form, lang, "region", ("Región", "Region"))}
            {field(&StationForm { typed: {
                let mut t = form.typed.clone();
                t.entry("timezone".into()).or_insert_with(|| "America/Lima".into());
                t
            }, errors: form.errors.clone() }, lang, "timezone", ("Zona horaria", "Timezone"))}
            <button type="submit" class="primary">{lang.t("Añadir", "Add")}</button>
        </form>
    };
    let mut r = page(lang, lang.t("Comisarías", "Stations"), Some(staff), &format!("/admin/stations?lang={l}"), body);
    *r.status_mut() = status;
    r
}

pub async fn stations_page(State(state): State<AppState>, staff: Staff, RawQuery(raw): RawQuery) -> Response {
    let lang = lang_of(raw.as_deref());
    if let Some(r) = admins_only(lang, &staff) {
        return r;
    }
    render_stations(&state, &staff, lang, StationForm::default(), StatusCode::OK).await
}

pub async fn create_station(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: String,
) -> Response {
    let lang = lang_of(raw.as_deref());
    let form = StationForm::from_body(&body);
    if let Err(refused) = check_form(&staff.session, &headers, &form.get("csrf")).await {
        return refused;
    }
    if let Some(r) = admins_only(lang, &staff) {
        return r;
    }
    let code = StationCode::parse(&form.get("code"));
    let (name, region, timezone) = match (form.parse(lang), code) {
        (Ok((n, r, tz, _)), Ok(_)) => (n, r, tz),
        (Ok(_), Err(e)) => {
            let mut f = StationForm::from_body(&body);
            f.errors.insert("code", e);
            return render_stations(&state, &staff, lang, f, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        (Err(mut f), code) => {
            if let Err(e) = code {
                f.errors.insert("code", e);
            }
            return render_stations(&state, &staff, lang, f, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let code = StationCode::parse(&StationForm::from_body(&body).get("code")).expect("checked above");
    match stations::insert(&state.pool, &code, &name, &region, &timezone).await {
        Ok(Some(_)) => {
            let detail = format!("{} · {} · {timezone}", name.as_ref(), region.as_ref());
            if let Err(e) = audit::audit(&state.pool, &staff.user.email, "station.create", code.as_ref(), &detail).await
            {
                return super::internal_error(e.into());
            }
            Redirect::to(&format!("/admin/stations?lang={}", lang.code())).into_response()
        }
        Ok(None) => {
            let mut f = StationForm::from_body(&body);
            f.errors.insert(
                "code",
                match lang {
                    Lang::Es => format!("Ya hay una comisaría con el código {code}."),
                    Lang::En => format!("A station with code {code} already exists."),
                },
            );
            render_stations(&state, &staff, lang, f, StatusCode::CONFLICT).await
        }
        Err(e) => super::internal_error(e.into()),
    }
}

async fn render_station(staff: &Staff, lang: Lang, code: &str, form: StationForm, status: StatusCode) -> Response {
    let l = lang.code();
    let active = form.typed.contains_key("active");
    let body = view! {
        <nav class="breadcrumbs" aria-label=lang.t("Administración", "Administration")>
            <a href=format!("/admin/stations?lang={l}")>{lang.t("Comisarías", "Stations")}</a>" › "<span aria-current="page">{code.to_string()}</span>
        </nav>
        <h1>{code.to_string()}</h1>
        <form method="post" action=format!("/admin/stations/{code}?lang={l}") class="picker" id="edit-station">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            {field(&form, lang, "name", ("Nombre", "Name"))}
            {field(&form, lang, "region", ("Región", "Region"))}
            {field(&form, lang, "timezone", ("Zona horaria", "Timezone"))}
            <div class="field check">
                <input id="st-active" name="active" type="checkbox" value="1" checked=active/>
                <label for="st-active">{lang.t(
                    "Activa (desactivada, sus tabletas dejan de aceptar respuestas; su historia se conserva)",
                    "Active (deactivated, its tablets stop accepting answers; its history stays)",
                )}</label>
            </div>
            <button type="submit" class="primary">{lang.t("Guardar", "Save")}</button>
        </form>
    };
    let mut r = page(lang, code, Some(staff), &format!("/admin/stations/{code}?lang={l}"), body);
    *r.status_mut() = status;
    r
}

pub async fn station_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = lang_of(raw.as_deref());
    if let Some(r) = admins_only(lang, &staff) {
        return r;
    }
    match stations::by_code(&state.pool, &code).await {
        Ok(Some(s)) => render_station(&staff, lang, &s.code, StationForm::of(&s), StatusCode::OK).await,
        Ok(None) => (StatusCode::NOT_FOUND, "no such station").into_response(),
        Err(e) => super::internal_error(e.into()),
    }
}

pub async fn update_station(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
    body: String,
) -> Response {
    let lang = lang_of(raw.as_deref());
    let form = StationForm::from_body(&body);
    if let Err(refused) = check_form(&staff.session, &headers, &form.get("csrf")).await {
        return refused;
    }
    if let Some(r) = admins_only(lang, &staff) {
        return r;
    }
    let station = match stations::by_code(&state.pool, &code).await {
        Ok(Some(s)) => s,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such station").into_response(),
        Err(e) => return super::internal_error(e.into()),
    };
    let (name, region, timezone, active) = match form.parse(lang) {
        Ok(v) => v,
        Err(f) => return render_station(&staff, lang, &station.code, f, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    if let Err(e) = stations::update(&state.pool, station.id, &name, &region, &timezone, active).await {
        return super::internal_error(e.into());
    }
    let mut changes = Vec::new();
    if name.as_ref() != station.name {
        changes.push(format!("name: {} → {}", station.name, name.as_ref()));
    }
    if region.as_ref() != station.region {
        changes.push(format!("region: {} → {}", station.region, region.as_ref()));
    }
    if timezone != station.timezone {
        changes.push(format!("timezone: {} → {timezone}", station.timezone));
    }
    if active != station.active {
        changes.push(if active { "activated".into() } else { "deactivated".into() });
    }
    if !changes.is_empty() {
        let detail = changes.join("; ");
        if let Err(e) = audit::audit(&state.pool, &staff.user.email, "station.update", &station.code, &detail).await {
            return super::internal_error(e.into());
        }
    }
    Redirect::to(&format!("/admin/stations?lang={}", lang.code())).into_response()
}

/// The admin console's sections, one link each; `current` is marked for screen readers.
pub(super) fn admin_nav(lang: Lang, current: &str) -> impl IntoView + use<> {
    let l = lang.code();
    let sections = [
        ("/admin", lang.t("Resumen", "Overview")),
        ("/admin/stations", lang.t("Comisarías", "Stations")),
        ("/admin/accounts", lang.t("Cuentas", "Accounts")),
        ("/admin/survey", lang.t("Encuesta", "Survey")),
        ("/admin/translations", lang.t("Traducciones", "Translations")),
        ("/admin/retention", lang.t("Conservación", "Retention")),
        ("/admin/audit", lang.t("Registro", "Audit log")),
    ];
    let current = current.to_string();
    let links = sections
        .into_iter()
        .map(|(path, label)| {
            let here = path == current;
            view! { <li><a href=format!("{path}?lang={l}") aria-current=here.then_some("page")>{label}</a></li> }
        })
        .collect_view();
    view! {
        <nav class="admin-nav" aria-label=lang.t("Administración", "Administration")><ul>{links}</ul></nav>
    }
}
