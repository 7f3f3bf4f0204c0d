//! The export queue: five exports asked for at once run one at a time, the rest wait
//! with their place shown, and meanwhile the kiosk's submissions and the sign-in page
//! still answer within a second; past the queue's length an export is refused with 429.
//!
//! Measured on two cores shared with other builds (load average 9–10): the slowest
//! submission 0.4 s with this queue, 2.4 s with the exports as they were before it (all at
//! once, on the pool that stores submissions, coding on the runtime's workers).

use crate::export::{month_text, researcher};
use crate::helpers::{full_answers, new_id, spawn_app, wire_to, TestApp};
use chrono::Datelike;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the kiosk and the staff must always get within, while exports run (issue 17).
const PROMPT: Duration = Duration::from_secs(1);

/// `n` released responses of station `station` in a recent week, written straight to the
/// tables, with one answer each.
async fn released_responses(app: &TestApp, station: i64, n: i64) {
    let week = (chrono::Utc::now().date_naive() - chrono::Duration::days(7)).iso_week();
    let week = format!("{:04}-W{:02}", week.year(), week.week());
    app.execute(
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO responses (id, station_id, survey_version, iso_week, language, respondent, age_band)
         SELECT {}, ?, 1, ?, 'es', 'self', '18-plus' FROM n",
            crate::helpers::random_id_sql()
        ),
        &[crate::helpers::Arg::from(n), crate::helpers::Arg::from(station), crate::helpers::Arg::from(&week)],
    )
    .await
    .unwrap();
    app.execute(
        &format!(
            "INSERT INTO answers (response_id, question_key, value) SELECT id, 'respect', {} FROM responses",
            crate::helpers::random_scale_sql()
        ),
        &[],
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_exports_at_once_leave_submissions_and_sign_in_prompt() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    released_responses(&app, station, 100_000).await;
    let client = researcher(&app, "res@digna.test", &["Lima Centro"]).await;
    let csrf = app.csrf_of(&client, "/export").await;
    let form = [
        ("csrf", csrf),
        ("item", "r:Lima Centro".to_string()),
        ("from", month_text(-40)),
        ("to", month_text(0)),
        ("unit", "month".to_string()),
        ("format", "csv".to_string()),
    ];

    // From before the exports are asked for until they are all done, a tablet submits and
    // someone opens the sign-in page, again and again: the slowest answer of each.
    let stop = Arc::new(AtomicBool::new(false));
    let probes = {
        let (stop, kiosk, staff) = (stop.clone(), app.client.clone(), app.browser());
        let (submit, signin, key) = (app.url("/api/v1/responses"), app.url("/signin"), app.state.seal.box_public_key());
        tokio::spawn(async move {
            let (mut submissions, mut sign_ins, mut probes) = (Duration::ZERO, Duration::ZERO, 0);
            while !stop.load(Ordering::Relaxed) {
                let body = wire_to(key, &full_answers(&new_id()));
                let t = Instant::now();
                let resp = kiosk.post(&submit).bearer_auth(&token).json(&body).send().await.unwrap();
                assert_eq!(resp.status(), 201);
                submissions = submissions.max(t.elapsed());
                let t = Instant::now();
                let resp = staff.get(&signin).send().await.unwrap();
                assert_eq!(resp.status(), 200);
                resp.bytes().await.unwrap();
                sign_ins = sign_ins.max(t.elapsed());
                probes += 1;
                // Slower than the tablet's rate limit refills (TABLET_REFILL), however long
                // the exports take on a busy machine.
                tokio::time::sleep(server::api::TABLET_REFILL + Duration::from_millis(50)).await;
            }
            (submissions, sign_ins, probes)
        })
    };
    let asks: Vec<_> = (0..5).map(|_| client.post(app.url("/export")).form(&form).send()).collect();
    let mut jobs = Vec::new();
    for resp in futures_util::future::join_all(asks).await {
        let resp = resp.unwrap();
        assert_eq!(resp.status(), 303, "every export is taken, to run or to wait");
        jobs.push(resp.headers()["location"].to_str().unwrap().to_string());
    }
    // All but one wait their turn, and their page says so.
    let mut queued = 0;
    for job in &jobs {
        let html = client.get(app.url(job)).send().await.unwrap().text().await.unwrap();
        queued += usize::from(html.contains("export-queued"));
    }
    assert!(queued >= 2, "{queued} of 5 shown as queued");
    let started = Instant::now();
    let mut done = vec![false; jobs.len()];
    while done.iter().any(|d| !d) {
        assert!(started.elapsed() < Duration::from_secs(300), "the exports finish");
        for (job, done) in jobs.iter().zip(done.iter_mut()).filter(|(_, d)| !**d) {
            let html = client.get(app.url(job)).send().await.unwrap().text().await.unwrap();
            assert!(!html.contains("form-error"), "an export failed: {html}");
            *done = html.contains("export-done");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let (submissions, sign_ins, probes) = probes.await.unwrap();
    assert!(probes >= 3, "the exports ran long enough to be probed ({probes} probes)");
    assert!(submissions < PROMPT, "a submission took {submissions:?} while exports ran");
    assert!(sign_ins < PROMPT, "the sign-in page took {sign_ins:?} while exports ran");
    // Each export read every response.
    let audit = crate::store_fn!(app, exports::list_audit(pool, 10)).unwrap();
    assert_eq!(audit.len(), 5);
    assert!(audit.iter().all(|a| a.rows == 100_000), "{:?}", audit.iter().map(|a| a.rows).collect::<Vec<_>>());
}

#[tokio::test]
async fn past_the_queue_an_export_is_refused_with_429_and_a_reason() {
    let app = spawn_app().await;
    let (station, _) = app.station_with_tablet("LIM-01").await;
    released_responses(&app, station, 10).await;
    let client = researcher(&app, "res@digna.test", &["Lima Centro"]).await;
    let places = server::web::export::queue::RUNNING + server::web::export::queue::WAITING;
    let held: Vec<_> = (0..places).map(|_| app.state.jobs.queue.admit().expect("a place")).collect();
    let csrf = app.csrf_of(&client, "/export").await;
    let (from, to) = (month_text(-40), month_text(0));
    let export = [("csrf", csrf.as_str()), ("item", "r:Lima Centro"), ("from", &from), ("to", &to), ("format", "csv")];
    let resp = client.post(app.url("/export")).form(&export).send().await.unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "60");
    assert!(resp.text().await.unwrap().contains("Hay demasiadas exportaciones pendientes"));
    let csrf = app.csrf_of(&client, "/export/open-data").await;
    let release = [("csrf", csrf.as_str()), ("region", "Lima Centro"), ("from", &from), ("to", &to), ("epsilon", "1")];
    let resp = client.post(app.url("/export/open-data")).form(&release).send().await.unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(app.count("SELECT COUNT(*) FROM export_audit").await, 0, "nothing exported");
    assert_eq!(app.count("SELECT COUNT(*) FROM privacy_spend").await, 0, "nothing spent");
    // Once the queue has room, the export is taken.
    drop(held);
    let resp = client.post(app.url("/export")).form(&export).send().await.unwrap();
    assert_eq!(resp.status(), 303);
}
