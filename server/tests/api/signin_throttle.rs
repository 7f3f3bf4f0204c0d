//! The sign-in throttle under concurrency and across factors (issue 17, points 1 and 2):
//! parallel wrong passwords never all reach Argon2, a right password never resets the
//! guessing of second-step codes, and a stranger's failures on one account lock no one
//! else out, though every client comes from the same address (a reverse proxy's).

use crate::helpers::{spawn_app, spawn_app_with, TestApp, STAFF_PASSWORD};

#[tokio::test]
async fn sixty_four_parallel_wrong_passwords_reach_the_check_five_times() {
    let app = spawn_app().await;
    app.add_user("sup@digna.test", "supervisor", &[], &[]).await;
    let client = app.browser();
    let csrf = app.csrf_of(&client, "/signin").await;
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..64 {
        let request = client.post(app.url("/signin")).form(&[
            ("email", "sup@digna.test".to_string()),
            ("password", format!("contraseña equivocada {i}")),
            ("csrf", csrf.clone()),
        ]);
        sends.spawn(async move { request.send().await.expect("request").status().as_u16() });
    }
    let statuses = sends.join_all().await;
    let checked = statuses.iter().filter(|s| **s == 401).count() + statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked, 64, "{statuses:?}");
    let failed = app.count("SELECT COUNT(*) FROM admin_audit WHERE action = 'signin.failed'").await;
    assert!(failed <= 5, "{failed} attempts reached the password check");
    assert!(statuses.iter().filter(|s| **s == 429).count() >= 59, "{statuses:?}");
}

#[tokio::test]
async fn a_right_password_does_not_reset_the_guessing_of_codes() {
    let app = spawn_app().await;
    let id = app.add_user("ana@digna.test", "researcher", &[], &["Lima Centro"]).await;
    let secret = server::auth::new_totp_secret();
    crate::store_fn!(app, accounts::enable_totp(conn, id, &secret, &[])).unwrap();
    let client = app.browser();
    assert_eq!(app.sign_in_with(&client, "ana@digna.test", STAFF_PASSWORD).await.status(), 303);
    let right = server::auth::totp(&secret, "ana@digna.test").unwrap().generate_current().unwrap();
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    for _ in 0..5 {
        assert_eq!(app.second_step(&client, &wrong).await.status(), 401);
    }
    // The right password again (a new first step), then a sixth wrong code: still waiting.
    assert_eq!(app.sign_in_with(&client, "ana@digna.test", STAFF_PASSWORD).await.status(), 303);
    let resp = app.second_step(&client, &wrong).await;
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    let guesses = "SELECT COUNT(*) FROM admin_audit WHERE action = 'signin.failed' AND detail = 'second step'";
    assert_eq!(app.count(guesses).await, 5);
}

#[tokio::test]
async fn a_strangers_failures_on_another_account_from_the_proxys_address_lock_no_one_else_out() {
    let app = spawn_app().await;
    app.add_user("admin@digna.test", "supervisor", &[], &[]).await;
    // Every client of this test comes from 127.0.0.1, as all do behind Caddy or nginx.
    for i in 0..20 {
        let resp = app.sign_in_with(&app.browser(), "x@y.pe", &format!("adivinando {i}")).await;
        assert!([401, 429].contains(&resp.status().as_u16()));
    }
    let resp = app.sign_in_with(&app.browser(), "x@y.pe", "una más").await;
    assert_eq!(resp.status(), 429, "the attacked account waits");
    let resp = app.sign_in_with(&app.browser(), "admin@digna.test", STAFF_PASSWORD).await;
    assert_eq!(resp.status(), 303, "she signs in");
}

/// A sign-in through the proxy at 127.0.0.1 for a client it says is `from`.
async fn sign_in_from(app: &TestApp, from: &str, email: &str, password: &str) -> u16 {
    let client = app.browser();
    let csrf = app.csrf_of(&client, "/signin").await;
    let form = [("email", email), ("password", password), ("csrf", &csrf)];
    let request = client.post(app.url("/signin")).header("x-forwarded-for", from).form(&form);
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_one_clients_failures_slow_that_client_not_everyone() {
    let app = spawn_app_with(|s| s.trusted_proxies = server::proxy::TrustedProxies::parse("127.0.0.1").unwrap()).await;
    app.add_user("admin@digna.test", "supervisor", &[], &[]).await;
    // 60 failures over many accounts from one client: past its 50 free ones it waits…
    let mut last = 0;
    for i in 0..60 {
        last = sign_in_from(&app, "203.0.113.7", &format!("x{i}@y.pe"), "adivinando").await;
    }
    assert_eq!(last, 429, "the guessing client slows down");
    // …while another client behind the same proxy signs in at once.
    assert_eq!(sign_in_from(&app, "198.51.100.2", "admin@digna.test", STAFF_PASSWORD).await, 303);
}

#[tokio::test]
async fn an_untrusted_peer_cannot_choose_the_address_it_is_counted_under() {
    let app = spawn_app().await;
    let mut last = 0;
    for i in 0..60 {
        // A new forged address each time: ignored, every attempt counts against 127.0.0.1.
        last = sign_in_from(&app, &format!("203.0.113.{i}"), &format!("x{i}@y.pe"), "adivinando").await;
    }
    assert_eq!(last, 429, "forged X-Forwarded-For headers do not reset the client's count");
}

#[tokio::test]
async fn cookies_are_secure_and_hsts_is_sent_when_a_trusted_proxy_says_https() {
    let trusted =
        spawn_app_with(|s| s.trusted_proxies = server::proxy::TrustedProxies::parse("127.0.0.1/8").unwrap()).await;
    let untrusted = spawn_app().await;
    for (app, believed) in [(&trusted, true), (&untrusted, false)] {
        let resp = app.browser().get(app.url("/signin")).header("x-forwarded-proto", "https").send().await.unwrap();
        let cookie = resp.headers().get("set-cookie").expect("the sign-in cookie").to_str().unwrap().to_string();
        assert_eq!(cookie.contains("; Secure"), believed, "{cookie}");
        assert_eq!(resp.headers().contains_key("strict-transport-security"), believed);
        let plain = app.browser().get(app.url("/signin")).send().await.unwrap();
        let cookie = plain.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
        assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    }
    // The session cookie too, once she signs in through the proxy.
    trusted.add_user("sup@digna.test", "supervisor", &[], &[]).await;
    let client = trusted.browser();
    let csrf = trusted.csrf_of(&client, "/signin").await;
    let form = [("email", "sup@digna.test"), ("password", STAFF_PASSWORD), ("csrf", &csrf)];
    let resp =
        client.post(trusted.url("/signin")).header("x-forwarded-proto", "https").form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    let session = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("digna_staff="));
    assert!(session.expect("a session cookie").contains("; Secure"));
}
