//! A crash between sending a notification and recording it (issue 20): the real `digna`
//! binary, killed with SIGKILL while a webhook receiver and then the SMTP server hold the
//! message unanswered, and started again. Each message arrives once or twice, and every
//! copy carries the same key (the webhook's `Idempotency-Key`, the e-mail's Message-ID),
//! so a receiver can drop the copy; the outbox ends with both sent.

use crate::cli::Cli;
use crate::mail::{header, MailCatcher};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use server::notify::messages::{Silence, StationRef, TabletRef};
use server::notify::silence;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::notifications::{Outgoing, Recipient, Subscription};
use store::{Accounts, Notifications, Stations};

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(60), "waited a minute for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn serve(cli: &Cli, catcher: &MailCatcher) -> Child {
    cli.command()
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("DIGNA_SMTP_HOST", "127.0.0.1")
        .env("DIGNA_SMTP_PORT", catcher.port.to_string())
        .env("DIGNA_SMTP_SECURITY", "none")
        .env("DIGNA_SMTP_FROM", "digna@digna.test")
        .env("DIGNA_PUBLIC_URL", "https://digna.test")
        .env_remove("DIGNA_TLS_CERT")
        .env_remove("DIGNA_TLS_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("digna serves")
}

/// SIGKILL, then the time a claimed message and the dead server's sender lease wait for
/// before another sender may take them is let pass.
fn crash(cli: &Cli, server: &mut Child) {
    server.kill().expect("SIGKILL");
    server.wait().unwrap();
    cli.sql("UPDATE notification_outbox SET next_attempt_at = 0 WHERE state = 'pending'");
    cli.sql("UPDATE notification_sender SET until = 0");
}

#[test]
fn a_notification_sent_again_after_a_crash_carries_the_same_key() {
    let cli = Cli::new();
    let catcher = MailCatcher::start();
    let runtime = tokio::runtime::Runtime::new().unwrap();

    // A receiver that holds its first request unanswered, then answers 200.
    let got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>> = Arc::default();
    let hold_first = Arc::new(AtomicBool::new(true));
    let url = runtime.block_on(async {
        let (got, hold_first) = (got.clone(), hold_first.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let (got, hold_first) = (got.clone(), hold_first.clone());
                async move {
                    got.lock().unwrap().push((headers, body));
                    if hold_first.swap(false, Ordering::SeqCst) {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                    }
                    StatusCode::NO_CONTENT
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    });

    // One message to the endpoint, one to an admin who chose silence alerts.
    runtime.block_on(async {
        let db = server::Db::open(&cli.url).await.unwrap();
        let line = |action: &str| store::audit::Entry::new("test", action, "", "");
        let code = domain::StationCode::parse("LIM-01").unwrap();
        let name = domain::Name::parse("name", "Comisaría de prueba", 200).unwrap();
        let region = domain::Name::parse("region", "Lima Centro", 100).unwrap();
        let station = Stations::insert(&db, &code, &name, &region, "America/Lima", &line("station.create"))
            .await
            .unwrap()
            .unwrap();
        let email = domain::Email::parse("ops@digna.test").unwrap();
        let admin =
            Accounts::create(&db, &email, domain::Role::Admin, "h", &Default::default(), &line("account.create"))
                .await
                .unwrap()
                .unwrap();
        let chosen = Subscription { silence_alerts: true, ..Subscription::default() };
        Notifications::save_subscription(&db, admin, &chosen, &[3; 32]).await.unwrap();
        let endpoint =
            Notifications::add_endpoint(&db, "Ops", &url, "whsec_x", None, &line("webhook.add")).await.unwrap();
        let body = serde_json::to_string(&Silence {
            kind: silence::KIND.into(),
            station: StationRef {
                id: station,
                code: "LIM-01".into(),
                name: "Comisaría de prueba".into(),
                region: "Lima Centro".into(),
            },
            tablet: TabletRef { id: 1, label: "Tableta 1".into() },
            last_delivery_day: Some("2026-03-01".into()),
            enrolled_day: None,
            silent_days: 5,
            silent_after_days: 3,
            station_page: "/admin/stations/LIM-01".into(),
        })
        .unwrap();
        let message = |key: &str, to| Outgoing {
            idempotency_key: key.into(),
            to,
            kind: silence::KIND.into(),
            body: body.clone(),
        };
        let messages =
            [message("crash:hook", Recipient::Endpoint(endpoint)), message("crash:mail", Recipient::Account(admin))];
        assert_eq!(Notifications::enqueue(&db, &messages, 0).await.unwrap(), 2);
        db.close().await;
    });

    // Killed while the receiver holds the webhook.
    let mut server = serve(&cli, &catcher);
    wait_for("the webhook", || !got.lock().unwrap().is_empty());
    crash(&cli, &mut server);

    // Started again: the webhook goes again; killed while the SMTP server holds the e-mail.
    std::fs::write(catcher.dir.path().join("hold"), "").unwrap();
    let mut server = serve(&cli, &catcher);
    wait_for("the e-mail", || !catcher.received().is_empty());
    crash(&cli, &mut server);
    std::fs::remove_file(catcher.dir.path().join("hold")).unwrap();

    // Started again: the e-mail goes again, and everything is recorded as sent.
    let mut server = serve(&cli, &catcher);
    wait_for("both sent", || cli.sql("SELECT COUNT(*) FROM notification_outbox WHERE state = 'sent'") == "2");
    server.kill().unwrap();
    server.wait().unwrap();

    let hooks = got.lock().unwrap().clone();
    assert_eq!(hooks.len(), 2, "sent, crashed, sent again");
    let keys: Vec<&str> = hooks.iter().map(|(h, _)| h["idempotency-key"].to_str().unwrap()).collect();
    assert_eq!(keys, ["crash:hook", "crash:hook"], "one key for one message");
    assert_eq!(hooks[0].1, hooks[1].1, "the same body");
    let mails = catcher.received();
    assert_eq!(mails.len(), 2, "sent, crashed, sent again");
    assert_eq!(header(&mails[0], "message-id"), header(&mails[1], "message-id"), "one Message-ID");
    assert_eq!(header(&mails[0], "subject"), header(&mails[1], "subject"));
}
