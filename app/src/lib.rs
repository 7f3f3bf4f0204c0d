//! Digna's kiosk: the pages and components a visitor meets (rendered on the server and
//! hydrated in the browser, `pages::kiosk::start`), its outbox and its read-aloud. The
//! types it shares with the server are in the `domain` crate; the staff pages, the store
//! and the privacy pipeline are elsewhere (`server`, `store-sqlite`).

#![recursion_limit = "256"]

pub mod components;
pub mod i18n;
pub mod kiosk_config;
pub mod kiosk_timing;
pub mod pages;
pub mod speech;
pub mod voice_prompts;

#[cfg(feature = "hydrate")]
pub mod kiosk_api;
// The server's tests seal submissions as a tablet does.
#[cfg(any(feature = "hydrate", feature = "ssr", test))]
pub mod kiosk_outbox;
#[cfg(feature = "hydrate")]
pub mod kiosk_queue;
pub mod pwa;
#[cfg(feature = "hydrate")]
pub mod staff_api;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    StaticSegment,
};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="es">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/digna.css"/>
        <Link rel="icon" href="/favicon.ico"/>
        <Meta name="color-scheme" content="light"/>
        <Meta name="referrer" content="no-referrer"/>
        <Title text="Digna"/>
        <Router>
            <Routes fallback=pages::NotFound>
                <Route path=StaticSegment("") view=pages::Home/>
                <Route path=StaticSegment("kiosk") view=pages::kiosk::Kiosk/>
            </Routes>
        </Router>
    }
}
