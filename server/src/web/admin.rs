//! `/admin`: administrators run the stations of the network and their tablets from the
//! browser, and every change lands in the audit log. (Admins only, checked on every
//! request.)

use super::layout::{page, Lang};
use super::session::{check_form, Staff};
use crate::AppState;
use app::db::stations::{self, Station};
use app::db::tablets::{self, StationTablet};
use app::db::{audit, settings};
use app::domain::{KioskSetting, KioskSettings, Name, Role, SilentTabletDays, StaffPin, StationCode};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(overview_page))
        .route("/admin/silent-tablets", post(set_silent_days))
        .route("/admin/stations", get(stations_page).post(create_station))
        .route("/admin/stations/{code}", get(station_page).post(update_station))
        .route("/admin/stations/{code}/kiosk", post(update_kiosk))
        .route("/admin/stations/{code}/pin", post(update_pin))
        .route("/admin/stations/{code}/tablets", post(enroll_tablet))
        .route("/admin/stations/{code}/tablets/{id}/revoke", post(revoke_tablet))
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

/// What the station page shows besides the station: its forms as typed with their
/// errors, and an enrollment code just created.
#[derive(Default)]
struct StationPage {
    edit: Option<StationForm>,
    kiosk: Option<StationForm>,
    pin_error: Option<String>,
    enrollment: Option<Enrollment>,
}

/// A one-time enrollment code as the admin sees it once: the code, the link a tablet
/// opens, and that link as a QR code (inline SVG) for the tablet's camera.
struct Enrollment {
    code: String,
    link: String,
    qr_svg: Option<String>,
}

fn kiosk_form_of(s: &KioskSettings) -> StationForm {
    let typed = KioskSetting::ALL.into_iter().map(|k| (k.key().to_string(), s.get(k).to_string())).collect();
    StationForm { typed, errors: BTreeMap::new() }
}

/// The kiosk settings as typed, into the domain type; or the form with an error per field.
fn parse_kiosk(mut form: StationForm, lang: Lang, current: KioskSettings) -> Result<KioskSettings, StationForm> {
    let mut settings = current;
    for setting in KioskSetting::ALL {
        let parsed = form.get(setting.key()).trim().parse::<u32>().ok().map(|v| settings.with(setting, v));
        match parsed {
            Some(Ok(next)) => settings = next,
            _ => {
                let range = setting.range();
                let message = match lang {
                    Lang::Es => format!("Escribe un número entero de {} a {} segundos.", range.start(), range.end()),
                    Lang::En => format!("Type a whole number from {} to {} seconds.", range.start(), range.end()),
                };
                form.errors.insert(setting.key(), message);
            }
        }
    }
    if form.errors.is_empty() {
        Ok(settings)
    } else {
        Err(form)
    }
}

fn kiosk_label(lang: Lang, setting: KioskSetting) -> &'static str {
    match setting {
        KioskSetting::Inactivity => lang.t(
            "Segundos sin tocar la pantalla, a mitad de la encuesta, antes de preguntar «¿Sigues ahí?»",
            "Seconds without a touch, mid-survey, before asking “Are you still there?”",
        ),
        KioskSetting::Grace => lang.t(
            "Segundos para contestar esa pregunta antes de descartar las respuestas",
            "Seconds to answer that question before the answers are discarded",
        ),
        KioskSetting::MinDuration => lang.t(
            "Una encuesta terminada en menos segundos que estos se marca como sospechosa",
            "A survey finished in fewer seconds than this is marked suspect",
        ),
        KioskSetting::MinGap => lang.t(
            "Una encuesta terminada menos de estos segundos después de la anterior se marca como sospechosa",
            "A survey finished fewer than these seconds after the previous one is marked suspect",
        ),
    }
}

/// A number field of the kiosk settings, with its range as a hint and its error.
fn kiosk_field(form: &StationForm, lang: Lang, setting: KioskSetting) -> impl IntoView + use<> {
    let key = setting.key();
    let id = format!("ks-{key}");
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    let error = form.errors.get(key).cloned();
    let described = match &error {
        Some(_) => format!("{hint_id} {error_id}"),
        None => hint_id.clone(),
    };
    let range = setting.range();
    let hint = match lang {
        Lang::Es => format!("De {} a {} segundos.", range.start(), range.end()),
        Lang::En => format!("From {} to {} seconds.", range.start(), range.end()),
    };
    view! {
        <div class="field">
            <label for=id.clone()>{kiosk_label(lang, setting)}</label>
            <input id=id name=key type="text" inputmode="numeric" value=form.get(key)
                aria-invalid=error.is_some().then_some("true") aria-describedby=described/>
            <p class="muted" id=hint_id>{hint}</p>
            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
        </div>
    }
}

/// A day as `YYYY-MM-DD`, or a dash.
fn day_text(day: Option<chrono::NaiveDate>) -> String {
    day.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
}

fn tablet_rows(
    lang: Lang,
    staff: &Staff,
    station: &Station,
    list: Vec<StationTablet>,
    silent_days: i64,
) -> impl IntoView + use<> {
    let l = lang.code();
    let today = tablets::local_day(chrono::Utc::now(), &station.timezone);
    list.into_iter()
        .map(|t| {
            let tz = station.timezone.as_str();
            let silent = station.active
                && !t.revoked
                && t.last_day(tz).is_some_and(|d| tablets::days_since(d, today) > silent_days);
            let delivered = t.last_delivery_day.clone().unwrap_or_else(|| lang.t("Nunca", "Never").to_string());
            let action = format!("/admin/stations/{}/tablets/{}/revoke?lang={l}", station.code, t.id);
            let revoke_label = match lang {
                Lang::Es => format!("Revocar la tableta {}", t.id),
                Lang::En => format!("Revoke tablet {}", t.id),
            };
            let csrf = staff.csrf.clone();
            view! {
                <tr data-tablet=t.id.to_string()>
                    <th scope="row">{format!("#{}", t.id)}</th>
                    <td>{day_text(t.enrolled_day(tz))}</td>
                    <td class="last-delivery">{delivered}</td>
                    <td>{if t.revoked { lang.t("Revocada", "Revoked") } else { lang.t("Activa", "Active") }}</td>
                    <td>{silent.then(|| view! { <span class="flag silent">{lang.t("Silenciosa", "Silent")}</span> })}</td>
                    <td>{(!t.revoked).then(|| view! {
                        <form method="post" action=action class="inline-form">
                            <input type="hidden" name="csrf" value=csrf/>
                            <button type="submit" class="button revoke" aria-label=revoke_label>
                                {lang.t("Revocar…", "Revoke…")}
                            </button>
                        </form>
                    })}</td>
                </tr>
            }
        })
        .collect_view()
}

fn enrollment_view(lang: Lang, e: Enrollment) -> impl IntoView + use<> {
    let hours = crate::api::ENROLLMENT_CODE_HOURS;
    view! {
        <section class="card" id="enrollment" aria-labelledby="enrollment-heading">
            <h3 id="enrollment-heading">{match lang {
                Lang::Es => format!("Código de inscripción: un solo uso, válido {hours} horas"),
                Lang::En => format!("Enrollment code: single use, valid {hours} hours"),
            }}</h3>
            <p id="enrollment-code" class="enrollment-code"
                style="font-size: 2.5rem; font-weight: 700; letter-spacing: 0.12em; font-family: monospace; margin: 0">
                {e.code}
            </p>
            <p>{lang.t(
                "En la tableta, escanea este código QR con la cámara, o abre /kiosk y escribe el código.",
                "On the tablet, scan this QR code with the camera, or open /kiosk and type the code.",
            )}</p>
            {e.qr_svg.map(|svg| view! {
                <figure class="qr" role="img"
                    aria-label=lang.t("Código QR del enlace de inscripción", "QR code of the enrollment link")
                    inner_html=svg></figure>
            })}
            <p>{lang.t("Enlace de inscripción (ábrelo solo en la tableta):", "Enrollment link (open it on the tablet only):")}
                " "<code id="enrollment-link">{e.link}</code></p>
            <p class="muted">{lang.t(
                "Se muestra solo esta vez: Digna guarda solo una huella del código.",
                "It is shown only this once: Digna keeps only a fingerprint of the code.",
            )}</p>
        </section>
    }
}

async fn render_station(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    station: &Station,
    shown: StationPage,
    status: StatusCode,
) -> Response {
    let list = match tablets::list_for_station(&state.pool, station.id).await {
        Ok(l) => l,
        Err(e) => return super::internal_error(e.into()),
    };
    let silent_days =
        match settings::get_i64(&state.pool, settings::SILENT_TABLET_DAYS, SilentTabletDays::DEFAULT).await {
            Ok(n) => n,
            Err(e) => return super::internal_error(e.into()),
        };
    let l = lang.code();
    let code = station.code.clone();
    let form = shown.edit.unwrap_or_else(|| StationForm::of(station));
    let kiosk = shown.kiosk.unwrap_or_else(|| kiosk_form_of(&station.settings));
    let active = form.typed.contains_key("active");
    let pin_error = shown.pin_error;
    let pin_described = pin_error.as_ref().map(|_| "pin-hint pin-error").unwrap_or("pin-hint");
    let empty = list.is_empty();
    let rows = tablet_rows(lang, staff, station, list, silent_days);
    let kiosk_fields = KioskSetting::ALL.into_iter().map(|k| kiosk_field(&kiosk, lang, k)).collect_view();
    let body = view! {
        {admin_nav(lang, "/admin/stations")}
        <nav class="breadcrumbs" aria-label=lang.t("Ruta", "Breadcrumbs")>
            <a href=format!("/admin/stations?lang={l}")>{lang.t("Comisarías", "Stations")}</a>" › "<span aria-current="page">{code.clone()}</span>
        </nav>
        <h1>{code.clone()}</h1>
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

        <h2 id="kiosk-heading">{lang.t("Ajustes del quiosco", "Kiosk settings")}</h2>
        <form method="post" action=format!("/admin/stations/{code}/kiosk?lang={l}") class="picker" id="kiosk-settings"
            aria-labelledby="kiosk-heading">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            {kiosk_fields}
            <button type="submit" class="primary">{lang.t("Guardar los ajustes", "Save the settings")}</button>
        </form>

        <h2 id="staff-pin-heading">{lang.t("PIN del personal", "Staff PIN")}</h2>
        <p id="staff-pin-state">{if station.staff_pin_set {
            lang.t("PIN: configurado.", "PIN: set.")
        } else {
            lang.t(
                "PIN: no configurado. El panel del personal de las tabletas no se puede abrir.",
                "PIN: not set. The tablets' staff panel cannot be opened.",
            )
        }}</p>
        <form method="post" action=format!("/admin/stations/{code}/pin?lang={l}") class="picker" id="staff-pin"
            aria-labelledby="staff-pin-heading">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            <div class="field">
                <label for="pin">{lang.t("Nuevo PIN", "New PIN")}</label>
                <input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="new-password" maxlength="8"
                    aria-invalid=pin_error.is_some().then_some("true") aria-describedby=pin_described/>
                <p class="muted" id="pin-hint">{lang.t(
                    "De 4 a 8 cifras. Nunca se muestra; se guarda solo su huella.",
                    "4 to 8 digits. It is never shown; only its fingerprint is kept.",
                )}</p>
                {pin_error.map(|e| view! { <p class="field-error" id="pin-error">{e}</p> })}
            </div>
            <button type="submit" name="action" value="set" class="primary">{lang.t("Guardar el PIN", "Save the PIN")}</button>
            {station.staff_pin_set.then(|| view! {
                <button type="submit" name="action" value="clear" class="button" id="clear-staff-pin">
                    {lang.t("Quitar el PIN", "Remove the PIN")}
                </button>
            })}
        </form>

        <h2 id="tablets-heading">{lang.t("Tabletas", "Tablets")}</h2>
        <p class="notice">{lang.t(
            "Revocar una tableta es inmediato: su siguiente envío se rechaza. Las respuestas que aún guarde se entregan si se vuelve a inscribir.",
            "Revoking a tablet takes effect at once: its next delivery is refused. Answers still queued on it are delivered if it is enrolled again.",
        )}</p>
        {if empty {
            view! { <p class="empty-state" id="no-tablets">{lang.t("Esta comisaría aún no tiene tabletas.", "This station has no tablets yet.")}</p> }.into_any()
        } else {
            view! {
                <div class="table-scroll" tabindex="0" role="region" aria-labelledby="tablets-heading">
                    <table id="tablets">
                        <thead><tr>
                            <th scope="col">{lang.t("Tableta", "Tablet")}</th>
                            <th scope="col">{lang.t("Inscrita el día", "Enrolled on")}</th>
                            <th scope="col">{lang.t("Último día con entregas", "Last day it delivered")}</th>
                            <th scope="col">{lang.t("Estado", "State")}</th>
                            <th scope="col">{match lang {
                                Lang::Es => format!("Sin entregas más de {silent_days} días"),
                                Lang::En => format!("Silent over {silent_days} days"),
                            }}</th>
                            <th scope="col">{lang.t("Acción", "Action")}</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }.into_any()
        }}
        {shown.enrollment.map(|e| enrollment_view(lang, e))}
        <form method="post" action=format!("/admin/stations/{code}/tablets?lang={l}") id="enroll-tablet">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            <button type="submit" class="primary">{lang.t("Inscribir una tableta", "Enroll a tablet")}</button>
        </form>
    };
    let mut r = page(lang, &code, Some(staff), &format!("/admin/stations/{code}?lang={l}"), body);
    *r.status_mut() = status;
    r
}

/// The station named in the path, or the response to send instead.
async fn station_or_404(state: &AppState, code: &str) -> Result<Station, Response> {
    match stations::by_code(&state.pool, code).await {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err((StatusCode::NOT_FOUND, "no such station").into_response()),
        Err(e) => Err(super::internal_error(e.into())),
    }
}

fn back_to_station(lang: Lang, code: &str) -> Response {
    Redirect::to(&format!("/admin/stations/{code}?lang={}", lang.code())).into_response()
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
    match station_or_404(&state, &code).await {
        Ok(s) => render_station(&state, &staff, lang, &s, StationPage::default(), StatusCode::OK).await,
        Err(r) => r,
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
    let station = match station_or_404(&state, &code).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (name, region, timezone, active) = match form.parse(lang) {
        Ok(v) => v,
        Err(f) => {
            let shown = StationPage { edit: Some(f), ..StationPage::default() };
            return render_station(&state, &staff, lang, &station, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
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

/// `POST /admin/stations/{code}/kiosk`: the kiosk's inactivity timings and the
/// thresholds under which a survey is marked suspect.
pub async fn update_kiosk(
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
    let station = match station_or_404(&state, &code).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let settings = match parse_kiosk(form, lang, station.settings) {
        Ok(s) => s,
        Err(f) => {
            let shown = StationPage { kiosk: Some(f), ..StationPage::default() };
            return render_station(&state, &staff, lang, &station, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let changes = settings.changes_from(&station.settings);
    if !changes.is_empty() {
        if let Err(e) = stations::set_settings(&state.pool, station.id, &settings).await {
            return super::internal_error(e.into());
        }
        let detail = changes.join("; ");
        if let Err(e) = audit::audit(&state.pool, &staff.user.email, "station.update", &station.code, &detail).await {
            return super::internal_error(e.into());
        }
    }
    back_to_station(lang, &station.code)
}

/// `POST /admin/stations/{code}/pin`: sets (`action=set`) or removes (`action=clear`)
/// the staff PIN. The PIN is never shown, logged or audited; only its hash is kept.
pub async fn update_pin(
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
    let station = match station_or_404(&state, &code).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if form.get("action") == "clear" {
        if station.staff_pin_set {
            if let Err(e) = stations::clear_staff_pin(&state.pool, station.id).await {
                return super::internal_error(e.into());
            }
            if let Err(e) = audit::audit(&state.pool, &staff.user.email, "station.pin", &station.code, "cleared").await
            {
                return super::internal_error(e.into());
            }
        }
        return back_to_station(lang, &station.code);
    }
    let pin = match StaffPin::parse(&form.get("pin")) {
        Ok(p) => p,
        Err(_) => {
            // What was typed is not shown again: a PIN never appears on a page.
            let error = lang.t(
                "El PIN tiene de 4 a 8 cifras, sin letras ni espacios.",
                "A PIN has 4 to 8 digits, no letters or spaces.",
            );
            let shown = StationPage { pin_error: Some(error.into()), ..StationPage::default() };
            return render_station(&state, &staff, lang, &station, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let hash = match tokio::task::spawn_blocking(move || crate::api::hash_pin(&pin)).await {
        Ok(Ok(h)) => h,
        Ok(Err(e)) => return super::internal_error(anyhow::anyhow!("cannot hash the PIN: {e}")),
        Err(e) => return super::internal_error(e.into()),
    };
    if let Err(e) = stations::set_staff_pin_hash(&state.pool, station.id, &hash).await {
        return super::internal_error(e.into());
    }
    if let Err(e) = audit::audit(&state.pool, &staff.user.email, "station.pin", &station.code, "set").await {
        return super::internal_error(e.into());
    }
    back_to_station(lang, &station.code)
}

/// The address tablets reach Digna at, as the admin's browser did: the `Host` of her
/// request, over https when Digna serves HTTPS or is told it sits behind a TLS proxy
/// (`DIGNA_SECURE_COOKIES=true`), or when the proxy says so (`X-Forwarded-Proto: https`).
/// `None` when the host is missing or not a plain host name (then no link is built).
pub fn request_origin(headers: &HeaderMap, secure: bool) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?.trim();
    let plain = !host.is_empty()
        && host.len() <= 255
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !plain {
        return None;
    }
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').next().is_some_and(|p| p.trim().eq_ignore_ascii_case("https")));
    let scheme = if secure || forwarded_https { "https" } else { "http" };
    Some(format!("{scheme}://{host}"))
}

/// The enrollment link as a QR code, as inline SVG (without the XML declaration).
pub fn enrollment_qr_svg(link: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::new(link.as_bytes())?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    Ok(svg.find("<svg").map(|i| svg[i..].to_string()).unwrap_or(svg))
}

/// `POST /admin/stations/{code}/tablets`: a one-time enrollment code (24 h), shown once
/// with a QR code of its link. The code itself is never stored or audited.
pub async fn enroll_tablet(
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
    let station = match station_or_404(&state, &code).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !station.active {
        let body = view! {
            <section class="card">
                <h1>{station.code.clone()}</h1>
                <p role="alert">{lang.t(
                    "Esta comisaría está desactivada: sus tabletas no aceptan respuestas. Actívala antes de inscribir una tableta.",
                    "This station is deactivated: its tablets accept no answers. Activate it before enrolling a tablet.",
                )}</p>
                <p><a href=format!("/admin/stations/{}?lang={}", station.code, lang.code())>{lang.t("Volver", "Back")}</a></p>
            </section>
        };
        let mut r = page(
            lang,
            &station.code,
            Some(&staff),
            &format!("/admin/stations/{}?lang={}", station.code, lang.code()),
            body,
        );
        *r.status_mut() = StatusCode::CONFLICT;
        return r;
    }
    let enrollment_code = match crate::api::create_enrollment_code(&state.pool, station.id).await {
        Ok(c) => c,
        Err(e) => return super::internal_error(e.into()),
    };
    let detail = format!("one-time code, valid {} h", crate::api::ENROLLMENT_CODE_HOURS);
    if let Err(e) = audit::audit(&state.pool, &staff.user.email, "tablet.enroll", &station.code, &detail).await {
        return super::internal_error(e.into());
    }
    let path = format!("/kiosk?code={enrollment_code}");
    let (link, qr_svg) = match request_origin(&headers, state.secure_cookies) {
        Some(origin) => {
            let link = format!("{origin}{path}");
            match enrollment_qr_svg(&link) {
                Ok(svg) => (link, Some(svg)),
                Err(e) => return super::internal_error(e),
            }
        }
        None => (path, None),
    };
    let shown =
        StationPage { enrollment: Some(Enrollment { code: enrollment_code, link, qr_svg }), ..StationPage::default() };
    render_station(&state, &staff, lang, &station, shown, StatusCode::OK).await
}

/// `POST /admin/stations/{code}/tablets/{id}/revoke`: without `confirm=yes`, a page that
/// asks to confirm; with it, the tablet is revoked at once (its next request gets 401).
pub async fn revoke_tablet(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path((code, tablet_id)): Path<(String, i64)>,
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
    let station = match station_or_404(&state, &code).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let tablet = match tablets::list_for_station(&state.pool, station.id).await {
        Ok(list) => list.into_iter().find(|t| t.id == tablet_id),
        Err(e) => return super::internal_error(e.into()),
    };
    let Some(tablet) = tablet else {
        return (StatusCode::NOT_FOUND, "no such tablet at this station").into_response();
    };
    if tablet.revoked {
        return back_to_station(lang, &station.code);
    }
    if form.get("confirm") != "yes" {
        return confirm_revoke_page(&staff, lang, &station, &tablet);
    }
    match tablets::revoke_at_station(&state.pool, station.id, tablet.id).await {
        Ok(true) => {
            let detail = format!("tablet #{}", tablet.id);
            if let Err(e) = audit::audit(&state.pool, &staff.user.email, "tablet.revoke", &station.code, &detail).await
            {
                return super::internal_error(e.into());
            }
            back_to_station(lang, &station.code)
        }
        Ok(false) => back_to_station(lang, &station.code),
        Err(e) => super::internal_error(e.into()),
    }
}

fn confirm_revoke_page(staff: &Staff, lang: Lang, station: &Station, tablet: &StationTablet) -> Response {
    let l = lang.code();
    let back = format!("/admin/stations/{}?lang={l}", station.code);
    let title = match lang {
        Lang::Es => format!("¿Revocar la tableta #{} de {}?", tablet.id, station.code),
        Lang::En => format!("Revoke tablet #{} of {}?", tablet.id, station.code),
    };
    let body = view! {
        {admin_nav(lang, "/admin/stations")}
        <section class="card narrow" aria-labelledby="confirm-revoke-heading">
            <h1 id="confirm-revoke-heading">{title.clone()}</h1>
            <p class="notice">{lang.t(
                "Su siguiente envío se rechazará y quedará fuera de servicio hasta que se inscriba de nuevo con un código nuevo. Las respuestas que aún guarde no se pierden: se entregan cuando se vuelva a inscribir.",
                "Its next delivery is refused and it is out of service until enrolled again with a new code. Answers still queued on it are not lost: they are delivered once it is enrolled again.",
            )}</p>
            <form method="post" action=format!("/admin/stations/{}/tablets/{}/revoke?lang={l}", station.code, tablet.id)
                id="confirm-revoke" class="stack">
                <input type="hidden" name="csrf" value=staff.csrf.clone()/>
                <input type="hidden" name="confirm" value="yes"/>
                <button type="submit" class="primary">{match lang {
                    Lang::Es => format!("Sí, revocar la tableta #{}", tablet.id),
                    Lang::En => format!("Yes, revoke tablet #{}", tablet.id),
                }}</button>
            </form>
            <p><a href=back.clone()>{lang.t("No, volver sin revocar", "No, go back without revoking")}</a></p>
        </section>
    };
    page(lang, &title, Some(staff), &back, body)
}

/// `GET /admin`: the network at a glance, and the tablets that fell silent.
pub async fn overview_page(State(state): State<AppState>, staff: Staff, RawQuery(raw): RawQuery) -> Response {
    let lang = lang_of(raw.as_deref());
    if let Some(r) = admins_only(lang, &staff) {
        return r;
    }
    render_overview(&state, &staff, lang, None, StatusCode::OK).await
}

/// What the threshold form says after a refused change: the typed value and the error.
struct DaysTyped {
    value: String,
    error: String,
}

async fn render_overview(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    typed: Option<DaysTyped>,
    status: StatusCode,
) -> Response {
    let days = match settings::get_i64(&state.pool, settings::SILENT_TABLET_DAYS, SilentTabletDays::DEFAULT).await {
        Ok(n) => n,
        Err(e) => return super::internal_error(e.into()),
    };
    let counts = match stations::network_counts(&state.pool).await {
        Ok(c) => c,
        Err(e) => return super::internal_error(e.into()),
    };
    let silent = match tablets::silent(&state.pool, days, chrono::Utc::now()).await {
        Ok(s) => s,
        Err(e) => return super::internal_error(e.into()),
    };
    let l = lang.code();
    let silent_view = if silent.is_empty() {
        view! {
            <p class="empty-state" id="no-silent-tablets">{match lang {
                Lang::Es => format!("Ninguna tableta está en silencio: todas las tabletas activas entregaron respuestas (o se inscribieron) en los últimos {days} días."),
                Lang::En => format!("No tablet is silent: every active tablet delivered answers (or was enrolled) within the last {days} days."),
            }}</p>
        }
        .into_any()
    } else {
        let rows = silent
            .into_iter()
            .map(|t| {
                let href = format!("/admin/stations/{}?lang={l}", t.station_code);
                let last = if t.ever_delivered {
                    t.last_day.to_string()
                } else {
                    match lang {
                        Lang::Es => format!("nunca (inscrita el {})", t.last_day),
                        Lang::En => format!("never (enrolled on {})", t.last_day),
                    }
                };
                view! {
                    <tr data-tablet=t.id.to_string()>
                        <th scope="row"><a href=href>{format!("{} · {}", t.station_code, t.station_name)}</a></th>
                        <td>{format!("#{}", t.id)}</td>
                        <td>{last}</td>
                        <td class="num">{t.days}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-scroll" tabindex="0" role="region" aria-labelledby="silent-heading">
                <table id="silent-tablets-table">
                    <thead><tr>
                        <th scope="col">{lang.t("Comisaría", "Station")}</th>
                        <th scope="col">{lang.t("Tableta", "Tablet")}</th>
                        <th scope="col">{lang.t("Último día con entregas", "Last day it delivered")}</th>
                        <th scope="col">{lang.t("Días en silencio", "Days silent")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let (value, error) = match typed {
        Some(t) => (t.value, Some(t.error)),
        None => (days.to_string(), None),
    };
    let described = if error.is_some() { "silent-days-hint silent-days-error" } else { "silent-days-hint" };
    let body = view! {
        {admin_nav(lang, "/admin")}
        <h1>{lang.t("Resumen de la red", "Network overview")}</h1>
        <dl class="facts" id="network-counts">
            <dt>{lang.t("Comisarías activas", "Active stations")}</dt><dd id="count-stations">{counts.active_stations}</dd>
            <dt>{lang.t("Tabletas activas", "Active tablets")}</dt><dd id="count-tablets">{counts.active_tablets}</dd>
            <dt>{lang.t("Respuestas publicadas", "Responses released")}</dt><dd id="count-responses">{counts.released_responses}</dd>
        </dl>
        <section id="silent-tablets" aria-labelledby="silent-heading">
            <h2 id="silent-heading">{lang.t("Tabletas en silencio", "Silent tablets")}</h2>
            <p>{match lang {
                Lang::Es => format!("Tabletas activas de comisarías activas sin entregar respuestas desde hace más de {days} días (o, si nunca entregaron, desde que se inscribieron), según el calendario de su comisaría."),
                Lang::En => format!("Active tablets at active stations that delivered no answers for more than {days} days (or, if they never did, since they were enrolled), by their station's calendar."),
            }}</p>
            {silent_view}
        </section>
        <h2 id="silent-days-heading">{lang.t("Cuándo una tableta está en silencio", "When a tablet is silent")}</h2>
        <form method="post" action=format!("/admin/silent-tablets?lang={l}") class="picker" id="silent-days"
            aria-labelledby="silent-days-heading">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            <div class="field">
                <label for="days">{lang.t("Días sin entregas", "Days without deliveries")}</label>
                <input id="days" name="days" type="text" inputmode="numeric" value=value
                    aria-invalid=error.is_some().then_some("true") aria-describedby=described/>
                <p class="muted" id="silent-days-hint">{lang.t("De 1 a 90 días.", "From 1 to 90 days.")}</p>
                {error.map(|e| view! { <p class="field-error" id="silent-days-error">{e}</p> })}
            </div>
            <button type="submit" class="primary">{lang.t("Guardar", "Save")}</button>
        </form>
    };
    let mut r = page(lang, lang.t("Administración", "Administration"), Some(staff), &format!("/admin?lang={l}"), body);
    *r.status_mut() = status;
    r
}

/// `POST /admin/silent-tablets`: after how many days without a delivery a tablet is
/// flagged as silent (1 to 90).
pub async fn set_silent_days(
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
    let days = match SilentTabletDays::parse(&form.get("days")) {
        Ok(d) => d,
        Err(_) => {
            let error = lang.t("Escribe un número entero de 1 a 90.", "Type a whole number from 1 to 90.").to_string();
            let typed = DaysTyped { value: form.get("days"), error };
            return render_overview(&state, &staff, lang, Some(typed), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let new = days.get().to_string();
    let old = match settings::set(&state.pool, settings::SILENT_TABLET_DAYS, &new).await {
        Ok(old) => old.unwrap_or_else(|| SilentTabletDays::DEFAULT.to_string()),
        Err(e) => return super::internal_error(e.into()),
    };
    if old != new {
        let detail = format!("{old} → {new}");
        if let Err(e) =
            audit::audit(&state.pool, &staff.user.email, "setting.update", settings::SILENT_TABLET_DAYS, &detail).await
        {
            return super::internal_error(e.into());
        }
    }
    Redirect::to(&format!("/admin?lang={}", lang.code())).into_response()
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
