//! `/account/notifications`: what a staff member chooses to receive by e-mail (alerts about
//! a falling index, about a silent tablet, and a weekly digest on her day and hour, in her
//! timezone and language), for the stations she may see; and the one-click unsubscribe
//! link of every e-mail (RFC 8058), which needs no sign-in and turns off one topic.

use super::account::LangQuery;
use super::kit::{CheckedForm, PageResult, Pairs};
use super::layout::{page, Lang};
use super::session::Staff;
use crate::notify::unsubscribe;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use rand::RngCore;
use serde::Deserialize;
use std::collections::BTreeMap;
use store::notifications::{Subscription, Topic};
use store::Notifications;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account/notifications", get(form).post(save))
        .route("/account/notifications/test", post(send_test))
        // `unsubscribe::PATH`, spelled out for the route matrix test.
        .route("/account/notifications/unsubscribe", get(unsubscribe_page).post(unsubscribe_now))
}

#[derive(Deserialize)]
pub struct ChoicesForm {
    #[serde(default)]
    index_alerts: Option<String>,
    #[serde(default)]
    silence_alerts: Option<String>,
    #[serde(default)]
    digest: Option<String>,
    #[serde(default)]
    digest_weekday: String,
    #[serde(default)]
    digest_hour: String,
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    language: String,
}

fn weekday_name(lang: Lang, day: u8) -> &'static str {
    const ES: [&str; 7] = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"];
    const EN: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    let i = usize::from(day.clamp(1, 7) - 1);
    match lang {
        Lang::Es => ES[i],
        Lang::En => EN[i],
    }
}

pub fn topic_name(lang: Lang, topic: Topic) -> &'static str {
    match topic {
        Topic::Index => lang.t("los avisos de un índice que baja", "alerts about a falling index"),
        Topic::Silence => lang.t("los avisos de una tableta que no entrega", "alerts about a silent tablet"),
        Topic::Digest => lang.t("el resumen semanal", "the weekly digest"),
    }
}

/// The timezones offered: the Americas', UTC, and hers if it is another.
fn timezones(current: &str) -> Vec<&'static str> {
    let mut zones: Vec<&'static str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter(|n| n.starts_with("America/") || *n == "UTC" || *n == current)
        .collect();
    zones.sort_unstable();
    zones
}

/// What an account that never chose has: nothing, in the page's language.
fn unchosen(lang: Lang) -> Subscription {
    Subscription { language: lang.code().into(), ..Subscription::default() }
}

/// Her saved choices, or [`unchosen`].
async fn choices_of(state: &AppState, staff: &Staff, lang: Lang) -> Result<Subscription, store::Error> {
    let saved = Notifications::subscriber(&state.db, staff.user.id).await?;
    Ok(saved.map_or_else(|| unchosen(lang), |s| s.subscription))
}

pub async fn form(State(state): State<AppState>, staff: Staff, Query(q): Query<LangQuery>) -> PageResult {
    let lang = q.lang();
    let choices = choices_of(&state, &staff, lang).await?;
    let note = q.saved().then(|| lang.t("Guardado.", "Saved.").to_string());
    Ok(choices_page(&state, lang, &staff, &choices, BTreeMap::new(), note, StatusCode::OK))
}

/// Whether account `id` may send herself a test e-mail now: one a minute, so that a
/// button held down neither floods her mailbox nor ties up the mail server.
fn test_allowed(id: i64) -> bool {
    use std::sync::{Mutex, OnceLock};
    use std::time::{Duration, Instant};
    static LAST: OnceLock<Mutex<std::collections::HashMap<i64, Instant>>> = OnceLock::new();
    let mut last = LAST.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    let now = Instant::now();
    last.retain(|_, at| now.duration_since(*at) < Duration::from_secs(60));
    if last.contains_key(&id) {
        return false;
    }
    last.insert(id, now);
    true
}

/// `POST /account/notifications/test`: sends her a test e-mail now, and says what the
/// mail server answered (502 if it did not take it).
pub async fn send_test(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<LangQuery>,
    CheckedForm(_): CheckedForm<Pairs>,
) -> PageResult {
    let lang = q.lang();
    let choices = choices_of(&state, &staff, lang).await?;
    let email = staff.user.email.clone();
    let (note, status) = match &state.mail {
        None => (lang.t("El correo no está configurado.", "E-mail is not set up.").to_string(), StatusCode::CONFLICT),
        Some(_) if !test_allowed(staff.user.id) => (
            lang.t(
                "Ya se envió un correo de prueba hace menos de un minuto. Espera un poco.",
                "A test e-mail was sent less than a minute ago. Wait a little.",
            )
            .to_string(),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Some(mailer) => {
            let sent = match crate::notify::letters::test_message(mailer, &email, lang) {
                Ok(message) => mailer.send(message).await.map_err(|e| {
                    let code = e.status().map(|c| u16::from(c).to_string());
                    // The server's own words stay in the log: they may name hosts and relays.
                    tracing::warn!(error = %e, "a test e-mail was not sent");
                    code
                }),
                Err(e) => {
                    tracing::warn!(error = %e, "a test e-mail cannot be built");
                    Err(None)
                }
            };
            match (sent, lang) {
                (Ok(()), Lang::Es) => (
                    format!("Enviado a {email}: el servidor de correo lo aceptó. Si no llega, revisa la carpeta de correo no deseado."),
                    StatusCode::OK,
                ),
                (Ok(()), Lang::En) => {
                    (format!("Sent to {email}: the mail server took it. If it does not arrive, look in the spam folder."), StatusCode::OK)
                }
                (Err(code), _) => {
                    let code = code.map(|c| format!(" ({c})")).unwrap_or_default();
                    let said = match lang {
                        Lang::Es => format!("El servidor de correo no lo aceptó{code}. Una administradora puede ver el motivo en el registro del servidor."),
                        Lang::En => format!("The mail server did not take it{code}. An administrator can read why in the server's log."),
                    };
                    (said, StatusCode::BAD_GATEWAY)
                }
            }
        }
    };
    Ok(choices_page(&state, lang, &staff, &choices, BTreeMap::new(), Some(note), status))
}

fn choices_page(
    state: &AppState,
    lang: Lang,
    staff: &Staff,
    c: &Subscription,
    errors: BTreeMap<&'static str, String>,
    note: Option<String>,
    status: StatusCode,
) -> Response {
    let l = lang.code();
    // Silence alerts date a tablet's last answer: for administrators only, as the console.
    let admin = staff.role() == domain::Role::Admin;
    let error = |field: &str| {
        errors
            .get(field)
            .cloned()
            .map(|e| view! { <p class="form-error" id=format!("{field}-error") role="alert">{e}</p> })
    };
    let mail_off = state.mail.is_none().then(|| {
        view! {
            <p class="notice" id="mail-off" role="status">{lang.t(
                "El correo no está configurado en este servidor: tus elecciones se guardan y valen cuando una administradora lo configure.",
                "E-mail is not set up on this server: your choices are kept and apply once an administrator sets it up.",
            )}</p>
        }
    });
    let weekdays = (1..=7u8)
        .map(|d| view! { <option value=d.to_string() selected=d == c.digest_weekday>{weekday_name(lang, d)}</option> })
        .collect_view();
    let hours = (0..24u8)
        .map(|h| view! { <option value=h.to_string() selected=h == c.digest_hour>{format!("{h:02}:00")}</option> })
        .collect_view();
    let zones = timezones(&c.timezone)
        .into_iter()
        .map(|z| view! { <option value=z selected=z == c.timezone>{z.replace('_', " ")}</option> })
        .collect_view();
    let body = view! {
        <section class="card narrow">
            <h1>{lang.t("Avisos por correo", "E-mail notifications")}</h1>
            {note.map(|n| view! { <p class="notice" id="saved" role="status">{n}</p> })}
            {mail_off}
            <p>{lang.t(
                "Solo de las comisarías que puedes ver, con las mismas cifras que el panel. Ningún aviso dice nada de una visitante.",
                "Only about the stations you may see, with the dashboard's own figures. No message says anything about a visitor.",
            )}</p>
            <form method="post" action=format!("/account/notifications?lang={l}") class="stack">
                <input type="hidden" name="csrf" value=staff.csrf.clone()/>
                <fieldset>
                    <legend>{lang.t("Qué recibir", "What to receive")}</legend>
                    <label class="check"><input type="checkbox" id="index_alerts" name="index_alerts" value="on" checked=c.index_alerts/>
                        " "{lang.t("Cuando el índice de dignidad de una comisaría baja", "When a station's dignity index falls")}</label>
                    {admin.then(|| view! {
                        <label class="check"><input type="checkbox" id="silence_alerts" name="silence_alerts" value="on" checked=c.silence_alerts/>
                            " "{lang.t(
                                "Cuando una tableta deja de entregar respuestas, o una publicación programada no se hace",
                                "When a tablet stops delivering answers, or a scheduled release does not run",
                            )}</label>
                    })}
                    <label class="check"><input type="checkbox" id="digest" name="digest" value="on" checked=c.digest/>
                        " "{lang.t("Un resumen semanal", "A weekly digest")}</label>
                </fieldset>
                <fieldset>
                    <legend>{lang.t("Cuándo llega el resumen", "When the digest comes")}</legend>
                    <label for="digest_weekday">{lang.t("Día", "Day")}</label>
                    <select id="digest_weekday" name="digest_weekday">{weekdays}</select>
                    {error("digest_weekday")}
                    <label for="digest_hour">{lang.t("Hora", "Hour")}</label>
                    <select id="digest_hour" name="digest_hour">{hours}</select>
                    {error("digest_hour")}
                    <label for="timezone">{lang.t("Zona horaria", "Timezone")}</label>
                    <select id="timezone" name="timezone">{zones}</select>
                    {error("timezone")}
                </fieldset>
                <fieldset>
                    <legend>{lang.t("Idioma de los correos", "Language of the e-mails")}</legend>
                    <label class="check"><input type="radio" name="language" value="es" checked=c.language == "es"/>" Español"</label>
                    <label class="check"><input type="radio" name="language" value="en" checked=c.language == "en"/>" English"</label>
                    {error("language")}
                </fieldset>
                <button type="submit" class="primary">{lang.t("Guardar", "Save")}</button>
            </form>
            {state.mail.is_some().then(|| view! {
                <form method="post" action=format!("/account/notifications/test?lang={l}") id="test-email">
                    <input type="hidden" name="csrf" value=staff.csrf.clone()/>
                    <button type="submit" class="button">{lang.t("Enviarme un correo de prueba", "Send me a test e-mail")}</button>
                </form>
            })}
        </section>
    };
    let mut response = page(
        lang,
        lang.t("Avisos por correo", "E-mail notifications"),
        Some(staff),
        &format!("/account/notifications?lang={l}"),
        body,
    );
    *response.status_mut() = status;
    response
}

/// Her choices from the form, or what is wrong with them.
fn parse(lang: Lang, f: &ChoicesForm) -> Result<Subscription, BTreeMap<&'static str, String>> {
    let mut errors = BTreeMap::new();
    let on = |v: &Option<String>| matches!(v.as_deref(), Some("on" | "1" | "true"));
    let digest_weekday = match f.digest_weekday.trim().parse::<u8>() {
        Ok(d @ 1..=7) => d,
        _ => {
            errors.insert("digest_weekday", lang.t("Elige un día de la semana.", "Choose a day of the week.").into());
            1
        }
    };
    let digest_hour = match f.digest_hour.trim().parse::<u8>() {
        Ok(h @ 0..=23) => h,
        _ => {
            errors.insert("digest_hour", lang.t("Elige una hora de 00 a 23.", "Choose an hour from 00 to 23.").into());
            8
        }
    };
    let timezone = f.timezone.trim();
    if timezone.parse::<chrono_tz::Tz>().is_err() {
        errors.insert(
            "timezone",
            match lang {
                Lang::Es => {
                    format!("«{}» no es una zona horaria conocida.", timezone.chars().take(64).collect::<String>())
                }
                Lang::En => format!("“{}” is not a known timezone.", timezone.chars().take(64).collect::<String>()),
            },
        );
    }
    if !matches!(f.language.as_str(), "es" | "en") {
        errors.insert("language", lang.t("Elige español o inglés.", "Choose Spanish or English.").into());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Subscription {
        index_alerts: on(&f.index_alerts),
        silence_alerts: on(&f.silence_alerts),
        digest: on(&f.digest),
        digest_weekday,
        digest_hour,
        timezone: timezone.to_string(),
        language: f.language.clone(),
    })
}

pub async fn save(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<LangQuery>,
    CheckedForm(f): CheckedForm<ChoicesForm>,
) -> PageResult {
    let lang = q.lang();
    let choices = match parse(lang, &f).map(|c| Subscription {
        silence_alerts: c.silence_alerts && crate::notify::audience::may_receive(staff.role(), Topic::Silence),
        ..c
    }) {
        Ok(c) => c,
        Err(errors) => {
            // What she sent, where it can be shown back; a refused field as it was.
            let before = unchosen(lang);
            let shown = Subscription {
                index_alerts: f.index_alerts.is_some(),
                silence_alerts: f.silence_alerts.is_some(),
                digest: f.digest.is_some(),
                digest_weekday: f.digest_weekday.trim().parse().ok().filter(|d| (1..=7).contains(d)).unwrap_or(1),
                digest_hour: f.digest_hour.trim().parse().ok().filter(|h| *h < 24).unwrap_or(before.digest_hour),
                timezone: Some(f.timezone.trim())
                    .filter(|t| t.parse::<chrono_tz::Tz>().is_ok())
                    .map_or(before.timezone.clone(), str::to_string),
                language: Some(f.language.as_str()).filter(|l| matches!(*l, "es" | "en")).unwrap_or(lang.code()).into(),
            };
            return Ok(choices_page(&state, lang, &staff, &shown, errors, None, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    Notifications::save_subscription(&state.db, staff.user.id, &choices, &key).await?;
    Ok(Redirect::to(&format!("/account/notifications?lang={}&saved=1", lang.code())).into_response())
}

#[derive(Deserialize)]
pub struct UnsubscribeQuery {
    #[serde(default)]
    account: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    sig: String,
}

/// The account and topic a link names, if its signature holds; and her language.
async fn checked(state: &AppState, q: &UnsubscribeQuery) -> anyhow::Result<Option<(i64, Topic, Lang)>> {
    let (Ok(account), Some(topic)) = (q.account.parse::<i64>(), Topic::parse(&q.topic)) else { return Ok(None) };
    let Some(subscriber) = Notifications::subscriber(&state.db, account).await? else { return Ok(None) };
    let lang = Lang::parse(&subscriber.subscription.language);
    Ok(unsubscribe::verify(&subscriber.unsubscribe_key, account, topic, &q.sig).then_some((account, topic, lang)))
}

fn invalid_link() -> Response {
    let lang = Lang::Es;
    let body = view! {
        <section class="card narrow">
            <h1>{lang.t("Este enlace no es válido", "This link is not valid")}</h1>
            <p>{lang.t(
                "Puede que esté incompleto. Para elegir qué correos recibir, entra en Digna y abre «Mi cuenta».",
                "It may be incomplete. To choose which e-mails you receive, sign in to Digna and open “My account”.",
            )}</p>
        </section>
    };
    let mut response = page(lang, lang.t("Enlace no válido", "Invalid link"), None, "/account/notifications", body);
    *response.status_mut() = StatusCode::BAD_REQUEST;
    response
}

/// The link opened in a browser: a button that confirms (mail scanners that open links
/// change nothing).
pub async fn unsubscribe_page(State(state): State<AppState>, Query(q): Query<UnsubscribeQuery>) -> PageResult {
    let Some((account, topic, lang)) = checked(&state, &q).await? else { return Ok(invalid_link()) };
    // Checked above: a number and hex.
    let action = format!("{}?account={account}&topic={}&sig={}", unsubscribe::PATH, topic.as_str(), q.sig);
    let body = view! {
        <section class="card narrow">
            <h1>{lang.t("Dejar de recibir", "Stop receiving")}</h1>
            <p>{match lang {
                Lang::Es => format!("¿Dejar de recibir {} por correo? Tus otros avisos no cambian.", topic_name(lang, topic)),
                Lang::En => format!("Stop receiving {} by e-mail? Your other messages do not change.", topic_name(lang, topic)),
            }}</p>
            <form method="post" action=action>
                <input type="hidden" name="List-Unsubscribe" value="One-Click"/>
                <button type="submit" class="primary">{lang.t("Dejar de recibirlos", "Stop them")}</button>
            </form>
        </section>
    };
    Ok(page(lang, lang.t("Dejar de recibir", "Stop receiving"), None, unsubscribe::PATH, body))
}

/// RFC 8058's one-click POST (from her mail program, or the button above): turns the
/// topic off and says so.
pub async fn unsubscribe_now(State(state): State<AppState>, Query(q): Query<UnsubscribeQuery>) -> PageResult {
    let Some((account, topic, lang)) = checked(&state, &q).await? else { return Ok(invalid_link()) };
    Notifications::unsubscribe(&state.db, account, topic).await?;
    let body = view! {
        <section class="card narrow">
            <h1 id="unsubscribed">{lang.t("Listo", "Done")}</h1>
            <p>{match lang {
                Lang::Es => format!("Ya no recibirás {}. Puedes volver a elegirlo en «Mi cuenta».", topic_name(lang, topic)),
                Lang::En => format!("You will no longer receive {}. You can choose it again under “My account”.", topic_name(lang, topic)),
            }}</p>
        </section>
    };
    Ok(page(lang, lang.t("Listo", "Done"), None, unsubscribe::PATH, body))
}
