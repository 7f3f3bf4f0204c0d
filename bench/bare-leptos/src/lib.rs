//! A bare Leptos page: a router, one server function and a counter.
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    StaticSegment,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Doubles a number on the server.
#[server]
pub async fn double(n: i32) -> Result<i32, ServerFnError> {
    Ok(n * 2)
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Bare"/>
        <Router>
            <Routes fallback=|| "Not found.">
                <Route path=StaticSegment("") view=Counter/>
            </Routes>
        </Router>
    }
}

#[component]
fn Counter() -> impl IntoView {
    let count = RwSignal::new(0);
    let doubled = Action::new(|n: &i32| double(*n));
    view! {
        <button on:click=move |_| *count.write() += 1>"Count: " {count}</button>
        <button on:click=move |_| {
            doubled.dispatch(count.get());
        }>"Double on the server"</button>
        <p>{move || doubled.value().get().and_then(Result::ok).map(|n| n.to_string())}</p>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
