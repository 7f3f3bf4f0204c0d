//! The station page's release schedule: the local time and frequency at which a
//! station's pending answers are released together, shown with the next release in the
//! station's time, refused field by field when invalid, audited as the command line does,
//! and for admins only.

use crate::admin_tablets::{audit_lines, text_of};
use crate::helpers::{spawn_app, TestApp};

/// The station's schedule as stored: (release_minute, release_every_days).
async fn stored_schedule(app: &TestApp, code: &str) -> (i64, i64) {
    app.row(
        "SELECT release_minute, release_every_days FROM stations WHERE code = ?",
        &[crate::helpers::Arg::from(code)],
    )
    .await
}

/// The opening tag of the element with this id.
fn tag<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in {html}"));
    let start = html[..at].rfind('<').unwrap();
    &html[start..at + html[at..].find('>').unwrap()]
}

#[tokio::test]
async fn an_admin_sets_the_release_schedule_on_the_station_page_and_it_is_audited() {
    let app = spawn_app().await;
    app.station_with_tablet("LIM-01").await;
    let client = app.admin_client("admin@digna.test").await;
    let (minute, every) = stored_schedule(&app, "LIM-01").await;
    assert_eq!(every, 1, "a new station releases every day");

    let html = client.get(app.url("/admin/stations/LIM-01?lang=en")).send().await.unwrap().text().await.unwrap();
    let time = format!("{:02}:{:02}", minute / 60, minute % 60);
    assert_eq!(text_of(&html, "release-current"), format!("every day at {time} (station time, America/Lima)"));
    assert!(tag(&html, "release-at").contains(&format!("type=\"time\" value=\"{time}\"")), "{html}");
    assert!(tag(&html, "release-every-daily").contains("checked"), "the current frequency is chosen");
    assert!(!tag(&html, "release-every-weekly").contains("checked"));
    assert!(text_of(&html, "release-hint").contains("released together at this time, never when one arrives"));
    let next = text_of(&html, "release-next");
    assert!(next.ends_with(&format!(", {time}")), "the next release, in the station's time: {next}");

    let csrf = app.csrf_of(&client, "/admin/stations/LIM-01").await;
    let form = [("csrf", csrf.as_str()), ("release_at", "02:45"), ("release_every", "weekly")];
    let resp = client.post(app.url("/admin/stations/LIM-01/release?lang=en")).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/admin/stations/LIM-01?lang=en");
    assert_eq!(stored_schedule(&app, "LIM-01").await, (165, 7));
    assert_eq!(
        audit_lines(&app).await,
        [("station.release_schedule".to_string(), "LIM-01".to_string(), "every Monday at 02:45".to_string())],
        "the same line as `digna station set --release-at 02:45 --release-every weekly`"
    );

    let html = client.get(app.url("/admin/stations/LIM-01?lang=en")).send().await.unwrap().text().await.unwrap();
    assert_eq!(text_of(&html, "release-current"), "every Monday at 02:45 (station time, America/Lima)");
    let next = text_of(&html, "release-next");
    assert!(next.starts_with("Monday ") && next.ends_with(", 02:45"), "{next}");
    assert!(tag(&html, "release-at").contains("value=\"02:45\""));
    assert!(tag(&html, "release-every-weekly").contains("checked"));
    let html = client.get(app.url("/admin/stations/LIM-01")).send().await.unwrap().text().await.unwrap();
    assert_eq!(text_of(&html, "release-current"), "cada lunes a las 02:45 (hora de la comisaría, America/Lima)");
    assert!(text_of(&html, "release-next").starts_with("lunes "));

    // Saving the same schedule again changes nothing and writes nothing.
    let resp = client.post(app.url("/admin/stations/LIM-01/release")).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(audit_lines(&app).await.len(), 1);
}

#[tokio::test]
async fn an_invalid_schedule_is_refused_next_to_its_field_and_changes_nothing() {
    let app = spawn_app().await;
    app.station_with_tablet("LIM-01").await;
    let client = app.admin_client("admin@digna.test").await;
    let before = stored_schedule(&app, "LIM-01").await;
    let csrf = app.csrf_of(&client, "/admin/stations/LIM-01").await;

    for (case, at, every, field, message) in [
        ("hour 25, minute 99", "25:99", "weekly", "release-at", "Type a time from 00:00 to 23:59"),
        ("not a time", "tres", "daily", "release-at", "Type a time from 00:00 to 23:59"),
        ("seconds", "02:45:00", "daily", "release-at", "Type a time from 00:00 to 23:59"),
        ("empty time", "", "daily", "release-at", "Type a time from 00:00 to 23:59"),
        ("unknown frequency", "02:45", "monthly", "release-every", "Choose every day or every week."),
        ("no frequency", "02:45", "", "release-every", "Choose every day or every week."),
    ] {
        let form = [("csrf", csrf.as_str()), ("release_at", at), ("release_every", every)];
        let resp = client.post(app.url("/admin/stations/LIM-01/release?lang=en")).form(&form).send().await.unwrap();
        assert_eq!(resp.status(), 422, "{case}");
        let html = resp.text().await.unwrap();
        let error = text_of(&html, &format!("{field}-error"));
        assert!(error.starts_with(message), "{case}: the field says what is wrong: {error}");
        assert_eq!(html.matches("class=\"field-error\"").count(), 1, "{case}: only that field is marked");
        assert!(tag(&html, "release-at").contains(&format!("value=\"{at}\"")), "{case}: what was typed is kept");
        assert_eq!(stored_schedule(&app, "LIM-01").await, before, "{case}: nothing changed");
    }
    // A form missing a field changes nothing either.
    let form = [("csrf", csrf.as_str()), ("release_every", "weekly")];
    assert_eq!(client.post(app.url("/admin/stations/LIM-01/release")).form(&form).send().await.unwrap().status(), 422);
    // In Spanish by default.
    let form = [("csrf", csrf.as_str()), ("release_at", "25:99"), ("release_every", "cada mes")];
    let resp = client.post(app.url("/admin/stations/LIM-01/release")).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(text_of(&html, "release-at-error").starts_with("Escribe una hora de 00:00 a 23:59"), "{html}");
    assert_eq!(text_of(&html, "release-every-error"), "Elige cada día o cada semana.");

    assert_eq!(stored_schedule(&app, "LIM-01").await, before, "nothing changed");
    assert!(audit_lines(&app).await.is_empty(), "a refused change is not audited");
    let form = [("csrf", csrf.as_str()), ("release_at", "02:45"), ("release_every", "weekly")];
    let resp = client.post(app.url("/admin/stations/NOPE-01/release")).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 404, "no such station");
}

#[tokio::test]
async fn a_supervisor_cannot_change_the_release_schedule() {
    let app = spawn_app().await;
    app.station_with_tablet("LIM-01").await;
    app.add_user("sup@digna.test", "supervisor", &["LIM-01"], &[]).await;
    let sup = app.signed_in("sup@digna.test").await;
    let before = stored_schedule(&app, "LIM-01").await;
    let csrf = app.csrf_of(&sup, "/dashboard").await;
    let form = [("csrf", csrf.as_str()), ("release_at", "02:45"), ("release_every", "weekly")];
    let resp = sup.post(app.url("/admin/stations/LIM-01/release")).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("Solo las administradoras pueden entrar aquí."));
    assert_eq!(stored_schedule(&app, "LIM-01").await, before, "nothing changed");
    assert!(audit_lines(&app).await.is_empty());
}
