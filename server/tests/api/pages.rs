use crate::helpers::spawn_app;

#[tokio::test]
async fn the_kiosk_and_home_pages_render_on_the_server() {
    let app = spawn_app().await;
    let kiosk = app.client.get(app.url("/kiosk")).send().await.unwrap();
    assert_eq!(kiosk.status(), 200);
    assert!(kiosk.headers().get("set-cookie").is_none(), "the kiosk never sets a cookie");
    let html = kiosk.text().await.unwrap();
    assert!(html.contains("<html lang=\"es\""), "Spanish first");
    assert!(html.contains("Línea 100"), "the help line is on every kiosk screen");
    assert!(html.contains("/pkg/digna.js") || html.contains("/pkg/digna"), "hydration scripts are linked");

    let home = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let missing = app.client.get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let api_missing = app.client.get(app.url("/api/v1/nothing")).send().await.unwrap();
    assert_eq!(api_missing.status(), 404);
}

#[tokio::test]
async fn no_page_can_be_framed_or_post_elsewhere_and_https_is_kept_to() {
    let app = crate::helpers::spawn_app().await;
    for path in ["/", "/kiosk", "/signin", "/api/v1/openapi.json", "/dashboard"] {
        let resp = app.browser().get(app.url(path)).send().await.unwrap();
        let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let csp = header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("form-action 'self'"), "{path}: {csp}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("strict-transport-security"), "", "{path}: no HSTS over plain HTTP");
    }
    // Behind a TLS proxy (or serving TLS itself), browsers are told to keep to HTTPS.
    let dir = tempfile::tempdir().unwrap();
    let mut settings = crate::helpers::test_settings(dir.path()).await;
    settings.secure_cookies = Some(true);
    let secure = server::Application::build(&settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", secure.port());
    tokio::spawn(secure.run_until_stopped());
    for path in ["/kiosk", "/signin"] {
        let resp = reqwest::get(format!("{base}{path}")).await.unwrap();
        let hsts = resp.headers().get("strict-transport-security").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(hsts.starts_with("max-age="), "{path}: {hsts:?}");
    }
}
