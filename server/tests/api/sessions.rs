//! Sessions end when they must, and the database holds no live secret (issue 17, points 5
//! and 6): a password change, a reset, a disable or a new second factor ends every other
//! session; replacing the second factor needs the current one; the session table and the
//! second-factor secrets are useless to whoever copies the database.

use crate::helpers::{form_token, spawn_app, TestApp, STAFF_PASSWORD};
use store_sqlite::accounts;

const NEW_PASSWORD: &str = "otra frase bastante larga";

/// Whether `client`'s session still opens her account page.
async fn signed_in(app: &TestApp, client: &reqwest::Client) -> bool {
    let resp = client.get(app.url("/account")).send().await.unwrap();
    match resp.status().as_u16() {
        200 => true,
        303 => false,
        other => panic!("unexpected {other}"),
    }
}

async fn post_password(app: &TestApp, client: &reqwest::Client, current: &str, new: &str, again: &str) -> u16 {
    let csrf = app.csrf_of(client, "/account/password").await;
    let form = [("current", current), ("password", new), ("confirm", again), ("csrf", &csrf)];
    client.post(app.url("/account/password")).form(&form).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn changing_her_password_needs_the_current_one_and_ends_her_other_sessions() {
    let app = spawn_app().await;
    app.add_user("sup@digna.test", "supervisor", &["LIM-01"], &[]).await;
    let (here, elsewhere) = (app.signed_in("sup@digna.test").await, app.signed_in("sup@digna.test").await);

    assert_eq!(post_password(&app, &here, "no es la actual, claro", NEW_PASSWORD, NEW_PASSWORD).await, 422);
    let failed = "SELECT COUNT(*) FROM admin_audit WHERE action = 'account.password_failed'";
    assert_eq!(app.count(failed).await, 1);
    assert_eq!(post_password(&app, &here, STAFF_PASSWORD, NEW_PASSWORD, "otra distinta de la primera").await, 422);
    assert_eq!(post_password(&app, &here, STAFF_PASSWORD, "corta", "corta").await, 422);
    assert!(signed_in(&app, &elsewhere).await, "nothing changed yet");

    assert_eq!(post_password(&app, &here, STAFF_PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await, 303);
    assert!(signed_in(&app, &here).await, "the session she changed it from stays open");
    assert!(!signed_in(&app, &elsewhere).await, "every other session ends");
    assert_eq!(app.count("SELECT COUNT(*) FROM admin_audit WHERE action = 'account.password_changed'").await, 1);
    assert_eq!(app.sign_in_with(&app.browser(), "sup@digna.test", STAFF_PASSWORD).await.status(), 401);
    assert_eq!(app.sign_in_with(&app.browser(), "sup@digna.test", NEW_PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn guessing_the_current_password_from_a_stolen_session_is_throttled() {
    let app = spawn_app().await;
    app.add_user("sup@digna.test", "supervisor", &["LIM-01"], &[]).await;
    let stolen = app.signed_in("sup@digna.test").await;
    let mut statuses = Vec::new();
    for i in 0..7 {
        statuses
            .push(post_password(&app, &stolen, &format!("adivinando {i} de nuevo"), NEW_PASSWORD, NEW_PASSWORD).await);
    }
    assert!(statuses.ends_with(&[429, 429]), "{statuses:?}");
    assert!(app.count("SELECT COUNT(*) FROM admin_audit WHERE action = 'account.password_failed'").await <= 5);
}

#[tokio::test]
async fn a_session_ended_by_a_reset_or_a_disable_stays_ended_when_the_account_comes_back() {
    let app = spawn_app().await;
    let id = app.add_user("sup@digna.test", "supervisor", &["LIM-01"], &[]).await;
    let before_reset = app.signed_in("sup@digna.test").await;
    let token = server::auth::secret_hash("enlace de prueba");
    assert!(crate::store_fn!(app, accounts::force_reset(conn, id, accounts::LinkPurpose::Reset, &token)).unwrap());
    // Not asked in between (that alone would end the session): the epoch must.
    let password = domain::Password::parse(STAFF_PASSWORD).unwrap();
    let hash = server::auth::hash_password(&password).await.unwrap();
    assert_eq!(crate::store_fn!(app, accounts::accept_link(conn, &token, &hash)).unwrap(), Some(id));
    assert!(!signed_in(&app, &before_reset).await, "her password is back, the old session is not");

    let before_disable = app.signed_in("sup@digna.test").await;
    assert!(crate::store_fn!(app, accounts::disable(conn, id)).unwrap());
    crate::store_fn!(app, accounts::enable(conn, id)).unwrap();
    assert!(!signed_in(&app, &before_disable).await, "enabled again, the old session is not back");
    assert!(signed_in(&app, &app.signed_in("sup@digna.test").await).await, "a new sign-in works");
}

/// The new secret and the form token of the two-factor page.
async fn setup_page(app: &TestApp, client: &reqwest::Client) -> (String, String) {
    let html = client.get(app.url("/account/two-factor")).send().await.unwrap().text().await.unwrap();
    let at = html.find("id=\"totp-secret\">").expect("secret shown") + "id=\"totp-secret\">".len();
    let secret = html[at..].split('<').next().unwrap().to_string();
    (secret, form_token(&html).expect("form token"))
}

async fn replace(app: &TestApp, client: &reqwest::Client, secret: &str, csrf: &str, current: &str) -> u16 {
    let code = server::auth::totp(secret, "ana@digna.test").unwrap().generate_current().unwrap();
    let form = [("code", code.as_str()), ("current", current), ("csrf", csrf)];
    client.post(app.url("/account/two-factor")).form(&form).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn replacing_the_second_factor_needs_the_current_one_is_audited_and_ends_other_sessions() {
    let app = spawn_app().await;
    let id = app.add_user("ana@digna.test", "researcher", &[], &["Lima Centro"]).await;
    let secret = server::auth::new_totp_secret();
    let (codes, hashes) = server::auth::new_recovery_codes();
    crate::store_fn!(app, accounts::enable_totp(conn, id, &secret, &hashes)).unwrap();
    let (here, elsewhere) = (app.browser(), app.browser());
    assert_eq!(app.sign_in_with(&here, "ana@digna.test", STAFF_PASSWORD).await.status(), 303);
    let now = server::auth::totp(&secret, "ana@digna.test").unwrap().generate_current().unwrap();
    assert_eq!(app.second_step(&here, &now).await.status(), 303);
    assert_eq!(app.sign_in_with(&elsewhere, "ana@digna.test", STAFF_PASSWORD).await.status(), 303);
    assert_eq!(app.second_step(&elsewhere, &codes[0]).await.status(), 303);
    let stored = || async { app.scalar::<String>("SELECT totp_secret FROM users", &[]).await };
    let before = stored().await;

    let (new_secret, csrf) = setup_page(&app, &here).await;
    assert_eq!(replace(&app, &here, &new_secret, &csrf, "").await, 422, "without the current second factor");
    assert_eq!(replace(&app, &here, &new_secret, &csrf, "ZZZZ-ZZZZ-ZZZZ").await, 422, "with a wrong one");
    assert_eq!(replace(&app, &here, &new_secret, &csrf, &codes[0]).await, 422, "with a spent recovery code");
    assert_eq!(stored().await, before, "nothing changed");
    assert_eq!(app.count("SELECT COUNT(*) FROM admin_audit WHERE action = 'account.two_factor_failed'").await, 3);
    assert!(signed_in(&app, &elsewhere).await);

    assert_eq!(replace(&app, &here, &new_secret, &csrf, &codes[1]).await, 200);
    let after = stored().await;
    assert!(after.starts_with("sealed:") && !after.contains(&new_secret), "stored sealed: {after}");
    let audited = "SELECT COUNT(*) FROM admin_audit WHERE action = 'account.two_factor' AND detail = 'replaced'";
    assert_eq!(app.count(audited).await, 1);
    assert!(signed_in(&app, &here).await, "the session she replaced it from stays open");
    assert!(!signed_in(&app, &elsewhere).await, "every other session ends");
    // The old recovery codes went with the old secret; the new secret signs her in.
    let next = app.browser();
    assert_eq!(app.sign_in_with(&next, "ana@digna.test", STAFF_PASSWORD).await.status(), 303);
    assert_eq!(app.second_step(&next, &codes[2]).await.status(), 401);
}

#[tokio::test]
async fn a_copy_of_the_session_table_signs_no_one_in() {
    let app = spawn_app().await;
    app.add_user("sup@digna.test", "supervisor", &["LIM-01"], &[]).await;
    let client = app.signed_in("sup@digna.test").await;
    assert!(signed_in(&app, &client).await);
    let ids: Vec<String> = app.scalars(&format!("SELECT id FROM {}", app.sessions_table()), &[]).await;
    assert!(!ids.is_empty());
    for id in ids {
        let resp = app
            .browser()
            .get(app.url("/account"))
            .header("cookie", format!("{}={id}", server::web::session::COOKIE))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303, "the stored id {id} worked as a cookie");
    }
}

#[tokio::test]
async fn second_factor_secrets_stored_in_the_clear_are_sealed_at_start_and_still_work() {
    let app = spawn_app().await;
    let id = app.add_user("ana@digna.test", "researcher", &[], &["Lima Centro"]).await;
    let secret = server::auth::new_totp_secret();
    // As an older release stored it.
    crate::store_fn!(app, accounts::enable_totp(conn, id, &secret, &[])).unwrap();
    let restarted = server::Application::build(&app.settings()).await.unwrap();
    drop(restarted);
    let stored: String = app.scalar("SELECT totp_secret FROM users", &[]).await;
    assert!(stored.starts_with("sealed:") && !stored.contains(&secret), "{stored}");
    let client = app.browser();
    assert_eq!(app.sign_in_with(&client, "ana@digna.test", STAFF_PASSWORD).await.status(), 303);
    let code = server::auth::totp(&secret, "ana@digna.test").unwrap().generate_current().unwrap();
    assert_eq!(app.second_step(&client, &code).await.status(), 303);
}
