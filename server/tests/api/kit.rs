//! The staff pages' kit (`server::web::kit`): the role extractors refuse with the page
//! each refusal always had, a form with a wrong token changes nothing, and a store
//! failure is the internal error page with its cause in the log.

use crate::helpers::{spawn_app, TestApp, TestLog, STAFF_PASSWORD};

const ADMINS_ONLY: &str = "Only administrators may come here.";
const EXPORTERS_ONLY: &str = "Only researchers and administrators can export data.";
const REFUSED: &str = "Form refused: it was not sent from this Digna page";

/// A researcher signed in with her second factor, as researchers must.
async fn researcher_client(app: &TestApp, email: &str) -> reqwest::Client {
    let id = app.add_user(email, "researcher", &[], &["Lima"]).await;
    let secret = server::auth::new_totp_secret();
    crate::store_fn!(app, accounts::enable_totp(conn, id, &secret, &[])).expect("totp");
    let client = app.browser();
    assert_eq!(app.sign_in_with(&client, email, STAFF_PASSWORD).await.status(), 303);
    let code = server::auth::totp(&secret, email).expect("totp").generate_current().expect("code");
    assert_eq!(app.second_step(&client, &code).await.status(), 303);
    client
}

async fn retention_years(app: &TestApp) -> Option<String> {
    app.optional("SELECT value FROM settings WHERE key = 'retention_years'", &[]).await
}

#[tokio::test]
async fn the_role_extractors_refuse_with_the_page_of_each_role() {
    let app = spawn_app().await;
    app.add_station("LIM-01").await;
    app.add_user("sup@digna.test", "supervisor", &["LIM-01"], &[]).await;
    let supervisor = app.signed_in("sup@digna.test").await;
    let researcher = researcher_client(&app, "res@digna.test").await;
    let get = |client: &reqwest::Client, path: &str| client.get(app.url(path)).send();

    for path in ["/admin?lang=en", "/admin/stations?lang=en", "/admin/retention?lang=en", "/admin/survey?lang=en"] {
        let resp = get(&supervisor, path).await.unwrap();
        assert_eq!(resp.status(), 403, "{path}");
        assert!(resp.text().await.unwrap().contains(ADMINS_ONLY), "{path}: the administrators-only page");
    }
    // The page's language comes from the query string, as everywhere else.
    let resp = get(&researcher, "/admin/accounts").await.unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("Solo las administradoras pueden entrar aquí."));
    let resp = get(&supervisor, "/admin/accounts").await.unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("Solo las administradoras pueden entrar aquí."));

    // A form sent with her own good token is refused by role, and changes nothing.
    let before = retention_years(&app).await;
    let csrf = app.csrf_of(&supervisor, "/dashboard").await;
    let resp = supervisor.post(app.url("/admin/retention?lang=en")).form(&[("csrf", csrf.as_str()), ("years", "9")]);
    let resp = resp.send().await.unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains(ADMINS_ONLY));
    assert_eq!(retention_years(&app).await, before, "nothing was written");

    // Exports: a supervisor is refused with the export page; the export audit is for
    // admins, and a researcher is refused with the same export page.
    let resp = get(&supervisor, "/export?lang=en").await.unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains(EXPORTERS_ONLY));
    assert_eq!(get(&researcher, "/export?lang=en").await.unwrap().status(), 200);
    let resp = get(&researcher, "/export/audit?lang=en").await.unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains(EXPORTERS_ONLY));

    // Signed out, every one of them sends her to sign in.
    let resp = app.browser().get(app.url("/admin/retention?lang=en")).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert!(resp.headers()["location"].to_str().unwrap().starts_with("/signin?lang=en&next="));
}

#[tokio::test]
async fn a_form_with_a_wrong_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_client("admin@digna.test").await;
    let before = retention_years(&app).await;
    assert_ne!(before.as_deref(), Some("9"));
    for (case, token) in [("a forged token", "forged"), ("no token", "")] {
        let resp = admin.post(app.url("/admin/retention?lang=en")).form(&[("csrf", token), ("years", "9")]);
        let resp = resp.send().await.unwrap();
        assert_eq!(resp.status(), 403, "{case}");
        assert_eq!(resp.headers()["cache-control"], "no-store", "{case}");
        assert!(resp.text().await.unwrap().contains(REFUSED), "{case}");
        assert_eq!(retention_years(&app).await, before, "{case}: nothing was written");
    }
    // From another site, even with her token.
    let csrf = app.csrf_of(&admin, "/admin/retention").await;
    let form = [("csrf", csrf.as_str()), ("years", "9")];
    let resp = admin.post(app.url("/admin/retention")).header("origin", "http://evil.example").form(&form);
    assert_eq!(resp.send().await.unwrap().status(), 403);
    assert_eq!(retention_years(&app).await, before);

    // The same form from the page itself is taken.
    let resp = admin.post(app.url("/admin/retention?lang=en")).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(retention_years(&app).await.as_deref(), Some("9"));
}

#[tokio::test]
async fn a_store_failure_is_the_internal_error_page_and_its_cause_is_logged() {
    let app = spawn_app().await;
    let admin = app.admin_client("admin@digna.test").await;
    let log = TestLog::start();
    app.execute("ALTER TABLE admin_audit RENAME TO admin_audit_gone", &[]).await.unwrap();

    let resp = admin.get(app.url("/admin/retention?lang=en")).send().await.unwrap();
    assert_eq!(resp.status(), 500);
    assert_eq!(
        resp.text().await.unwrap(),
        "Error interno: inténtalo de nuevo en un momento. / Internal error: try again in a moment."
    );
    let logged = log.text();
    assert!(logged.contains("staff page failed") && logged.contains("admin_audit"), "the cause is logged: {logged}");
}
