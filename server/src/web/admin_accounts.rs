//! `/admin/accounts`: administrators invite staff, change their role and scope, disable
//! them and force a new password; `/invite/{token}` lets the person choose her password.
//!
//! An invited or reset account has no usable password: she chooses one through a
//! one-time link valid [`accounts::LINK_DAYS`] days. Only the SHA-256 of the link's
//! token is stored, and the link itself is shown once, to the admin who made it. The
//! last active admin can be neither demoted, disabled nor reset (the check is part of
//! the database update, see `store_sqlite::accounts`).

use super::account::role_name;
use super::admin::{admin_nav, lang_of};
use super::kit::{Admin, CheckedForm, PageError, PageResult, Pairs};
use super::layout::{check_list, page, regions_of, Lang};
use super::session::{csrf_token, Staff};
use crate::auth::{hash_password, random_token};
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use domain::{Email, Password, Role, StationLabel, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
use leptos::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use store_sqlite::accounts::{self, AccountSummary, Grants, LinkPurpose, PasswordPending};
use store_sqlite::audit;
use store_sqlite::stations::{self, Station};
use tower_sessions::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/accounts", get(accounts_page).post(invite))
        .route("/admin/accounts/{id}", get(account_page).post(update))
        .route("/admin/accounts/{id}/disable", post(disable))
        .route("/admin/accounts/{id}/enable", post(enable))
        .route("/admin/accounts/{id}/reset", post(reset))
        .route("/invite/{token}", get(link_page).post(accept_link))
}

/// The session key under which a new link waits to be shown once: (account id, URL).
const NEW_LINK: &str = "admin_new_account_link";

/// What an account form says, as typed (`item` repeats), and what is wrong per field.
#[derive(Default)]
pub(crate) struct AccountForm {
    pub(crate) typed: Vec<(String, String)>,
    pub(crate) errors: BTreeMap<&'static str, String>,
}

impl AccountForm {
    pub(crate) fn from_pairs(pairs: Pairs) -> AccountForm {
        AccountForm { typed: pairs.0, errors: BTreeMap::new() }
    }

    fn of(a: &AccountSummary) -> AccountForm {
        let mut typed = vec![("role".to_string(), a.role.as_str().to_string())];
        typed.extend(a.grants.stations.iter().map(|s| ("item".to_string(), format!("s:{s}"))));
        typed.extend(a.grants.regions.iter().map(|r| ("item".to_string(), format!("r:{r}"))));
        AccountForm { typed, errors: BTreeMap::new() }
    }

    fn get(&self, k: &str) -> String {
        self.typed.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    fn items(&self) -> Vec<String> {
        self.typed.iter().filter(|(k, _)| k == "item").map(|(_, v)| v.clone()).collect()
    }

    fn has_item(&self, v: &str) -> bool {
        self.typed.iter().any(|(k, val)| k == "item" && val == v)
    }

    /// The role and grants, or an error on `role` or `scope`. Stations must exist;
    /// regions must hold a station or be granted already (`known_regions`).
    pub(crate) fn role_and_grants(
        &mut self,
        lang: Lang,
        stations: &[Station],
        known_regions: &[String],
    ) -> Option<(Role, Grants)> {
        let role = Role::parse(&self.get("role")).ok();
        if role.is_none() {
            self.errors.insert("role", lang.t("Elige un rol.", "Choose a role.").into());
        }
        let mut grants = Grants::default();
        let mut unknown = Vec::new();
        for item in self.items() {
            if let Some(code) = item.strip_prefix("s:").filter(|c| stations.iter().any(|s| s.code == *c)) {
                grants.stations.push(code.to_string());
            } else if let Some(region) = item.strip_prefix("r:").filter(|r| known_regions.iter().any(|k| k == r)) {
                grants.regions.push(region.to_string());
            } else {
                unknown.push(item);
            }
        }
        grants.stations.sort();
        grants.stations.dedup();
        grants.regions.sort();
        grants.regions.dedup();
        let empty = grants.stations.is_empty() && grants.regions.is_empty();
        if !unknown.is_empty() {
            let list = unknown.join(", ");
            self.errors.insert(
                "scope",
                match lang {
                    Lang::Es => format!("No existe: {list}. Elige entre las comisarías y regiones de la lista."),
                    Lang::En => format!("No such station or region: {list}. Choose from the list."),
                },
            );
        } else if role == Some(Role::Admin) && !empty {
            self.errors.insert(
                "scope",
                lang.t(
                    "Una administradora ve todas las comisarías: desmarca las comisarías y regiones.",
                    "An administrator sees every station: untick the stations and regions.",
                )
                .into(),
            );
        } else if role.is_some_and(|r| r != Role::Admin) && empty {
            self.errors.insert(
                "scope",
                lang.t(
                    "Una supervisora o investigadora necesita al menos una comisaría o región.",
                    "A supervisor or researcher needs at least one station or region.",
                )
                .into(),
            );
        }
        match role {
            Some(role) if self.errors.is_empty() => Some((role, grants)),
            _ => None,
        }
    }
}

/// A labelled field's error attributes: (error id, message).
fn error_of(form: &AccountForm, key: &str, id: &str) -> (Option<String>, String) {
    (form.errors.get(key).cloned(), format!("{id}-error"))
}

fn role_select(lang: Lang, form: &AccountForm, id: &'static str) -> impl IntoView + use<> {
    let (error, error_id) = error_of(form, "role", id);
    let chosen = form.get("role");
    let options = Role::ALL
        .into_iter()
        .map(|r| {
            let selected = chosen == r.as_str();
            view! { <option value=r.as_str() selected=selected>{role_name(lang, r)}</option> }
        })
        .collect_view();
    let described = error.as_ref().map(|_| error_id.clone());
    view! {
        <div class="field">
            <label for=id>{lang.t("Rol", "Role")}</label>
            <select id=id name="role" aria-invalid=error.is_some().then_some("true") aria-describedby=described>
                <option value="" selected=chosen.is_empty()>{lang.t("— elige —", "— choose —")}</option>
                {options}
            </select>
            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
        </div>
    }
}

/// The stations and regions she may see, as check boxes named `item` (`s:CODE`,
/// `r:Region`), like the export and comparison pickers.
fn scope_fields(
    lang: Lang,
    form: &AccountForm,
    prefix: &'static str,
    stations: &[Station],
    regions: &[String],
) -> impl IntoView + use<> {
    let (error, error_id) = error_of(form, "scope", &format!("{prefix}-scope"));
    let station_items = stations
        .iter()
        .map(|s| {
            let label = if s.active {
                format!("{} · {}", s.code, s.name)
            } else {
                format!("{} · {} ({})", s.code, s.name, lang.t("desactivada", "deactivated"))
            };
            (format!("s:{}", s.code), label)
        })
        .collect();
    let region_items = regions.iter().map(|r| (format!("r:{r}"), r.clone())).collect();
    let described = error.as_ref().map(|_| error_id.clone());
    view! {
        <fieldset id=format!("{prefix}-scope") aria-describedby=described>
            <legend>{lang.t(
                "Qué puede ver (supervisoras e investigadoras; las administradoras ven todo)",
                "What she may see (supervisors and researchers; administrators see everything)",
            )}</legend>
            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
            <fieldset>
                <legend>{lang.t("Comisarías", "Stations")}</legend>
                {check_list(prefix, "item", station_items, &|v| form.has_item(v))}
            </fieldset>
            <fieldset>
                <legend>{lang.t("Regiones", "Regions")}</legend>
                {check_list(prefix, "item", region_items, &|v| form.has_item(v))}
            </fieldset>
        </fieldset>
    }
}

/// Every region with a station, and those already granted to someone.
fn regions(stations: &[Station], granted: &[String]) -> Vec<String> {
    let labels: Vec<StationLabel> = stations
        .iter()
        .map(|s| StationLabel { id: s.id, code: s.code.clone(), name: s.name.clone(), region: s.region.clone() })
        .collect();
    let mut all = regions_of(&labels);
    all.extend(granted.iter().cloned());
    all.sort();
    all.dedup();
    all
}

fn scope_text(lang: Lang, role: Role, grants: &Grants) -> String {
    if role == Role::Admin {
        return lang.t("Todas las comisarías", "Every station").to_string();
    }
    let mut parts: Vec<String> = grants.stations.clone();
    parts.extend(grants.regions.iter().map(|r| format!("{} {r}", lang.t("región", "region"))));
    if parts.is_empty() {
        lang.t("Ninguna comisaría", "No station").to_string()
    } else {
        parts.join(", ")
    }
}

fn state_text(lang: Lang, a: &AccountSummary) -> &'static str {
    match (a.disabled, a.password_pending, a.open_link) {
        (true, _, _) => lang.t("Desactivada", "Disabled"),
        (false, Some(PasswordPending::Invited), true) => lang.t("Invitada: enlace pendiente", "Invited: link pending"),
        (false, Some(PasswordPending::Invited), false) => {
            lang.t("Invitada: el enlace caducó", "Invited: the link expired")
        }
        (false, Some(PasswordPending::Reset), true) => {
            lang.t("Debe elegir una contraseña nueva: enlace pendiente", "Must set a new password: link pending")
        }
        (false, Some(PasswordPending::Reset), false) => {
            lang.t("Debe elegir una contraseña nueva: el enlace caducó", "Must set a new password: the link expired")
        }
        (false, None, _) => lang.t("Activa", "Active"),
    }
}

/// The audit log's words for a scope: `s:LIM-01, r:Lima Centro`, or `all` for an admin.
fn scope_detail(role: Role, grants: &Grants) -> String {
    if role == Role::Admin {
        return "all".into();
    }
    let mut parts: Vec<String> = grants.stations.iter().map(|s| format!("s:{s}")).collect();
    parts.extend(grants.regions.iter().map(|r| format!("r:{r}")));
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The link to send, absolute when the request says which host it reached.
fn link_url(state: &AppState, headers: &HeaderMap, token: &str) -> String {
    match super::admin::request_origin(headers, state.secure_cookies) {
        Some(origin) => format!("{origin}/invite/{token}"),
        None => format!("/invite/{token}"),
    }
}

// ---------------------------------------------------------------- the list and invitations

async fn render_list(state: &AppState, staff: &Staff, lang: Lang, form: AccountForm, status: StatusCode) -> PageResult {
    let all = accounts::list(&state.pool).await?;
    let stations = stations::list_all(&state.pool).await?;
    let l = lang.code();
    let regions = regions(&stations, &[]);
    let rows = all
        .iter()
        .map(|a| {
            let href = format!("/admin/accounts/{}?lang={l}", a.id);
            view! {
                <tr data-account=a.email.clone()>
                    <th scope="row"><a href=href>{a.email.clone()}</a></th>
                    <td>{role_name(lang, a.role)}</td>
                    <td>{scope_text(lang, a.role, &a.grants)}</td>
                    <td>{if a.two_factor { lang.t("Sí", "Yes") } else { lang.t("No", "No") }}</td>
                    <td>{state_text(lang, a)}</td>
                </tr>
            }
        })
        .collect_view();
    let (email_error, email_error_id) = error_of(&form, "email", "ac-email");
    let email_described = email_error.as_ref().map(|_| email_error_id.clone());
    let body = view! {
        {admin_nav(lang, "/admin/accounts")}
        <h1>{lang.t("Cuentas", "Accounts")}</h1>
        <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Cuentas", "Accounts")>
            <table id="accounts">
                <thead><tr>
                    <th scope="col">{lang.t("Correo", "Email")}</th>
                    <th scope="col">{lang.t("Rol", "Role")}</th>
                    <th scope="col">{lang.t("Puede ver", "May see")}</th>
                    <th scope="col">{lang.t("Verificación en dos pasos", "Two-step verification")}</th>
                    <th scope="col">{lang.t("Estado", "State")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <h2>{lang.t("Invitar a una persona", "Invite someone")}</h2>
        <p>{lang.t(
            "Se crea la cuenta sin contraseña y un enlace de un solo uso, válido 7 días, para que ella elija la suya. Cópialo y envíaselo por un canal seguro.",
            "This creates the account with no password and a one-time link, valid 7 days, for her to choose her own. Copy it and send it to her over a safe channel.",
        )}</p>
        <form method="post" action=format!("/admin/accounts?lang={l}") class="picker" id="invite">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            <div class="field">
                <label for="ac-email">{lang.t("Correo electrónico", "Email")}</label>
                <input id="ac-email" name="email" type="email" autocomplete="off" value=form.get("email")
                    aria-invalid=email_error.is_some().then_some("true") aria-describedby=email_described/>
                {email_error.map(|e| view! { <p class="field-error" id=email_error_id>{e}</p> })}
            </div>
            {role_select(lang, &form, "ac-role")}
            {scope_fields(lang, &form, "ac", &stations, &regions)}
            <button type="submit" class="primary">{lang.t("Invitar", "Invite")}</button>
        </form>
    };
    let mut r = page(lang, lang.t("Cuentas", "Accounts"), Some(staff), &format!("/admin/accounts?lang={l}"), body);
    *r.status_mut() = status;
    Ok(r)
}

pub async fn accounts_page(State(state): State<AppState>, Admin(staff): Admin, RawQuery(raw): RawQuery) -> PageResult {
    render_list(&state, &staff, lang_of(raw.as_deref()), AccountForm::default(), StatusCode::OK).await
}

pub async fn invite(
    State(state): State<AppState>,
    Admin(staff): Admin,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    CheckedForm(form): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let mut form = AccountForm::from_pairs(form);
    let stations = stations::list_all(&state.pool).await?;
    let email = Email::parse(&form.get("email"));
    if email.is_err() {
        form.errors.insert(
            "email",
            lang.t("Escribe un correo válido, como nombre@dominio.pe.", "Type a valid email, such as name@domain.pe.")
                .into(),
        );
    }
    let chosen = form.role_and_grants(lang, &stations, &regions(&stations, &[]));
    let (Ok(email), Some((role, grants))) = (email, chosen) else {
        return render_list(&state, &staff, lang, form, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let token = random_token();
    let id = match accounts::invite(&state.pool, &email, role, &grants, &token_hash(&token)).await? {
        Some(id) => id,
        None => {
            form.errors.insert(
                "email",
                match lang {
                    Lang::Es => format!("Ya hay una cuenta con el correo {email}."),
                    Lang::En => format!("An account with email {email} already exists."),
                },
            );
            return render_list(&state, &staff, lang, form, StatusCode::CONFLICT).await;
        }
    };
    let detail =
        format!("role: {role}; scope: {}; link valid {} days", scope_detail(role, &grants), accounts::LINK_DAYS);
    audit::audit(&state.pool, &staff.user.email, "account.invite", email.as_ref(), &detail).await?;
    show_link_once(&state, &staff, &headers, lang, id, &token).await
}

/// Keeps the new link in the session for the next page only, and goes there.
async fn show_link_once(
    state: &AppState,
    staff: &Staff,
    headers: &HeaderMap,
    lang: Lang,
    id: i64,
    token: &str,
) -> PageResult {
    staff
        .session
        .insert(NEW_LINK, (id, link_url(state, headers, token)))
        .await
        .map_err(|e| anyhow::anyhow!("session: {e}"))?;
    Ok(Redirect::to(&format!("/admin/accounts/{id}?lang={}", lang.code())).into_response())
}

// ---------------------------------------------------------------- one account

/// The account page: its facts, the role and scope form, disable or enable, and a forced
/// reset. `conflict` is shown above everything, `link` once after it was made.
async fn render_account(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    account: &AccountSummary,
    form: AccountForm,
    conflict: Option<String>,
    status: StatusCode,
) -> PageResult {
    let stations = stations::list_all(&state.pool).await?;
    let link: Option<String> = match staff.session.remove::<(i64, String)>(NEW_LINK).await {
        Ok(Some((id, url))) if id == account.id => Some(url),
        Ok(Some(other)) => {
            // Not this account's: keep it for its own page.
            let _ = staff.session.insert(NEW_LINK, other).await;
            None
        }
        _ => None,
    };
    let regions = regions(&stations, &account.grants.regions);
    let l = lang.code();
    let id = account.id;
    let base = format!("/admin/accounts/{id}");
    let (toggle_path, toggle_id, toggle_label) = if account.disabled {
        (format!("{base}/enable?lang={l}"), "enable-account", lang.t("Activar la cuenta", "Enable the account"))
    } else {
        (format!("{base}/disable?lang={l}"), "disable-account", lang.t("Desactivar la cuenta", "Disable the account"))
    };
    let invited = account.password_pending == Some(PasswordPending::Invited);
    let body = view! {
        {admin_nav(lang, "/admin/accounts")}
        <nav class="breadcrumbs" aria-label=lang.t("Ruta", "Path")>
            <a href=format!("/admin/accounts?lang={l}")>{lang.t("Cuentas", "Accounts")}</a>" › "
            <span aria-current="page">{account.email.clone()}</span>
        </nav>
        <h1>{account.email.clone()}</h1>
        {conflict.map(|c| view! { <p class="form-error" role="alert" id="account-conflict">{c}</p> })}
        {link.map(|url| view! {
            <section class="notice" role="status" id="invite-link">
                <h2>{lang.t("Enlace de un solo uso", "One-time link")}</h2>
                <p>{lang.t(
                    "Cópialo ahora y envíaselo: no se volverá a mostrar. Vale 7 días y una sola vez.",
                    "Copy it now and send it to her: it will not be shown again. It works once, for 7 days.",
                )}</p>
                <p><label for="invite-url">{lang.t("Enlace", "Link")}</label></p>
                <input id="invite-url" type="text" readonly value=url.clone()/>
                <p><code>{url}</code></p>
            </section>
        })}
        <dl class="facts">
            <dt>{lang.t("Rol", "Role")}</dt><dd>{role_name(lang, account.role)}</dd>
            <dt>{lang.t("Puede ver", "May see")}</dt><dd>{scope_text(lang, account.role, &account.grants)}</dd>
            <dt>{lang.t("Verificación en dos pasos", "Two-step verification")}</dt>
            <dd>{if account.two_factor { lang.t("Activada", "On") } else { lang.t("Sin activar", "Not set up") }}</dd>
            <dt>{lang.t("Estado", "State")}</dt><dd id="account-state">{state_text(lang, account)}</dd>
            <dt>{lang.t("Creada (UTC)", "Created (UTC)")}</dt><dd>{account.created_at.clone()}</dd>
        </dl>
        <h2>{lang.t("Rol y alcance", "Role and scope")}</h2>
        <form method="post" action=format!("{base}?lang={l}") class="picker" id="edit-account">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            {role_select(lang, &form, "ed-role")}
            {scope_fields(lang, &form, "ed", &stations, &regions)}
            <button type="submit" class="primary">{lang.t("Guardar", "Save")}</button>
        </form>
        <h2>{lang.t("Acceso", "Access")}</h2>
        <form method="post" action=toggle_path class="stack" id=toggle_id>
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            <p>{if account.disabled {
                lang.t("Activada de nuevo, podrá entrar con su contraseña.", "Enabled again, she can sign in with her password.")
            } else {
                lang.t(
                    "Desactivada, no puede entrar y sus sesiones abiertas se cierran de inmediato.",
                    "Disabled, she cannot sign in and her open sessions end at once.",
                )
            }}</p>
            <button type="submit" class="button">{toggle_label}</button>
        </form>
        <form method="post" action=format!("{base}/reset?lang={l}") class="stack" id="reset-account">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            <p>{if invited {
                lang.t(
                    "Un enlace de invitación nuevo reemplaza al anterior, que deja de funcionar.",
                    "A new invitation link replaces the previous one, which stops working.",
                )
            } else {
                lang.t(
                    "Su contraseña deja de funcionar y sus sesiones se cierran; recibirás un enlace de un solo uso para que elija otra. Su verificación en dos pasos se mantiene.",
                    "Her password stops working and her sessions end; you get a one-time link for her to choose another. Her two-step verification stays.",
                )
            }}</p>
            <button type="submit" class="button">{if invited {
                lang.t("Crear un enlace de invitación nuevo", "Make a new invitation link")
            } else {
                lang.t("Obligar a cambiar la contraseña", "Force a password reset")
            }}</button>
        </form>
    };
    let mut r = page(lang, &account.email, Some(staff), &format!("{base}?lang={l}"), body);
    *r.status_mut() = status;
    Ok(r)
}

/// The account `id`, or the response that says why not.
async fn find(state: &AppState, id: i64) -> Result<AccountSummary, PageError> {
    accounts::list(&state.pool)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(PageError::NotFound("no such account / no existe esa cuenta"))
}

/// What the last-admin guard says, in the page's language.
fn last_admin(lang: Lang) -> String {
    lang.t(
        "No se cambió nada: es la última administradora activa. Invita o nombra a otra administradora primero.",
        "Nothing was changed: she is the last active administrator. Invite or appoint another administrator first.",
    )
    .into()
}

pub async fn account_page(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let a = find(&state, id).await?;
    render_account(&state, &staff, lang_of(raw.as_deref()), &a, AccountForm::of(&a), None, StatusCode::OK).await
}

pub async fn update(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
    CheckedForm(form): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let mut form = AccountForm::from_pairs(form);
    let account = find(&state, id).await?;
    let stations = stations::list_all(&state.pool).await?;
    let Some((role, grants)) = form.role_and_grants(lang, &stations, &regions(&stations, &account.grants.regions))
    else {
        return render_account(&state, &staff, lang, &account, form, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let old_grants = if account.role == Role::Admin { Grants::default() } else { account.grants.clone() };
    if role == account.role && grants == old_grants {
        return Ok(Redirect::to(&format!("/admin/accounts?lang={}", lang.code())).into_response());
    }
    if !accounts::update(&state.pool, id, role, &grants).await? {
        return render_account(&state, &staff, lang, &account, form, Some(last_admin(lang)), StatusCode::CONFLICT)
            .await;
    }
    let mut changes = Vec::new();
    if role != account.role {
        changes.push(format!("role: {} → {role}", account.role));
    }
    let (old_scope, new_scope) = (scope_detail(account.role, &account.grants), scope_detail(role, &grants));
    if old_scope != new_scope {
        changes.push(format!("scope: {old_scope} → {new_scope}"));
    }
    let detail = changes.join("; ");
    audit::audit(&state.pool, &staff.user.email, "account.update", &account.email, &detail).await?;
    Ok(Redirect::to(&format!("/admin/accounts?lang={}", lang.code())).into_response())
}

pub async fn disable(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
    CheckedForm(_): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let account = find(&state, id).await?;
    let back = Redirect::to(&format!("/admin/accounts?lang={}", lang.code())).into_response();
    if account.disabled {
        return Ok(back);
    }
    if !accounts::disable(&state.pool, id).await? {
        let form = AccountForm::of(&account);
        return render_account(&state, &staff, lang, &account, form, Some(last_admin(lang)), StatusCode::CONFLICT)
            .await;
    }
    audit::audit(&state.pool, &staff.user.email, "account.disable", &account.email, "").await?;
    Ok(back)
}

pub async fn enable(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
    CheckedForm(_): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let account = find(&state, id).await?;
    let back = Redirect::to(&format!("/admin/accounts?lang={}", lang.code())).into_response();
    if !account.disabled {
        return Ok(back);
    }
    accounts::enable(&state.pool, id).await?;
    audit::audit(&state.pool, &staff.user.email, "account.enable", &account.email, "").await?;
    Ok(back)
}

pub async fn reset(
    State(state): State<AppState>,
    Admin(staff): Admin,
    headers: HeaderMap,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
    CheckedForm(_): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let account = find(&state, id).await?;
    let purpose = match account.password_pending {
        Some(PasswordPending::Invited) => LinkPurpose::Invite,
        _ => LinkPurpose::Reset,
    };
    let token = random_token();
    if !accounts::force_reset(&state.pool, id, purpose, &token_hash(&token)).await? {
        let form = AccountForm::of(&account);
        return render_account(&state, &staff, lang, &account, form, Some(last_admin(lang)), StatusCode::CONFLICT)
            .await;
    }
    let detail = format!("{} link valid {} days", purpose.as_str(), accounts::LINK_DAYS);
    audit::audit(&state.pool, &staff.user.email, "account.reset", &account.email, &detail).await?;
    show_link_once(&state, &staff, &headers, lang, id, &token).await
}

// ---------------------------------------------------------------- the one-time link

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
    match accounts::link(&state.pool, &token_hash(token)).await? {
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
pub(super) fn new_password(lang: Lang, typed: &str, again: &str) -> Result<Password, BTreeMap<&'static str, String>> {
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
    if accounts::accept_link(&state.pool, &token_hash(&token), &hash).await?.is_none() {
        // Used or expired between the check and now.
        let why = lang.t("Este enlace ya no funciona.", "This link no longer works.");
        return Ok(dead_link(lang, StatusCode::GONE, why));
    }
    let action = match link.purpose {
        LinkPurpose::Invite => "account.invite_accepted",
        LinkPurpose::Reset => "account.reset_accepted",
    };
    audit::audit(&state.pool, &link.email, action, &link.email, "").await?;
    Ok(Redirect::to(&format!("/signin?lang={}&password_set=1", lang.code())).into_response())
}
