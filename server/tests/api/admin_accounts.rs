//! `/admin/accounts` and `/invite/{token}`: invitations, role and scope changes, disabling,
//! forced resets, the last-admin guard, refusals for non-admins, and the audit of every
//! account change and every sign-in.

use crate::helpers::{contains, spawn_app, TestApp, STAFF_PASSWORD};
use reqwest::header::LOCATION;
use sha2::{Digest, Sha256};

const ADMIN: &str = "admin@digna.test";
const NEW_PASSWORD: &str = "mi frase nueva bastante larga";

fn location(resp: &reqwest::Response) -> String {
    resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// Posts `pairs` with the session's form token (read from `/account`, which every
/// signed-in staff member can open).
async fn post(app: &TestApp, client: &reqwest::Client, path: &str, pairs: &[(&str, &str)]) -> reqwest::Response {
    let csrf = app.csrf_of(client, "/account").await;
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
    form.extend_from_slice(pairs);
    client.post(app.url(path)).form(&form).send().await.expect("request")
}

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let resp = client.get(app.url(path)).send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("body"))
}

/// The token of the one-time link shown on a page.
fn link_token(html: &str) -> String {
    let at = html.find("/invite/").unwrap_or_else(|| panic!("no link on the page: {html}")) + "/invite/".len();
    html[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.scalar("SELECT id FROM users WHERE email = ?", &[crate::helpers::Arg::from(email)]).await
}

/// Every audit line as `actor|action|target|detail`, oldest first.
async fn audit_lines(app: &TestApp) -> Vec<String> {
    app.scalars("SELECT actor || '|' || action || '|' || target || '|' || detail FROM admin_audit ORDER BY id", &[])
        .await
}

async fn has_line(app: &TestApp, prefix: &str) -> bool {
    audit_lines(app).await.iter().any(|l| l.starts_with(prefix))
}

/// Invites `email` as `role` with `items` and returns the link's token.
async fn invite(app: &TestApp, admin: &reqwest::Client, email: &str, role: &str, items: &[&str]) -> String {
    let mut pairs = vec![("email", email), ("role", role)];
    pairs.extend(items.iter().map(|i| ("item", *i)));
    let resp = post(app, admin, "/admin/accounts", &pairs).await;
    assert_eq!(resp.status(), 303, "invite {email}");
    let to = location(&resp);
    assert!(to.starts_with("/admin/accounts/"), "{to}");
    let (status, html) = get(app, admin, &to).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"invite-link\""), "the link is shown: {html}");
    link_token(&html)
}

/// Sets `password` (typed twice) through the link; returns the response.
async fn set_password(app: &TestApp, token: &str, password: &str, again: &str) -> reqwest::Response {
    let client = app.browser();
    let path = format!("/invite/{token}");
    // The link's own page gives the form's token; for an unknown, used or expired link,
    // whose page has no form, any token of the session does (the link is what is refused).
    let csrf = match app.browser().get(app.url(&path)).send().await.expect("request").text().await {
        Ok(html) if crate::helpers::form_token(&html).is_some() => app.csrf_of(&client, &path).await,
        _ => {
            // A failed sign-in gives the browser a session, and its page the session's token.
            let signin = app.csrf_of(&client, "/signin").await;
            let form = [("email", "nadie@digna.test"), ("password", "no importa"), ("csrf", signin.as_str())];
            let html = client.post(app.url("/signin")).form(&form).send().await.expect("request").text().await;
            crate::helpers::form_token(&html.expect("body")).expect("a session's token")
        }
    };
    client
        .post(app.url(&path))
        .form(&[("csrf", csrf.as_str()), ("password", password), ("confirm", again)])
        .send()
        .await
        .expect("request")
}

async fn add_station_in(app: &TestApp, code: &str, region: &str) {
    let code = domain::StationCode::parse(code).unwrap();
    let name = domain::Name::parse("name", "Comisaría", 200).unwrap();
    let region = domain::Name::parse("region", region, 100).unwrap();
    crate::store_fn!(app, stations::insert(conn, &code, &name, &region, "America/Lima")).unwrap().unwrap();
}

#[tokio::test]
async fn an_invitation_lets_her_choose_her_password_once_and_sign_in() {
    let app = spawn_app().await;
    app.add_station("LIM-01").await;
    let admin = app.admin_client(ADMIN).await;

    let (status, html) = get(&app, &admin, "/admin/accounts").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"accounts\"") && html.contains("data-account=\"admin@digna.test\""), "{html}");
    assert!(html.contains("id=\"invite\"") && html.contains("aria-current=\"page\""), "{html}");

    let token = invite(&app, &admin, " Ana@Digna.test ", "supervisor", &["s:LIM-01"]).await;
    assert!(token.len() >= 40, "a long random token: {token}");
    // Shown once: the account page no longer has it.
    let id = user_id(&app, "ana@digna.test").await;
    let (_, html) = get(&app, &admin, &format!("/admin/accounts/{id}")).await;
    assert!(!html.contains("id=\"invite-link\"") && !html.contains(&token), "the link is shown once");
    // Only the token's SHA-256 is stored; the account has no usable password.
    let dump = app.dump().await;
    let stored_anywhere = dump.values().flatten().flatten().any(|v| contains(v, token.as_bytes()));
    assert!(!stored_anywhere, "the token itself is stored nowhere");
    let stored: Vec<u8> = app.scalar("SELECT token_hash FROM account_links", &[]).await;
    assert_eq!(stored, Sha256::digest(token.as_bytes()).to_vec());
    let (_, list) = get(&app, &admin, "/admin/accounts?lang=en").await;
    assert!(list.contains("data-account=\"ana@digna.test\""), "{list}");
    assert!(list.contains("Invited: link pending"), "{list}");
    assert!(has_line(&app, "admin@digna.test|account.invite|ana@digna.test|role: supervisor; scope: s:LIM-01").await);
    assert!(!audit_lines(&app).await.concat().contains(&token), "the audit never names the token");
    // Before she sets a password, nothing opens the account.
    assert_eq!(app.sign_in_with(&app.browser(), "ana@digna.test", "").await.status(), 401);

    // She opens the link with no session.
    let visitor = app.browser();
    let (status, html) = get(&app, &visitor, &format!("/invite/{token}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"set-password\"") && html.contains("ana@digna.test"), "{html}");

    // Bad passwords: field errors, nothing secret typed comes back, nothing changes.
    let resp = set_password(&app, &token, "corta", "corta").await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("id=\"sp-password-error\"") && html.contains("aria-invalid=\"true\""), "{html}");
    assert!(html.contains("al menos 12") && html.contains("ana@digna.test"), "{html}");
    assert!(!html.contains("value=\"corta\""), "a password is never typed back");
    let resp = set_password(&app, &token, NEW_PASSWORD, "otra frase distinta y larga").await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("id=\"sp-confirm-error\"") && !html.contains(NEW_PASSWORD), "{html}");
    let pending: Option<String> =
        app.scalar("SELECT password_pending FROM users WHERE email = 'ana@digna.test'", &[]).await;
    assert_eq!(pending.as_deref(), Some("invited"));

    let resp = set_password(&app, &token, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(resp.status(), 303);
    assert!(location(&resp).starts_with("/signin?") && location(&resp).contains("password_set=1"));
    let (_, signin) = get(&app, &app.browser(), &location(&resp)).await;
    assert!(signin.contains("id=\"signin-notice\""), "{signin}");
    assert!(has_line(&app, "ana@digna.test|account.invite_accepted|ana@digna.test").await);

    // She signs in with it and sees her station.
    let ana = app.browser();
    let resp = app.sign_in_with(&ana, "ana@digna.test", NEW_PASSWORD).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/dashboard");
    assert_eq!(get(&app, &ana, "/dashboard/station/LIM-01").await.0, 200);

    // The link works once.
    assert_eq!(get(&app, &app.browser(), &format!("/invite/{token}")).await.0, 410);
    assert_eq!(set_password(&app, &token, "una tercera frase larga", "una tercera frase larga").await.status(), 410);
    assert_eq!(app.sign_in_with(&app.browser(), "ana@digna.test", NEW_PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn links_expire_unknown_ones_are_not_found_and_a_new_one_replaces_the_old() {
    let app = spawn_app().await;
    app.add_station("LIM-01").await;
    let admin = app.admin_client(ADMIN).await;
    let token = invite(&app, &admin, "bea@digna.test", "supervisor", &["s:LIM-01"]).await;

    assert_eq!(get(&app, &app.browser(), "/invite/no-such-token").await.0, 404);
    assert_eq!(set_password(&app, "no-such-token", NEW_PASSWORD, NEW_PASSWORD).await.status(), 404);

    // Expired: refused, and nothing changes.
    app.execute("UPDATE account_links SET expires_at = '2020-01-01T00:00:00Z'", &[]).await.unwrap();
    let (status, html) = get(&app, &app.browser(), &format!("/invite/{token}")).await;
    assert_eq!(status, 410);
    assert!(html.contains("caducó"), "{html}");
    assert_eq!(set_password(&app, &token, NEW_PASSWORD, NEW_PASSWORD).await.status(), 410);
    let hash: String = app.scalar("SELECT password_hash FROM users WHERE email = 'bea@digna.test'", &[]).await;
    assert_eq!(hash, "");
    let (_, list) = get(&app, &admin, "/admin/accounts?lang=en").await;
    assert!(list.contains("Invited: the link expired"), "{list}");

    // A new invitation link; the one before it stops working even if it had not expired.
    let id = user_id(&app, "bea@digna.test").await;
    let resp = post(&app, &admin, &format!("/admin/accounts/{id}/reset"), &[]).await;
    assert_eq!(resp.status(), 303);
    let (_, html) = get(&app, &admin, &location(&resp)).await;
    let second = link_token(&html);
    let resp = post(&app, &admin, &format!("/admin/accounts/{id}/reset"), &[]).await;
    let (_, html) = get(&app, &admin, &location(&resp)).await;
    let third = link_token(&html);
    assert_eq!(get(&app, &app.browser(), &format!("/invite/{second}")).await.0, 410, "replaced");
    let (status, html) = get(&app, &app.browser(), &format!("/invite/{third}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Bienvenida"), "still an invitation: {html}");
    assert!(has_line(&app, "admin@digna.test|account.reset|bea@digna.test|invite link").await);
}

#[tokio::test]
async fn the_invitation_form_keeps_what_was_typed_and_says_what_is_wrong() {
    let app = spawn_app().await;
    app.add_station("LIM-01").await;
    let admin = app.admin_client(ADMIN).await;
    let users = app.count("SELECT COUNT(*) FROM users").await;

    // (form fields, the id of the error that must show, why)
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: [Case; 5] = [
        (&[("email", "ana@"), ("role", "supervisor"), ("item", "s:LIM-01")], "ac-email-error", "a bad email"),
        (&[("email", "ana@digna.test"), ("role", "supervisor")], "ac-scope-error", "a supervisor with no scope"),
        (
            &[("email", "ana@digna.test"), ("role", "admin"), ("item", "s:LIM-01")],
            "ac-scope-error",
            "an admin with a scope",
        ),
        (&[("email", "ana@digna.test"), ("role", "boss"), ("item", "s:LIM-01")], "ac-role-error", "no such role"),
        (
            &[("email", "ana@digna.test"), ("role", "researcher"), ("item", "s:NOPE-9")],
            "ac-scope-error",
            "no such station",
        ),
    ];
    for (pairs, error_id, why) in cases {
        let resp = post(&app, &admin, "/admin/accounts", pairs).await;
        assert_eq!(resp.status(), 422, "{why}");
        let html = resp.text().await.unwrap();
        assert!(html.contains(&format!("id=\"{error_id}\"")), "{why}: {html}");
        let email = pairs[0].1;
        assert!(html.contains(&format!("value=\"{email}\"")), "{why}: the email is kept");
    }
    // The ticked station stays ticked.
    let resp =
        post(&app, &admin, "/admin/accounts?lang=en", &[("email", "x@"), ("role", "researcher"), ("item", "s:LIM-01")])
            .await;
    let html = resp.text().await.unwrap();
    assert!(html.contains("id=\"ac-s-LIM-01\" name=\"item\" value=\"s:LIM-01\" checked"), "{html}");
    assert!(html.contains("Type a valid email"), "English errors with ?lang=en");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users, "nothing created");

    // An email already taken: 409, nothing created.
    let resp = post(&app, &admin, "/admin/accounts", &[("email", "ADMIN@digna.test"), ("role", "admin")]).await;
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("id=\"ac-email-error\""));
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users);
    assert!(!has_line(&app, "admin@digna.test|account.invite").await);
}

#[tokio::test]
async fn a_change_of_role_or_scope_takes_effect_on_her_next_request() {
    let app = spawn_app().await;
    add_station_in(&app, "LIM-01", "Lima Centro").await;
    add_station_in(&app, "SUR-01", "Lima Sur").await;
    let admin = app.admin_client(ADMIN).await;
    let sup = app.add_user("sup@digna.test", "supervisor", &["LIM-01"], &[]).await;
    let her = app.signed_in("sup@digna.test").await;
    assert_eq!(get(&app, &her, "/dashboard/station/LIM-01").await.0, 200);
    assert_eq!(get(&app, &her, "/dashboard/station/SUR-01").await.0, 404);

    let (status, html) = get(&app, &admin, &format!("/admin/accounts/{sup}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"edit-account\"") && html.contains("value=\"s:LIM-01\" checked"), "{html}");

    let path = format!("/admin/accounts/{sup}");
    let resp = post(&app, &admin, &path, &[("role", "supervisor"), ("item", "r:Lima Sur")]).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(get(&app, &her, "/dashboard/station/LIM-01").await.0, 404, "her open session sees the new scope");
    assert_eq!(get(&app, &her, "/dashboard/station/SUR-01").await.0, 200);
    assert!(
        has_line(&app, "admin@digna.test|account.update|sup@digna.test|scope: s:LIM-01 → r:Lima Sur").await,
        "{:?}",
        audit_lines(&app).await
    );

    // Invalid: kept as typed, 422, nothing changed.
    let resp = post(&app, &admin, &path, &[("role", "supervisor")]).await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("id=\"ed-scope-error\""));
    assert_eq!(get(&app, &her, "/dashboard/station/SUR-01").await.0, 200);

    // A researcher must set up two-step first: the new role applies at once.
    let resp = post(&app, &admin, &path, &[("role", "researcher"), ("item", "r:Lima Sur")]).await;
    assert_eq!(resp.status(), 303);
    let resp = her.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert!(location(&resp).starts_with("/account/two-factor"), "{}", location(&resp));
    assert!(has_line(&app, "admin@digna.test|account.update|sup@digna.test|role: supervisor → researcher").await);
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in_and_loses_its_open_session() {
    let app = spawn_app().await;
    app.add_station("LIM-01").await;
    let admin = app.admin_client(ADMIN).await;
    let sup = app.add_user("sup@digna.test", "supervisor", &["LIM-01"], &[]).await;
    let her = app.signed_in("sup@digna.test").await;
    assert_eq!(get(&app, &her, "/dashboard").await.0, 200);

    let resp = post(&app, &admin, &format!("/admin/accounts/{sup}/disable"), &[]).await;
    assert_eq!(resp.status(), 303);
    let resp = her.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(resp.status(), 303, "her open session is refused at once");
    assert!(location(&resp).starts_with("/signin"));
    assert_eq!(app.sign_in_with(&app.browser(), "sup@digna.test", STAFF_PASSWORD).await.status(), 401);
    let (_, list) = get(&app, &admin, "/admin/accounts?lang=en").await;
    assert!(list.contains("Disabled"), "{list}");
    assert!(has_line(&app, "admin@digna.test|account.disable|sup@digna.test").await);

    let (_, html) = get(&app, &admin, &format!("/admin/accounts/{sup}")).await;
    assert!(html.contains("id=\"enable-account\""), "{html}");
    let resp = post(&app, &admin, &format!("/admin/accounts/{sup}/enable"), &[]).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(app.sign_in_with(&app.browser(), "sup@digna.test", STAFF_PASSWORD).await.status(), 303);
    assert!(has_line(&app, "admin@digna.test|account.enable|sup@digna.test").await);
}

#[tokio::test]
async fn a_forced_reset_stops_the_old_password_and_her_sessions() {
    let app = spawn_app().await;
    app.add_station("LIM-01").await;
    let admin = app.admin_client(ADMIN).await;
    let sup = app.add_user("sup@digna.test", "supervisor", &["LIM-01"], &[]).await;
    let her = app.signed_in("sup@digna.test").await;

    let resp = post(&app, &admin, &format!("/admin/accounts/{sup}/reset"), &[]).await;
    assert_eq!(resp.status(), 303);
    let (_, html) = get(&app, &admin, &location(&resp)).await;
    assert!(html.contains("id=\"invite-link\""));
    let token = link_token(&html);
    assert!(has_line(&app, "admin@digna.test|account.reset|sup@digna.test|reset link").await);
    let (_, list) = get(&app, &admin, "/admin/accounts?lang=en").await;
    assert!(list.contains("Must set a new password"), "{list}");

    assert_eq!(her.get(app.url("/dashboard")).send().await.unwrap().status(), 303, "her session ends");
    assert_eq!(app.sign_in_with(&app.browser(), "sup@digna.test", STAFF_PASSWORD).await.status(), 401);

    let (_, page) = get(&app, &app.browser(), &format!("/invite/{token}")).await;
    assert!(page.contains("Elige una contraseña nueva"), "{page}");
    assert_eq!(set_password(&app, &token, NEW_PASSWORD, NEW_PASSWORD).await.status(), 303);
    assert_eq!(app.sign_in_with(&app.browser(), "sup@digna.test", STAFF_PASSWORD).await.status(), 401);
    assert_eq!(app.sign_in_with(&app.browser(), "sup@digna.test", NEW_PASSWORD).await.status(), 303);
    assert!(has_line(&app, "sup@digna.test|account.reset_accepted|sup@digna.test").await);
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_disabled_demoted_or_reset() {
    let app = spawn_app().await;
    app.add_station("LIM-01").await;
    let admin = app.admin_client(ADMIN).await;
    let me = user_id(&app, ADMIN).await;
    // An invited admin who has not chosen a password does not count.
    invite(&app, &admin, "nueva@digna.test", "admin", &[]).await;
    let before = app.count("SELECT COUNT(*) FROM admin_audit").await;
    let row =
        "SELECT role || disabled || coalesce(password_pending, '') || length(password_hash) FROM users WHERE id = ";
    let unchanged: String = app.scalar(&format!("{row}{me}"), &[]).await;

    for (path, pairs) in [
        (format!("/admin/accounts/{me}/disable"), vec![]),
        (format!("/admin/accounts/{me}"), vec![("role", "supervisor"), ("item", "s:LIM-01")]),
        (format!("/admin/accounts/{me}/reset"), vec![]),
    ] {
        let resp = post(&app, &admin, &format!("{path}?lang=en"), &pairs).await;
        assert_eq!(resp.status(), 409, "{path}");
        let html = resp.text().await.unwrap();
        assert!(html.contains("id=\"account-conflict\"") && html.contains("last active administrator"), "{html}");
        let now: String = app.scalar(&format!("{row}{me}"), &[]).await;
        assert_eq!(now, unchanged, "{path}: nothing changed");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM admin_audit").await, before, "nothing audited");
    assert_eq!(get(&app, &admin, "/admin/accounts").await.0, 200, "still an admin");

    // With a second active admin, the first may go.
    let second = app.add_user("segunda@digna.test", "admin", &[], &[]).await;
    let resp = post(&app, &admin, &format!("/admin/accounts/{second}/disable"), &[]).await;
    assert_eq!(resp.status(), 303, "two active admins: one may be disabled");
    let resp = post(&app, &admin, &format!("/admin/accounts/{me}/disable"), &[]).await;
    assert_eq!(resp.status(), 409, "the other is disabled now: she is the last again");
    let resp = post(&app, &admin, &format!("/admin/accounts/{second}/enable"), &[]).await;
    assert_eq!(resp.status(), 303);
    let resp =
        post(&app, &admin, &format!("/admin/accounts/{me}"), &[("role", "supervisor"), ("item", "s:LIM-01")]).await;
    assert_eq!(resp.status(), 303, "she may demote herself once another admin exists");
    assert!(has_line(&app, "admin@digna.test|account.update|admin@digna.test|role: admin → supervisor").await);
    assert_eq!(get(&app, &admin, "/admin/accounts").await.0, 403, "her own session has the new role");
}

#[tokio::test]
async fn non_admins_are_refused_every_account_route_and_change_nothing() {
    let app = spawn_app().await;
    app.add_station("LIM-01").await;
    let admin = app.admin_client(ADMIN).await;
    let token = invite(&app, &admin, "inv@digna.test", "supervisor", &["s:LIM-01"]).await;
    let target = app.add_user("otra@digna.test", "supervisor", &["LIM-01"], &[]).await;
    app.add_user("sup@digna.test", "supervisor", &["LIM-01"], &[]).await;
    let sup = app.signed_in("sup@digna.test").await;
    let before = format!("{:?}", app.dump().await.remove("users"));
    let audit_before = app.count("SELECT COUNT(*) FROM admin_audit").await;

    for path in ["/admin/accounts".to_string(), format!("/admin/accounts/{target}")] {
        assert_eq!(get(&app, &sup, &path).await.0, 403, "GET {path}");
        let resp = app.browser().get(app.url(&path)).send().await.unwrap();
        assert!(location(&resp).starts_with("/signin"), "anonymous GET {path}");
    }
    let posts: [(String, Vec<(&str, &str)>); 5] = [
        ("/admin/accounts".into(), vec![("email", "x@digna.test"), ("role", "admin")]),
        (format!("/admin/accounts/{target}"), vec![("role", "admin")]),
        (format!("/admin/accounts/{target}/disable"), vec![]),
        (format!("/admin/accounts/{target}/enable"), vec![]),
        (format!("/admin/accounts/{target}/reset"), vec![]),
    ];
    for (path, pairs) in &posts {
        let resp = post(&app, &sup, path, pairs).await;
        assert_eq!(resp.status(), 403, "POST {path}");
        // Without the form token even an admin is refused.
        let resp = admin.post(app.url(path)).form(pairs).send().await.unwrap();
        assert_eq!(resp.status(), 403, "admin POST {path} without a form token");
    }
    assert_eq!(format!("{:?}", app.dump().await.remove("users")), before, "no account changed");
    assert_eq!(app.count("SELECT COUNT(*) FROM admin_audit").await, audit_before, "nothing audited");
    assert_eq!(get(&app, &app.browser(), &format!("/invite/{token}")).await.0, 200, "the link still works");
}

#[tokio::test]
async fn sign_ins_failures_and_sign_outs_are_audited_without_the_password() {
    let app = spawn_app().await;
    app.add_user("sup@digna.test", "supervisor", &[], &[]).await;

    let wrong = "contraseña equivocada 123";
    assert_eq!(app.sign_in_with(&app.browser(), " Sup@digna.test ", wrong).await.status(), 401);
    assert!(has_line(&app, "sup@digna.test|signin.failed||password").await, "{:?}", audit_lines(&app).await);
    assert_eq!(app.sign_in_with(&app.browser(), "nadie@digna.test", wrong).await.status(), 401);
    assert!(has_line(&app, "nadie@digna.test|signin.failed|").await);
    // What is not an email (a password typed into the wrong field, say) is never
    // written: the line names no one. (Five failures from one client would throttle it.)
    app.sign_in_with(&app.browser(), "mi clave secreta 2026", wrong).await;
    let strays =
        app.count("SELECT COUNT(*) FROM admin_audit WHERE action = 'signin.failed' AND actor = '(not an email)'").await;
    assert_eq!(strays, 1, "{:?}", audit_lines(&app).await);
    let longest: i64 = app.count("SELECT MAX(length(actor)) FROM admin_audit WHERE action = 'signin.failed'").await;
    assert!(longest <= 254);

    let client = app.signed_in("sup@digna.test").await;
    assert!(has_line(&app, "sup@digna.test|signin|sup@digna.test").await);
    let csrf = app.csrf_of(&client, "/account").await;
    assert_eq!(client.post(app.url("/signout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap().status(), 303);
    assert!(has_line(&app, "sup@digna.test|signout|sup@digna.test").await);

    // With a second factor: the password alone is not a sign-in; a wrong code is a failure.
    let admin = app.add_user("adm@digna.test", "admin", &[], &[]).await;
    let secret = server::auth::new_totp_secret();
    crate::store_fn!(app, accounts::enable_totp(conn, admin, &secret, &[])).unwrap();
    let client = app.browser();
    assert_eq!(app.sign_in_with(&client, "adm@digna.test", STAFF_PASSWORD).await.status(), 303);
    assert!(!has_line(&app, "adm@digna.test|signin|").await, "not signed in before the second step");
    assert_eq!(app.second_step(&client, "000000").await.status(), 401);
    assert!(has_line(&app, "adm@digna.test|signin.failed|adm@digna.test|second step").await);
    let code = server::auth::totp(&secret, "adm@digna.test").unwrap().generate_current().unwrap();
    assert_eq!(app.second_step(&client, &code).await.status(), 303);
    assert!(has_line(&app, "adm@digna.test|signin|adm@digna.test|password and second step").await);

    let all = audit_lines(&app).await.concat();
    for secret_text in [wrong, STAFF_PASSWORD, "127.0.0.1", "mi clave secreta"] {
        assert!(!all.contains(secret_text), "the audit never holds {secret_text:?}: {all}");
    }
}

#[test]
fn the_command_line_audits_the_accounts_it_creates_and_resets() {
    let cli = crate::cli::Cli::new();
    let run = |args: &[&str]| cli.ok(args);
    run(&["station", "add", "--code", "LIM-01", "--name", "Comisaría", "--region", "Lima Centro"]);
    run(&["user", "create", "--email", "ana@digna.pe", "--role", "supervisor", "--station", "LIM-01"]);
    let out = run(&["user", "reset-password", "--email", "ana@digna.pe"]);
    let password = out.lines().last().unwrap().to_string();
    let audit = cli.sql("SELECT actor || '|' || action || '|' || target || '|' || detail FROM admin_audit ORDER BY id");
    let lines: Vec<String> = audit.lines().map(str::to_string).collect();
    let find = |action: &str| lines.iter().find(|l| l.contains(&format!("|{action}|"))).cloned();
    let create = find("account.create").unwrap_or_else(|| panic!("{lines:?}"));
    assert!(
        create.starts_with("command line (") && create.ends_with("|ana@digna.pe|role: supervisor; scope: s:LIM-01")
    );
    let reset = find("account.reset").unwrap_or_else(|| panic!("{lines:?}"));
    assert!(reset.starts_with("command line (") && reset.contains("|ana@digna.pe|"), "{reset}");
    assert!(!lines.concat().contains(&password), "never the password");
}
