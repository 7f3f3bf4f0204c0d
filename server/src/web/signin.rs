//! Sign-in with email and password, then the second factor; sign-out. Each success,
//! failure and sign-out writes a line of the audit log, naming the email as typed,
//! never the password nor the client's address. Attempts refused by the throttle are
//! not written: they check no password, and writing them would let anyone flood the log.

use super::kit::{CheckedForm, PageResult, Pairs};
use super::layout::{page, Lang};
use super::session::{self, csrf_token, pending_user};
use crate::auth;
use crate::auth::throttle::Factor;
use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use domain::Email;
use leptos::prelude::*;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use store::Accounts;
use store::AuditLog;
use tower_sessions::Session;

#[derive(Deserialize, Default)]
pub struct SignInQuery {
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    lang: Option<String>,
    /// Set after she chose her password through a one-time link.
    #[serde(default)]
    password_set: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: Option<String>,
}

/// The client's address when the server knows it: the peer's, or what a trusted proxy
/// says (`DIGNA_TRUSTED_PROXIES`). Only for the throttle's keyed hash.
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let forwarded = parts.extensions.get::<crate::proxy::Forwarded>().and_then(|f| f.client);
        Ok(ClientAddr(forwarded.or_else(|| parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()))))
    }
}

/// Only a path on this site, so that a crafted link cannot send her elsewhere: it starts
/// with one `/` and holds only the characters of a URL path and query (letters, digits
/// and `/-_.~?=&%+,:;@!*()'`). Browsers drop tabs and line breaks from a `Location`, so
/// `/\t/evil.example` would become `//evil.example`: no control character, space or
/// backslash passes.
fn safe_next(next: Option<&str>) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/-_.~?=&%+,:;@!*()'".contains(c);
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && n.len() < 512 && n.chars().all(allowed) => {
            n.to_string()
        }
        _ => "/dashboard".to_string(),
    }
}

fn lang_of(q: &SignInQuery) -> Lang {
    Lang::parse(q.lang.as_deref().unwrap_or("es"))
}

pub async fn form(State(state): State<AppState>, session: Session, Query(q): Query<SignInQuery>) -> Response {
    let lang = lang_of(&q);
    // No session is made for a visit to this page: the token travels in a cookie of its
    // own until she signs in.
    let (csrf, as_cookie) = session::signin_token(&session).await;
    let notice = q.password_set.is_some().then(|| {
        lang.t("Tu contraseña quedó guardada. Ya puedes entrar.", "Your password is saved. You may sign in now.")
    });
    let mut r = signin_page(lang, &csrf, &safe_next(q.next.as_deref()), "", None, notice, StatusCode::OK);
    if as_cookie {
        if let Ok(cookie) = session::signin_cookie(&csrf, state.secure_cookies).parse() {
            r.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    r
}

fn signin_page(
    lang: Lang,
    csrf: &str,
    next: &str,
    email: &str,
    error: Option<String>,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Response {
    let l = lang.code();
    let body = view! {
        <section class="card narrow">
            <h1>{lang.t("Entrar a Digna", "Sign in to Digna")}</h1>
            <p class="lead">{lang.t(
                "Para supervisoras, investigadoras y administradoras. Las visitantes no necesitan cuenta.",
                "For supervisors, researchers and administrators. Visitors need no account.",
            )}</p>
            {notice.map(|n| view! { <p class="notice" role="status" id="signin-notice">{n}</p> })}
            {error.map(|e| view! { <p class="form-error" role="alert" id="signin-error">{e}</p> })}
            <form method="post" action=format!("/signin?lang={l}") class="stack">
                <input type="hidden" name="csrf" value=csrf.to_string()/>
                <input type="hidden" name="next" value=next.to_string()/>
                <label for="email">{lang.t("Correo electrónico", "Email")}</label>
                <input id="email" name="email" type="email" autocomplete="username" required value=email.to_string()/>
                <label for="password">{lang.t("Contraseña", "Password")}</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required/>
                <button type="submit" class="primary">{lang.t("Entrar", "Sign in")}</button>
            </form>
        </section>
    };
    let mut response = page(lang, lang.t("Entrar", "Sign in"), None, &format!("/signin?lang={l}"), body);
    *response.status_mut() = status;
    response
}

/// Who a failed sign-in names in the audit log: the email as typed (normalized), or a
/// placeholder when what was typed is no email at all, which is how a password typed
/// into the wrong field would otherwise end up in the log.
fn typed_actor(email: &str) -> String {
    match domain::Email::parse(email) {
        Ok(e) => e.as_ref().to_string(),
        Err(_) => "(not an email)".to_string(),
    }
}

/// Why a sign-in was refused, in words that never say whether the email exists.
fn wrong(lang: Lang) -> String {
    lang.t("Correo o contraseña incorrectos.", "Wrong email or password.").to_string()
}

pub(super) fn too_many(lang: Lang, wait: std::time::Duration) -> String {
    let s = wait.as_secs().max(1);
    match lang {
        Lang::Es => format!("Demasiados intentos fallidos. Espera {s} s e inténtalo de nuevo."),
        Lang::En => format!("Too many failed attempts. Wait {s} s and try again."),
    }
}

pub(super) fn busy(lang: Lang) -> String {
    lang.t(
        "Hay muchas personas entrando a la vez. Inténtalo de nuevo en unos segundos.",
        "Many people are signing in at once. Try again in a few seconds.",
    )
    .to_string()
}

fn with_retry_after(mut response: Response, wait: std::time::Duration) -> Response {
    if let Ok(v) = wait.as_secs().max(1).to_string().parse() {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Query(q): Query<SignInQuery>,
    Form(f): Form<SignInForm>,
) -> PageResult {
    let lang = lang_of(&q);
    session::check_signin_form(&session, &headers, &f.csrf).await?;
    let next = safe_next(f.next.as_deref());
    let csrf = csrf_token(&session).await;
    // Reserved before the database, Argon2 and the audit: parallel attempts count each
    // other, and no more than the free ones reach the password check.
    let attempt = match state.throttle.reserve(&f.email, client, Factor::Password) {
        Ok(attempt) => attempt,
        Err(wait) => {
            let r = signin_page(
                lang,
                &csrf,
                &next,
                &f.email,
                Some(too_many(lang, wait)),
                None,
                StatusCode::TOO_MANY_REQUESTS,
            );
            return Ok(with_retry_after(r, wait));
        }
    };
    let user = match Email::parse(&f.email) {
        // A disabled account, or one with no password of her own yet, is checked against
        // the decoy like an unknown email: same answer, same time.
        Ok(email) => Accounts::by_email(&state.db, &email).await?.filter(|u| u.may_sign_in()),
        Err(_) => None,
    };
    let ok = match auth::verify_password(f.password, user.as_ref().map(|u| u.password_hash.clone())).await {
        Ok(ok) => ok,
        Err(auth::Busy) => {
            // Not her fault: the attempt is given back, and she is asked to retry.
            state.throttle.succeed(attempt);
            let wait = std::time::Duration::from_secs(2);
            let r = signin_page(lang, &csrf, &next, &f.email, Some(busy(lang)), None, StatusCode::TOO_MANY_REQUESTS);
            return Ok(with_retry_after(r, wait));
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        let wait = state.throttle.fail(attempt);
        AuditLog::audit(&state.db, &typed_actor(&f.email), "signin.failed", "", "password").await?;
        let (message, status) = if wait.is_zero() {
            (wrong(lang), StatusCode::UNAUTHORIZED)
        } else {
            (format!("{} {}", wrong(lang), too_many(lang, wait)), StatusCode::TOO_MANY_REQUESTS)
        };
        let r = signin_page(lang, &csrf, &next, &f.email, Some(message), None, status);
        return Ok(if wait.is_zero() { r } else { with_retry_after(r, wait) });
    };
    state.throttle.succeed(attempt);
    let result = if user.totp_secret.is_some() {
        session::await_second_factor(&session, user.id)
            .await
            .map(|_| format!("/signin/two-factor?lang={}&next={}", lang.code(), session::url_encode(&next)))
    } else {
        AuditLog::audit(&state.db, &user.email, "signin", &user.email, "password").await?;
        session::sign_in(&session, &user).await.map(|_| next)
    };
    let to = result.map_err(|e| anyhow::anyhow!("session: {e}"))?;
    Ok(Redirect::to(&to).into_response())
}

pub async fn second_factor_form(session: Session, Query(q): Query<SignInQuery>) -> Response {
    let lang = lang_of(&q);
    if pending_user(&session).await.is_none() {
        return Redirect::to(&format!("/signin?lang={}", lang.code())).into_response();
    }
    let csrf = csrf_token(&session).await;
    second_factor_page(lang, &csrf, &safe_next(q.next.as_deref()), None, StatusCode::OK)
}

fn second_factor_page(lang: Lang, csrf: &str, next: &str, error: Option<String>, status: StatusCode) -> Response {
    let l = lang.code();
    let body = view! {
        <section class="card narrow">
            <h1>{lang.t("Segundo paso", "Second step")}</h1>
            <p class="lead">{lang.t(
                "Escribe el código de 6 cifras de tu aplicación de autenticación, o uno de tus códigos de recuperación.",
                "Type the 6-digit code from your authenticator app, or one of your recovery codes.",
            )}</p>
            {error.map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <form method="post" action=format!("/signin/two-factor?lang={l}") class="stack">
                <input type="hidden" name="csrf" value=csrf.to_string()/>
                <input type="hidden" name="next" value=next.to_string()/>
                <label for="code">{lang.t("Código", "Code")}</label>
                <input id="code" name="code" type="text" inputmode="text" autocomplete="one-time-code" required maxlength="20"/>
                <button type="submit" class="primary">{lang.t("Confirmar", "Confirm")}</button>
            </form>
        </section>
    };
    let mut response =
        page(lang, lang.t("Segundo paso", "Second step"), None, &format!("/signin/two-factor?lang={l}"), body);
    *response.status_mut() = status;
    response
}

pub async fn second_factor_submit(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(client): ClientAddr,
    Query(q): Query<SignInQuery>,
    CheckedForm(f): CheckedForm<CodeForm>,
) -> PageResult {
    let lang = lang_of(&q);
    let Some(user_id) = pending_user(&session).await else {
        return Ok(Redirect::to(&format!("/signin?lang={}", lang.code())).into_response());
    };
    let next = safe_next(f.next.as_deref());
    let csrf = csrf_token(&session).await;
    let user = match Accounts::by_id(&state.db, user_id).await? {
        Some(u) if u.may_sign_in() => u,
        _ => return Ok(Redirect::to(&format!("/signin?lang={}", lang.code())).into_response()),
    };
    let attempt = match state.throttle.reserve(&user.email, client, Factor::SecondStep) {
        Ok(attempt) => attempt,
        Err(wait) => {
            let r = second_factor_page(lang, &csrf, &next, Some(too_many(lang, wait)), StatusCode::TOO_MANY_REQUESTS);
            return Ok(with_retry_after(r, wait));
        }
    };
    let ok = auth::check_second_factor(&state.db, &state.seal, &user, &f.code).await?;
    if !ok {
        AuditLog::audit(&state.db, &user.email, "signin.failed", &user.email, "second step").await?;
        state.throttle.fail(attempt);
        let message = lang.t("El código no es válido.", "That code is not valid.").to_string();
        return Ok(second_factor_page(lang, &csrf, &next, Some(message), StatusCode::UNAUTHORIZED));
    }
    state.throttle.succeed(attempt);
    AuditLog::audit(&state.db, &user.email, "signin", &user.email, "password and second step").await?;
    session::sign_in(&session, &user).await.map_err(|e| anyhow::anyhow!("session: {e}"))?;
    Ok(Redirect::to(&next).into_response())
}

/// Ends the session on the server: the cookie is worthless afterwards.
pub async fn sign_out(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<SignInQuery>,
    CheckedForm(_): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(&q);
    if let Some(user_id) = session::signed_in_user(&session).await {
        let user = Accounts::by_id(&state.db, user_id).await?;
        if let Some(user) = user {
            AuditLog::audit(&state.db, &user.email, "signout", &user.email, "").await?;
        }
    }
    session.flush().await.map_err(|e| anyhow::anyhow!("session: {e}"))?;
    Ok(Redirect::to(&format!("/signin?lang={}", lang.code())).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn after_sign_in_she_goes_only_to_a_path_of_this_site() {
        for (case, next) in [
            ("a tab the browser drops", "/\t/evil.example"),
            ("a line break", "/\n/evil.example"),
            ("a carriage return", "/\r/evil.example"),
            ("a space", "/ /evil.example"),
            ("a backslash", "/\\evil.example"),
            ("two slashes", "//evil.example"),
            ("a scheme", "https://evil.example"),
            ("no slash", "evil.example"),
            ("a NUL", "/\0/evil.example"),
            ("non-ASCII", "/dashboard/ｅvil"),
            ("empty", ""),
        ] {
            assert_eq!(super::safe_next(Some(next)), "/dashboard", "{case}");
        }
        assert_eq!(super::safe_next(None), "/dashboard");
        for kept in ["/dashboard", "/dashboard/station/LIM-01?from=2026-W01&to=2026-W12&language=qu", "/export?x=%20y"]
        {
            assert_eq!(super::safe_next(Some(kept)), kept);
        }
        assert_eq!(super::safe_next(Some(&format!("/{}", "a".repeat(600)))), "/dashboard", "too long");
    }

    #[test]
    fn a_failed_sign_in_never_logs_what_is_not_an_email() {
        assert_eq!(super::typed_actor(" Ana@Digna.test "), "ana@digna.test");
        assert_eq!(super::typed_actor("mi contraseña secreta"), "(not an email)");
    }
}
