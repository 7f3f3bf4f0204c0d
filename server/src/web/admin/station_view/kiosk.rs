//! The station page's kiosk settings: the form as the settings fill it, and its fields.

use crate::web::admin::form::StationForm;
use crate::web::layout::Lang;
use domain::{KioskSetting, KioskSettings};
use leptos::prelude::*;
use std::collections::BTreeMap;

pub(crate) fn kiosk_form_of(s: &KioskSettings) -> StationForm {
    let typed = KioskSetting::ALL.into_iter().map(|k| (k.key().to_string(), s.get(k).to_string())).collect();
    StationForm { typed, errors: BTreeMap::new() }
}

fn kiosk_label(lang: Lang, setting: KioskSetting) -> &'static str {
    match setting {
        KioskSetting::Inactivity => lang.t(
            "Segundos sin tocar la pantalla, a mitad de la encuesta, antes de preguntar «¿Sigues ahí?»",
            "Seconds without a touch, mid-survey, before asking “Are you still there?”",
        ),
        KioskSetting::Grace => lang.t(
            "Segundos para contestar esa pregunta antes de descartar las respuestas",
            "Seconds to answer that question before the answers are discarded",
        ),
        KioskSetting::MinDuration => lang.t(
            "Una encuesta terminada en menos segundos que estos se marca como sospechosa",
            "A survey finished in fewer seconds than this is marked suspect",
        ),
        KioskSetting::MinGap => lang.t(
            "Una encuesta terminada menos de estos segundos después de la anterior se marca como sospechosa",
            "A survey finished fewer than these seconds after the previous one is marked suspect",
        ),
    }
}

/// A number field of the kiosk settings, with its range as a hint and its error.
pub(in crate::web::admin) fn kiosk_field(
    form: &StationForm,
    lang: Lang,
    setting: KioskSetting,
) -> impl IntoView + use<> {
    let key = setting.key();
    let id = format!("ks-{key}");
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    let error = form.errors.get(key).cloned();
    let described = match &error {
        Some(_) => format!("{hint_id} {error_id}"),
        None => hint_id.clone(),
    };
    let range = setting.range();
    let hint = match lang {
        Lang::Es => format!("De {} a {} segundos.", range.start(), range.end()),
        Lang::En => format!("From {} to {} seconds.", range.start(), range.end()),
    };
    view! {
        <div class="field">
            <label for=id.clone()>{kiosk_label(lang, setting)}</label>
            <input id=id name=key type="text" inputmode="numeric" value=form.get(key)
                aria-invalid=error.is_some().then_some("true") aria-describedby=described/>
            <p class="muted" id=hint_id>{hint}</p>
            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
        </div>
    }
}
