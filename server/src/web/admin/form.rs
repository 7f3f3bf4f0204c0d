//! A form as typed and what is wrong with each field, shared by the station pages.

use crate::web::kit::Pairs;
use crate::web::layout::Lang;
use domain::Name;
use leptos::prelude::*;
use std::collections::BTreeMap;
use store::stations::Station;

/// What a station form says, as typed, and what is wrong with each field.
#[derive(Default)]
pub(crate) struct StationForm {
    pub(crate) typed: BTreeMap<String, String>,
    pub(crate) errors: BTreeMap<&'static str, String>,
}

impl StationForm {
    /// The form as sent (the last value of a repeated name wins).
    pub(crate) fn from_pairs(pairs: Pairs) -> StationForm {
        StationForm { typed: pairs.into_map(), errors: BTreeMap::new() }
    }

    pub(super) fn of(s: &Station) -> StationForm {
        let typed = [
            ("code", s.code.clone()),
            ("name", s.name.clone()),
            ("region", s.region.clone()),
            ("timezone", s.timezone.clone()),
            ("active", if s.active { "1".into() } else { String::new() }),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        StationForm { typed, errors: BTreeMap::new() }
    }

    pub(crate) fn get(&self, k: &str) -> String {
        self.typed.get(k).cloned().unwrap_or_default()
    }

    /// The fields as domain values, or the form with an error per field.
    pub(crate) fn parse(mut self, lang: Lang) -> Result<(Name, Name, String, bool), StationForm> {
        let name = Name::parse(lang.t("El nombre", "The name"), &self.get("name"), 200);
        let region = Name::parse(lang.t("La región", "The region"), &self.get("region"), 100);
        let timezone = self.get("timezone").trim().to_string();
        if let Err(e) = &name {
            self.errors.insert("name", e.clone());
        }
        if let Err(e) = &region {
            self.errors.insert("region", e.clone());
        }
        if timezone.parse::<chrono_tz::Tz>().is_err() {
            self.errors.insert(
                "timezone",
                match lang {
                    Lang::Es => format!("«{timezone}» no es una zona horaria IANA, como America/Lima"),
                    Lang::En => format!("“{timezone}” is not an IANA timezone such as America/Lima"),
                },
            );
        }
        match (name, region, self.errors.is_empty()) {
            (Ok(n), Ok(r), true) => Ok((n, r, timezone, self.typed.contains_key("active"))),
            _ => Err(self),
        }
    }
}

pub(super) fn field(
    form: &StationForm,
    lang: Lang,
    key: &'static str,
    label: (&'static str, &'static str),
) -> impl IntoView {
    let id = format!("st-{key}");
    let error = form.errors.get(key).cloned();
    let error_id = format!("{id}-error");
    let described = error.as_ref().map(|_| error_id.clone());
    view! {
        <div class="field">
            <label for=id.clone()>{lang.t(label.0, label.1)}</label>
            <input id=id name=key type="text" value=form.get(key) aria-invalid=error.is_some().then_some("true")
                aria-describedby=described/>
            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
        </div>
    }
}
