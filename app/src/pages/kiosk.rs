use leptos::prelude::*;

/// The visitor's kiosk. (Placeholder: replaced by the full kiosk.)
#[component]
pub fn Kiosk() -> impl IntoView {
    view! { <main class="kiosk"><h1>"Digna"</h1></main> }
}
