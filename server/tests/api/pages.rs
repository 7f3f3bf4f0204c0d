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
