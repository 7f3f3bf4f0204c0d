//! The authorization matrix, generated from the router: every route Digna serves (method
//! and path, read from the `.route(…)` calls of the server's source and Leptos's route
//! list) must have a row in [`MATRIX`] saying who may use it, and each row is played by
//! every kind of caller. A new route cannot ship without its row.

use crate::authorization::{world, Who, Who::*, A};
use reqwest::header::LOCATION;
use std::collections::BTreeSet;

/// Who gets past authorization.
#[derive(Clone, Copy, Debug)]
enum Rule {
    /// Anyone, signed in or not: sign-in, invitations, the kiosk's files, enrollment.
    Public,
    /// Only an enrolled tablet (its bearer token).
    Tablet,
    /// Every signed-in staff member.
    Staff,
    /// Staff who may see station A (admin, A's supervisor, the researcher of A's region);
    /// B's supervisor (another region) is refused.
    SeesA,
    /// Admins and researchers.
    Research,
    /// Admins only.
    Admin,
    /// Staff reach it, but only for a thing of their own (an export job): with an id
    /// that is nobody's, every staff member gets 404 and everyone else is refused.
    OwnOnly,
}

impl Rule {
    fn allows(self, who: Who) -> Option<bool> {
        let staff = matches!(who, Admin | SupervisorA | SupervisorB | Researcher);
        Some(match self {
            Rule::Public => return None,
            Rule::Tablet => who == Tablet,
            Rule::Staff => staff,
            Rule::SeesA => matches!(who, Admin | SupervisorA | Researcher),
            Rule::Research => matches!(who, Admin | Researcher),
            Rule::Admin => who == Admin,
            Rule::OwnOnly => false,
        })
    }
}

/// Every route, as the router names it, and who may use it. Paths are filled in by
/// [`concrete`]; `/signout` comes last because it ends the session that plays it.
const MATRIX: &[(&str, &str, Rule)] = &[
    ("GET", "/", Rule::Public),
    ("GET", "/kiosk", Rule::Public),
    ("GET", "/staff.js", Rule::Public),
    ("GET", "/sw.js", Rule::Public),
    ("GET", "/audio/index.json", Rule::Public),
    ("GET", "/voices.js", Rule::Public),
    ("GET", "/voices/{sound}", Rule::Public),
    ("GET", "/api/v1/openapi.json", Rule::Public),
    ("POST", "/api/v1/tablets/enroll", Rule::Public),
    ("GET", "/api/v1/survey", Rule::Tablet),
    ("GET", "/api/v1/kiosk", Rule::Tablet),
    ("POST", "/api/v1/responses", Rule::Tablet),
    ("POST", "/api/v1/staff/unlock", Rule::Tablet),
    ("GET", "/signin", Rule::Public),
    ("POST", "/signin", Rule::Public),
    ("GET", "/signin/two-factor", Rule::Public),
    ("POST", "/signin/two-factor", Rule::Public),
    ("GET", "/invite/{token}", Rule::Public),
    ("POST", "/invite/{token}", Rule::Public),
    ("GET", "/account", Rule::Staff),
    ("GET", "/account/two-factor", Rule::Staff),
    ("POST", "/account/two-factor", Rule::Staff),
    ("GET", "/account/password", Rule::Staff),
    ("POST", "/account/password", Rule::Staff),
    ("GET", "/account/notifications", Rule::Staff),
    ("POST", "/account/notifications", Rule::Staff),
    ("POST", "/account/notifications/test", Rule::Staff),
    // Signed links in e-mails, for one account and topic: no session needed.
    ("GET", "/account/notifications/unsubscribe", Rule::Public),
    ("POST", "/account/notifications/unsubscribe", Rule::Public),
    ("GET", "/dashboard", Rule::Staff),
    ("GET", "/dashboard/compare", Rule::Staff),
    ("GET", "/dashboard/compare/chart/{file}", Rule::SeesA),
    ("GET", "/dashboard/station/{code}", Rule::SeesA),
    ("GET", "/dashboard/station/{code}/chart/{file}", Rule::SeesA),
    ("GET", "/export", Rule::Research),
    ("POST", "/export", Rule::Research),
    ("GET", "/export/jobs/{id}", Rule::OwnOnly),
    ("GET", "/export/jobs/{id}/download", Rule::OwnOnly),
    ("GET", "/export/audit", Rule::Admin),
    ("GET", "/export/open-data", Rule::Research),
    ("POST", "/export/open-data", Rule::Research),
    ("GET", "/admin", Rule::Admin),
    ("POST", "/admin/silent-tablets", Rule::Admin),
    ("GET", "/admin/stations", Rule::Admin),
    ("POST", "/admin/stations", Rule::Admin),
    ("GET", "/admin/stations/{code}", Rule::Admin),
    ("POST", "/admin/stations/{code}", Rule::Admin),
    ("POST", "/admin/stations/{code}/kiosk", Rule::Admin),
    ("POST", "/admin/stations/{code}/release", Rule::Admin),
    ("POST", "/admin/stations/{code}/alerts", Rule::Admin),
    ("POST", "/admin/stations/{code}/pin", Rule::Admin),
    ("POST", "/admin/stations/{code}/tablets", Rule::Admin),
    ("POST", "/admin/stations/{code}/tablets/{id}/revoke", Rule::Admin),
    ("GET", "/admin/accounts", Rule::Admin),
    ("POST", "/admin/accounts", Rule::Admin),
    ("GET", "/admin/accounts/{id}", Rule::Admin),
    ("POST", "/admin/accounts/{id}", Rule::Admin),
    ("POST", "/admin/accounts/{id}/disable", Rule::Admin),
    ("POST", "/admin/accounts/{id}/enable", Rule::Admin),
    ("POST", "/admin/accounts/{id}/reset", Rule::Admin),
    ("GET", "/admin/audit", Rule::Admin),
    ("GET", "/admin/audit.csv", Rule::Admin),
    ("GET", "/admin/retention", Rule::Admin),
    ("POST", "/admin/retention", Rule::Admin),
    ("POST", "/admin/retention/purge", Rule::Admin),
    ("GET", "/admin/webhooks", Rule::Admin),
    ("POST", "/admin/webhooks", Rule::Admin),
    ("POST", "/admin/webhooks/{id}/test", Rule::Admin),
    ("POST", "/admin/webhooks/{id}/remove", Rule::Admin),
    ("GET", "/admin/voices", Rule::Admin),
    ("GET", "/admin/voices/audio/{sound}", Rule::Admin),
    ("GET", "/admin/voices/{language}", Rule::Admin),
    ("POST", "/admin/voices/{language}/record", Rule::Admin),
    ("POST", "/admin/voices/{language}/approve", Rule::Admin),
    ("POST", "/admin/voices/{language}/remove", Rule::Admin),
    ("POST", "/admin/voices/{language}/read-aloud", Rule::Admin),
    ("GET", "/admin/survey", Rule::Admin),
    ("POST", "/admin/survey/draft", Rule::Admin),
    ("GET", "/admin/survey/{version}", Rule::Admin),
    ("GET", "/admin/survey/{version}/preview", Rule::Admin),
    ("POST", "/admin/survey/{version}/publish", Rule::Admin),
    ("POST", "/admin/survey/{version}/discard", Rule::Admin),
    ("POST", "/admin/survey/{version}/questions", Rule::Admin),
    ("POST", "/admin/survey/{version}/questions/{key}", Rule::Admin),
    ("POST", "/admin/survey/{version}/questions/{key}/move", Rule::Admin),
    ("POST", "/admin/survey/{version}/questions/{key}/remove", Rule::Admin),
    ("GET", "/admin/translations", Rule::Admin),
    ("POST", "/admin/translations/languages", Rule::Admin),
    ("POST", "/admin/translations/{version}", Rule::Admin),
    ("POST", "/signout", Rule::Public),
];

/// Every (method, path) the server's source routes: each `.route("…", get(…).post(…))`,
/// under `/api/v1` for the tablet API's files, and Leptos's pages.
fn served_routes() -> BTreeSet<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut routes = BTreeSet::new();
    let mut files = vec![root.clone()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        let prefix = if path.starts_with(root.join("api")) { "/api/v1" } else { "" };
        for (path, methods) in route_calls(&source) {
            for method in methods {
                routes.insert((method, format!("{prefix}{path}")));
            }
        }
    }
    for route in leptos_axum::generate_route_list(app::App) {
        routes.insert(("GET".into(), route.path().to_string()));
    }
    routes
}

/// The `.route(` calls of one file: the path and the methods of its method router.
fn route_calls(source: &str) -> Vec<(String, Vec<String>)> {
    let mut calls = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find(".route(") {
        let body = &rest[at + ".route(".len()..];
        let mut depth = 1;
        let end = body
            .char_indices()
            .find(|(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(i, _)| i)
            .expect("balanced parentheses");
        let call = &body[..end];
        rest = &body[end..];
        let Some(path) = call.split('"').nth(1) else { continue };
        let mut methods = Vec::new();
        for method in ["get", "post", "put", "delete", "patch"] {
            let found = call.match_indices(&format!("{method}(")).any(|(i, _)| {
                i == 0 || !call.as_bytes()[i - 1].is_ascii_alphanumeric() && call.as_bytes()[i - 1] != b'_'
            });
            if found {
                methods.push(method.to_uppercase());
            }
        }
        calls.push((path.to_string(), methods));
    }
    calls
}

#[test]
fn every_route_the_router_serves_has_a_row_and_every_row_a_route() {
    let served = served_routes();
    assert!(served.len() > 40, "the scan found too few routes: {served:?}");
    let rows: BTreeSet<(String, String)> = MATRIX.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    let missing: Vec<_> = served.difference(&rows).collect();
    assert!(missing.is_empty(), "routes without a row in MATRIX (say who may use them): {missing:?}");
    let stale: Vec<_> = rows.difference(&served).collect();
    assert!(stale.is_empty(), "rows of MATRIX for routes the router no longer serves: {stale:?}");
}

#[tokio::test]
async fn every_row_of_the_matrix_holds_for_every_kind_of_caller() {
    let w = world().await;
    let app = &w.app;
    // Things the paths name, none of them the callers' own: an account and a tablet that
    // nobody plays, so that an admin's empty form changes nothing the test relies on.
    let target = app.add_user("target@digna.test", "supervisor", &[A], &[]).await;
    let a: i64 = app.scalar("SELECT id FROM stations WHERE code = ?", &[crate::helpers::Arg::from(A)]).await;
    let code = app.enrollment_code(a).await;
    assert_eq!(app.enroll(&code).await.status(), 201);
    let spare_tablet: i64 = app.scalar("SELECT MAX(id) FROM tablets", &[]).await;
    // A recording, approved, for the recordings' routes.
    let sound = crate::voices::approved_welcome(app, "qu").await;
    let concrete = |path: &str| {
        path.replace("{code}", A)
            .replace(
                "{file}",
                if path.contains("compare") { "compare-index.svg?items=s:LIM-01,r:Lima%20Centro" } else { "index.svg" },
            )
            .replace("{version}", "1")
            .replace("{language}", "qu")
            .replace("{sound}", &format!("{sound}.ogg"))
            .replace("{key}", "overall")
            .replace("{token}", "no-such-link")
            .replace("/tablets/{id}", &format!("/tablets/{spare_tablet}"))
            .replace("/accounts/{id}", &format!("/accounts/{target}"))
            .replace("{id}", "no-such-job")
    };
    let mut tokens = Vec::new();
    for (_, client) in &w.clients {
        let html = client.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
        tokens.push(crate::helpers::form_token(&html).unwrap_or_default());
    }
    for (method, pattern, rule) in MATRIX {
        let path = concrete(pattern);
        for ((who, client), csrf) in w.clients.iter().zip(&tokens) {
            let request = match *method {
                "GET" => client.get(app.url(&path)),
                _ => client.post(app.url(&path)).form(&[("csrf", csrf.as_str())]),
            };
            let resp = request.send().await.unwrap();
            let status = resp.status().as_u16();
            let location = resp.headers().get(LOCATION).and_then(|l| l.to_str().ok()).unwrap_or("").to_string();
            assert!(status < 500, "{who:?} {method} {path}: {status}");
            let Some(allowed) = rule.allows(*who) else { continue };
            let refused = matches!(status, 401 | 403 | 404) || (status == 303 && location.starts_with("/signin"));
            if allowed {
                assert!(!refused, "{who:?} {method} {path} must be let through: {status} {location}");
            } else if matches!(rule, Rule::OwnOnly) && !matches!(who, Anonymous | Tablet) {
                assert_eq!(status, 404, "{who:?} {method} {path}: nobody's job");
            } else {
                assert!(refused, "{who:?} {method} {path} must be refused: {status} {location}");
            }
        }
    }
}
