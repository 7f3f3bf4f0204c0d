//! The browser entry point. Only the kiosk runs in the browser; the server renders every
//! other page as plain HTML. The kiosk is built, not hydrated (`app::pages::kiosk::start`).

/// Called by the script Leptos puts in every page (`HydrationScripts`), hence the name.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    app::pages::kiosk::start();
}
