//! Staff sign-in: sessions, cookie flags, sign-out, throttling, cross-site forms and the
//! second factor. The kiosk and the API never receive the session cookie.

use crate::helpers::{form_token, spawn_app, STAFF_PASSWORD};
use reqwest::header::{LOCATION, RETRY_AFTER, SET_COOKIE};

fn location(resp: &reqwest::Response) -> String {
    resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

#[tokio::test]
async fn signing_in_opens_the_dashboard_with_a_strict_http_only_cookie() {
    let app = spawn_app().await;
    app.add_station("LIM-01").await;
    app.add_user("sup@digna.test", "supervisor", &["LIM-01"], &[]).await;
    let client = app.browser();

    // Without a session, the dashboard sends her to sign in and back.
    let resp = client.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert!(location(&resp).starts_with("/signin?"), "{}", location(&resp));
    assert!(location(&resp).contains("next=/dashboard"));

    let resp = app.sign_in_with(&client, "SUP@digna.test ", STAFF_PASSWORD).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/dashboard");
    let cookie = resp.headers().get(SET_COOKIE).expect("a session cookie").to_str().unwrap().to_string();
    assert!(cookie.starts_with("digna_staff="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP on loopback: {cookie}");
    // Idle timeout: the cookie lives 30 minutes from the last request.
    assert!(cookie.contains("Max-Age=1800") || cookie.contains("Expires="), "{cookie}");

    let resp = client.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers().get("cache-control").unwrap(), "no-store");
    let html = resp.text().await.unwrap();
    assert!(html.contains("sup@digna.test"));
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    app.add_user("sup@digna.test", "supervisor", &[], &[]).await;
    let client = app.browser();
    let resp = app.sign_in_with(&client, "sup@digna.test", STAFF_PASSWORD).await;
    let cookie = resp.headers().get(SET_COOKIE).unwrap().to_str().unwrap().split(';').next().unwrap().to_string();
    let before: i64 = app.count(&format!("SELECT COUNT(*) FROM {}", app.sessions_table())).await;
    assert!(before >= 1);

    let csrf = app.csrf_of(&client, "/account").await;
    let resp = client.post(app.url("/signout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert!(location(&resp).starts_with("/signin"));

    // The old cookie, replayed by someone who copied it, opens nothing.
    let replay = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let resp = replay.get(app.url("/dashboard")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(resp.status(), 303, "a signed-out session must not open the dashboard");
    assert!(location(&resp).starts_with("/signin"));
}

#[tokio::test]
async fn wrong_passwords_slow_down_and_never_say_whether_the_email_exists() {
    let app = spawn_app().await;
    app.add_user("sup@digna.test", "supervisor", &[], &[]).await;
    let client = app.browser();

    let unknown = app.sign_in_with(&client, "nadie@digna.test", "una contraseña cualquiera").await;
    assert_eq!(unknown.status(), 401);
    let unknown = unknown.text().await.unwrap();
    let wrong = app.sign_in_with(&app.browser(), "sup@digna.test", "una contraseña equivocada").await;
    assert_eq!(wrong.status(), 401);
    let wrong = wrong.text().await.unwrap();
    let message = |html: &str| {
        let at = html.find("signin-error").expect("an error message");
        html[at..].split('<').next().unwrap().to_string()
    };
    assert_eq!(message(&unknown), message(&wrong), "the same words for an unknown email and a wrong password");
    assert!(wrong.contains("Correo o contraseña incorrectos."));

    // Four more failures for the account (five in all): then even the right password waits.
    for _ in 0..4 {
        app.sign_in_with(&app.browser(), "sup@digna.test", "otra contraseña equivocada").await;
    }
    let resp = app.sign_in_with(&app.browser(), "sup@digna.test", STAFF_PASSWORD).await;
    assert_eq!(resp.status(), 429);
    let first_wait: u64 = resp.headers().get(RETRY_AFTER).unwrap().to_str().unwrap().parse().unwrap();
    assert!(resp.text().await.unwrap().contains("Demasiados intentos"));

    // The delay grows with each further failure.
    tokio::time::sleep(std::time::Duration::from_secs(first_wait + 1)).await;
    let resp = app.sign_in_with(&app.browser(), "sup@digna.test", "sigue equivocada!!").await;
    assert_eq!(resp.status(), 429);
    let second_wait: u64 = resp.headers().get(RETRY_AFTER).unwrap().to_str().unwrap().parse().unwrap();
    assert!(second_wait > first_wait, "{second_wait} after {first_wait}");
}

#[tokio::test]
async fn forms_from_another_site_are_refused() {
    let app = spawn_app().await;
    app.add_user("sup@digna.test", "supervisor", &[], &[]).await;
    let client = app.browser();
    let csrf = app.csrf_of(&client, "/signin").await;
    let form = [("email", "sup@digna.test"), ("password", STAFF_PASSWORD), ("csrf", csrf.as_str())];

    let no_token = [("email", "sup@digna.test"), ("password", STAFF_PASSWORD)];
    let resp = client.post(app.url("/signin")).form(&no_token).send().await.unwrap();
    assert_eq!(resp.status(), 403, "no form token");
    let resp = client.post(app.url("/signin")).form(&[form[0], form[1], ("csrf", "forged")]).send().await.unwrap();
    assert_eq!(resp.status(), 403, "a forged token");
    let resp =
        client.post(app.url("/signin")).header("origin", "http://evil.example").form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 403, "another origin");
    let resp = client.post(app.url("/signin")).header("sec-fetch-site", "cross-site").form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 403, "a cross-site fetch");
    // Nothing above signed her in.
    assert_eq!(client.get(app.url("/dashboard")).send().await.unwrap().status(), 303);

    // The same form from the page itself works.
    let origin = app.base.clone();
    let resp = client.post(app.url("/signin")).header("origin", origin).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 303);

    // Signed in, sign-out without the token is refused and changes nothing.
    let resp = client.post(app.url("/signout")).form(&[("csrf", "forged")]).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(client.get(app.url("/dashboard")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_kiosk_and_the_api_never_set_a_cookie() {
    let app = spawn_app().await;
    app.add_user("sup@digna.test", "supervisor", &[], &[]).await;
    let client = app.signed_in("sup@digna.test").await;
    for path in ["/kiosk", "/api/v1/survey", "/api/v1/kiosk", "/api/v1/openapi.json", "/sw.js"] {
        // Even with a staff session cookie in the jar.
        let resp = client.get(app.url(path)).send().await.unwrap();
        assert!(resp.headers().get(SET_COOKIE).is_none(), "{path} set a cookie");
        let resp = app.client.get(app.url(path)).send().await.unwrap();
        assert!(resp.headers().get(SET_COOKIE).is_none(), "{path} set a cookie");
    }
}

fn totp_now(secret: &str, email: &str) -> String {
    server::auth::totp(secret, email).unwrap().generate_current().unwrap()
}

#[tokio::test]
async fn admins_set_up_a_second_factor_and_then_need_it() {
    let app = spawn_app().await;
    app.add_user("admin@digna.test", "admin", &[], &[]).await;
    let client = app.browser();
    let resp = app.sign_in_with(&client, "admin@digna.test", STAFF_PASSWORD).await;
    assert_eq!(resp.status(), 303);
    // Any page sends an admin without a second factor to set one up.
    let resp = client.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert!(location(&resp).starts_with("/account/two-factor"));

    let html = client.get(app.url("/account/two-factor")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<svg"), "a QR code");
    let at = html.find("id=\"totp-secret\">").expect("the secret as text") + "id=\"totp-secret\">".len();
    let secret = html[at..].split('<').next().unwrap().to_string();
    let csrf = form_token(&html).unwrap();
    let resp =
        client.post(app.url("/account/two-factor")).form(&[("code", "000000"), ("csrf", &csrf)]).send().await.unwrap();
    assert_eq!(resp.status(), 422, "a wrong code does not turn it on");
    let code = totp_now(&secret, "admin@digna.test");
    let resp = client
        .post(app.url("/account/two-factor"))
        .form(&[("code", code.as_str()), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    let codes: Vec<String> =
        html.split("<li><code>").skip(1).map(|s| s.split('<').next().unwrap().to_string()).collect();
    assert_eq!(codes.len(), 10, "ten recovery codes");
    assert_eq!(client.get(app.url("/dashboard")).send().await.unwrap().status(), 200);

    // Next time the password alone is not enough.
    let client = app.browser();
    let resp = app.sign_in_with(&client, "admin@digna.test", STAFF_PASSWORD).await;
    assert!(location(&resp).starts_with("/signin/two-factor"), "{}", location(&resp));
    assert_eq!(client.get(app.url("/dashboard")).send().await.unwrap().status(), 303);
    assert_eq!(app.second_step(&client, "123456").await.status(), 401);
    let code = totp_now(&secret, "admin@digna.test");
    assert_eq!(app.second_step(&client, &code).await.status(), 303);
    assert_eq!(client.get(app.url("/dashboard")).send().await.unwrap().status(), 200);
    // The same code, seen over her shoulder, does not sign anyone in again.
    let thief = app.browser();
    app.sign_in_with(&thief, "admin@digna.test", STAFF_PASSWORD).await;
    assert_eq!(app.second_step(&thief, &code).await.status(), 401);

    // A recovery code works once.
    for expected in [303, 401] {
        let client = app.browser();
        app.sign_in_with(&client, "admin@digna.test", STAFF_PASSWORD).await;
        assert_eq!(app.second_step(&client, &codes[0]).await.status(), expected);
    }
}

/// The stored session behind a signed-in client's cookie, to move its clock.
async fn with_session(
    app: &crate::helpers::TestApp,
    cookie: &str,
    change: impl FnOnce(&mut tower_sessions::session::Record),
) {
    use std::str::FromStr;
    use tower_sessions::SessionStore;
    let id = tower_sessions::session::Id::from_str(cookie).expect("a session id");
    let mut record = app.state.sessions.load(&id).await.expect("load").expect("a stored session");
    change(&mut record);
    app.state.sessions.save(&record).await.expect("save");
}

fn session_cookie(resp: &reqwest::Response) -> String {
    let header = resp.headers().get(SET_COOKIE).expect("a cookie").to_str().unwrap();
    header.split(';').next().unwrap().trim_start_matches("digna_staff=").to_string()
}

#[tokio::test]
async fn a_session_ends_twelve_hours_after_sign_in_even_when_busy() {
    let app = spawn_app().await;
    app.add_user("sup@digna.test", "supervisor", &[], &[]).await;
    let client = app.browser();
    let resp = app.sign_in_with(&client, "sup@digna.test", STAFF_PASSWORD).await;
    let cookie = session_cookie(&resp);
    assert_eq!(client.get(app.url("/dashboard")).send().await.unwrap().status(), 200);
    // Signed in 11 h 59 min ago: still fine.
    let signed_in = |seconds_ago: i64| serde_json::json!(chrono::Utc::now().timestamp() - seconds_ago);
    with_session(&app, &cookie, |r| {
        r.data.insert("signed_in_at".into(), signed_in(12 * 3600 - 60));
    })
    .await;
    assert_eq!(client.get(app.url("/dashboard")).send().await.unwrap().status(), 200);
    // Twelve hours: over, whatever the activity.
    with_session(&app, &cookie, |r| {
        r.data.insert("signed_in_at".into(), signed_in(12 * 3600));
    })
    .await;
    let resp = client.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert!(location(&resp).starts_with("/signin"));
}

#[tokio::test]
async fn a_session_ends_after_thirty_idle_minutes() {
    let app = spawn_app().await;
    app.add_user("sup@digna.test", "supervisor", &[], &[]).await;
    let client = app.browser();
    let resp = app.sign_in_with(&client, "sup@digna.test", STAFF_PASSWORD).await;
    let cookie = session_cookie(&resp);
    // Each request moves the stored expiry to 30 minutes ahead.
    client.get(app.url("/dashboard")).send().await.unwrap();
    let mut expiry = None;
    with_session(&app, &cookie, |r| expiry = Some(r.expiry_date)).await;
    let left = expiry.unwrap() - time::OffsetDateTime::now_utc();
    assert!(left > time::Duration::minutes(29) && left <= time::Duration::minutes(30), "{left}");
    // Past it, the stored session is gone for good, even with the cookie replayed.
    with_session(&app, &cookie, |r| r.expiry_date = time::OffsetDateTime::now_utc() - time::Duration::seconds(1)).await;
    let replay = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let resp =
        replay.get(app.url("/dashboard")).header("cookie", format!("digna_staff={cookie}")).send().await.unwrap();
    assert_eq!(resp.status(), 303);
}

#[tokio::test]
async fn a_crafted_next_never_sends_her_to_another_site() {
    let app = spawn_app().await;
    app.add_user("sup@digna.test", "supervisor", &[], &[]).await;
    for next in ["/%09/evil.example", "/%0a/evil.example", "//evil.example", "/%5Cevil.example", "https://evil.example"]
    {
        let client = app.browser();
        let html = client.get(app.url(&format!("/signin?next={next}"))).send().await.unwrap().text().await.unwrap();
        assert!(
            html.contains(r#"name="next" value="/dashboard""#),
            "{next}: the form carries only a path of this site"
        );
        let csrf = form_token(&html).unwrap();
        let decoded: String =
            serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("n={next}")).unwrap()[0].1.clone();
        let resp = client
            .post(app.url("/signin"))
            .form(&[("email", "sup@digna.test"), ("password", STAFF_PASSWORD), ("csrf", &csrf), ("next", &decoded)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303, "{next}");
        assert_eq!(location(&resp), "/dashboard", "{next}");
    }
}

#[tokio::test]
async fn visits_to_the_sign_in_page_write_no_session_and_its_form_still_works() {
    let app = spawn_app().await;
    app.add_user("sup@digna.test", "supervisor", &[], &[]).await;
    let before = app.count(&format!("SELECT COUNT(*) FROM {}", app.sessions_table())).await;
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..1000 {
        let request = app.client.get(app.url("/signin"));
        sends.spawn(async move { request.send().await.expect("request").status().as_u16() });
    }
    assert!(sends.join_all().await.iter().all(|s| *s == 200));
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM {}", app.sessions_table())).await,
        before,
        "1,000 visits, no session row"
    );
    // The form's token travels in a cookie of its own, for the sign-in forms only.
    let client = app.browser();
    let resp = client.get(app.url("/signin")).send().await.unwrap();
    let cookie = resp.headers().get(SET_COOKIE).expect("a sign-in cookie").to_str().unwrap().to_string();
    assert!(cookie.starts_with("digna_signin=") && cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict") && cookie.contains("Path=/signin"), "{cookie}");
    let html = resp.text().await.unwrap();
    let csrf = form_token(&html).unwrap();
    // Without the cookie, or with another token, the form is refused.
    let form = |token: &str| {
        [("email", "sup@digna.test".to_string()), ("password", STAFF_PASSWORD.to_string()), ("csrf", token.to_string())]
    };
    let resp = app.browser().post(app.url("/signin")).form(&form(&csrf)).send().await.unwrap();
    assert_eq!(resp.status(), 403, "the token without its cookie");
    let forged = format!("{}.{}", "a".repeat(43), "0".repeat(64));
    assert_eq!(client.post(app.url("/signin")).form(&form(&forged)).send().await.unwrap().status(), 403);
    let resp = client.post(app.url("/signin")).form(&form(&csrf)).send().await.unwrap();
    assert_eq!(resp.status(), 303, "with both, she signs in");
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM {}", app.sessions_table())).await,
        before + 1,
        "her session, only"
    );
}
