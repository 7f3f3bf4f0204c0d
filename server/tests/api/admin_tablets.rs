//! The admin console's station settings and tablets: kiosk settings and the staff PIN
//! with field-level errors, enrollment codes with a QR code of their link, the last day
//! each tablet delivered (a day, never a time), silent tablets on /admin, revocation at
//! once, and an audit line for every change, from the browser and the command line.

use crate::helpers::{full_answers, new_id, spawn_app, spawn_app_with, TestApp};
use domain::time::calendar::local_day;
use domain::KioskSettings;
use serde_json::json;

async fn admin(app: &TestApp) -> reqwest::Client {
    app.admin_client("admin@digna.test").await
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let resp = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(resp.status(), 200, "GET {path}");
    resp.text().await.unwrap()
}

pub(crate) async fn audit_lines(app: &TestApp) -> Vec<(String, String, String)> {
    let mut log = crate::store_fn!(app, audit::audit_log(pool, 100)).unwrap();
    log.reverse();
    // Sign-ins are audited too; these tests look at what changed.
    log.into_iter().filter(|a| !a.action.starts_with("signin")).map(|a| (a.action, a.target, a.detail)).collect()
}

/// The id of the only tablet of a station.
async fn tablet_id(app: &TestApp, station: i64) -> i64 {
    app.scalar("SELECT id FROM tablets WHERE station_id = ?", &[crate::helpers::Arg::from(station)]).await
}

async fn last_delivery_day(app: &TestApp, tablet: i64) -> Option<String> {
    app.scalar("SELECT last_delivery_day FROM tablets WHERE id = ?", &[crate::helpers::Arg::from(tablet)]).await
}

async fn set_last_delivery_day(app: &TestApp, tablet: i64, days_ago: i64) {
    let day = local_day(chrono::Utc::now(), "America/Lima") - chrono::Days::new(days_ago as u64);
    app.execute(
        "UPDATE tablets SET last_delivery_day = ? WHERE id = ?",
        &[(day.to_string()).into(), crate::helpers::Arg::from(tablet)],
    )
    .await
    .unwrap();
}

/// The text of the element with this id, up to its first child tag.
pub(crate) fn text_of<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in {html}"));
    between(&html[at..], ">", "<")
}

/// The text between `start` and the next `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let at = html.find(start).unwrap_or_else(|| panic!("no {start:?} in {html}")) + start.len();
    let len = html[at..].find(end).unwrap_or_else(|| panic!("no {end:?} after {start:?}"));
    &html[at..at + len]
}

#[tokio::test]
async fn kiosk_settings_refuse_out_of_range_values_field_by_field_and_keep_what_was_typed() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    let client = admin(&app).await;
    let html = page(&client, &app, "/admin/stations/LIM-01").await;
    assert!(html.contains("id=\"kiosk-settings\"") && html.contains("id=\"ks-inactivity_s\""), "{html}");
    assert!(html.contains("value=\"60\"") && html.contains("value=\"20\""), "the current settings are shown");
    let csrf = app.csrf_of(&client, "/admin/stations/LIM-01").await;

    for (case, field, bad) in [
        ("inactivity under 10 s", "inactivity_s", "5"),
        ("inactivity over an hour", "inactivity_s", "3601"),
        ("grace not a number", "inactivity_grace_s", "veinte"),
        ("grace under 5 s", "inactivity_grace_s", "4"),
        ("minimum duration over 10 minutes", "min_duration_s", "601"),
        ("minimum gap negative", "min_gap_s", "-1"),
        ("minimum gap empty", "min_gap_s", ""),
    ] {
        let mut form = vec![
            ("csrf", csrf.clone()),
            ("inactivity_s", "90".to_string()),
            ("inactivity_grace_s", "30".to_string()),
            ("min_duration_s", "10".to_string()),
            ("min_gap_s", "0".to_string()),
        ];
        form.iter_mut().find(|(k, _)| *k == field).unwrap().1 = bad.to_string();
        let resp = client.post(app.url("/admin/stations/LIM-01/kiosk?lang=en")).form(&form).send().await.unwrap();
        assert_eq!(resp.status(), 422, "{case}");
        let html = resp.text().await.unwrap();
        let error = text_of(&html, &format!("ks-{field}-error"));
        assert!(error.contains("whole number from"), "{case}: the field says what is wrong in English: {error}");
        assert_eq!(html.matches("class=\"field-error\"").count(), 1, "{case}: only that field is marked");
        assert!(html.contains(&format!("value=\"{bad}\"")), "{case}: what was typed is kept");
        for (key, typed) in form.iter().filter(|(k, _)| *k != "csrf" && *k != field) {
            assert!(
                html.contains(&format!("name=\"{key}\" type=\"text\" inputmode=\"numeric\" value=\"{typed}\"")),
                "{case}: {key} kept"
            );
        }
        assert!(html.contains("aria-invalid=\"true\""), "{case}");
    }
    let s = crate::store_fn!(app, stations::by_code(pool, "LIM-01")).unwrap().unwrap();
    assert_eq!(s.settings, KioskSettings::default(), "nothing changed");
    assert!(audit_lines(&app).await.is_empty(), "a refused change is not audited");
    // In Spanish by default.
    let spanish = [
        ("csrf", csrf.as_str()),
        ("inactivity_s", "9"),
        ("inactivity_grace_s", "20"),
        ("min_duration_s", "8"),
        ("min_gap_s", "20"),
    ];
    let resp = client.post(app.url("/admin/stations/LIM-01/kiosk")).form(&spanish).send().await.unwrap();
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("Escribe un número entero de 10 a 3600 segundos."));

    let good = [
        ("csrf", csrf.as_str()),
        ("inactivity_s", "90"),
        ("inactivity_grace_s", "30"),
        ("min_duration_s", "10"),
        ("min_gap_s", "0"),
    ];
    let resp = client.post(app.url("/admin/stations/LIM-01/kiosk?lang=en")).form(&good).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/admin/stations/LIM-01?lang=en");
    let s = crate::store_fn!(app, stations::by_id(pool, station)).unwrap().unwrap();
    assert_eq!(
        s.settings,
        KioskSettings { inactivity_s: 90, inactivity_grace_s: 30, min_duration_s: 10, min_gap_s: 0 }
    );
    // The tablet receives them.
    let config: serde_json::Value =
        app.client.get(app.url("/api/v1/kiosk")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(config["settings"]["inactivity_s"], 90);
    assert_eq!(
        audit_lines(&app).await,
        [(
            "station.update".to_string(),
            "LIM-01".to_string(),
            "inactivity_s: 60 → 90; inactivity_grace_s: 20 → 30; min_duration_s: 8 → 10; min_gap_s: 20 → 0".to_string()
        )]
    );
    // Saving the same values again changes nothing and writes nothing.
    assert_eq!(client.post(app.url("/admin/stations/LIM-01/kiosk")).form(&good).send().await.unwrap().status(), 303);
    assert_eq!(audit_lines(&app).await.len(), 1);
}

#[tokio::test]
async fn the_staff_pin_is_set_hashed_never_shown_and_cleared() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    let client = admin(&app).await;
    let html = page(&client, &app, "/admin/stations/LIM-01?lang=en").await;
    assert!(html.contains("id=\"staff-pin\"") && html.contains("PIN: not set."), "{html}");
    assert!(!html.contains("id=\"clear-staff-pin\""), "nothing to remove yet");
    let csrf = app.csrf_of(&client, "/admin/stations/LIM-01").await;
    let unlock = |pin: &str| {
        app.client.post(app.url("/api/v1/staff/unlock")).bearer_auth(&token).json(&json!({ "pin": pin })).send()
    };

    for (case, bad) in [("too short", "482"), ("letters", "48a6"), ("too long", "482648264"), ("empty", "")] {
        let form = [("csrf", csrf.as_str()), ("action", "set"), ("pin", bad)];
        let resp = client.post(app.url("/admin/stations/LIM-01/pin?lang=en")).form(&form).send().await.unwrap();
        assert_eq!(resp.status(), 422, "{case}");
        let html = resp.text().await.unwrap();
        assert!(text_of(&html, "pin-error").starts_with("A PIN has 4 to 8 digits"), "{case}: {html}");
        assert!(bad.is_empty() || !html.contains(&format!("value=\"{bad}\"")), "{case}: a typed PIN is never echoed");
    }
    assert!(crate::store_fn!(app, stations::staff_pin_state(pool, station)).unwrap().unwrap().hash.is_none());
    assert_eq!(unlock("48261937").await.unwrap().status(), 409, "still no PIN");

    let form = [("csrf", csrf.as_str()), ("action", "set"), ("pin", "48261937")];
    let resp = client.post(app.url("/admin/stations/LIM-01/pin")).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    let hash = crate::store_fn!(app, stations::staff_pin_state(pool, station)).unwrap().unwrap().hash.unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains("48261937"), "only an Argon2id hash is stored: {hash}");
    assert_eq!(unlock("48261937").await.unwrap().status(), 204, "the PIN opens the staff panel");
    assert_eq!(unlock("1111").await.unwrap().status(), 403);
    let html = page(&client, &app, "/admin/stations/LIM-01?lang=en").await;
    assert!(html.contains("PIN: set.") && html.contains("id=\"clear-staff-pin\""));
    assert!(!html.contains("48261937") && !html.contains(&hash), "neither the PIN nor its hash is shown");

    let form = [("csrf", csrf.as_str()), ("action", "clear"), ("pin", "")];
    assert_eq!(client.post(app.url("/admin/stations/LIM-01/pin")).form(&form).send().await.unwrap().status(), 303);
    assert!(crate::store_fn!(app, stations::staff_pin_state(pool, station)).unwrap().unwrap().hash.is_none());
    assert_eq!(unlock("48261937").await.unwrap().status(), 409, "no PIN any more");
    // Clearing again changes nothing and is not audited.
    assert_eq!(client.post(app.url("/admin/stations/LIM-01/pin")).form(&form).send().await.unwrap().status(), 303);

    let lines = audit_lines(&app).await;
    let expected = [("station.pin", "LIM-01", "set"), ("station.pin", "LIM-01", "cleared")];
    assert_eq!(lines.len(), 2, "{lines:?}");
    for ((action, target, detail), (a, t, d)) in lines.iter().zip(expected) {
        assert_eq!((action.as_str(), target.as_str(), detail.as_str()), (a, t, d));
    }
}

#[tokio::test]
async fn enrolling_from_the_page_shows_a_one_time_code_its_link_and_a_qr_code() {
    // Behind a reverse proxy at 127.0.0.1 that Digna trusts.
    let app = spawn_app_with(|s| s.trusted_proxies = server::proxy::TrustedProxies::parse("127.0.0.1").unwrap()).await;
    app.add_station("LIM-01").await;
    let client = admin(&app).await;
    let html = page(&client, &app, "/admin/stations/LIM-01").await;
    assert!(html.contains("id=\"enroll-tablet\"") && html.contains("id=\"no-tablets\""), "{html}");
    assert!(!html.contains("id=\"enrollment-code\""));
    let csrf = app.csrf_of(&client, "/admin/stations/LIM-01").await;

    let resp =
        client.post(app.url("/admin/stations/LIM-01/tablets?lang=en")).form(&[("csrf", &csrf)]).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let html = resp.text().await.unwrap();
    let code = text_of(&html, "enrollment-code").trim().to_string();
    assert_eq!(code.len(), 9, "a code such as ABCD-EFGH: {code:?}");
    let link = between(&html, "<code id=\"enrollment-link\">", "</code>");
    assert_eq!(link, format!("{}/kiosk?code={code}", app.base), "the absolute link of this server");
    let svg = server::web::admin::enrollment_qr_svg(link).unwrap();
    assert!(svg.starts_with("<svg") && html.contains(&svg), "the page holds the QR code of exactly that link");
    assert!(html.contains("role=\"img\""), "the QR code is labelled for screen readers");

    assert_eq!(app.enroll(&code).await.status(), 201, "the code enrolls a tablet");
    assert_eq!(app.enroll(&code).await.status(), 400, "once");
    let lines = audit_lines(&app).await;
    assert_eq!(lines.len(), 1);
    assert_eq!((lines[0].0.as_str(), lines[0].1.as_str()), ("tablet.enroll", "LIM-01"));
    assert!(!lines[0].2.contains(&code) && !lines[0].2.contains(&code.replace('-', "")), "never the code");

    // The new tablet is listed, enrolled today in the station's calendar, never delivered.
    let html = page(&client, &app, "/admin/stations/LIM-01?lang=en").await;
    let id: i64 = app.scalar("SELECT id FROM tablets", &[]).await;
    let row = between(&html, &format!("data-tablet=\"{id}\""), "</tr>");
    let today = local_day(chrono::Utc::now(), "America/Lima").to_string();
    assert!(row.contains(&today) && row.contains("Never") && row.contains("Active"), "{row}");
    assert!(!html.contains("id=\"enrollment-code\""), "the code is shown only once");

    // Behind a trusted TLS proxy the link is https (from anyone else the header is
    // removed before the handler sees it: `proxy::tests`).
    let resp = client
        .post(app.url("/admin/stations/LIM-01/tablets"))
        .header("x-forwarded-proto", "https")
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    let html = resp.text().await.unwrap();
    let link = between(&html, "<code id=\"enrollment-link\">", "</code>");
    assert!(link.starts_with("https://127.0.0.1:") && link.contains("/kiosk?code="), "{link}");

    // A deactivated station enrolls no tablet.
    app.execute("UPDATE stations SET active = FALSE", &[]).await.unwrap();
    let before: i64 = app.count("SELECT COUNT(*) FROM enrollment_codes").await;
    let resp = client.post(app.url("/admin/stations/LIM-01/tablets")).form(&[("csrf", &csrf)]).send().await.unwrap();
    assert_eq!(resp.status(), 409);
    assert_eq!(app.count("SELECT COUNT(*) FROM enrollment_codes").await, before);
}

#[test]
fn the_enrollment_origin_follows_the_request() {
    use axum::http::{HeaderMap, HeaderValue};
    use server::web::admin::request_origin;
    let headers = |pairs: &[(&'static str, &'static str)]| {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    };
    let host = [("host", "digna.example.pe:8443")];
    assert_eq!(request_origin(&headers(&host), false).as_deref(), Some("http://digna.example.pe:8443"));
    assert_eq!(request_origin(&headers(&host), true).as_deref(), Some("https://digna.example.pe:8443"));
    let proxied = [("host", "digna.example.pe"), ("x-forwarded-proto", "https")];
    assert_eq!(request_origin(&headers(&proxied), false).as_deref(), Some("https://digna.example.pe"));
    assert_eq!(request_origin(&headers(&[("host", "evil.pe/\"><script>")]), false), None, "not a host name");
    assert_eq!(request_origin(&headers(&[]), false), None);
}

#[tokio::test]
async fn the_last_delivery_day_is_recorded_as_a_day_in_the_station_s_timezone() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    let tablet = tablet_id(&app, station).await;
    assert_eq!(last_delivery_day(&app, tablet).await, None, "nothing delivered yet");

    let before = local_day(chrono::Utc::now(), "America/Lima").to_string();
    let id = new_id();
    assert_eq!(app.submit(&token, &full_answers(&id)).await.status(), 201);
    let after = local_day(chrono::Utc::now(), "America/Lima").to_string();
    let day = last_delivery_day(&app, tablet).await.expect("recorded");
    assert!(day == before || day == after, "{day} is today in Lima");
    assert!(day.len() == 10 && !day.contains(':') && !day.contains('T'), "a day, never a time: {day}");

    // A retry (200) counts as a delivery; a refused submission does not.
    set_last_delivery_day(&app, tablet, 9).await;
    let old = last_delivery_day(&app, tablet).await;
    let mut invalid = full_answers(&new_id());
    invalid["answers"]["respect"] = json!(9);
    assert_eq!(app.submit(&token, &invalid).await.status(), 422);
    assert_eq!(last_delivery_day(&app, tablet).await, old, "a refusal is no delivery");
    assert_eq!(app.submit(&token, &full_answers(&id)).await.status(), 200);
    assert_eq!(last_delivery_day(&app, tablet).await.as_deref(), Some(day.as_str()));

    // The station page shows it.
    let client = admin(&app).await;
    let html = page(&client, &app, "/admin/stations/LIM-01").await;
    let row = between(&html, &format!("data-tablet=\"{tablet}\""), "</tr>");
    assert!(row.contains(&format!("class=\"last-delivery\">{day}<")), "{row}");

    // The day follows the station's timezone, 19 hours ahead of Lima.
    app.execute("UPDATE stations SET timezone = 'Pacific/Kiritimati'", &[]).await.unwrap();
    let before = local_day(chrono::Utc::now(), "Pacific/Kiritimati").to_string();
    assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
    let after = local_day(chrono::Utc::now(), "Pacific/Kiritimati").to_string();
    let day = last_delivery_day(&app, tablet).await.unwrap();
    assert!(day == before || day == after, "{day} is today in Kiritimati");
}

#[tokio::test]
async fn silent_tablets_show_on_the_overview_until_they_deliver() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    let tablet = tablet_id(&app, station).await;
    let client = admin(&app).await;
    let html = page(&client, &app, "/admin?lang=en").await;
    assert!(html.contains("id=\"silent-tablets\"") && html.contains("id=\"no-silent-tablets\""), "{html}");
    assert!(html.contains("aria-current=\"page\""), "the overview is marked in the admin nav");
    assert!(html.contains("id=\"count-stations\">1<") && html.contains("id=\"count-tablets\">1<"), "{html}");
    assert!(html.contains("id=\"count-responses\">0<"));

    // Exactly three days is not yet silent; four is.
    set_last_delivery_day(&app, tablet, 3).await;
    assert!(!page(&client, &app, "/admin").await.contains(&format!("data-tablet=\"{tablet}\"")));
    set_last_delivery_day(&app, tablet, 4).await;
    let html = page(&client, &app, "/admin?lang=en").await;
    let row = between(&html, &format!("data-tablet=\"{tablet}\""), "</tr>");
    let day = last_delivery_day(&app, tablet).await.unwrap();
    assert!(row.contains("href=\"/admin/stations/LIM-01?lang=en\"") && row.contains(&day), "{row}");
    assert!(!html.contains("id=\"no-silent-tablets\""));
    let station_page = page(&client, &app, "/admin/stations/LIM-01?lang=en").await;
    let row = between(&station_page, &format!("data-tablet=\"{tablet}\""), "</tr>");
    assert!(row.contains("Silent"), "the station page marks it too: {row}");

    // A tablet that never delivered counts from the day it was enrolled.
    let (other_station, _) = app.station_with_tablet("LIM-02").await;
    let other = tablet_id(&app, other_station).await;
    let long_ago = (chrono::Utc::now() - chrono::Duration::days(10)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    app.execute(
        "UPDATE tablets SET created_at = ? WHERE id = ?",
        &[crate::helpers::Arg::from(&long_ago), crate::helpers::Arg::from(other)],
    )
    .await
    .unwrap();
    let html = page(&client, &app, "/admin?lang=en").await;
    let row = between(&html, &format!("data-tablet=\"{other}\""), "</tr>");
    assert!(row.contains("never (enrolled on"), "{row}");

    // A delivery ends the silence.
    assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
    let html = page(&client, &app, "/admin").await;
    assert!(!html.contains(&format!("data-tablet=\"{tablet}\"")), "delivered today");
    assert!(html.contains(&format!("data-tablet=\"{other}\"")));
    // Revoked tablets and tablets of deactivated stations are not flagged.
    crate::store_fn!(app, tablets::revoke_at_station(conn, other_station, other)).unwrap();
    set_last_delivery_day(&app, tablet, 30).await;
    app.execute("UPDATE stations SET active = FALSE WHERE id = ?", &[crate::helpers::Arg::from(station)])
        .await
        .unwrap();
    let html = page(&client, &app, "/admin?lang=en").await;
    assert!(html.contains("id=\"no-silent-tablets\""), "{html}");
    assert!(html.contains("id=\"count-stations\">1<") && html.contains("id=\"count-tablets\">0<"), "{html}");
}

#[tokio::test]
async fn the_silent_threshold_is_validated_and_audited() {
    let app = spawn_app().await;
    let (station, _) = app.station_with_tablet("LIM-01").await;
    let tablet = tablet_id(&app, station).await;
    set_last_delivery_day(&app, tablet, 5).await;
    let client = admin(&app).await;
    let html = page(&client, &app, "/admin").await;
    assert!(html.contains("id=\"silent-days\"") && html.contains("value=\"3\""));
    assert!(html.contains(&format!("data-tablet=\"{tablet}\"")), "silent for 5 days > 3");
    let csrf = app.csrf_of(&client, "/admin").await;

    for (case, bad) in [("zero", "0"), ("too many", "91"), ("words", "tres"), ("empty", ""), ("fraction", "2.5")] {
        let resp = client
            .post(app.url("/admin/silent-tablets?lang=en"))
            .form(&[("csrf", csrf.as_str()), ("days", bad)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{case}");
        let html = resp.text().await.unwrap();
        assert_eq!(text_of(&html, "silent-days-error"), "Type a whole number from 1 to 90.", "{case}");
        assert!(
            html.contains(&format!("id=\"days\" name=\"days\" type=\"text\" inputmode=\"numeric\" value=\"{bad}\"")),
            "{case}: kept"
        );
    }
    let days = |app: &TestApp| {
        let app = app.clone_handle();
        async move { crate::store_fn!(app, settings::get_i64(pool, store::settings::SILENT_TABLET_DAYS, 0)).unwrap() }
    };
    assert_eq!(days(&app).await, 3, "nothing changed");
    assert!(audit_lines(&app).await.is_empty());

    let resp = client
        .post(app.url("/admin/silent-tablets"))
        .form(&[("csrf", csrf.as_str()), ("days", " 7 ")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/admin?lang=es");
    assert_eq!(days(&app).await, 7);
    assert_eq!(
        audit_lines(&app).await,
        [("setting.update".to_string(), "silent_tablet_days".to_string(), "3 → 7".to_string())]
    );
    assert!(!page(&client, &app, "/admin").await.contains(&format!("data-tablet=\"{tablet}\"")), "5 days ≤ 7");
}

#[tokio::test]
async fn a_revoked_tablet_is_refused_at_its_next_delivery() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    let (other_station, other_token) = app.station_with_tablet("LIM-02").await;
    let tablet = tablet_id(&app, station).await;
    let other = tablet_id(&app, other_station).await;
    let client = admin(&app).await;
    let html = page(&client, &app, "/admin/stations/LIM-01?lang=en").await;
    let row = between(&html, &format!("data-tablet=\"{tablet}\""), "</tr>");
    assert!(
        row.contains(&format!("/admin/stations/LIM-01/tablets/{tablet}/revoke")) && row.contains("Revoke"),
        "{row}"
    );
    let csrf = app.csrf_of(&client, "/admin/stations/LIM-01").await;
    let revoke = format!("/admin/stations/LIM-01/tablets/{tablet}/revoke?lang=en");

    // The row's button asks first.
    let resp = client.post(app.url(&revoke)).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("id=\"confirm-revoke\"") && html.contains("name=\"confirm\" value=\"yes\""), "{html}");
    assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201, "not revoked yet");

    // Another station's tablet cannot be revoked through this station.
    let wrong = format!("/admin/stations/LIM-01/tablets/{other}/revoke");
    let resp = client.post(app.url(&wrong)).form(&[("csrf", csrf.as_str()), ("confirm", "yes")]).send().await.unwrap();
    assert_eq!(resp.status(), 404);

    let resp = client.post(app.url(&revoke)).form(&[("csrf", csrf.as_str()), ("confirm", "yes")]).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 401, "refused at once");
    assert_eq!(app.submit(&other_token, &full_answers(&new_id())).await.status(), 201, "the other tablet still works");
    let html = page(&client, &app, "/admin/stations/LIM-01?lang=en").await;
    let row = between(&html, &format!("data-tablet=\"{tablet}\""), "</tr>");
    assert!(row.contains("Revoked") && !row.contains("/revoke"), "{row}");
    // Revoking again changes nothing.
    let resp = client.post(app.url(&revoke)).form(&[("csrf", csrf.as_str()), ("confirm", "yes")]).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(
        audit_lines(&app).await,
        [("tablet.revoke".to_string(), "LIM-01".to_string(), format!("tablet #{tablet}"))]
    );
}

#[tokio::test]
async fn only_admins_with_the_form_token_change_stations_and_tablets() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    let tablet = tablet_id(&app, station).await;
    set_last_delivery_day(&app, tablet, 10).await;
    app.add_user("sup@digna.test", "supervisor", &["LIM-01"], &[]).await;
    let sup = app.signed_in("sup@digna.test").await;
    let codes_before = app.count("SELECT COUNT(*) FROM enrollment_codes").await;
    let day_before = last_delivery_day(&app, tablet).await;

    for path in ["/admin", "/admin/stations/LIM-01"] {
        assert_eq!(sup.get(app.url(path)).send().await.unwrap().status(), 403, "GET {path}");
        assert_eq!(app.browser().get(app.url(path)).send().await.unwrap().status(), 303, "signed out: {path}");
    }
    let csrf = app.csrf_of(&sup, "/dashboard").await;
    let revoke = format!("/admin/stations/LIM-01/tablets/{tablet}/revoke");
    let posts: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/admin/silent-tablets", vec![("days", "9")]),
        (
            "/admin/stations/LIM-01/kiosk",
            vec![("inactivity_s", "90"), ("inactivity_grace_s", "30"), ("min_duration_s", "9"), ("min_gap_s", "9")],
        ),
        ("/admin/stations/LIM-01/release", vec![("release_at", "02:45"), ("release_every", "weekly")]),
        ("/admin/stations/LIM-01/pin", vec![("action", "set"), ("pin", "48261937")]),
        ("/admin/stations/LIM-01/tablets", vec![]),
        (&revoke, vec![("confirm", "yes")]),
    ];
    let admin = admin(&app).await;
    for (path, fields) in &posts {
        let mut form = fields.clone();
        form.push(("csrf", csrf.as_str()));
        assert_eq!(sup.post(app.url(path)).form(&form).send().await.unwrap().status(), 403, "POST {path}");
        // An admin's browser without the form token, or with another session's, is refused too.
        assert_eq!(admin.post(app.url(path)).form(fields).send().await.unwrap().status(), 403, "no token: {path}");
        let mut forged = fields.clone();
        forged.push(("csrf", csrf.as_str()));
        assert_eq!(admin.post(app.url(path)).form(&forged).send().await.unwrap().status(), 403, "forged: {path}");
    }
    let s = crate::store_fn!(app, stations::by_id(pool, station)).unwrap().unwrap();
    assert_eq!((s.settings, s.staff_pin_set), (KioskSettings::default(), false), "nothing changed");
    let every = app.count(&format!("SELECT release_every_days FROM stations WHERE id = {station}")).await;
    assert_eq!(every, 1, "nor the release schedule");
    assert_eq!(app.count("SELECT COUNT(*) FROM enrollment_codes").await, codes_before, "no code was made");
    assert_eq!(app.count("SELECT COUNT(*) FROM tablets WHERE revoked").await, 0);
    assert_eq!(last_delivery_day(&app, tablet).await, day_before);
    assert_eq!(
        crate::store_fn!(app, settings::get_i64(pool, store_sqlite::settings::SILENT_TABLET_DAYS, 0)).unwrap(),
        3
    );
    assert!(audit_lines(&app).await.is_empty());
    assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201, "the tablet still works");
}

/// The command line writes the same audit lines as the browser.
#[test]
fn the_command_line_audits_enrollments_and_station_settings() {
    let cli = crate::cli::Cli::new();
    let run = |args: &[&str]| cli.command().args(args).env("USER", "operadora").output().expect("digna runs");
    let ok = |args: &[&str]| {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let audit = || {
        let lines =
            cli.sql("SELECT action || '|' || target || '|' || actor || '|' || detail FROM admin_audit ORDER BY id");
        lines.lines().map(str::to_string).collect::<Vec<_>>()
    };
    ok(&["station", "add", "--code", "LIM-09", "--name", "Comisaría de Comas", "--region", "Lima Norte"]);
    let out = ok(&["tablet", "enroll", "--station", "LIM-09"]);
    let code = out.lines().last().unwrap().to_string();
    ok(&["station", "set", "LIM-09", "--pin", "48261937", "--inactivity-s", "90"]);
    let err = run(&["station", "set", "LIM-09", "--grace-s", "2", "--pin", "1234"]);
    assert!(!err.status.success());
    let stderr = String::from_utf8_lossy(&err.stderr);
    assert!(stderr.contains("--grace-s must be between 5 and 600, got 2"), "{stderr}");
    ok(&["station", "set", "LIM-09", "--inactivity-s", "90"]);

    let lines = audit();
    assert_eq!(
        lines[1..],
        [
            "tablet.enroll|LIM-09|command line (operadora)|one-time code, valid 24 h".to_string(),
            "station.update|LIM-09|command line (operadora)|inactivity_s: 60 → 90".to_string(),
            "station.pin|LIM-09|command line (operadora)|set".to_string(),
        ],
        "a refused or unchanged setting writes nothing: {lines:?}"
    );
    assert!(lines.iter().all(|l| !l.contains("48261937") && !l.contains(&code)), "never a PIN or a code");

    // The suspect thresholds: stored as given, refused out of range with nothing changed.
    let stored = || {
        cli.sql(
            "SELECT inactivity_s, inactivity_grace_s, min_duration_s, min_gap_s FROM stations WHERE code = 'LIM-09'",
        )
    };
    assert_eq!(stored(), "90|20|8|20");
    let out = ok(&["station", "set", "LIM-09", "--min-duration-s", "30", "--min-gap-s", "90"]);
    assert!(out.contains("suspect under 30 s or within 90 s of the previous survey"), "{out}");
    assert_eq!(stored(), "90|20|30|90");
    for (args, message) in [
        (["--min-duration-s", "601", "--min-gap-s", "60"], "--min-duration-s must be between 0 and 600, got 601"),
        (["--min-gap-s", "3601", "--min-duration-s", "9"], "--min-gap-s must be between 0 and 3600, got 3601"),
    ] {
        let err = run(&[&["station", "set", "LIM-09"][..], &args[..]].concat());
        assert!(!err.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&err.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    assert_eq!(stored(), "90|20|30|90", "a refused setting changes nothing");
    let lines = audit();
    assert_eq!(
        lines.last().map(String::as_str),
        Some("station.update|LIM-09|command line (operadora)|min_duration_s: 8 → 30; min_gap_s: 20 → 90")
    );
}
