//! A staff member's own account: what she may see, and two-factor sign-in.

use super::kit::{CheckedForm, PageResult};
use super::layout::{page, Lang};
use super::session::{keep_after_change, Staff};
use super::signin::{too_many, ClientAddr};
use crate::auth::throttle::Factor;
use crate::auth::{
    check_second_factor, check_totp, new_recovery_codes, new_totp_secret, seal_totp_secret, totp_qr_svg,
};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use leptos::prelude::*;
use serde::Deserialize;
use store::audit::Entry;
use store::Accounts;
use store::AuditLog;

const TOTP_SETUP: &str = "totp_setup";

#[derive(Deserialize, Default)]
pub struct LangQuery {
    #[serde(default)]
    lang: Option<String>,
    /// Set by the redirect after a save.
    #[serde(default)]
    saved: Option<String>,
}

impl LangQuery {
    pub(super) fn saved(&self) -> bool {
        self.saved.is_some()
    }

    pub(super) fn lang(&self) -> Lang {
        Lang::parse(self.lang.as_deref().unwrap_or("es"))
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    code: String,
    /// When a second factor is already on: its current code or a recovery code.
    #[serde(default)]
    current: String,
}

pub(super) fn role_name(lang: Lang, role: domain::Role) -> &'static str {
    use domain::Role::*;
    match role {
        Admin => lang.t("Administradora", "Administrator"),
        Supervisor => lang.t("Supervisora", "Supervisor"),
        Researcher => lang.t("Investigadora", "Researcher"),
    }
}

pub async fn overview(State(state): State<AppState>, staff: Staff, Query(q): Query<LangQuery>) -> PageResult {
    let lang = q.lang();
    let l = lang.code();
    let grants = Accounts::grants(&state.db, staff.user.id).await?;
    let codes_left = Accounts::recovery_codes_left(&state.db, staff.user.id).await.unwrap_or(0);
    let scope = if staff.role() == domain::Role::Admin {
        lang.t("Todas las comisarías", "Every station").to_string()
    } else {
        let mut parts: Vec<String> = grants.stations.clone();
        parts.extend(grants.regions.iter().map(|r| format!("{} {r}", lang.t("región", "region"))));
        if parts.is_empty() {
            lang.t("Ninguna comisaría todavía", "No station yet").to_string()
        } else {
            parts.join(", ")
        }
    };
    let two_factor = staff.user.totp_secret.is_some();
    let body = view! {
        <section class="card">
            <h1>{lang.t("Mi cuenta", "My account")}</h1>
            <dl class="facts">
                <dt>{lang.t("Correo", "Email")}</dt><dd>{staff.user.email.clone()}</dd>
                <dt>{lang.t("Rol", "Role")}</dt><dd>{role_name(lang, staff.role())}</dd>
                <dt>{lang.t("Puede ver", "May see")}</dt><dd>{scope}</dd>
                <dt>{lang.t("Verificación en dos pasos", "Two-step verification")}</dt>
                <dd id="two-factor-state">{if two_factor {
                    match lang {
                        Lang::Es => format!("Activada · {codes_left} códigos de recuperación sin usar"),
                        Lang::En => format!("On · {codes_left} unused recovery codes"),
                    }
                } else {
                    lang.t("Desactivada", "Off").to_string()
                }}</dd>
            </dl>
            <p class="actions">
            <a class="button" href=format!("/account/password?lang={l}")>{lang.t("Cambiar mi contraseña", "Change my password")}</a>
            " "
            <a class="button" href=format!("/account/notifications?lang={l}")>{lang.t("Avisos por correo", "E-mail notifications")}</a>
            " "
            <a class="button" href=format!("/account/two-factor?lang={l}")>{if two_factor {
                lang.t("Configurar de nuevo la verificación en dos pasos", "Set up two-step verification again")
            } else {
                lang.t("Activar la verificación en dos pasos", "Turn on two-step verification")
            }}</a>
            </p>
        </section>
    };
    Ok(page(lang, lang.t("Mi cuenta", "My account"), Some(&staff), &format!("/account?lang={l}"), body))
}

pub async fn two_factor_form(staff: Staff, Query(q): Query<LangQuery>) -> PageResult {
    let lang = q.lang();
    let secret = new_totp_secret();
    staff.session.insert(TOTP_SETUP, &secret).await.map_err(|e| anyhow::anyhow!("session: {e}"))?;
    two_factor_page(lang, &staff, &secret, None, StatusCode::OK)
}

fn two_factor_page(lang: Lang, staff: &Staff, secret: &str, error: Option<String>, status: StatusCode) -> PageResult {
    let l = lang.code();
    let qr = totp_qr_svg(secret, &staff.user.email)?.trim_start_matches(|c| c != '<').to_string();
    let qr = qr.find("<svg").map(|i| qr[i..].to_string()).unwrap_or(qr);
    let required = staff.role().requires_two_factor() && staff.user.totp_secret.is_none();
    // Replacing a second factor needs the one she has: a stolen session cannot swap in its own.
    let replacing = staff.user.totp_secret.is_some();
    let body = view! {
        <section class="card narrow">
            <h1>{lang.t("Verificación en dos pasos", "Two-step verification")}</h1>
            {required.then(|| view! {
                <p class="notice" role="status">{lang.t(
                    "Tu rol la exige: actívala para continuar.",
                    "Your role requires it: turn it on to continue.",
                )}</p>
            })}
            <ol class="steps">
                <li>{lang.t(
                    "Escanea este código con tu aplicación de autenticación (por ejemplo, una de código abierto).",
                    "Scan this code with your authenticator app (an open-source one, for example).",
                )}</li>
            </ol>
            <figure class="qr" role="img" aria-label=lang.t("Código QR para la aplicación de autenticación", "QR code for the authenticator app") inner_html=qr></figure>
            <p>{lang.t("¿No puedes escanear? Escribe esta clave:", "Cannot scan? Type this key:")}
                " "<code id="totp-secret">{secret.to_string()}</code></p>
            {error.map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <form method="post" action=format!("/account/two-factor?lang={l}") class="stack">
                <input type="hidden" name="csrf" value=staff.csrf.clone()/>
                <label for="code">{lang.t("Código de 6 cifras que muestra la aplicación", "The 6-digit code the app shows")}</label>
                <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required maxlength="7"/>
                {replacing.then(|| view! {
                    <label for="current">{lang.t(
                        "Código de la aplicación que usas hoy, o uno de tus códigos de recuperación",
                        "The code of the app you use today, or one of your recovery codes",
                    )}</label>
                    <input id="current" name="current" type="text" autocomplete="one-time-code" required maxlength="32"/>
                })}
                <button type="submit" class="primary">{lang.t("Activar", "Turn on")}</button>
            </form>
        </section>
    };
    let mut response = page(
        lang,
        lang.t("Verificación en dos pasos", "Two-step verification"),
        Some(staff),
        &format!("/account/two-factor?lang={l}"),
        body,
    );
    *response.status_mut() = status;
    Ok(response)
}

pub async fn two_factor_confirm(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(client): ClientAddr,
    Query(q): Query<LangQuery>,
    CheckedForm(f): CheckedForm<ConfirmForm>,
) -> PageResult {
    let lang = q.lang();
    let Ok(Some(secret)) = staff.session.get::<String>(TOTP_SETUP).await else {
        return two_factor_form(staff, Query(q)).await;
    };
    let replacing = staff.user.totp_secret.is_some();
    if replacing {
        let attempt = match state.throttle.reserve(&staff.user.email, client, Factor::SecondStep) {
            Ok(attempt) => attempt,
            Err(wait) => {
                let message = too_many(lang, wait);
                return two_factor_page(lang, &staff, &secret, Some(message), StatusCode::TOO_MANY_REQUESTS);
            }
        };
        match check_second_factor(&state.db, &state.seal, &staff.user, &f.current).await? {
            true => state.throttle.succeed(attempt),
            false => {
                state.throttle.fail(attempt);
                let (who, action) = (&staff.user.email, "account.two_factor_failed");
                AuditLog::audit(&state.db, who, action, who, "current second step").await?;
                let message = lang
                    .t(
                        "El código de tu verificación actual no es válido: escribe el código que muestra hoy tu aplicación, o un código de recuperación.",
                        "The code of your current verification is not valid: type the code your app shows today, or a recovery code.",
                    )
                    .to_string();
                return two_factor_page(lang, &staff, &secret, Some(message), StatusCode::UNPROCESSABLE_ENTITY);
            }
        }
    }
    if !check_totp(&secret, &staff.user.email, &f.code) {
        let message = lang
            .t(
                "El código no coincide. Revisa la hora del teléfono y escribe el código actual.",
                "The code does not match. Check the phone's clock and type the current code.",
            )
            .to_string();
        return two_factor_page(lang, &staff, &secret, Some(message), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (codes, hashes) = new_recovery_codes();
    let sealed = seal_totp_secret(&state.seal, staff.user.id, &secret);
    let (who, detail) = (&staff.user.email, if replacing { "replaced" } else { "turned on" });
    let audit = Entry::new(who, "account.two_factor", who, detail);
    let epoch = Accounts::enable_totp(&state.db, staff.user.id, &sealed, &hashes, &audit).await?;
    keep_after_change(&staff.session, epoch).await.map_err(|e| anyhow::anyhow!("session: {e}"))?;
    let _ = staff.session.remove_value(TOTP_SETUP).await;
    let l = lang.code();
    let body = view! {
        <section class="card narrow">
            <h1>{lang.t("Verificación en dos pasos activada", "Two-step verification is on")}</h1>
            <p>{lang.t(
                "Guarda estos códigos de recuperación en un lugar seguro. Cada uno sirve una sola vez si pierdes el teléfono. No se volverán a mostrar.",
                "Keep these recovery codes somewhere safe. Each works once if you lose your phone. They will not be shown again.",
            )}</p>
            <ul class="recovery-codes" id="recovery-codes">
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ul>
            <a class="button primary" href=format!("/dashboard?lang={l}")>{lang.t("Ir al resumen", "Go to the overview")}</a>
        </section>
    };
    Ok(page(
        lang,
        lang.t("Verificación activada", "Verification on"),
        Some(&staff),
        &format!("/account?lang={l}"),
        body,
    ))
}
