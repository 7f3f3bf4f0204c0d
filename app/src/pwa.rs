//! The kiosk as an installable web app: its manifest and theme colour. The service
//! worker that keeps it working without a network is `public/sw-template.js`, served
//! by the server at `/sw.js` with this build's id and file list.
use leptos::prelude::*;
use leptos_meta::{Link, Meta};

/// The teal of the kiosk's buttons and banner (`--teal` in style/main.css).
pub const THEME_COLOR: &str = "#0e5a5f";

/// Head links that make the page installable as a full-screen app.
#[component]
pub fn InstallableApp() -> impl IntoView {
    view! {
        <Link rel="manifest" href="/manifest.webmanifest"/>
        <Link rel="apple-touch-icon" href="/icon-192.png"/>
        <Meta name="theme-color" content=THEME_COLOR/>
        <Meta name="mobile-web-app-capable" content="yes"/>
    }
}
