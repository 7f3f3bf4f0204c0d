//! The list of accounts, and the invitation of a new one.

use super::form::{error_of, regions, role_select, scope_detail, scope_fields, scope_text, state_text, AccountForm};
use super::new_link::{show_link_once, token_hash};
use crate::auth::random_token;
use crate::web::account::role_name;
use crate::web::admin::{admin_nav, lang_of};
use crate::web::kit::{Admin, CheckedForm, PageResult, Pairs};
use crate::web::layout::{page, Lang};
use crate::web::session::Staff;
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use domain::Email;
use leptos::prelude::*;
use store::accounts;
use store::audit::Entry;
use store::{Accounts, Stations};

async fn render_list(state: &AppState, staff: &Staff, lang: Lang, form: AccountForm, status: StatusCode) -> PageResult {
    let all = Accounts::list(&state.db).await?;
    let stations = Stations::list_all(&state.db).await?;
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
    let stations = Stations::list_all(&state.db).await?;
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
    let detail =
        format!("role: {role}; scope: {}; link valid {} days", scope_detail(role, &grants), accounts::LINK_DAYS);
    let audit = Entry::new(&staff.user.email, "account.invite", email.as_ref(), detail);
    let id = match Accounts::invite(&state.db, &email, role, &grants, &token_hash(&token), &audit).await? {
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
    show_link_once(&state, &staff, &headers, lang, id, &token).await
}
