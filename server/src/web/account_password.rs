//! A signed-in staff member changes her own password: the current one first, and every
//! other session of hers ends.

use super::account::LangQuery;
use super::admin_accounts::new_password;
use super::kit::{CheckedForm, PageResult};
use super::layout::{page, Lang};
use super::session::{keep_after_change, Staff};
use super::signin::{busy, too_many, ClientAddr};
use crate::auth::throttle::Factor;
use crate::auth::{hash_password, verify_password, Busy};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;
use store::audit::Entry;
use store::Accounts;
use store::AuditLog;

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn form(staff: Staff, Query(q): Query<LangQuery>) -> PageResult {
    Ok(password_page(q.lang(), &staff, BTreeMap::new(), StatusCode::OK))
}

fn password_page(lang: Lang, staff: &Staff, errors: BTreeMap<&str, String>, status: StatusCode) -> Response {
    let l = lang.code();
    let error = |field: &str| {
        errors
            .get(field)
            .cloned()
            .map(|e| view! { <p class="form-error" id=format!("{field}-error") role="alert">{e}</p> })
    };
    let body = view! {
        <section class="card narrow">
            <h1>{lang.t("Cambiar mi contraseña", "Change my password")}</h1>
            <p>{lang.t(
                "Al cambiarla se cierran tus otras sesiones abiertas, en cualquier equipo.",
                "Changing it ends your other open sessions, on any device.",
            )}</p>
            <form method="post" action=format!("/account/password?lang={l}") class="stack">
                <input type="hidden" name="csrf" value=staff.csrf.clone()/>
                <label for="current">{lang.t("Contraseña actual", "Current password")}</label>
                <input id="current" name="current" type="password" autocomplete="current-password" required maxlength="128"/>
                {error("current")}
                <label for="password">{lang.t("Contraseña nueva (al menos 12 caracteres)", "New password (at least 12 characters)")}</label>
                <input id="password" name="password" type="password" autocomplete="new-password" required minlength="12" maxlength="128"/>
                {error("password")}
                <label for="confirm">{lang.t("Repite la contraseña nueva", "Type the new password again")}</label>
                <input id="confirm" name="confirm" type="password" autocomplete="new-password" required maxlength="128"/>
                {error("confirm")}
                <button type="submit" class="primary">{lang.t("Cambiar la contraseña", "Change the password")}</button>
            </form>
        </section>
    };
    let mut response = page(
        lang,
        lang.t("Cambiar mi contraseña", "Change my password"),
        Some(staff),
        &format!("/account/password?lang={l}"),
        body,
    );
    *response.status_mut() = status;
    response
}

pub async fn submit(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(client): ClientAddr,
    Query(q): Query<LangQuery>,
    CheckedForm(f): CheckedForm<PasswordForm>,
) -> PageResult {
    let lang = q.lang();
    let password = match new_password(lang, &f.password, &f.confirm) {
        Ok(p) => p,
        Err(errors) => return Ok(password_page(lang, &staff, errors, StatusCode::UNPROCESSABLE_ENTITY)),
    };
    // A stolen session guessing the password counts against the same limit as sign-in.
    let attempt = match state.throttle.reserve(&staff.user.email, client, Factor::Password) {
        Ok(attempt) => attempt,
        Err(wait) => {
            let e = too_many(lang, wait);
            return Ok(password_page(lang, &staff, BTreeMap::from([("current", e)]), StatusCode::TOO_MANY_REQUESTS));
        }
    };
    match verify_password(f.current, Some(staff.user.password_hash.clone())).await {
        Ok(true) => state.throttle.succeed(attempt),
        Ok(false) => {
            let wait = state.throttle.fail(attempt);
            AuditLog::audit(&state.db, &staff.user.email, "account.password_failed", &staff.user.email, "").await?;
            let mut e =
                lang.t("La contraseña actual no es correcta.", "The current password is not right.").to_string();
            if !wait.is_zero() {
                e = format!("{e} {}", too_many(lang, wait));
            }
            return Ok(password_page(lang, &staff, BTreeMap::from([("current", e)]), StatusCode::UNPROCESSABLE_ENTITY));
        }
        Err(Busy) => {
            state.throttle.succeed(attempt);
            return Ok(password_page(
                lang,
                &staff,
                BTreeMap::from([("current", busy(lang))]),
                StatusCode::TOO_MANY_REQUESTS,
            ));
        }
    }
    let hash = hash_password(&password).await?;
    let audit = Entry::new(&staff.user.email, "account.password_changed", &staff.user.email, "");
    let epoch = Accounts::change_password(&state.db, staff.user.id, &hash, &audit).await?;
    keep_after_change(&staff.session, epoch).await.map_err(|e| anyhow::anyhow!("session: {e}"))?;
    Ok(Redirect::to(&format!("/account?lang={}&changed=password", lang.code())).into_response())
}
