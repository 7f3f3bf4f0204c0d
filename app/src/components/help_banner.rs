//! The help line, in the same place on every kiosk screen.
use super::icons::PhoneIcon;
use crate::i18n::text;
use domain::Language;
use leptos::prelude::*;

/// A strip naming Peru's free 24-hour helpline for violence against women and
/// family members (Línea 100). It is a landmark of its own, outside `<main>`.
#[component]
pub fn HelpBanner(#[prop(into)] lang: Signal<Language>) -> impl IntoView {
    view! {
        <aside class="help-banner" aria-label=text(lang, |t| t.help_label)>
            <PhoneIcon/>
            <p>{text(lang, |t| t.help_line)}</p>
        </aside>
    }
}
