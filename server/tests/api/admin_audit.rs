//! The audit log page (filters, CSV) and retention: purges that keep the roll-ups, with
//! the setting and every purge audited.

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_audit_log_filters_by_who_what_and_when_and_downloads_as_csv() {
    let app = spawn_app().await;
    let admin = app.admin_client("admin@digna.test").await;
    crate::store_fn!(app, audit::audit(pool, "ana@digna.test", "tablet.revoke", "LIM-01 #3", "revoked")).unwrap();
    crate::store_fn!(app, audit::audit(pool, "=HYPERLINK(\"http://evil\")", "signin.failed", "", "wrong password"))
        .unwrap();
    app.execute(
        "INSERT INTO export_audit (actor, kind, filters, rows, anonymization, suppressed, file_hashes, zip_sha256)
         VALUES ('investigadora@digna.test', 'microdata', '{}', 120, '{}', 3, '{}', 'abc123')",
        &[],
    )
    .await
    .unwrap();

    let page = |q: &'static str| {
        let admin = admin.clone();
        let url = app.url(&format!("/admin/audit?{q}"));
        async move {
            let r = admin.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (status, all) = page("").await;
    assert_eq!(status, 200);
    for needle in ["tablet.revoke", "signin.failed", "export.microdata", "120 rows, 3 suppressed"] {
        assert!(all.contains(needle), "the log shows {needle}");
    }
    let (_, tablets) = page("action=tablet").await;
    assert!(tablets.contains("tablet.revoke") && !tablets.contains("signin.failed") && !tablets.contains("export."));
    let (_, exports) = page("action=export&actor=INVESTIGADORA").await;
    assert!(exports.contains("export.microdata") && !exports.contains("tablet.revoke"));
    let (_, none) = page("from=2001-01-01&to=2001-01-31").await;
    assert!(none.contains("id=\"audit-empty\"") && !none.contains("tablet.revoke"));
    let (_, today) =
        page(Box::leak(format!("from={0}&to={0}", chrono::Utc::now().date_naive()).into_boxed_str())).await;
    assert!(today.contains("tablet.revoke"), "the last day of a range is included");

    // Hostile or malformed filters: a precise message per field, no lines.
    let (status, bad) = page("action=drop%20table&from=2026-02-30&lang=en").await;
    assert_eq!(status, 422);
    assert!(bad.contains("Choose an action from the list.") && bad.contains("is not a YYYY-MM-DD date"));
    assert!(bad.contains("value=\"2026-02-30\""), "what was typed stays");

    let csv = admin.get(app.url("/admin/audit.csv?action=signin&actor=hyperlink")).send().await.unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"digna-audit-"));
    let text = csv.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("at_utc,actor,action,target,detail"));
    let row = lines.next().expect("the failed sign-in");
    assert!(row.contains("\"'=HYPERLINK"), "a formula is neutralized: {row}");
    assert_eq!(lines.next(), None, "only the matching sign-ins");

    // Only admins.
    app.add_user("sup@digna.test", "supervisor", &[], &[]).await;
    let sup = app.signed_in("sup@digna.test").await;
    for path in ["/admin/audit", "/admin/audit.csv"] {
        assert_eq!(sup.get(app.url(path)).send().await.unwrap().status(), 403, "{path}");
    }
}

/// A released response of `station` in `week`, with one answer and its roll-ups, as the
/// release would write it.
async fn released(db: &server::Db, station: i64, week: &str) {
    let content: domain::ResponseContent = serde_json::from_value(serde_json::json!({
        "survey_version": 1, "language": "es", "answers": {"respect": {"Choice": "4"}}
    }))
    .unwrap();
    server::privacy::release::write_released(db, station, week, vec![content]).await.unwrap();
}

#[tokio::test]
async fn retention_purges_old_responses_keeps_the_rollups_and_audits_everything() {
    let app = spawn_app().await;
    let station = app.add_station("LIM-01").await;
    for week in ["2015-W10", "2015-W11", "2016-W01"] {
        released(&app.db, station, week).await;
    }
    let this_week = chrono::Utc::now().date_naive().format("%G-W%V").to_string();
    released(&app.db, station, &this_week).await;
    let rollups = app.count("SELECT SUM(responses) FROM response_rollups").await;
    let answer_rollups = app.count("SELECT SUM(answers) FROM answer_rollups").await;
    assert_eq!(rollups, 4);

    let admin = app.admin_client("admin@digna.test").await;
    let page = admin.get(app.url("/admin/retention?lang=en")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("5 years are kept") && page.contains("Today 3 responses would be purged"), "{page}");
    assert!(page.contains("id=\"purges-empty\""));

    // A bad period: a precise message, the value kept, nothing changed.
    let csrf = app.csrf_of(&admin, "/admin/retention").await;
    let r = admin.post(app.url("/admin/retention?lang=en")).form(&[("csrf", &csrf), ("years", &"0".to_string())]);
    let r = r.send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("“0” is not a number of years from 1 to 50."));
    assert_eq!(server::privacy::retention::years(&app.db).await.unwrap(), 5);

    let r = admin.post(app.url("/admin/retention")).form(&[("csrf", &csrf), ("years", &"3".to_string())]);
    assert_eq!(r.send().await.unwrap().status(), 303);
    assert_eq!(server::privacy::retention::years(&app.db).await.unwrap(), 3);

    // The daily purge (here called at once) deletes the old raw responses only.
    assert_eq!(server::privacy::retention::purge(&app.db, server::privacy::retention::AUTOMATIC).await.unwrap(), 3);
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM answers").await, 1);
    assert_eq!(app.count("SELECT SUM(responses) FROM response_rollups").await, rollups, "roll-ups stay");
    assert_eq!(app.count("SELECT SUM(answers) FROM answer_rollups").await, answer_rollups);
    // Nothing left to purge: no empty line in the log.
    let r = admin.post(app.url("/admin/retention/purge")).form(&[("csrf", &csrf)]);
    assert_eq!(r.send().await.unwrap().status(), 303);

    let log = crate::store_fn!(app, audit::audit_log(pool, 10)).unwrap();
    let actions: Vec<_> = log
        .iter()
        .filter(|a| a.action != "signin")
        .map(|a| (a.actor.as_str(), a.action.as_str(), a.detail.as_str()))
        .collect();
    assert_eq!(actions.len(), 2, "{actions:?}");
    assert_eq!(actions[0].0, server::privacy::retention::AUTOMATIC);
    assert_eq!(actions[0].1, "retention.purge");
    assert!(actions[0].2.starts_with("3 responses labelled before"), "{actions:?}");
    assert_eq!(actions[1], ("admin@digna.test", "setting.update", "retention_years: 5 → 3"));

    // Only admins, and a refused form changes nothing.
    app.add_user("sup@digna.test", "supervisor", &[], &[]).await;
    let sup = app.signed_in("sup@digna.test").await;
    assert_eq!(sup.get(app.url("/admin/retention")).send().await.unwrap().status(), 403);
    let csrf = app.csrf_of(&sup, "/dashboard").await;
    let r = sup.post(app.url("/admin/retention")).form(&[("csrf", &csrf), ("years", &"1".to_string())]);
    assert_eq!(r.send().await.unwrap().status(), 403);
    let r = sup.post(app.url("/admin/retention/purge")).form(&[("csrf", &csrf)]);
    assert_eq!(r.send().await.unwrap().status(), 403);
    assert_eq!(server::privacy::retention::years(&app.db).await.unwrap(), 3);
}

#[tokio::test]
async fn staff_pages_say_how_long_the_server_took_and_the_kiosk_and_api_never_do() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let admin = app.admin_client("admin@digna.test").await;
    let page = admin.get(app.url("/admin/audit")).send().await.unwrap();
    let timing = page.headers()["server-timing"].to_str().unwrap().to_string();
    let ms: f64 = timing.strip_prefix("app;dur=").expect("app;dur=…").parse().expect("milliseconds");
    assert!(ms >= 0.0);
    let submitted = app.submit(&token, &crate::helpers::full_answers(&crate::helpers::new_id())).await;
    assert_eq!(submitted.status(), 201);
    assert!(submitted.headers().get("server-timing").is_none(), "an answer's arrival is never timed");
    let kiosk = app.client.get(app.url("/kiosk")).send().await.unwrap();
    assert!(kiosk.headers().get("server-timing").is_none());
}
