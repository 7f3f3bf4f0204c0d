//! How e-mail leaves: STARTTLS or TLS with a login, never to an untrusted server; and the
//! test e-mail an account sends herself.

use super::{header, part, MailCatcher};
use crate::helpers::{self_signed_certificate, spawn_app_with};
use server::notify::mail::{MailSettings, Security};

#[tokio::test]
async fn mail_goes_over_starttls_or_tls_with_a_login_and_never_to_an_untrusted_server() {
    use server::notify::mail::Mailer;
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed_certificate(dir.path());
    let letter = || {
        lettre::Message::builder()
            .from("digna@digna.test".parse().unwrap())
            .to("ana@digna.test".parse().unwrap())
            .subject("prueba")
            .body("hola".to_string())
            .unwrap()
    };
    for (flag, security) in [("--starttls", Security::StartTls), ("--tls", Security::Tls)] {
        let catcher = MailCatcher::start_with(&[
            flag.as_ref(),
            cert.as_os_str(),
            key.as_os_str(),
            "--auth".as_ref(),
            "digna".as_ref(),
            "s3cret pass".as_ref(),
        ]);
        let settings = MailSettings {
            host: "localhost".into(),
            security,
            credentials: Some(("digna".into(), "s3cret pass".into())),
            ca_file: Some(cert.clone()),
            ..catcher.settings()
        };
        Mailer::new(&settings).unwrap().send(letter()).await.unwrap_or_else(|e| panic!("{flag}: {e}"));
        let got = catcher.received();
        assert_eq!(got.len(), 1, "{flag}");
        assert_eq!((got[0]["tls"].as_bool(), got[0]["login"].as_str()), (Some(true), Some("digna")), "{flag}");

        // A wrong password: refused with the server's 535, nothing sent.
        let wrong = MailSettings { credentials: Some(("digna".into(), "wrong".into())), ..settings.clone() };
        let wrong = Mailer::new(&wrong).unwrap();
        let sent = tokio::time::timeout(std::time::Duration::from_secs(30), wrong.send(letter())).await;
        let error = sent.expect("an answer, not a hang").expect_err("a wrong password is refused");
        assert!(error.to_string().contains("535"), "{flag}: {error}");
        assert_eq!(catcher.received().len(), 1, "{flag}: nothing more arrived");

        // A server whose certificate is not trusted gets nothing.
        let untrusted = MailSettings { ca_file: None, ..settings.clone() };
        assert!(Mailer::new(&untrusted).unwrap().send(letter()).await.is_err(), "{flag}: an untrusted certificate");
        assert_eq!(catcher.received().len(), 1, "{flag}: nothing more arrived");
    }
    // A server that takes a login only over TLS, reached without it: no letter goes.
    let catcher = MailCatcher::start_with(&["--auth".as_ref(), "digna".as_ref(), "s3cret pass".as_ref()]);
    let plain = MailSettings { credentials: Some(("digna".into(), "s3cret pass".into())), ..catcher.settings() };
    let mailer = Mailer::new(&plain).unwrap();
    let sent = tokio::time::timeout(std::time::Duration::from_secs(30), mailer.send(letter())).await;
    assert!(!matches!(sent, Ok(Ok(()))), "not sent");
    assert!(catcher.received().is_empty());
}

#[tokio::test]
async fn she_sends_herself_a_test_e_mail_and_reads_what_the_mail_server_answered() {
    let catcher = MailCatcher::start();
    let app = spawn_app_with(|s| s.mail = Some(catcher.settings())).await;
    app.add_user("ana@digna.test", "supervisor", &[], &[]).await;
    let ana = app.signed_in("ana@digna.test").await;
    let csrf = app.csrf_of(&ana, "/account/notifications").await;
    let test = |lang: &'static str| {
        let (ana, app, csrf) = (&ana, &app, csrf.clone());
        async move {
            ana.post(app.url(&format!("/account/notifications/test?lang={lang}")))
                .form(&[("csrf", csrf.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    let r = test("en").await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Sent to ana@digna.test: the mail server took it."));
    let got = catcher.received();
    assert_eq!(got.len(), 1);
    assert_eq!(header(&got[0], "subject"), "Digna: test e-mail");
    assert!(part(&got[0], "text/plain").contains("It holds no data."));

    let r = test("es").await;
    assert_eq!(r.status(), 429, "one a minute");
    assert!(r.text().await.unwrap().contains("hace menos de un minuto"));

    // Another account, and a mail server that refuses: its code, not its words.
    app.add_user("eva@digna.test", "researcher", &[], &[]).await;
    let eva = app.signed_in("eva@digna.test").await;
    let csrf = app.csrf_of(&eva, "/account/notifications").await;
    catcher.refuse_next(1);
    let r =
        eva.post(app.url("/account/notifications/test?lang=es")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 502);
    let html = r.text().await.unwrap();
    assert!(html.contains("El servidor de correo no lo aceptó (451)"), "its code is shown");
    assert!(!html.contains("Try again later"), "the server's own words stay in the log");
    assert_eq!(catcher.received().len(), 1);
}
