//! Who may open what: every staff page, chart download and API route, for every kind of
//! caller. Scope is enforced on the server: a supervisor of station A never reads a
//! number about station B, whatever URL she types.

use crate::helpers::{full_answers, new_id, spawn_app, TestApp, STAFF_PASSWORD};
use reqwest::header::LOCATION;
use serde_json::json;

pub(crate) const A: &str = "LIM-01";
pub(crate) const B: &str = "SUR-01";
const B_NAME: &str = "Comisaría del Sur";

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Who {
    Anonymous,
    Tablet,
    Admin,
    SupervisorA,
    SupervisorB,
    Researcher,
}

use Who::*;

/// What a caller gets: the page, a redirect to sign in, not found (outside her scope,
/// told apart from nothing), or unauthorized (the API without a tablet token).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    Allow,
    SignIn,
    NotFound,
    Unauthorized,
    Forbidden,
}

use Expect::*;

pub(crate) struct World {
    pub app: TestApp,
    token: String,
    pub clients: Vec<(Who, reqwest::Client)>,
}

async fn sign_in_with_code(app: &TestApp, email: &str, secret: &str) -> reqwest::Client {
    let client = app.browser();
    let resp = app.sign_in_with(&client, email, STAFF_PASSWORD).await;
    assert_eq!(resp.status(), 303);
    let code = server::auth::totp(secret, email).unwrap().generate_current().unwrap();
    assert_eq!(app.second_step(&client, &code).await.status(), 303, "second step for {email}");
    client
}

pub(crate) async fn world() -> World {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet(A).await;
    let b = {
        let code = domain::StationCode::parse(B).unwrap();
        let name = domain::Name::parse("name", B_NAME, 200).unwrap();
        let region = domain::Name::parse("region", "Lima Sur", 100).unwrap();
        crate::store_fn!(app, stations::insert(conn, &code, &name, &region, "America/Lima")).unwrap().unwrap()
    };
    let enrollment = app.enrollment_code(b).await;
    let body: serde_json::Value = app.enroll(&enrollment).await.json().await.unwrap();
    let token_b = body["token"].as_str().unwrap().to_string();
    // One released batch at each station, B's with distinct answers.
    for _ in 0..5 {
        assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
        let mut body = full_answers(&new_id());
        body["answers"]["overall"] = json!(1);
        body["answers"]["respect"] = json!(1);
        assert_eq!(app.submit(&token_b, &body).await.status(), 201);
    }
    let admin = app.add_user("admin@digna.test", "admin", &[], &[]).await;
    app.add_user("sup-a@digna.test", "supervisor", &[A], &[]).await;
    app.add_user("sup-b@digna.test", "supervisor", &[], &["Lima Sur"]).await;
    let researcher = app.add_user("res@digna.test", "researcher", &[], &["Lima Centro"]).await;
    let secret = server::auth::new_totp_secret();
    crate::store_fn!(app, accounts::enable_totp(conn, admin, &secret, &[])).unwrap();
    crate::store_fn!(app, accounts::enable_totp(conn, researcher, &secret, &[])).unwrap();

    let tablet = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(
            [(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap())].into_iter().collect(),
        )
        .build()
        .unwrap();
    let clients = vec![
        (Anonymous, app.browser()),
        (Tablet, tablet),
        (Admin, sign_in_with_code(&app, "admin@digna.test", &secret).await),
        (SupervisorA, app.signed_in("sup-a@digna.test").await),
        (SupervisorB, app.signed_in("sup-b@digna.test").await),
        (Researcher, sign_in_with_code(&app, "res@digna.test", &secret).await),
    ];
    World { app, token, clients }
}

/// A page every staff member reaches but only some may use: the others are told no.
fn role_only(allowed: &[Who]) -> impl Fn(Who) -> Expect + '_ {
    move |who| match who {
        Anonymous | Tablet => SignIn,
        w if allowed.contains(&w) => Allow,
        _ => Forbidden,
    }
}

fn staff(allowed: &[Who]) -> impl Fn(Who) -> Expect + '_ {
    move |who| match who {
        Anonymous | Tablet => SignIn,
        w if allowed.contains(&w) => Allow,
        _ => NotFound,
    }
}

#[tokio::test]
async fn every_route_allows_exactly_whom_it_should() {
    let w = world().await;
    let everyone_staff = [Admin, SupervisorA, SupervisorB, Researcher];
    let sees_a = [Admin, SupervisorA, Researcher];
    let sees_b = [Admin, SupervisorB];
    type Rule<'a> = Box<dyn Fn(Who) -> Expect + 'a>;
    let pages: Vec<(String, Rule<'_>)> = vec![
        ("/dashboard".into(), Box::new(staff(&everyone_staff))),
        ("/account".into(), Box::new(staff(&everyone_staff))),
        ("/dashboard/compare".into(), Box::new(staff(&everyone_staff))),
        (format!("/dashboard/station/{A}"), Box::new(staff(&sees_a))),
        (format!("/dashboard/station/{B}"), Box::new(staff(&sees_b))),
        (format!("/dashboard/station/{A}/chart/index.svg"), Box::new(staff(&sees_a))),
        (format!("/dashboard/station/{B}/chart/answers.svg"), Box::new(staff(&sees_b))),
        (format!("/dashboard/station/{B}/chart/improve.svg"), Box::new(staff(&sees_b))),
        ("/dashboard/station/NO-SUCH".into(), Box::new(staff(&[]))),
        ("/export".into(), Box::new(role_only(&[Admin, Researcher]))),
        ("/export/audit".into(), Box::new(role_only(&[Admin]))),
        ("/export/open-data".into(), Box::new(role_only(&[Admin, Researcher]))),
        ("/admin/stations".into(), Box::new(role_only(&[Admin]))),
        (format!("/admin/stations/{A}"), Box::new(role_only(&[Admin]))),
        ("/admin".into(), Box::new(role_only(&[Admin]))),
        ("/admin/audit".into(), Box::new(role_only(&[Admin]))),
        ("/admin/audit.csv".into(), Box::new(role_only(&[Admin]))),
        ("/admin/accounts".into(), Box::new(role_only(&[Admin]))),
        ("/admin/retention".into(), Box::new(role_only(&[Admin]))),
        ("/admin/survey".into(), Box::new(role_only(&[Admin]))),
        ("/admin/translations".into(), Box::new(role_only(&[Admin]))),
        ("/export/jobs/no-such-job".into(), Box::new(staff(&[]))),
        ("/export/jobs/no-such-job/download".into(), Box::new(staff(&[]))),
        (format!("/dashboard/compare/chart/compare-index.svg?items=s:{A},s:{B}"), Box::new(staff(&[Admin]))),
    ];
    for (path, expect) in &pages {
        for (who, client) in &w.clients {
            let resp = client.get(w.app.url(path)).send().await.unwrap();
            let status = resp.status().as_u16();
            let location = resp.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_string());
            let got = match (status, location) {
                (200, _) => Allow,
                (303, Some(l)) if l.starts_with("/signin") => SignIn,
                (404, _) => NotFound,
                (401, _) => Unauthorized,
                (403, _) => Forbidden,
                other => panic!("{who:?} GET {path}: unexpected {other:?}"),
            };
            assert_eq!(got, expect(*who), "{who:?} GET {path}");
        }
    }

    // The tablet API: a tablet token opens it, a staff cookie does not.
    for (path, method) in [("/api/v1/survey", "GET"), ("/api/v1/kiosk", "GET"), ("/api/v1/responses", "POST")] {
        for (who, client) in &w.clients {
            let req = match method {
                "GET" => client.get(w.app.url(path)),
                _ => client.post(w.app.url(path)).json(&w.app.wire(&full_answers(&new_id()))),
            };
            let status = req.send().await.unwrap().status().as_u16();
            let expected = if *who == Tablet { [200, 201] } else { [401, 401] };
            assert!(expected.contains(&status), "{who:?} {method} {path}: {status}");
        }
    }
    let _ = &w.token;
}

#[tokio::test]
async fn a_supervisor_of_one_station_never_reads_a_number_about_another() {
    let w = world().await;
    let (_, sup_a) = w.clients.iter().find(|(who, _)| *who == SupervisorA).unwrap();
    let urls = [
        "/dashboard".to_string(),
        "/dashboard?sort=index&dir=desc".to_string(),
        format!("/dashboard/station/{B}"),
        format!("/dashboard/station/{B}?from=2000-W01&to=2100-W52"),
        format!("/dashboard/station/{A}"),
        format!("/dashboard/compare?item=s:{A}&item=s:{B}"),
        format!("/dashboard/compare?item=s:{A}&item=r:Lima%20Sur"),
        format!("/dashboard/compare?items=s:{A},r:Lima%20Centro"),
        format!("/dashboard/compare/chart/compare-index.svg?items=s:{A},s:{B}"),
        format!("/dashboard/compare/chart/compare-index.svg?items=s:{A},r:Lima%20Sur"),
        format!("/dashboard/station/{B}/chart/index.svg"),
    ];
    for url in &urls {
        let resp = sup_a.get(w.app.url(url)).send().await.unwrap();
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap();
        assert!(!body.contains(B_NAME), "{url} names station B");
        // B's code may only be echoed back in a refusal, never beside a figure.
        if body.contains(B) {
            assert!(status == 404 || body.contains("No puedes ver"), "{url} shows station B: {body}");
            assert!(!body.contains("compare-table"), "{url} compares with B");
        }
    }
    // Her comparison of A with its own region works and shows A's figures.
    let body = sup_a
        .get(w.app.url(&format!("/dashboard/compare?item=s:{A}&item=r:Lima%20Centro")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("compare-table"), "{body}");
}
