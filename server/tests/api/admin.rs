//! The admin console's stations: only admins, forms that validate into the domain types
//! and keep what was typed, deactivation that stops a station's tablets, and an audit
//! line for every change.

use crate::helpers::{full_answers, new_id, spawn_app, TestApp};

async fn admin(app: &TestApp) -> reqwest::Client {
    app.admin_client("admin@digna.test").await
}

#[tokio::test]
async fn only_admins_reach_the_console() {
    let app = spawn_app().await;
    app.add_user("sup@digna.test", "supervisor", &[], &[]).await;
    let sup = app.signed_in("sup@digna.test").await;
    assert_eq!(sup.get(app.url("/admin")).send().await.unwrap().status(), 403);
    assert_eq!(sup.get(app.url("/admin/stations")).send().await.unwrap().status(), 403);
    assert_eq!(sup.get(app.url("/admin/audit")).send().await.unwrap().status(), 403);
    let csrf = app.csrf_of(&sup, "/dashboard").await;
    let form =
        [("csrf", csrf.as_str()), ("code", "NEW-01"), ("name", "X"), ("region", "Y"), ("timezone", "America/Lima")];
    assert_eq!(sup.post(app.url("/admin/stations")).form(&form).send().await.unwrap().status(), 403);
    assert!(crate::store_fn!(app, stations::by_code(pool, "NEW-01")).unwrap().is_none());
    assert_eq!(app.browser().get(app.url("/admin/stations")).send().await.unwrap().status(), 303);
}

#[tokio::test]
async fn an_admin_adds_renames_moves_and_deactivates_a_station() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let client = admin(&app).await;
    let csrf = app.csrf_of(&client, "/admin/stations").await;

    // A bad code and an unknown timezone: each field says what is wrong, nothing is lost.
    let bad = [
        ("csrf", csrf.as_str()),
        ("code", "lim 9"),
        ("name", "Comisaría de Comas"),
        ("region", "Lima Norte"),
        ("timezone", "Mars/Base"),
    ];
    let resp = client.post(app.url("/admin/stations")).form(&bad).send().await.unwrap();
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("st-code-error") && html.contains("st-timezone-error"), "{html}");
    assert!(html.contains("value=\"Comisaría de Comas\""), "the typed name is kept");
    let good = [
        ("csrf", csrf.as_str()),
        ("code", "LIM-09"),
        ("name", "Comisaría de Comas"),
        ("region", "Lima Norte"),
        ("timezone", "America/Lima"),
        ("active", "1"),
    ];
    assert_eq!(client.post(app.url("/admin/stations")).form(&good).send().await.unwrap().status(), 303);
    assert_eq!(client.post(app.url("/admin/stations")).form(&good).send().await.unwrap().status(), 409);
    let html = client.get(app.url("/admin/stations")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("data-station=\"LIM-09\""));

    // Rename, move and deactivate LIM-01: its tablet stops accepting answers.
    assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
    let edit = [
        ("csrf", csrf.as_str()),
        ("name", "Comisaría Cercado"),
        ("region", "Lima Centro Sur"),
        ("timezone", "America/Lima"),
    ];
    assert_eq!(client.post(app.url("/admin/stations/LIM-01")).form(&edit).send().await.unwrap().status(), 303);
    let s = crate::store_fn!(app, stations::by_code(pool, "LIM-01")).unwrap().unwrap();
    assert_eq!((s.name.as_str(), s.region.as_str(), s.active), ("Comisaría Cercado", "Lima Centro Sur", false));
    assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 401);
    // An empty name is refused and changes nothing.
    let empty =
        [("csrf", csrf.as_str()), ("name", " "), ("region", "Lima"), ("timezone", "America/Lima"), ("active", "1")];
    assert_eq!(client.post(app.url("/admin/stations/LIM-01")).form(&empty).send().await.unwrap().status(), 422);
    assert!(!crate::store_fn!(app, stations::by_code(pool, "LIM-01")).unwrap().unwrap().active);

    // Every change is in the audit log, with who made it.
    let mut log = crate::store_fn!(app, audit::audit_log(pool, 10)).unwrap();
    log.retain(|a| !a.action.starts_with("signin"));
    let actions: Vec<(&str, &str)> = log.iter().map(|a| (a.action.as_str(), a.target.as_str())).collect();
    assert_eq!(actions, [("station.update", "LIM-01"), ("station.create", "LIM-09")]);
    assert!(log.iter().all(|a| a.actor == "admin@digna.test"));
    assert!(log[0].detail.contains("deactivated") && log[0].detail.contains("region: Lima Centro → Lima Centro Sur"));
    let html = client.get(app.url("/admin/audit")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("station.create") && html.contains("LIM-09"));
}
