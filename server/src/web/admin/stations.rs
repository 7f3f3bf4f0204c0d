//! `/admin/stations`: the list of stations and the form that adds one.

use super::form::{field, StationForm};
use super::{admin_nav, lang_of};
use crate::web::kit::{Admin, CheckedForm, PageResult, Pairs};
use crate::web::layout::{page, Lang};
use crate::web::session::Staff;
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::StationCode;
use leptos::prelude::*;
use store::audit::Entry;
use store::Stations;

async fn render_stations(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    form: StationForm,
    status: StatusCode,
) -> PageResult {
    let all = Stations::list_all(&state.db).await?;
    let l = lang.code();
    let rows = all
        .into_iter()
        .map(|s| {
            let href = format!("/admin/stations/{}?lang={l}", s.code);
            view! {
                <tr data-station=s.code.clone()>
                    <th scope="row"><a href=href>{s.code.clone()}</a></th>
                    <td>{s.name}</td><td>{s.region}</td><td>{s.timezone}</td>
                    <td>{if s.active { lang.t("Activa", "Active") } else { lang.t("Desactivada", "Deactivated") }}</td>
                </tr>
            }
        })
        .collect_view();
    let code_error = form.errors.get("code").cloned();
    let body = view! {
        {admin_nav(lang, "/admin/stations")}
        <h1>{lang.t("Comisarías", "Stations")}</h1>
        <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Comisarías", "Stations")>
            <table id="stations-table">
                <thead><tr>
                    <th scope="col">{lang.t("Código", "Code")}</th><th scope="col">{lang.t("Nombre", "Name")}</th>
                    <th scope="col">{lang.t("Región", "Region")}</th><th scope="col">{lang.t("Zona horaria", "Timezone")}</th>
                    <th scope="col">{lang.t("Estado", "State")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <h2>{lang.t("Nueva comisaría", "New station")}</h2>
        <form method="post" action=format!("/admin/stations?lang={l}") class="picker" id="new-station">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            <input type="hidden" name="active" value="1"/>
            <div class="field">
                <label for="st-code">{lang.t("Código (como LIM-01)", "Code (such as LIM-01)")}</label>
                <input id="st-code" name="code" type="text" value=form.get("code")
                    aria-invalid=code_error.is_some().then_some("true")
                    aria-describedby=code_error.as_ref().map(|_| "st-code-error")/>
                {code_error.map(|e| view! { <p class="field-error" id="st-code-error">{e}</p> })}
            </div>
            {field(&form, lang, "name", ("Nombre", "Name"))}
            {field(&form, lang, "region", ("Región", "Region"))}
            {field(&StationForm { typed: {
                let mut t = form.typed.clone();
                t.entry("timezone".into()).or_insert_with(|| "America/Lima".into());
                t
            }, errors: form.errors.clone() }, lang, "timezone", ("Zona horaria", "Timezone"))}
            <button type="submit" class="primary">{lang.t("Añadir", "Add")}</button>
        </form>
    };
    let mut r = page(lang, lang.t("Comisarías", "Stations"), Some(staff), &format!("/admin/stations?lang={l}"), body);
    *r.status_mut() = status;
    Ok(r)
}

pub async fn stations_page(State(state): State<AppState>, Admin(staff): Admin, RawQuery(raw): RawQuery) -> PageResult {
    render_stations(&state, &staff, lang_of(raw.as_deref()), StationForm::default(), StatusCode::OK).await
}

pub async fn create_station(
    State(state): State<AppState>,
    Admin(staff): Admin,
    RawQuery(raw): RawQuery,
    CheckedForm(pairs): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let form = StationForm::from_pairs(pairs.clone());
    let code = StationCode::parse(&form.get("code"));
    let (name, region, timezone) = match (form.parse(lang), code) {
        (Ok((n, r, tz, _)), Ok(_)) => (n, r, tz),
        (Ok(_), Err(e)) => {
            let mut f = StationForm::from_pairs(pairs.clone());
            f.errors.insert("code", e);
            return render_stations(&state, &staff, lang, f, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        (Err(mut f), code) => {
            if let Err(e) = code {
                f.errors.insert("code", e);
            }
            return render_stations(&state, &staff, lang, f, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let code = StationCode::parse(&StationForm::from_pairs(pairs.clone()).get("code")).expect("checked above");
    let detail = format!("{} · {} · {timezone}", name.as_ref(), region.as_ref());
    let audit = Entry::new(&staff.user.email, "station.create", code.as_ref(), detail);
    match Stations::insert(&state.db, &code, &name, &region, &timezone, &audit).await? {
        Some(_) => Ok(Redirect::to(&format!("/admin/stations?lang={}", lang.code())).into_response()),
        None => {
            let mut f = StationForm::from_pairs(pairs);
            f.errors.insert(
                "code",
                match lang {
                    Lang::Es => format!("Ya hay una comisaría con el código {code}."),
                    Lang::En => format!("A station with code {code} already exists."),
                },
            );
            render_stations(&state, &staff, lang, f, StatusCode::CONFLICT).await
        }
    }
}
