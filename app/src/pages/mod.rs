pub mod kiosk;

use leptos::prelude::*;

/// The landing page: what Digna is, and where the kiosk is.
#[component]
pub fn Home() -> impl IntoView {
    view! {
        <main class="home">
            <h1>"Digna"</h1>
            <p>
                "Opiniones anónimas sobre el trato digno en las comisarías. "
                "Las personas que acuden a denunciar violencia cuentan, en la tableta de la sala de espera, "
                "si las trataron con respeto, si les creyeron, si les informaron, si tuvieron privacidad y si se sintieron seguras."
            </p>
            <p><a class="button primary" href="/kiosk">"Abrir el quiosco"</a></p>
            <p><a href="/signin">"Entrar como personal: supervisión, investigación y administración"</a></p>
        </main>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="home">
            <h1>"Página no encontrada"</h1>
            <p><a href="/">"Volver al inicio"</a></p>
        </main>
    }
}
