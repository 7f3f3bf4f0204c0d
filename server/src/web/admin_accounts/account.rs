//! One account's page, and its changes: role and scope, disable, enable, and a forced
//! new password.

use super::form::{regions, role_select, scope_detail, scope_fields, scope_text, state_text, AccountForm};
use super::new_link::{show_link_once, token_hash, NEW_LINK};
use crate::auth::random_token;
use crate::web::account::role_name;
use crate::web::admin::{admin_nav, lang_of};
use crate::web::kit::{Admin, CheckedForm, PageError, PageResult, Pairs};
use crate::web::layout::{page, Lang};
use crate::web::session::Staff;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use domain::Role;
use leptos::prelude::*;
use store::accounts::{self, AccountSummary, Grants, LinkPurpose, PasswordPending};
use store::audit::Entry;
use store::{Accounts, Stations};

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
    let stations = Stations::list_all(&state.db).await?;
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
    Accounts::list(&state.db)
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
    let stations = Stations::list_all(&state.db).await?;
    let Some((role, grants)) = form.role_and_grants(lang, &stations, &regions(&stations, &account.grants.regions))
    else {
        return render_account(&state, &staff, lang, &account, form, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let old_grants = if account.role == Role::Admin { Grants::default() } else { account.grants.clone() };
    if role == account.role && grants == old_grants {
        return Ok(Redirect::to(&format!("/admin/accounts?lang={}", lang.code())).into_response());
    }
    let mut changes = Vec::new();
    if role != account.role {
        changes.push(format!("role: {} → {role}", account.role));
    }
    let (old_scope, new_scope) = (scope_detail(account.role, &account.grants), scope_detail(role, &grants));
    if old_scope != new_scope {
        changes.push(format!("scope: {old_scope} → {new_scope}"));
    }
    let audit = Entry::new(&staff.user.email, "account.update", &account.email, changes.join("; "));
    if !Accounts::update(&state.db, id, role, &grants, &audit).await? {
        return render_account(&state, &staff, lang, &account, form, Some(last_admin(lang)), StatusCode::CONFLICT)
            .await;
    }
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
    let audit = Entry::new(&staff.user.email, "account.disable", &account.email, "");
    if !Accounts::disable(&state.db, id, &audit).await? {
        let form = AccountForm::of(&account);
        return render_account(&state, &staff, lang, &account, form, Some(last_admin(lang)), StatusCode::CONFLICT)
            .await;
    }
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
    let audit = Entry::new(&staff.user.email, "account.enable", &account.email, "");
    Accounts::enable(&state.db, id, &audit).await?;
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
    let detail = format!("{} link valid {} days", purpose.as_str(), accounts::LINK_DAYS);
    let audit = Entry::new(&staff.user.email, "account.reset", &account.email, detail);
    if !Accounts::force_reset(&state.db, id, purpose, &token_hash(&token), &audit).await? {
        let form = AccountForm::of(&account);
        return render_account(&state, &staff, lang, &account, form, Some(last_admin(lang)), StatusCode::CONFLICT)
            .await;
    }
    show_link_once(&state, &staff, &headers, lang, id, &token).await
}
