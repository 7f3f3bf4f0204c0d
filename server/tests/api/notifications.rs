//! Notifications (issue 20): a silent tablet announced once per episode to the endpoints
//! of its region, signed, with one idempotency key however often it is sent again,
//! retried after a 500 and a timeout, given up after a day; the admin page that manages
//! endpoints (secret shown once, hostile input refused) and shows the delivery log.

use crate::helpers::{spawn_app, Arg, TestApp};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;
use server::notify::{index, sender, sign, silence};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use store::Notifications;

/// What a receiver does with its next request.
#[derive(Clone, Copy)]
enum Answer {
    Status(u16),
    /// Answers 200 after this long: past the sender's timeout, an attempt with no answer.
    Late(Duration),
}

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    script: Arc<Mutex<VecDeque<Answer>>>,
}

impl Receiver {
    /// A local HTTP receiver; answers 200 once its script is played.
    async fn start(script: &[Answer]) -> (Receiver, String) {
        let receiver =
            Receiver { script: Arc::new(Mutex::new(script.iter().copied().collect())), ..Receiver::default() };
        let r = receiver.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let r = r.clone();
                async move {
                    r.got.lock().unwrap().push((headers, body));
                    let next = r.script.lock().unwrap().pop_front();
                    match next {
                        Some(Answer::Status(s)) => StatusCode::from_u16(s).unwrap(),
                        Some(Answer::Late(d)) => {
                            tokio::time::sleep(d).await;
                            StatusCode::OK
                        }
                        None => StatusCode::OK,
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    fn received(&self) -> Vec<(HeaderMap, Bytes)> {
        self.got.lock().unwrap().clone()
    }
}

/// Adds an endpoint through the admin page; returns the secret it showed, once.
async fn add_endpoint(app: &TestApp, admin: &reqwest::Client, label: &str, url: &str, region: &str) -> String {
    let csrf = app.csrf_of(admin, "/admin/webhooks").await;
    let r = admin
        .post(app.url("/admin/webhooks"))
        .form(&[("csrf", csrf.as_str()), ("label", label), ("url", url), ("region", region)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let at = html.find("<code>whsec_").expect("the secret is shown when the endpoint is added") + "<code>".len();
    let secret = html[at..html[at..].find("</code>").unwrap() + at].to_string();
    let again = admin.get(app.url("/admin/webhooks")).send().await.unwrap().text().await.unwrap();
    let shown = label.replace('<', "&lt;").replace('>', "&gt;");
    assert!(again.contains(&shown) && !again.contains(&secret), "listed, and the secret never shown again");
    secret
}

/// Posts a button's form (its token only) to `path`.
async fn press(app: &TestApp, admin: &reqwest::Client, path: &str) -> reqwest::StatusCode {
    let csrf = app.csrf_of(admin, "/admin/webhooks").await;
    admin.post(app.url(path)).form(&[("csrf", csrf.as_str())]).send().await.unwrap().status()
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// Makes every tablet's last delivery `days_ago` days back, counted as the check counts
/// them: in the stations' timezone (Lima's), whatever the hour in UTC.
async fn make_silent(app: &TestApp, days_ago: i64) -> String {
    let today = domain::time::calendar::local_day(chrono::Utc::now(), "America/Lima");
    let day = (today - chrono::Duration::days(days_ago)).to_string();
    app.execute("UPDATE tablets SET last_delivery_day = ?", &[Arg::from(day.as_str())]).await.unwrap();
    day
}

#[tokio::test]
async fn a_silent_tablet_is_announced_once_per_episode_signed_retried_and_delivered_once() {
    let app = spawn_app().await;
    let admin = app.admin_client("admin@digna.test").await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let tablet: i64 = app.scalar("SELECT MAX(id) FROM tablets", &[]).await;
    let (ops, ops_url) = Receiver::start(&[Answer::Status(500), Answer::Late(Duration::from_secs(3))]).await;
    let (elsewhere, elsewhere_url) = Receiver::start(&[]).await;
    // Another region's endpoint (a station there makes it a region one may choose).
    let other = app.add_station("CUS-01").await;
    app.execute("UPDATE stations SET region = 'Cusco' WHERE id = ?", &[Arg::from(other)]).await.unwrap();
    let secret = add_endpoint(&app, &admin, "Operaciones", &ops_url, "").await;
    add_endpoint(&app, &admin, "Cusco", &elsewhere_url, "Cusco").await;

    let now = chrono::Utc::now();
    assert_eq!(silence::check(&app.db, false, now).await.unwrap(), 0, "a tablet enrolled today is not silent");
    let since = make_silent(&app, 5).await;
    assert_eq!(silence::check(&app.db, false, now).await.unwrap(), 1, "silent for 5 days, past the default 3");
    assert_eq!(silence::check(&app.db, false, now).await.unwrap(), 0, "the same episode is announced once");

    let client = sender::Channels { http: sender::client_with_timeout(Duration::from_secs(1)), mail: None };
    let t = now.timestamp();
    let pass = sender::send_due(&app.db, &client, t).await.unwrap();
    assert_eq!((pass.sent, pass.retrying), (0, 1), "the receiver answered 500");
    assert_eq!(sender::send_due(&app.db, &client, t + 29).await.unwrap().retrying, 0, "it waits its backoff");
    let pass = sender::send_due(&app.db, &client, t + 30).await.unwrap();
    assert_eq!(pass.retrying, 1, "no answer in time");
    let pass = sender::send_due(&app.db, &client, t + 30 + 60).await.unwrap();
    assert_eq!(pass.sent, 1, "the third attempt is delivered");
    assert_eq!(sender::send_due(&app.db, &client, t + 100_000).await.unwrap(), sender::Pass::default());

    let got = ops.received();
    assert_eq!(got.len(), 3, "three attempts");
    let keys: Vec<&str> = got.iter().map(|(h, _)| header(h, "idempotency-key")).collect();
    assert!(!keys[0].is_empty() && keys.iter().all(|k| *k == keys[0]), "one key for every attempt: {keys:?}");
    for (h, body) in &got {
        assert_eq!(header(h, "digna-event"), silence::KIND);
        assert_eq!(header(h, "content-type"), "application/json");
        let signature = header(h, "digna-signature");
        assert!(sign::verify(&secret, signature, body, chrono::Utc::now().timestamp()), "signed: {signature}");
        assert!(!sign::verify("whsec_other", signature, body, chrono::Utc::now().timestamp()));
    }
    let body: Value = serde_json::from_slice(&got[0].1).unwrap();
    assert_eq!(body["type"], silence::KIND);
    assert_eq!(body["station"]["code"], "LIM-01");
    assert_eq!(body["tablet"]["id"], tablet);
    assert_eq!(body["last_delivery_day"], since.as_str());
    assert_eq!(body["silent_days"], 5);
    assert_eq!(body["station_page"], "/admin/stations/LIM-01");
    assert!(elsewhere.received().is_empty(), "another region's endpoint hears nothing of Lima");

    // The log: when, where, what, how it went; never what it said.
    let page = admin.get(app.url("/admin/webhooks")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("delivery-sent") && page.contains(silence::KIND));
    assert!(!page.contains("last_delivery_day") && !page.contains(&since), "no content in the log");

    // She delivers again: the episode ends. Silent again later: a new one, a new key.
    assert_eq!(app.submit(&token, &crate::helpers::full_answers(&crate::helpers::new_id())).await.status(), 201);
    assert_eq!(silence::check(&app.db, false, now).await.unwrap(), 0, "she delivered today");
    make_silent(&app, 4).await;
    assert_eq!(silence::check(&app.db, false, now).await.unwrap(), 1, "a new episode");
    sender::send_due(&app.db, &client, t + 200_000).await.unwrap();
    let got = ops.received();
    assert_eq!(got.len(), 4);
    assert_ne!(header(&got[3].0, "idempotency-key"), keys[0], "another episode, another key");
}

#[tokio::test]
async fn a_message_nobody_accepts_is_given_up_after_a_day_and_shown_failed() {
    let app = spawn_app().await;
    let admin = app.admin_client("admin@digna.test").await;
    let (down, url) = Receiver::start(&[Answer::Status(503); 20]).await;
    add_endpoint(&app, &admin, "Caído", &url, "").await;
    let id: i64 = app.scalar("SELECT id FROM webhook_endpoints", &[]).await;
    assert_eq!(press(&app, &admin, &format!("/admin/webhooks/{id}/test")).await, 303);
    let queued: i64 = app.scalar("SELECT created_at FROM notification_outbox", &[]).await;
    let client = sender::Channels { http: sender::client_with_timeout(Duration::from_secs(1)), mail: None };
    assert_eq!(sender::send_due(&app.db, &client, queued).await.unwrap().retrying, 1);
    let pass = sender::send_due(&app.db, &client, queued + sender::GIVE_UP_SECONDS).await.unwrap();
    assert_eq!(pass.failed, 1, "a day after it was queued it is given up");
    assert_eq!(
        sender::send_due(&app.db, &client, queued + 10 * sender::GIVE_UP_SECONDS).await.unwrap(),
        sender::Pass::default()
    );
    assert_eq!(down.received().len(), 2);
    assert_eq!(header(&down.received()[0].0, "digna-event"), "test");
    let page = admin.get(app.url("/admin/webhooks?lang=en")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("delivery-failed") && page.contains(">failed<") && page.contains(">503<"), "{page}");
}

#[tokio::test]
async fn the_endpoints_page_refuses_hostile_input_and_audits_every_change() {
    let app = spawn_app().await;
    let admin = app.admin_client("admin@digna.test").await;
    let page = admin.get(app.url("/admin/webhooks")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Las notificaciones están apagadas"), "off until there is an endpoint");
    let csrf = app.csrf_of(&admin, "/admin/webhooks").await;
    let long = "x".repeat(101);
    let bad = [
        (("", "https://hooks.example/a", ""), "Escriba un nombre de 1 a 100 caracteres."),
        ((long.as_str(), "https://hooks.example/a", ""), "Escriba un nombre de 1 a 100 caracteres."),
        (("Ops", "ftp://hooks.example/a", ""), "La URL debe empezar por https://"),
        (("Ops", "javascript:alert(1)", ""), "La URL debe empezar por https://"),
        (("Ops", "https://user:pass@hooks.example/a", ""), "no puede llevar usuario ni contraseña"),
        (("Ops", "not a url", ""), "No es una URL válida"),
        (("Ops", "https://hooks.example/a", "Atlántida"), "Elija una región que tenga comisarías."),
    ];
    for ((label, url, region), message) in bad {
        let r = admin
            .post(app.url("/admin/webhooks"))
            .form(&[("csrf", csrf.as_str()), ("label", label), ("url", url), ("region", region)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{label} {url} {region}");
        let html = r.text().await.unwrap();
        assert!(html.contains(message), "{url}: {message}");
        assert!(!html.contains("<code>whsec_"));
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_endpoints").await, 0, "nothing was added");
    // Without the form token: refused, nothing added.
    let r = admin
        .post(app.url("/admin/webhooks"))
        .form(&[("label", "Ops"), ("url", "https://hooks.example/a")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_endpoints").await, 0);

    add_endpoint(&app, &admin, "Ops <b>", "https://hooks.example/a", "").await;
    let page = admin.get(app.url("/admin/webhooks")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Ops &lt;b&gt;") && page.contains("encendidas"), "escaped, and notifications are on");
    let id: i64 = app.scalar("SELECT id FROM webhook_endpoints", &[]).await;
    assert_eq!(press(&app, &admin, &format!("/admin/webhooks/{id}/remove")).await, 303);
    assert_eq!(press(&app, &admin, &format!("/admin/webhooks/{id}/remove")).await, 404, "removed once");
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_endpoints").await, 0);
    let actions: Vec<String> =
        app.scalars("SELECT action FROM admin_audit WHERE action LIKE 'webhook.%' ORDER BY id", &[]).await;
    assert_eq!(actions, ["webhook.add", "webhook.remove"]);
    let secrets = app.count("SELECT COUNT(*) FROM admin_audit WHERE detail LIKE '%whsec_%'").await;
    assert_eq!(secrets, 0, "the secret is never written to the audit log");
}

#[tokio::test]
async fn a_station_whose_index_fell_is_announced_once_with_the_overview_s_own_figures() {
    use crate::helpers::Cell;
    let app = spawn_app().await;
    let admin = app.admin_client("admin@digna.test").await;
    let (fell, steady, few) =
        (app.add_station("LIM-01").await, app.add_station("LIM-02").await, app.add_station("LIM-03").await);
    // LIM-01: 100 the 12 weeks before, 66.7 in the period: it fell 33.3 points.
    Cell::at(fell, "2025-W50").add(&app, 10, &[("overall", "4", 10)]).await;
    Cell::at(fell, "2026-W10").add(&app, 5, &[("overall", "3", 5)]).await;
    // LIM-02: steady. LIM-03: fell too, but on four responses: hidden, never flagged.
    Cell::at(steady, "2025-W50").add(&app, 5, &[("overall", "3", 5)]).await;
    Cell::at(steady, "2026-W10").add(&app, 5, &[("overall", "3", 5)]).await;
    Cell::at(few, "2025-W50").add(&app, 5, &[("overall", "4", 5)]).await;
    Cell::at(few, "2026-W10").add(&app, 4, &[("overall", "1", 4)]).await;
    let (ops, url) = Receiver::start(&[]).await;
    let secret = add_endpoint(&app, &admin, "Ops", &url, "").await;

    let k = app.state.release_k;
    // A Friday of 2026-W12: the overview's default period ends with it.
    let now = "2026-03-20T18:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    let week = domain::time::calendar::dashboards_week(now);
    assert_eq!(week.to_string(), "2026-W12");
    assert_eq!(app.release_judging(now, false).await, 1, "LIM-01 only, raised by the release");
    let next_week = now + chrono::Duration::days(7);
    assert_eq!(app.release_judging(next_week, false).await, 0, "once per episode");
    let client = sender::Channels { http: sender::client_with_timeout(Duration::from_secs(1)), mail: None };
    assert_eq!(sender::send_due(&app.db, &client, now.timestamp()).await.unwrap().sent, 1);
    let got = ops.received();
    assert_eq!(got.len(), 1);
    assert_eq!(header(&got[0].0, "digna-event"), index::KIND);
    assert!(sign::verify(&secret, header(&got[0].0, "digna-signature"), &got[0].1, chrono::Utc::now().timestamp()));
    let body: Value = serde_json::from_slice(&got[0].1).unwrap();

    // Every figure is the overview's, for the same period and k, as the store gives it
    // and as the page shows it.
    let filters = domain::DashboardFilters::last_weeks(week);
    let rows = store::Dashboards::overview(&app.db, &[fell], &filters, k, 10.0).await.unwrap();
    let r = &rows[0];
    assert!(r.flagged);
    assert_eq!(body["station"]["code"], "LIM-01");
    assert_eq!((body["period"]["from"].as_str(), body["period"]["to"].as_str()), (Some("2026-W01"), Some("2026-W12")));
    assert_eq!(body["responses"], serde_json::json!(r.responses.value()));
    assert_eq!(body["index"], serde_json::json!(r.index.value()));
    assert_eq!(body["previous_index"], serde_json::json!(r.previous_index.value()));
    assert_eq!(body["change"], serde_json::json!(r.change.value()));
    assert_eq!((body["index"].as_f64(), body["change"].as_f64()), (Some(66.7), Some(-33.3)));
    let page =
        admin.get(app.url("/dashboard?from=2026-W01&to=2026-W12&lang=en")).send().await.unwrap().text().await.unwrap();
    let at = page.find("data-station=\"LIM-01\"").expect("LIM-01's row");
    let row = &page[at..at + page[at..].find("</tr>").unwrap()];
    for shown in [">5<", ">66.7<", "−33.3"] {
        assert!(row.contains(shown), "the overview shows {shown}: {row}");
    }

    // It recovers: the episode ends; falling again is a new one.
    Cell::at(fell, "2026-W11").add(&app, 20, &[("overall", "4", 20)]).await;
    assert_eq!(app.release_judging(now, false).await, 0, "no longer flagged");
    assert_eq!(app.count("SELECT COUNT(*) FROM alert_episodes").await, 0, "its episode ended with that release");
    Cell::at(fell, "2026-W12").add(&app, 40, &[("overall", "1", 40)]).await;
    assert_eq!(app.release_judging(next_week, false).await, 1, "a new episode");
    sender::send_due(&app.db, &client, next_week.timestamp()).await.unwrap();
    let got = ops.received();
    assert_eq!(got.len(), 2, "its own message");
    assert_ne!(header(&got[1].0, "idempotency-key"), header(&got[0].0, "idempotency-key"));
}

#[tokio::test]
async fn a_station_s_own_rule_on_its_page_sets_its_threshold_and_floor() {
    use crate::helpers::Cell;
    let app = spawn_app().await;
    let admin = app.admin_client("admin@digna.test").await;
    let (fell, steady) = (app.add_station("LIM-01").await, app.add_station("LIM-02").await);
    // LIM-01 fell 33.3 points to 66.7; LIM-02 stayed at 66.7.
    Cell::at(fell, "2025-W50").add(&app, 10, &[("overall", "4", 10)]).await;
    Cell::at(fell, "2026-W10").add(&app, 5, &[("overall", "3", 5)]).await;
    Cell::at(steady, "2025-W50").add(&app, 5, &[("overall", "3", 5)]).await;
    Cell::at(steady, "2026-W10").add(&app, 5, &[("overall", "3", 5)]).await;
    let (ops, url) = Receiver::start(&[]).await;
    add_endpoint(&app, &admin, "Ops", &url, "").await;

    let set = |code: &'static str, drop: &'static str, floor: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let csrf = app.csrf_of(admin, &format!("/admin/stations/{code}")).await;
            admin
                .post(app.url(&format!("/admin/stations/{code}/alerts?lang=en")))
                .form(&[("csrf", csrf.as_str()), ("drop_points", drop), ("floor", floor)])
                .send()
                .await
                .unwrap()
        }
    };
    let bad = set("LIM-01", "0", "101").await;
    assert_eq!(bad.status(), 422);
    let html = bad.text().await.unwrap();
    assert!(html.contains("al-drop_points-error") && html.contains("al-floor-error"), "an error per field");
    assert!(Notifications::alert_rules(&app.db).await.unwrap().is_empty(), "nothing saved");
    assert_eq!(set("LIM-01", "40", "").await.status(), 303);
    assert_eq!(set("LIM-02", "10", "70").await.status(), 303);
    let page = admin.get(app.url("/admin/stations/LIM-02")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"name="floor" type="text" inputmode="numeric" value="70""#), "shown back");
    let audit =
        app.text_rows("SELECT target, detail FROM admin_audit WHERE action = 'station.alert_rule' ORDER BY id").await;
    assert_eq!(audit, [vec!["LIM-01", "drop_points=40 floor=none"], vec!["LIM-02", "drop_points=10 floor=70"]]);

    let now = "2026-03-20T18:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    assert_eq!(app.release_judging(now, false).await, 1, "LIM-02 only");
    let client = sender::Channels { http: sender::client_with_timeout(Duration::from_secs(1)), mail: None };
    sender::send_due(&app.db, &client, now.timestamp()).await.unwrap();
    let got = ops.received();
    assert_eq!(got.len(), 1);
    let body: Value = serde_json::from_slice(&got[0].1).unwrap();
    assert_eq!(body["station"]["code"], "LIM-02", "33.3 points is within LIM-01's 40");
    assert_eq!((body["fell"].as_bool(), body["below_floor"].as_bool()), (Some(false), Some(true)));
    assert_eq!((body["index"].as_f64(), body["floor"].as_i64()), (Some(66.7), Some(70)));
}

#[tokio::test]
async fn only_the_server_holding_the_sender_lease_sends() {
    let app = spawn_app().await;
    let admin = app.admin_client("admin@digna.test").await;
    let (ops, url) = Receiver::start(&[]).await;
    add_endpoint(&app, &admin, "Ops", &url, "").await;
    let endpoint = Notifications::endpoints(&app.db).await.unwrap()[0].id;
    let now = chrono::Utc::now().timestamp();
    let message = |key: &str| store::notifications::Outgoing {
        idempotency_key: key.into(),
        to: store::notifications::Recipient::Endpoint(endpoint),
        kind: "test".into(),
        body: "{}".into(),
    };
    Notifications::enqueue(&app.db, &[message("one"), message("two")], now).await.unwrap();
    assert!(Notifications::take_sender_lease(&app.db, "server-a", now, now + server::notify::SENDER_LEASE)
        .await
        .unwrap());
    let client = sender::Channels { http: sender::client_with_timeout(Duration::from_secs(1)), mail: None };
    let b = sender::send_due_holding(&app.db, &client, Some("server-b"), now).await.unwrap();
    assert_eq!(b.sent, 0, "server B waits while A holds the lease");
    assert!(ops.received().is_empty());
    let a = sender::send_due_holding(&app.db, &client, Some("server-a"), now).await.unwrap();
    assert_eq!(a.sent, 2);
    assert_eq!(ops.received().len(), 2);
}
