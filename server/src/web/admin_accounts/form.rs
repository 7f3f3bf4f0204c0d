//! An account's role and scope as a form: what was typed, what is wrong with it, its
//! fields, and the words for a role's scope and an account's state.

use crate::web::account::role_name;
use crate::web::kit::Pairs;
use crate::web::layout::{check_list, regions_of, Lang};
use domain::{Role, StationLabel};
use leptos::prelude::*;
use std::collections::BTreeMap;
use store::accounts::{AccountSummary, Grants, PasswordPending};
use store::stations::Station;

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

    pub(super) fn of(a: &AccountSummary) -> AccountForm {
        let mut typed = vec![("role".to_string(), a.role.as_str().to_string())];
        typed.extend(a.grants.stations.iter().map(|s| ("item".to_string(), format!("s:{s}"))));
        typed.extend(a.grants.regions.iter().map(|r| ("item".to_string(), format!("r:{r}"))));
        AccountForm { typed, errors: BTreeMap::new() }
    }

    pub(super) fn get(&self, k: &str) -> String {
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
pub(super) fn error_of(form: &AccountForm, key: &str, id: &str) -> (Option<String>, String) {
    (form.errors.get(key).cloned(), format!("{id}-error"))
}

pub(super) fn role_select(lang: Lang, form: &AccountForm, id: &'static str) -> impl IntoView + use<> {
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
pub(super) fn scope_fields(
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
pub(super) fn regions(stations: &[Station], granted: &[String]) -> Vec<String> {
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

pub(super) fn scope_text(lang: Lang, role: Role, grants: &Grants) -> String {
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

pub(super) fn state_text(lang: Lang, a: &AccountSummary) -> &'static str {
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
pub(super) fn scope_detail(role: Role, grants: &Grants) -> String {
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
