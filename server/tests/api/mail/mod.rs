//! E-mail notifications (issue 20) through a real SMTP server: aiosmtpd, from the test
//! tools' virtual environment (`scripts/install-tools.sh --test` puts it there), started on
//! a free port for each test (`tests/support/mailcatcher.py`). The tests read what it
//! received, parsed by Python's own e-mail package: headers, the one-click unsubscribe, the
//! inline chart, the text part, and every figure against the dashboard the same account
//! sees for the same period.

mod catcher;
mod transport;

pub use catcher::{header, part, MailCatcher};

use crate::helpers::Cell;
use crate::helpers::{spawn_app_with, TestApp};
use serde_json::Value;
use server::notify::{digest, index, sender};
use store::notifications::{DeliveryState, Topic};
use store::{Notifications, Stations};

/// The text of an HTML fragment, tags left out, spaces collapsed.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The overview's cells for `code` (station, region, responses, index, change) as the page
/// shows them.
fn overview_cells(page: &str, code: &str) -> Vec<String> {
    let at = page.find(&format!("data-station=\"{code}\"")).unwrap_or_else(|| panic!("{code}'s row"));
    let row = &page[at..at + page[at..].find("</tr>").unwrap()];
    let th = row.find("<th").unwrap();
    let mut cells = vec![text_of(&row[th + row[th..].find('>').unwrap() + 1..row.find("</th>").unwrap()])];
    let mut rest = row;
    while let Some(i) = rest.find("<td") {
        let end = rest[i..].find("</td>").unwrap() + i;
        cells.push(text_of(&rest[i + rest[i..].find('>').unwrap() + 1..end]));
        rest = &rest[end..];
        if cells.len() == 5 {
            break;
        }
    }
    cells
}

/// Friday 20 March 2026, 17:30 in Lima: ISO week 2026-W12, the end of the default period
/// 2026-W01 to 2026-W12.
fn friday_evening() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-03-20T22:30:00Z").unwrap().to_utc()
}

/// Posts `fields` to her notifications page with its form token, as her browser would.
async fn choose(app: &TestApp, client: &reqwest::Client, fields: &[(&str, &str)]) -> reqwest::Response {
    let csrf = app.csrf_of(client, "/account/notifications").await;
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    client.post(app.url("/account/notifications?lang=es")).form(&form).send().await.unwrap()
}

/// Stations LIM-01 (its index fell), LIM-02 (steady), LIM-03 (too few responses to show)
/// and LIM-09, and a supervisor granted the first three, who chose every e-mail on her
/// page, on Fridays at 17:00 in Lima, in Spanish. Returns her id and signed-in client.
async fn network(app: &TestApp) -> (i64, reqwest::Client) {
    let (fell, steady, few, other) = (
        app.add_station("LIM-01").await,
        app.add_station("LIM-02").await,
        app.add_station("LIM-03").await,
        app.add_station("LIM-09").await,
    );
    Cell::at(fell, "2025-W50").add(app, 10, &[("overall", "4", 10)]).await;
    Cell::at(fell, "2026-W10").add(app, 5, &[("overall", "3", 5)]).await;
    Cell::at(steady, "2025-W50").add(app, 5, &[("overall", "3", 5)]).await;
    Cell::at(steady, "2026-W10").add(app, 6, &[("overall", "3", 6)]).await;
    Cell::at(few, "2025-W50").add(app, 5, &[("overall", "4", 5)]).await;
    Cell::at(few, "2026-W10").add(app, 4, &[("overall", "1", 4)]).await;
    // Out of her scope, and fell too: she never hears of it.
    Cell::at(other, "2025-W50").add(app, 10, &[("overall", "4", 10)]).await;
    Cell::at(other, "2026-W10").add(app, 10, &[("overall", "1", 10)]).await;
    let id = app.add_user("ana@digna.test", "supervisor", &["LIM-01", "LIM-02", "LIM-03"], &[]).await;
    let ana = app.signed_in("ana@digna.test").await;

    // Hostile choices are refused, and nothing is saved.
    let bad = choose(
        app,
        &ana,
        &[
            ("digest", "on"),
            ("digest_weekday", "9"),
            ("digest_hour", "25"),
            ("timezone", "Mars/Olympus<script>"),
            ("language", "fr"),
        ],
    )
    .await;
    assert_eq!(bad.status(), 422);
    let html = bad.text().await.unwrap();
    for id in ["digest_weekday-error", "digest_hour-error", "timezone-error", "language-error"] {
        assert!(html.contains(id), "{id} says what is wrong");
    }
    assert!(!html.contains("<script>"), "what she typed is escaped");
    assert_eq!(Notifications::subscriber(&app.db, id).await.unwrap(), None);

    let ok = choose(
        app,
        &ana,
        &[
            ("index_alerts", "on"),
            ("silence_alerts", "on"),
            ("digest", "on"),
            ("digest_weekday", "5"),
            ("digest_hour", "17"),
            ("timezone", "America/Lima"),
            ("language", "es"),
        ],
    )
    .await;
    assert_eq!(ok.status(), 303);
    let page = ana.get(app.url("/account/notifications?lang=es&saved=1")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"saved\"") && !page.contains("id=\"mail-off\""), "saved, and e-mail is on");
    // Silence alerts date a tablet's last answer: administrators' only.
    assert!(!page.contains("id=\"silence_alerts\""));
    let saved = Notifications::subscriber(&app.db, id).await.unwrap().unwrap().subscription;
    assert!(saved.index_alerts && saved.digest && !saved.silence_alerts, "{saved:?}");
    (id, ana)
}

fn channels(app: &TestApp) -> sender::Channels {
    sender::Channels { http: sender::client(), mail: app.state.mail.clone() }
}

#[tokio::test]
async fn an_alert_and_the_digest_reach_a_real_mail_server_with_the_dashboard_s_own_figures() {
    let catcher = MailCatcher::start();
    let app = spawn_app_with(|s| s.mail = Some(catcher.settings())).await;
    let (ana_id, ana) = network(&app).await;
    let now = friday_evening();
    let k = app.state.release_k;

    assert_eq!(app.release_judging(now, true).await, 1, "LIM-09 fell too, but nobody may hear of it");
    assert_eq!(digest::check(&app.db, k, true, now).await.unwrap(), 1, "her Friday digest");
    assert_eq!(digest::check(&app.db, k, true, now).await.unwrap(), 0, "queued once a week");
    let pass = sender::send_due(&app.db, &channels(&app), now.timestamp()).await.unwrap();
    assert_eq!((pass.sent, pass.retrying, pass.failed), (2, 0, 0), "{pass:?}");
    let got = catcher.received();
    assert_eq!(got.len(), 2, "one alert (LIM-09 is not hers) and one digest");
    let (alert, weekly) = (&got[0], &got[1]);
    for m in [alert, weekly] {
        assert_eq!(m["to"], serde_json::json!(["ana@digna.test"]));
        assert_eq!(header(m, "from"), "Digna <digna@digna.test>");
        assert!(header(m, "message-id").ends_with("@digna.test>"));
        assert_eq!(header(m, "list-unsubscribe-post"), "List-Unsubscribe=One-Click");
        assert_eq!(header(m, "content-language"), "es");
        assert!(part(m, "text/plain").contains("Recibes este correo porque lo elegiste en Digna"));
    }
    assert_ne!(header(alert, "message-id"), header(weekly, "message-id"));

    // The dashboard as she sees it, for the same period.
    let page =
        ana.get(app.url("/dashboard?from=2026-W01&to=2026-W12&lang=es")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("data-station=\"LIM-09\""));

    // The alert: LIM-01's figures, as the overview shows them.
    assert!(header(alert, "subject").contains("LIM-01"), "{}", header(alert, "subject"));
    let cells = overview_cells(&page, "LIM-01");
    assert_eq!(&cells[2..], ["5", "66,7", "−33,3 ⚑ Bajó"], "the page's own figures");
    let text = part(alert, "text/plain");
    for (label, value) in [("Respuestas", &cells[2]), ("Índice", &cells[3]), ("Cambio", &"−33,3".to_string())] {
        assert!(text.contains(&format!("{label}: {value}")), "{label}: {value} in {text}");
    }
    assert!(text.contains("Periodo anterior: 100,0"), "{text}");
    assert!(text.contains("https://digna.test/dashboard/station/LIM-01?lang=es"), "{text}");
    assert!(part(alert, "text/html").contains("66,7"));

    // The digest: every station of hers, each figure as the page shows it; the hidden one
    // hidden in the same words; the chart inline, with a text alternative.
    assert!(header(weekly, "subject").contains("semanas 2026-W01 a 2026-W12"), "{}", header(weekly, "subject"));
    let text = part(weekly, "text/plain");
    for code in ["LIM-01", "LIM-02", "LIM-03"] {
        let c = overview_cells(&page, code);
        assert_eq!(c[0], format!("{code} Comisaría de prueba"));
        let line =
            format!("{code} · Comisaría de prueba ({}): Respuestas {}; Índice {}; Cambio {}", c[1], c[2], c[3], c[4]);
        assert!(text.contains(&line), "{line} in {text}");
    }
    assert!(text.contains("LIM-03 · Comisaría de prueba (Lima Centro): Respuestas menos de 5 respuestas"), "{text}");
    assert!(!text.contains("LIM-09"));
    let html = part(weekly, "text/html");
    assert!(html.contains("src=\"cid:trend\"") && html.contains("alt=\"Índice de dignidad por semana de LIM-01"));
    let png = weekly["parts"].as_array().unwrap().iter().find(|p| p["type"] == "image/png").expect("an inline chart");
    assert_eq!((png["cid"].as_str(), png["head"].as_str()), (Some("<trend>"), Some("89504e470d0a1a0a")));
    assert!(png["disposition"].as_str().unwrap().starts_with("inline"));
    assert!(png["bytes"].as_u64().unwrap() > 5_000);

    // One click turns the digest off, without signing in, and nothing else.
    let link = header(weekly, "list-unsubscribe").trim_matches(['<', '>']).replace("https://digna.test", &app.base);
    assert!(link.contains("topic=digest"));
    let stranger = reqwest::Client::new();
    let forged = link.replace("topic=digest", "topic=index");
    let r = stranger.post(&forged).body("List-Unsubscribe=One-Click").send().await.unwrap();
    assert_eq!(r.status(), 400, "a link for another topic is refused");
    let confirm = stranger.get(&link).send().await.unwrap();
    assert_eq!(confirm.status(), 200);
    assert!(confirm.text().await.unwrap().contains("el resumen semanal"));
    assert!(
        Notifications::subscriber(&app.db, ana_id).await.unwrap().unwrap().subscription.digest,
        "a GET changes nothing"
    );
    let r = stranger
        .post(&link)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let after = Notifications::subscriber(&app.db, ana_id).await.unwrap().unwrap().subscription;
    assert!(!after.wants(Topic::Digest) && after.wants(Topic::Index), "{after:?}");
}

#[tokio::test]
async fn a_mail_is_retried_after_a_refusal_and_cancelled_when_she_no_longer_sees_the_station() {
    let catcher = MailCatcher::start();
    let app = spawn_app_with(|s| s.mail = Some(catcher.settings())).await;
    let (ana_id, _) = network(&app).await;
    let now = friday_evening();
    assert_eq!(app.release_judging(now, true).await, 1);

    catcher.refuse_next(1);
    let t = now.timestamp();
    let pass = sender::send_due(&app.db, &channels(&app), t).await.unwrap();
    assert_eq!(pass.retrying, 1, "451 is tried again: {pass:?}");
    assert!(catcher.received().is_empty());
    assert_eq!(sender::send_due(&app.db, &channels(&app), t + 29).await.unwrap().sent, 0, "it waits its backoff");
    assert_eq!(sender::send_due(&app.db, &channels(&app), t + 30).await.unwrap().sent, 1);
    assert_eq!(catcher.received().len(), 1);
    let log = Notifications::deliveries(&app.db, 10).await.unwrap();
    assert_eq!(
        log.iter().map(|d| (d.recipient.as_str(), d.state, d.attempts, d.last_status)).collect::<Vec<_>>(),
        [("ana@digna.test", DeliveryState::Sent, 2, Some(250))]
    );

    // She loses LIM-01 before the next alert about it goes out: it is cancelled, unsent.
    Notifications::enqueue(
        &app.db,
        &[store::notifications::Outgoing {
            idempotency_key: "again".into(),
            to: store::notifications::Recipient::Account(ana_id),
            kind: index::KIND.into(),
            body: app
                .scalar::<String>(
                    "SELECT body FROM notification_outbox WHERE id = (SELECT MIN(id) FROM notification_outbox)",
                    &[],
                )
                .await,
        }],
        t + 60,
    )
    .await
    .unwrap();
    let audit = store::audit::Entry::new("admin@digna.test", "account.update", "ana@digna.test", "");
    let grants = store::accounts::Grants { stations: vec!["LIM-02".into()], regions: vec![] };
    assert!(store::Accounts::update(&app.db, ana_id, domain::Role::Supervisor, &grants, &audit).await.unwrap());
    let pass = sender::send_due(&app.db, &channels(&app), t + 60).await.unwrap();
    assert_eq!((pass.sent, pass.cancelled), (0, 1), "{pass:?}");
    assert_eq!(catcher.received().len(), 1, "nothing more was sent");
}

#[tokio::test]
async fn a_station_whose_scheduled_release_stopped_is_announced_once_per_episode() {
    use server::notify::overdue;
    use store::Releases;
    let catcher = MailCatcher::start();
    let app = spawn_app_with(|s| s.mail = Some(catcher.settings())).await;
    let (ana_id, _) = network(&app).await;
    // An administrator chooses silence alerts on her page; the supervisor cannot.
    let ops = app.admin_client("ops@digna.test").await;
    let page = ops.get(app.url("/account/notifications")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"silence_alerts\""));
    let fields = [
        ("silence_alerts", "on"),
        ("digest_weekday", "1"),
        ("digest_hour", "8"),
        ("timezone", "America/Lima"),
        ("language", "es"),
    ];
    let saved = choose(&app, &ops, &fields).await;
    assert_eq!(saved.status(), 303);
    // Even if she had it on before the rule: nothing about silence reaches a supervisor.
    let mut forced = Notifications::subscriber(&app.db, ana_id).await.unwrap().unwrap().subscription;
    forced.silence_alerts = true;
    Notifications::save_subscription(&app.db, ana_id, &forced, &[0; 32]).await.unwrap();
    let lima = Stations::by_code(&app.db, "LIM-01").await.unwrap().unwrap().id;
    let hidden = Stations::by_code(&app.db, "LIM-09").await.unwrap().unwrap().id;
    let now = chrono::Utc::now();
    let hours_ago = |h: i64| (now - chrono::Duration::hours(h)).timestamp();
    Releases::set_next_release(&app.db, lima, hours_ago(1)).await.unwrap();
    Releases::set_next_release(&app.db, hidden, hours_ago(5)).await.unwrap();
    assert_eq!(
        overdue::check(&app.db, true, now).await.unwrap(),
        1,
        "LIM-09; LIM-01, an hour late, is within its retries"
    );
    Releases::set_next_release(&app.db, lima, hours_ago(3)).await.unwrap();
    assert_eq!(overdue::check(&app.db, true, now).await.unwrap(), 1, "LIM-01 too, now");
    assert_eq!(overdue::check(&app.db, true, now).await.unwrap(), 0, "once per episode");
    sender::send_due(&app.db, &channels(&app), now.timestamp()).await.unwrap();
    let got: Vec<Value> = catcher.received().into_iter().filter(|m| header(m, "subject").contains("LIM-01")).collect();
    assert_eq!(got.len(), 1);
    assert!(catcher.received().iter().all(|m| m["to"] == serde_json::json!(["ops@digna.test"])), "never to ana");
    assert!(header(&got[0], "subject").starts_with("Digna: la publicación programada de LIM-01 no se hace desde"));
    assert!(part(&got[0], "text/plain").contains("(3 horas)"), "{}", part(&got[0], "text/plain"));
    assert!(header(&got[0], "list-unsubscribe").contains("topic=silence"));

    // It ran again; failing later is a new episode.
    Releases::set_next_release(&app.db, lima, hours_ago(-20)).await.unwrap();
    assert_eq!(overdue::check(&app.db, true, now).await.unwrap(), 0);
    Releases::set_next_release(&app.db, lima, hours_ago(4)).await.unwrap();
    assert_eq!(overdue::check(&app.db, true, now).await.unwrap(), 1, "a new episode");
    // A silence message already queued for a supervisor is cancelled when it is sent.
    Notifications::enqueue(
        &app.db,
        &[store::notifications::Outgoing {
            idempotency_key: "to-ana".into(),
            to: store::notifications::Recipient::Account(ana_id),
            kind: overdue::KIND.into(),
            body: app
                .scalar::<String>(
                    "SELECT body FROM notification_outbox WHERE id = (SELECT MAX(id) FROM notification_outbox)",
                    &[],
                )
                .await,
        }],
        now.timestamp(),
    )
    .await
    .unwrap();
    let pass = sender::send_due(&app.db, &channels(&app), now.timestamp()).await.unwrap();
    assert_eq!((pass.sent, pass.cancelled), (1, 1), "{pass:?}");
}
