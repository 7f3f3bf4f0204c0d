//! `/admin/webhooks`: where notifications go (issue 20). An administrator adds an endpoint
//! (a label, an https URL, one region or all), sees its signing secret once, sends it a
//! test message, removes it, and reads the delivery log: when, to which endpoint, what
//! kind, whether it arrived and after how many attempts; never what it said.

use super::admin::{admin_nav, lang_of};
use super::kit::{Admin, CheckedForm, PageError, PageResult, Pairs};
use super::layout::{page, Lang};
use super::session::Staff;
use crate::notify::{sign, silence};
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use std::collections::BTreeSet;
use store::audit::Entry;
use store::notifications::{DeliveryState, Endpoint, Outgoing, Recipient};
use store::{Notifications, Stations};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/webhooks", get(webhooks_page).post(add_endpoint))
        .route("/admin/webhooks/{id}/test", post(send_test))
        .route("/admin/webhooks/{id}/remove", post(remove_endpoint))
}

/// What the add form says back: the values typed and what was wrong, or the new
/// endpoint's secret (shown once).
#[derive(Default)]
struct Said {
    label: String,
    url: String,
    region: String,
    error: Option<(&'static str, String)>,
    secret: Option<(String, String)>,
}

async fn render(state: &AppState, staff: &Staff, lang: Lang, said: Said) -> PageResult {
    let endpoints = Notifications::endpoints(&state.db).await?;
    let deliveries = Notifications::deliveries(&state.db, 50).await?;
    let regions: BTreeSet<String> = Stations::list_all(&state.db).await?.into_iter().map(|s| s.region).collect();
    let l = lang.code();
    let status = if said.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let csrf = staff.csrf.clone();
    let state_line = match (endpoints.is_empty(), state.mail.is_some()) {
        (true, false) => lang.t(
            "Las notificaciones están apagadas: no hay ningún destino y el correo no está configurado (DIGNA_SMTP_HOST). Agregue un destino para recibir avisos.",
            "Notifications are off: there is no endpoint and e-mail is not set up (DIGNA_SMTP_HOST). Add an endpoint to receive alerts.",
        ),
        (false, false) => lang.t(
            "Las notificaciones están encendidas para los destinos de abajo. El correo no está configurado (DIGNA_SMTP_HOST).",
            "Notifications are on for the endpoints below. E-mail is not set up (DIGNA_SMTP_HOST).",
        ),
        (true, true) => lang.t(
            "El correo está configurado: cada cuenta elige sus avisos en «Mi cuenta». No hay ningún destino web.",
            "E-mail is set up: each account chooses its alerts under “My account”. There is no webhook endpoint.",
        ),
        (false, true) => lang.t(
            "Las notificaciones están encendidas para los destinos de abajo, y por correo para las cuentas que las eligen.",
            "Notifications are on for the endpoints below, and by e-mail for the accounts that choose them.",
        ),
    };
    let list = if endpoints.is_empty() {
        view! { <p class="empty" id="endpoints-empty">{lang.t("Todavía no hay destinos.", "No endpoints yet.")}</p> }
            .into_any()
    } else {
        let rows = endpoints
            .into_iter()
            .map(|e| {
                let region = e.region.clone().unwrap_or_else(|| lang.t("Todas", "All").to_string());
                let (csrf1, csrf2) = (csrf.clone(), csrf.clone());
                let label = e.label.clone();
                view! {
                    <tr>
                        <td>{e.label}</td><td class="url">{e.url}</td><td>{region}</td><td>{e.created_at}</td>
                        <td class="actions">
                            <form method="post" action=format!("/admin/webhooks/{}/test?lang={l}", e.id) class="inline-form">
                                <input type="hidden" name="csrf" value=csrf1/>
                                <button type="submit">{lang.t("Enviar prueba", "Send a test")}</button>
                            </form>
                            <form method="post" action=format!("/admin/webhooks/{}/remove?lang={l}", e.id) class="inline-form">
                                <input type="hidden" name="csrf" value=csrf2/>
                                <button type="submit"
                                    aria-label=format!("{} {label}", lang.t("Quitar", "Remove"))>
                                    {lang.t("Quitar", "Remove")}
                                </button>
                            </form>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Destinos", "Endpoints")>
                <table id="endpoints">
                    <thead><tr>
                        <th scope="col">{lang.t("Nombre", "Name")}</th><th scope="col">"URL"</th>
                        <th scope="col">{lang.t("Región", "Region")}</th>
                        <th scope="col">{lang.t("Agregado (UTC)", "Added (UTC)")}</th>
                        <th scope="col">{lang.t("Acciones", "Actions")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let log = if deliveries.is_empty() {
        view! { <p class="empty" id="deliveries-empty">{lang.t("Todavía no se envió nada.", "Nothing sent yet.")}</p> }
            .into_any()
    } else {
        let rows = deliveries
            .into_iter()
            .map(|d| {
                let when = utc(d.created_at);
                let last = d.last_attempt_at.map(utc).unwrap_or_default();
                let state = match d.state {
                    DeliveryState::Pending => lang.t("pendiente", "pending"),
                    DeliveryState::Sent => lang.t("entregado", "delivered"),
                    DeliveryState::Failed => lang.t("fallido", "failed"),
                    DeliveryState::Cancelled => lang.t("cancelado: ya no corresponde", "cancelled: no longer wanted"),
                };
                let status = d.last_status.map(|s| s.to_string()).unwrap_or_else(|| "–".into());
                view! {
                    <tr class=format!("delivery-{}", d.state.as_str())>
                        <td>{when}</td><td>{d.recipient}</td><td>{d.kind}</td><td>{state}</td>
                        <td>{d.attempts}</td><td>{last}</td><td>{status}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Envíos", "Deliveries")>
                <table id="deliveries">
                    <thead><tr>
                        <th scope="col">{lang.t("Creado (UTC)", "Queued (UTC)")}</th>
                        <th scope="col">{lang.t("Destino", "Endpoint")}</th><th scope="col">{lang.t("Tipo", "Kind")}</th>
                        <th scope="col">{lang.t("Estado", "State")}</th><th scope="col">{lang.t("Intentos", "Attempts")}</th>
                        <th scope="col">{lang.t("Último intento (UTC)", "Last attempt (UTC)")}</th>
                        <th scope="col">{lang.t("Respuesta", "Answer")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let secret = said.secret.map(|(label, secret)| {
        view! {
            <div class="notice" role="status" id="new-secret">
                <p>{match lang {
                    Lang::Es => format!("Se agregó «{label}». Copie su secreto de firma ahora: no se volverá a mostrar."),
                    Lang::En => format!("“{label}” was added. Copy its signing secret now: it will not be shown again."),
                }}</p>
                <p><code>{secret}</code></p>
            </div>
        }
    });
    let error_for = |field: &'static str| said.error.as_ref().filter(|(f, _)| *f == field).map(|(_, e)| e.clone());
    let (label_error, url_error, region_error) = (error_for("label"), error_for("url"), error_for("region"));
    let region_options = regions
        .into_iter()
        .map(|r| {
            let selected = r == said.region;
            view! { <option value=r.clone() selected=selected>{r.clone()}</option> }
        })
        .collect_view();
    let body = view! {
        {admin_nav(lang, "/admin/webhooks")}
        <h1>{lang.t("Notificaciones", "Notifications")}</h1>
        <p id="notifications-state">{state_line}</p>
        <p>{match lang {
            Lang::Es => format!("Digna avisa por webhook cuando una tableta lleva días sin entregar respuestas y cuando el índice de una comisaría baja más de 10 puntos. Cada aviso va firmado (cabecera {}) y lleva una clave Idempotency-Key: el README explica cómo verificarlo.", sign::HEADER),
            Lang::En => format!("Digna posts a webhook when a tablet has delivered nothing for days and when a station's index falls by more than 10 points. Every message is signed ({} header) and carries an Idempotency-Key: the README says how to check it.", sign::HEADER),
        }}</p>
        {secret}
        <h2>{lang.t("Destinos", "Endpoints")}</h2>
        {list}
        <h2>{lang.t("Agregar un destino", "Add an endpoint")}</h2>
        <form method="post" action=format!("/admin/webhooks?lang={l}") id="add-endpoint">
            <input type="hidden" name="csrf" value=csrf.clone()/>
            <div class="field">
                <label for="endpoint-label">{lang.t("Nombre", "Name")}</label>
                <input id="endpoint-label" name="label" maxlength="100" required value=said.label
                    aria-invalid=label_error.is_some().then_some("true")
                    aria-describedby=label_error.as_ref().map(|_| "endpoint-label-error")/>
                {label_error.map(|e| view! { <p class="field-error" id="endpoint-label-error">{e}</p> })}
            </div>
            <div class="field">
                <label for="endpoint-url">"URL (https://…)"</label>
                <input id="endpoint-url" name="url" type="url" maxlength="2000" required value=said.url
                    aria-invalid=url_error.is_some().then_some("true")
                    aria-describedby=url_error.as_ref().map(|_| "endpoint-url-error")/>
                {url_error.map(|e| view! { <p class="field-error" id="endpoint-url-error">{e}</p> })}
            </div>
            <div class="field">
                <label for="endpoint-region">{lang.t("Región", "Region")}</label>
                <select id="endpoint-region" name="region"
                    aria-invalid=region_error.is_some().then_some("true")
                    aria-describedby=region_error.as_ref().map(|_| "endpoint-region-error")>
                    <option value="">{lang.t("Todas las regiones", "Every region")}</option>
                    {region_options}
                </select>
                {region_error.map(|e| view! { <p class="field-error" id="endpoint-region-error">{e}</p> })}
            </div>
            <button type="submit" class="primary">{lang.t("Agregar", "Add")}</button>
        </form>
        <h2>{lang.t("Envíos", "Deliveries")}</h2>
        {log}
    };
    let mut r =
        page(lang, lang.t("Notificaciones", "Notifications"), Some(staff), &format!("/admin/webhooks?lang={l}"), body);
    *r.status_mut() = status;
    Ok(r)
}

fn utc(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
}

pub async fn webhooks_page(State(state): State<AppState>, Admin(staff): Admin, RawQuery(raw): RawQuery) -> PageResult {
    render(&state, &staff, lang_of(raw.as_deref()), Said::default()).await
}

/// A webhook URL as an administrator may give it: http or https, with a host, at most
/// 2,000 characters, no credentials in it.
pub fn parse_url(typed: &str) -> Result<String, (&'static str, &'static str)> {
    let typed = typed.trim();
    if typed.is_empty() || typed.len() > 2000 {
        return Err(("Escriba una URL de hasta 2000 caracteres.", "Type a URL of at most 2,000 characters."));
    }
    let url = reqwest::Url::parse(typed)
        .map_err(|_| ("No es una URL válida: empiece por https://.", "Not a valid URL: start with https://."))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none_or(str::is_empty) {
        return Err((
            "La URL debe empezar por https:// (o http://) y nombrar un servidor.",
            "The URL must start with https:// (or http://) and name a host.",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(("La URL no puede llevar usuario ni contraseña.", "The URL cannot carry a user name or password."));
    }
    Ok(url.to_string())
}

pub async fn add_endpoint(
    State(state): State<AppState>,
    Admin(staff): Admin,
    RawQuery(raw): RawQuery,
    CheckedForm(form): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let mut said =
        Said { label: form.value("label"), url: form.value("url"), region: form.value("region"), ..Said::default() };
    let label = said.label.trim().to_string();
    if label.is_empty() || label.chars().count() > 100 {
        said.error = Some((
            "label",
            lang.t("Escriba un nombre de 1 a 100 caracteres.", "Type a name of 1 to 100 characters.").into(),
        ));
        return render(&state, &staff, lang, said).await;
    }
    let url = match parse_url(&said.url) {
        Ok(url) => url,
        Err((es, en)) => {
            said.error = Some(("url", lang.t(es, en).into()));
            return render(&state, &staff, lang, said).await;
        }
    };
    let region = Some(said.region.trim().to_string()).filter(|r| !r.is_empty());
    if let Some(region) = &region {
        let known = Stations::list_all(&state.db).await?.iter().any(|s| &s.region == region);
        if !known {
            said.error = Some((
                "region",
                lang.t("Elija una región que tenga comisarías.", "Choose a region that has stations.").into(),
            ));
            return render(&state, &staff, lang, said).await;
        }
    }
    let secret = format!("whsec_{}", crate::auth::random_token());
    let detail = format!("{url} ({})", region.as_deref().unwrap_or("every region"));
    let audit = Entry::new(&staff.user.email, "webhook.add", &label, detail);
    Notifications::add_endpoint(&state.db, &label, &url, &secret, region.as_deref(), &audit).await?;
    let said = Said { secret: Some((label, secret)), ..Said::default() };
    render(&state, &staff, lang, said).await
}

async fn find(state: &AppState, id: i64) -> Result<Endpoint, PageError> {
    let endpoints = Notifications::endpoints(&state.db).await?;
    endpoints.into_iter().find(|e| e.id == id).ok_or(PageError::NotFound("no such endpoint"))
}

pub async fn send_test(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
    CheckedForm(_): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let endpoint = find(&state, id).await?;
    let body = serde_json::json!({
        "type": "test",
        "message": "Prueba de Digna: este destino recibe las notificaciones. / A test from Digna: this endpoint receives notifications.",
        "sent_by": staff.user.email,
        "example": {"kind": silence::KIND},
    });
    let message = Outgoing {
        idempotency_key: format!("test:{}:{}", endpoint.id, crate::auth::random_token()),
        to: Recipient::Endpoint(endpoint.id),
        kind: "test".into(),
        body: body.to_string(),
    };
    Notifications::enqueue(&state.db, &[message], chrono::Utc::now().timestamp()).await?;
    Ok(Redirect::to(&format!("/admin/webhooks?lang={}", lang.code())).into_response())
}

pub async fn remove_endpoint(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
    CheckedForm(_): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let endpoint = find(&state, id).await?;
    let audit = Entry::new(&staff.user.email, "webhook.remove", &endpoint.label, endpoint.url.clone());
    Notifications::remove_endpoint(&state.db, id, &audit).await?;
    Ok(Redirect::to(&format!("/admin/webhooks?lang={}", lang.code())).into_response())
}
