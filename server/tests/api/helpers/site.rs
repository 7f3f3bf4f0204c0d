//! A site root of one file for the handlers that read it (the service worker).

use super::TestApp;

impl TestApp {
    /// `/sw.js` as the app's server renders it over a site holding one file of the build
    /// (`pkg/digna.wasm`) and a template that shows the build id on a line of its own.
    pub async fn service_worker(&self) -> axum::response::Response {
        let site = self.dir.path().join("site");
        std::fs::create_dir_all(site.join("pkg")).unwrap();
        std::fs::write(site.join("pkg/digna.wasm"), b"wasm").unwrap();
        let template = "const CACHE = 'digna-__DIGNA_BUILD_ID__';\nconst FILES = __DIGNA_PRECACHE__;";
        std::fs::write(site.join("sw-template.js"), template).unwrap();
        let options = leptos::prelude::LeptosOptions::builder()
            .output_name("digna")
            .site_root(site.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .build();
        let state = server::AppState { leptos_options: options, ..self.state.clone() };
        server::service_worker::handler(axum::extract::State(state)).await
    }
}
