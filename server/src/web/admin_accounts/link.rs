//! `/invite/{token}`: the one-time link, where an invited or reset account chooses her
//! password; and the rule for a new password, which her own change of password follows.

use super::form::AccountForm;
use super::new_link::token_hash;
use crate::auth::hash_password;
use crate::web::admin::lang_of;
use crate::web::kit::{CheckedForm, PageError, PageResult, Pairs};
use crate::web::layout::{page, Lang};
use crate::web::session::csrf_token;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{Password, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
use leptos::prelude::*;
use std::collections::BTreeMap;
use store::accounts::{self, LinkPurpose};
use store::audit::Entry;
use store::Accounts;
use tower_sessions::Session;

/// A page that says why a link does not work: 404 unknown, 410 used, expired or disabled.
fn dead_link(lang: Lang, status: StatusCode, why: &'static str) -> Response {
    let l = lang.code();
    let body = view! {
        <section class="card narrow" id="link-refused">
            <h1>{lang.t("Este enlace no funciona", "This link does not work")}</h1>
            <p>{why}</p>
            <p>{lang.t(
                "Pide a una administradora de Digna un enlace nuevo.",
                "Ask a Digna administrator for a new link.",
            )}</p>
            <a class="button" href=format!("/signin?lang={l}")>{lang.t("Ir a entrar", "Go to sign in")}</a>
        </section>
    };
    let mut r = page(lang, lang.t("Enlace", "Link"), None, &format!("/signin?lang={l}"), body);
    *r.status_mut() = status;
    r
}

/// The link of `token` if it still works, or the page that says why not.
async fn live_link(state: &AppState, lang: Lang, token: &str) -> Result<accounts::AccountLink, PageError> {
    let refused = |status, why| Err(PageError::from(dead_link(lang, status, why)));
    match Accounts::link(&state.db, &token_hash(token)).await? {
        None => refused(
            StatusCode::NOT_FOUND,
            lang.t(
                "No conocemos este enlace. Revisa que esté completo.",
                "We do not know this link. Check that it is complete.",
            ),
        ),
        Some(l) if l.used => refused(
            StatusCode::GONE,
            lang.t(
                "Este enlace ya se usó o fue reemplazado por uno más reciente.",
                "This link was already used, or replaced by a newer one.",
            ),
        ),
        Some(l) if l.expired => refused(
            StatusCode::GONE,
            lang.t("Este enlace caducó: valía 7 días.", "This link has expired: it was valid for 7 days."),
        ),
        Some(l) if l.disabled => {
            refused(StatusCode::GONE, lang.t("Esta cuenta está desactivada.", "This account is disabled."))
        }
        Some(l) => Ok(l),
    }
}

fn set_password_page(
    lang: Lang,
    csrf: &str,
    token: &str,
    link: &accounts::AccountLink,
    errors: BTreeMap<&'static str, String>,
    status: StatusCode,
) -> Response {
    let l = lang.code();
    let action = format!("/invite/{token}?lang={l}");
    let field = |key: &'static str, label: &'static str| {
        let id = format!("sp-{key}");
        let error = errors.get(key).cloned();
        let error_id = format!("{id}-error");
        let hint_id = format!("{id}-hint");
        let described = match &error {
            Some(_) => format!("{hint_id} {error_id}"),
            None => hint_id.clone(),
        };
        let hint = match lang {
            Lang::Es => format!("Entre {PASSWORD_MIN_CHARS} y {PASSWORD_MAX_CHARS} caracteres; una frase larga sirve."),
            Lang::En => format!("{PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters; a long phrase works well."),
        };
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input id=id name=key type="password" autocomplete="new-password" required
                    minlength=PASSWORD_MIN_CHARS.to_string() maxlength=PASSWORD_MAX_CHARS.to_string()
                    aria-invalid=error.is_some().then_some("true") aria-describedby=described/>
                <p class="muted" id=hint_id>{hint}</p>
                {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
            </div>
        }
    };
    let (title, lead) = match link.purpose {
        LinkPurpose::Invite => (
            lang.t("Bienvenida a Digna", "Welcome to Digna"),
            lang.t(
                "Elige la contraseña de tu cuenta. Después entrarás con tu correo y esta contraseña.",
                "Choose the password of your account. Then you sign in with your email and this password.",
            ),
        ),
        LinkPurpose::Reset => (
            lang.t("Elige una contraseña nueva", "Choose a new password"),
            lang.t(
                "Una administradora pidió que cambies tu contraseña: la anterior ya no funciona.",
                "An administrator asked you to change your password: the previous one no longer works.",
            ),
        ),
    };
    let body = view! {
        <section class="card narrow">
            <h1>{title}</h1>
            <p class="lead">{lead}</p>
            <form method="post" action=action class="stack" id="set-password">
                <input type="hidden" name="csrf" value=csrf.to_string()/>
                <label for="sp-email">{lang.t("Tu correo", "Your email")}</label>
                <input id="sp-email" type="email" autocomplete="username" readonly value=link.email.clone()/>
                {field("password", lang.t("Contraseña nueva", "New password"))}
                {field("confirm", lang.t("Escríbela otra vez", "Type it again"))}
                <button type="submit" class="primary">{lang.t("Guardar la contraseña", "Save the password")}</button>
            </form>
        </section>
    };
    // The language switch keeps the token: it leads to this same page.
    let mut r = page(lang, title, None, &format!("/invite/{token}?lang={l}"), body);
    *r.status_mut() = status;
    r
}

pub async fn link_page(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let link = live_link(&state, lang, &token).await?;
    let csrf = csrf_token(&session).await;
    Ok(set_password_page(lang, &csrf, &token, &link, BTreeMap::new(), StatusCode::OK))
}

/// The new password she typed twice, or why it is refused, by field (`password`,
/// `confirm`), in the page's language.
pub(crate) fn new_password(lang: Lang, typed: &str, again: &str) -> Result<Password, BTreeMap<&'static str, String>> {
    if let Some(e) = password_error(lang, typed) {
        return Err(BTreeMap::from([("password", e)]));
    }
    if typed != again {
        let e = lang.t(
            "No coincide con la primera: escríbela igual dos veces.",
            "It does not match the first: type it the same twice.",
        );
        return Err(BTreeMap::from([("confirm", e.to_string())]));
    }
    Password::parse(typed).map_err(|e| BTreeMap::from([("password", e)]))
}

/// Why a new password is refused, in the page's language.
fn password_error(lang: Lang, typed: &str) -> Option<String> {
    Password::parse(typed).err().map(|_| {
        let n = typed.chars().count();
        if n < PASSWORD_MIN_CHARS {
            match lang {
                Lang::Es => format!("Tiene {n} caracteres: usa al menos {PASSWORD_MIN_CHARS}."),
                Lang::En => format!("It has {n} characters: use at least {PASSWORD_MIN_CHARS}."),
            }
        } else if n > PASSWORD_MAX_CHARS {
            match lang {
                Lang::Es => format!("Tiene {n} caracteres: usa como mucho {PASSWORD_MAX_CHARS}."),
                Lang::En => format!("It has {n} characters: use at most {PASSWORD_MAX_CHARS}."),
            }
        } else {
            lang.t("No repitas un solo carácter: elige una frase.", "Do not repeat one character: choose a phrase.")
                .into()
        }
    })
}

pub async fn accept_link(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
    CheckedForm(form): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let form = AccountForm::from_pairs(form);
    let link = live_link(&state, lang, &token).await?;
    let password = match new_password(lang, &form.get("password"), &form.get("confirm")) {
        Ok(p) => p,
        Err(errors) => {
            let csrf = csrf_token(&session).await;
            return Ok(set_password_page(lang, &csrf, &token, &link, errors, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let hash = hash_password(&password).await?;
    let action = match link.purpose {
        LinkPurpose::Invite => "account.invite_accepted",
        LinkPurpose::Reset => "account.reset_accepted",
    };
    let audit = Entry::new(&link.email, action, &link.email, "");
    if Accounts::accept_link(&state.db, &token_hash(&token), &hash, &audit).await?.is_none() {
        // Used or expired between the check and now.
        let why = lang.t("Este enlace ya no funciona.", "This link no longer works.");
        return Ok(dead_link(lang, StatusCode::GONE, why));
    }
    Ok(Redirect::to(&format!("/signin?lang={}&password_set=1", lang.code())).into_response())
}
