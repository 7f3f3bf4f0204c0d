//! Staff sessions: who is signed in, for how long, and the form token that proves a
//! form was sent from Digna's own pages.

use super::kit::PageError;
use super::lang::Lang;
use super::session_store::HashedStore;
use crate::auth::{random_token, same_secret};
use crate::AppState;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::Role;
use store::accounts::User;
use store::Accounts;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

/// The session cookie's name.
pub const COOKIE: &str = "digna_staff";
/// A session ends after this long without a request…
pub const IDLE_MINUTES: i64 = 30;
/// …and this long after sign-in, whatever happens.
pub const ABSOLUTE_SECONDS: i64 = 12 * 60 * 60;

const USER_ID: &str = "user_id";
const SIGNED_IN_AT: &str = "signed_in_at";
/// Set after the password when a second factor is still to come.
pub const PENDING_USER_ID: &str = "pending_user_id";
const CSRF: &str = "csrf";
/// The account's session epoch at sign-in: a session whose epoch is older than the
/// account's has been ended by a password or second-factor change, a reset or a disable.
const EPOCH: &str = "epoch";

/// The session layer of the staff pages. Cookies are HttpOnly and SameSite=Strict, and
/// Secure when Digna serves HTTPS.
pub fn layer(store: HashedStore, secure: bool) -> SessionManagerLayer<HashedStore> {
    SessionManagerLayer::new(store)
        .with_name(COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(secure)
        .with_path("/")
        // Saved on every request so that the idle timeout starts again at each one.
        .with_always_save(true)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(IDLE_MINUTES)))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Signs `user` in on this session: a new session id (no fixation), a new form token.
pub async fn sign_in(session: &Session, user: &User) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.remove_value(PENDING_USER_ID).await?;
    session.insert(USER_ID, user.id).await?;
    session.insert(EPOCH, user.session_epoch).await?;
    session.insert(SIGNED_IN_AT, now()).await?;
    session.insert(CSRF, random_token()).await?;
    Ok(())
}

/// Keeps this session open after a change that advanced her account's epoch to `epoch`
/// (every other session ends), under a new session id.
pub async fn keep_after_change(session: &Session, epoch: i64) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(EPOCH, epoch).await
}

/// Remembers that the password was right and a second factor is still to come.
pub async fn await_second_factor(session: &Session, user_id: i64) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.remove_value(USER_ID).await?;
    session.insert(PENDING_USER_ID, user_id).await?;
    session.insert(SIGNED_IN_AT, now()).await?;
    Ok(())
}

/// The account whose password was right, when a second factor is still to come and
/// the sign-in is not older than the absolute timeout.
pub async fn pending_user(session: &Session) -> Option<i64> {
    let id: i64 = session.get(PENDING_USER_ID).await.ok()??;
    let at: i64 = session.get(SIGNED_IN_AT).await.ok()??;
    (now() - at < 10 * 60).then_some(id)
}

/// The account epoch this session signed in under (0 for sessions from before epochs).
async fn session_epoch(session: &Session) -> i64 {
    session.get::<i64>(EPOCH).await.ok().flatten().unwrap_or(0)
}

/// The account signed in on this session, if any (timeouts not checked: for sign-out).
pub async fn signed_in_user(session: &Session) -> Option<i64> {
    session.get::<i64>(USER_ID).await.ok().flatten()
}

/// The session's form token, created on first use.
pub async fn csrf_token(session: &Session) -> String {
    if let Ok(Some(token)) = session.get::<String>(CSRF).await {
        return token;
    }
    let token = random_token();
    let _ = session.insert(CSRF, &token).await;
    token
}

/// The cookie that carries the sign-in form's token for a browser without a session:
/// a session (and its row in the database) is made only when she signs in, so that
/// anyone loading the sign-in page writes nothing.
pub const SIGNIN_COOKIE: &str = "digna_signin";

/// The key that signs sign-in tokens: this process's own (a restart asks a half-filled
/// sign-in form to be reloaded).
fn signin_key() -> &'static [u8; 32] {
    static KEY: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let mut key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
        key
    })
}

fn signin_mac(nonce: &str) -> String {
    use hmac::Mac;
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(signin_key()).expect("any key length");
    mac.update(nonce.as_bytes());
    domain::hex(&mac.finalize().into_bytes())
}

/// The sign-in form's token: the session's, if she has one; otherwise a fresh signed
/// token, `true` meaning it must also be set as [`SIGNIN_COOKIE`] (nothing is stored).
pub async fn signin_token(session: &Session) -> (String, bool) {
    match session.get::<String>(CSRF).await {
        Ok(Some(token)) => (token, false),
        _ => {
            let nonce = random_token();
            let mac = signin_mac(&nonce);
            (format!("{nonce}.{mac}"), true)
        }
    }
}

/// The `Set-Cookie` value that carries a sign-in token: for the sign-in forms only,
/// HttpOnly, SameSite=Strict, an hour.
pub fn signin_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SIGNIN_COOKIE}={token}; Path=/signin; HttpOnly; SameSite=Strict; Max-Age=3600{secure}")
}

/// The sign-in form: accepted with the session's token, or with a signed token that the
/// form and the [`SIGNIN_COOKIE`] both carry; and only from this site.
pub async fn check_signin_form(session: &Session, headers: &HeaderMap, token: &str) -> Result<(), Response> {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == SIGNIN_COOKIE)
        .map(|(_, value)| value.to_string());
    let signed = token.split_once('.').is_some_and(|(nonce, mac)| same_secret(&signin_mac(nonce), mac));
    if signed && cookie.is_some_and(|c| same_secret(&c, token)) {
        return if from_this_site(headers) { Ok(()) } else { Err(refused()) };
    }
    check_form(session, headers, token).await
}

/// A form is accepted only with the session's token, and only from this site when the
/// browser says where it came from.
pub async fn check_form(session: &Session, headers: &HeaderMap, token: &str) -> Result<(), Response> {
    let expected = session.get::<String>(CSRF).await.ok().flatten();
    if expected.is_some_and(|e| same_secret(&e, token)) && from_this_site(headers) {
        Ok(())
    } else {
        Err(refused())
    }
}

/// Whether the browser says the form came from this site (or says nothing).
fn from_this_site(headers: &HeaderMap) -> bool {
    let cross_site =
        headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_some_and(|v| v != "same-origin" && v != "none");
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let foreign_origin = match (headers.get(header::ORIGIN), headers.get(header::HOST)) {
        // A browser that hides the origin ("null") must at least say the form is ours.
        (Some(origin), _) if origin.as_bytes() == b"null" => fetch_site != Some("same-origin"),
        (Some(origin), Some(host)) => {
            let origin = origin.to_str().unwrap_or("");
            let host = host.to_str().unwrap_or("");
            origin.split_once("://").map(|(_, rest)| rest) != Some(host)
        }
        _ => false,
    };
    !cross_site && !foreign_origin
}

/// 403: a form without this session's token, or from another site.
pub(crate) fn refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        [(header::CACHE_CONTROL, "no-store")],
        "Formulario rechazado: no fue enviado desde esta página de Digna, o la sesión cambió. \
             Vuelve atrás, recarga la página e inténtalo de nuevo.\n\
             Form refused: it was not sent from this Digna page, or the session changed. \
             Go back, reload the page and try again.",
    )
        .into_response()
}

/// A signed-in staff member, with the stations she may see. Extracting it enforces
/// the idle and absolute timeouts and a disabled (or reset) account; without one, pages redirect
/// to the sign-in form.
#[derive(Clone, Debug)]
pub struct Staff {
    pub user: User,
    pub station_ids: Vec<i64>,
    pub csrf: String,
    pub session: Session,
}

impl Staff {
    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn may_see(&self, station_id: i64) -> bool {
        self.station_ids.contains(&station_id)
    }
}

/// Why there is no staff member: the page sends her to sign in.
pub struct SignInFirst {
    next: String,
    lang: Lang,
}

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        let next: String = url_encode(&self.next);
        Redirect::to(&format!("/signin?lang={}&next={next}", self.lang.code())).into_response()
    }
}

pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl<S> FromRequestParts<S> for Staff
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let state = AppState::from_ref(state);
        let next = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/dashboard".into());
        let lang = Lang::from_query(parts.uri.query());
        let deny = || SignInFirst { next: next.clone(), lang }.into_response();
        let session = Session::from_request_parts(parts, &state).await.map_err(|e| e.into_response())?;
        let Ok(Some(user_id)) = session.get::<i64>(USER_ID).await else { return Err(deny()) };
        let at: i64 = session.get(SIGNED_IN_AT).await.ok().flatten().unwrap_or(0);
        if now() - at >= ABSOLUTE_SECONDS {
            let _ = session.flush().await;
            return Err(deny());
        }
        let user = match Accounts::by_id(&state.db, user_id).await {
            // Reloaded on every request: a disabled account, or one whose password or
            // second factor changed since this session signed in, loses it at once.
            Ok(Some(user)) if user.may_sign_in() && session_epoch(&session).await == user.session_epoch => user,
            Ok(_) => {
                let _ = session.flush().await;
                return Err(deny());
            }
            Err(e) => return Err(PageError::from(e).into_response()),
        };
        // Admins and researchers set up a second factor before they see anything else.
        if user.role.requires_two_factor() && user.totp_secret.is_none() && !parts.uri.path().starts_with("/account") {
            return Err(Redirect::to(&format!("/account/two-factor?lang={}", lang.code())).into_response());
        }
        let station_ids = Accounts::visible_station_ids(&state.db, user.id, user.role)
            .await
            .map_err(|e| PageError::from(e).into_response())?;
        let csrf = csrf_token(&session).await;
        Ok(Staff { user, station_ids, csrf, session })
    }
}
