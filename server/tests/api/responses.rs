use crate::helpers::{full_answers, new_id, spawn_app};
use serde_json::{json, Value};

const PENDING: &str = "SELECT COUNT(*) FROM pending_responses";

#[tokio::test]
async fn first_delivery_is_201_and_a_replay_is_200_storing_nothing() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let body = full_answers(&new_id());
    let first = app.submit(&token, &body).await;
    assert_eq!(first.status(), 201);
    assert_eq!(first.json::<Value>().await.unwrap()["status"], "stored");
    for _ in 0..3 {
        let replay = app.submit(&token, &body).await;
        assert_eq!(replay.status(), 200);
        assert_eq!(replay.json::<Value>().await.unwrap()["status"], "duplicate");
    }
    assert_eq!(app.count(PENDING).await, 1, "stored exactly once");
    assert_eq!(app.count("SELECT COUNT(*) FROM submission_keys").await, 1);
}

#[tokio::test]
async fn concurrent_deliveries_of_one_response_store_it_once() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let body = full_answers(&new_id());
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..8 {
        // Each sealed anew, as a tablet's retries are: the same id inside.
        let request = app.client.post(app.url("/api/v1/responses")).bearer_auth(&token).json(&app.wire(&body));
        sends.spawn(async move { request.send().await.expect("request").status().as_u16() });
    }
    let statuses = sends.join_all().await;
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 7, "{statuses:?}");
    assert_eq!(app.count(PENDING).await, 1);
}

#[tokio::test]
async fn a_fully_skipped_survey_is_a_valid_response() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let resp = app.submit(&token, &json!({"id": new_id(), "survey_version": 1, "language": "en", "answers": {}})).await;
    assert_eq!(resp.status(), 201);
}

#[tokio::test]
async fn no_token_or_a_revoked_token_is_401_and_stores_nothing() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let body = full_answers(&new_id());
    let none = app.client.post(app.url("/api/v1/responses")).json(&body).send().await.unwrap();
    assert_eq!(none.status(), 401);
    crate::store_fn!(app, tablets::revoke(pool, &server::auth::secret_hash(&token))).unwrap();
    assert_eq!(app.submit(&token, &body).await.status(), 401);
    assert_eq!(app.count(PENDING).await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM submission_keys").await, 0);
}

#[tokio::test]
async fn a_body_over_64_kib_is_413() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let mut body = full_answers(&new_id());
    body["answers"]["padding"] = json!("x".repeat(70 * 1024));
    let resp = app.post_response(&token, &body).await;
    assert_eq!(resp.status(), 413);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "payload_too_large");
    assert_eq!(app.count(PENDING).await, 0);
}

#[tokio::test]
async fn invalid_answers_are_422_naming_the_field_and_store_nothing() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let with = |f: &dyn Fn(&mut Value)| {
        let mut b = full_answers(&new_id());
        f(&mut b);
        b
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        ("unknown question", with(&|b| b["answers"]["aggressor_name"] = json!("x")), "answers.aggressor_name"),
        ("scale out of range", with(&|b| b["answers"]["respect"] = json!(7)), "answers.respect"),
        ("scale zero", with(&|b| b["answers"]["overall"] = json!(0)), "answers.overall"),
        ("unknown choice", with(&|b| b["answers"]["waiting_time"] = json!("2h")), "answers.waiting_time"),
        ("duplicate choices", with(&|b| b["answers"]["improve"] = json!(["privacy", "privacy"])), "answers.improve"),
        ("unpublished version", with(&|b| b["survey_version"] = json!(99)), "survey_version"),
        ("unknown language", with(&|b| b["language"] = json!("de")), "language"),
        ("id not a uuid", with(&|b| b["id"] = json!("1234")), "id"),
        (
            "missing id",
            with(&|b| {
                b.as_object_mut().unwrap().remove("id");
            }),
            "id",
        ),
        ("extra field", with(&|b| b["ip"] = json!("10.0.0.1")), "ip"),
    ];
    for (case, body, field) in cases {
        let resp = app.submit(&token, &body).await;
        assert_eq!(resp.status(), 422, "{case}");
        let err: Value = resp.json().await.unwrap();
        assert_eq!(err["error"], "validation", "{case}");
        assert_eq!(err["field"], field, "{case}: {err}");
        assert!(err["message"].as_str().unwrap().len() > 3, "{case}: {err}");
    }
    assert_eq!(app.count(PENDING).await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM submission_keys").await, 0, "a refused id is not remembered");
}

#[tokio::test]
async fn malformed_bodies_get_precise_errors() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let post = |body: &'static str, ctype: &'static str| {
        app.client
            .post(app.url("/api/v1/responses"))
            .bearer_auth(&token)
            .header("content-type", ctype)
            .body(body)
            .send()
    };
    let not_json = post("{\"id\": ", "application/json").await.unwrap();
    assert_eq!(not_json.status(), 400);
    assert!(not_json.json::<Value>().await.unwrap()["message"].as_str().unwrap().contains("not valid JSON"));
    assert_eq!(post("{}", "text/plain").await.unwrap().status(), 415);
    assert_eq!(post("[]", "application/json").await.unwrap().status(), 422);
    assert_eq!(app.count(PENDING).await, 0);
}

#[tokio::test]
async fn answers_under_an_older_published_version_keep_that_version() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    // Publish version 2 as a copy of version 1.
    for sql in [
        "INSERT INTO survey_versions (version, published) VALUES (2, TRUE)",
        "INSERT INTO questions (survey_version, key, position, kind, in_index, profile)
         SELECT 2, key, position, kind, in_index, profile FROM questions WHERE survey_version = 1",
        "INSERT INTO choices (survey_version, question_key, key, position)
         SELECT 2, question_key, key, position FROM choices WHERE survey_version = 1",
        "INSERT INTO texts (survey_version, question_key, choice_key, language, text, child_text, review)
         SELECT 2, question_key, choice_key, language, text, child_text, review FROM texts WHERE survey_version = 1",
    ] {
        app.execute(sql, &[]).await.unwrap();
    }
    let survey: Value =
        app.client.get(app.url("/api/v1/survey")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(survey["version"], 2, "tablets are given the newest version");
    for _ in 0..5 {
        assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201, "version 1 still accepted");
    }
    app.release().await;
    let v1 = app
        .count(&format!(
            "SELECT SUM(responses) FROM response_rollups WHERE station_id = {station} AND survey_version = 1"
        ))
        .await;
    assert_eq!(v1, 5);
}

/// A submission of `body` at `station`, parsed as the API parses it, for the storage
/// functions (the API's writer stores these in batches).
pub(crate) async fn pending(
    app: &crate::helpers::TestApp,
    station: i64,
    body: &Value,
) -> server::privacy::ingest::Pending {
    let survey = crate::store_fn!(app, survey::load(pool, 1)).unwrap().expect("survey version 1");
    let body = domain::SubmissionBody::from_json(body.clone()).unwrap();
    let submission = domain::Submission::parse(&body, &survey).unwrap();
    let iso_week = domain::time::calendar::iso_week_label(chrono::Utc::now(), "America/Lima");
    server::privacy::ingest::Pending { station_id: station, iso_week, submission }
}

#[tokio::test]
async fn two_copies_in_one_batch_are_stored_once_and_the_second_is_a_replay() {
    use server::privacy::ingest::submit_batch;
    use store::responses::Outcome;
    let app = spawn_app().await;
    let station = app.add_station("LIM-01").await;
    let (a, b) = (full_answers(&new_id()), full_answers(&new_id()));
    let batch = [pending(&app, station, &a).await, pending(&app, station, &a).await, pending(&app, station, &b).await];
    let outcomes = submit_batch(&app.db, &app.state.seal, &batch).await.unwrap();
    assert_eq!(outcomes, vec![Outcome::Stored, Outcome::Replay, Outcome::Stored]);
    assert_eq!(app.count(PENDING).await, 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM submission_keys").await, 2);
    // A later batch sees them too.
    let again = submit_batch(&app.db, &app.state.seal, &batch[1..]).await.unwrap();
    assert_eq!(again, vec![Outcome::Replay, Outcome::Replay]);
    assert_eq!(app.count(PENDING).await, 2);
}

#[tokio::test]
async fn many_concurrent_copies_of_several_responses_each_store_once() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let bodies: Vec<Value> = (0..4).map(|_| full_answers(&new_id())).collect();
    let mut sends = tokio::task::JoinSet::new();
    for copy in 0..6 {
        for (i, body) in bodies.iter().enumerate() {
            let request = app.client.post(app.url("/api/v1/responses")).bearer_auth(&token).json(&app.wire(body));
            sends.spawn(async move { (i, copy, request.send().await.expect("request").status().as_u16()) });
        }
    }
    let statuses = sends.join_all().await;
    for i in 0..bodies.len() {
        let of_i: Vec<u16> = statuses.iter().filter(|s| s.0 == i).map(|s| s.2).collect();
        assert_eq!(of_i.iter().filter(|s| **s == 201).count(), 1, "response {i}: {of_i:?}");
        assert_eq!(of_i.iter().filter(|s| **s == 200).count(), 5, "response {i}: {of_i:?}");
    }
    assert_eq!(app.count(PENDING).await, 4, "each stored once, pending until the release");
    assert_eq!(app.count("SELECT COUNT(*) FROM submission_keys").await, 4);
}

#[tokio::test]
async fn a_failed_batch_stores_nothing_of_any_submission_in_it() {
    use server::privacy::ingest::submit_batch;
    use store::responses::Outcome;
    let app = spawn_app().await;
    let good = app.add_station("LIM-01").await;
    let bad = app.add_station("LIM-02").await;
    for _ in 0..4 {
        let p = pending(&app, good, &full_answers(&new_id())).await;
        submit_batch(&app.db, &app.state.seal, &[p]).await.unwrap();
    }
    app.fail_inserts("fail_bad", "pending_responses", Some(&format!("NEW.station_id = {bad}"))).await;
    let (first, second) = (full_answers(&new_id()), full_answers(&new_id()));
    let batch = [pending(&app, good, &first).await, pending(&app, bad, &second).await];
    assert!(submit_batch(&app.db, &app.state.seal, &batch).await.is_err());
    assert_eq!(app.count(PENDING).await, 4, "nothing of the batch was stored");
    assert_eq!(app.count("SELECT COUNT(*) FROM submission_keys").await, 4, "no client id of the batch is remembered");
    app.stop_failing("fail_bad", "pending_responses").await;
    let outcomes = submit_batch(&app.db, &app.state.seal, &batch).await.unwrap();
    assert_eq!(outcomes, vec![Outcome::Stored, Outcome::Stored], "a retry stores both, neither is a replay");
    assert_eq!(app.count(PENDING).await, 6);
}

#[tokio::test]
async fn requests_in_a_failed_batch_get_errors_and_only_acknowledged_ones_are_stored() {
    let app = spawn_app().await;
    let (_, good) = app.station_with_tablet("LIM-01").await;
    let (bad_station, bad) = app.station_with_tablet("LIM-02").await;
    app.fail_inserts("fail_bad", "pending_responses", Some(&format!("NEW.station_id = {bad_station}"))).await;
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..16 {
        let token = if i % 2 == 0 { good.clone() } else { bad.clone() };
        let body = full_answers(&new_id());
        let request = app.client.post(app.url("/api/v1/responses")).bearer_auth(&token).json(&app.wire(&body));
        sends.spawn(async move { (token, body, request.send().await.expect("request").status().as_u16()) });
    }
    let first = sends.join_all().await;
    for (token, _, status) in &first {
        if *token == bad {
            assert_eq!(*status, 500, "a batch holding a failing submission fails as a whole");
        } else {
            assert!(*status == 201 || *status == 500, "{status}");
        }
    }
    let acknowledged = first.iter().filter(|r| r.2 == 201).count() as i64;
    let stored = app.count(PENDING).await + app.count("SELECT COUNT(*) FROM responses").await;
    assert_eq!(stored, acknowledged, "stored exactly what was acknowledged");
    assert_eq!(app.count("SELECT COUNT(*) FROM submission_keys").await, acknowledged);
    // Delivered again once the trouble is gone: what failed is new, what was acknowledged is a duplicate.
    app.stop_failing("fail_bad", "pending_responses").await;
    for (token, body, status) in &first {
        let again = app.submit(token, body).await.status().as_u16();
        assert_eq!(again, if *status == 201 { 200 } else { 201 });
    }
}

#[tokio::test]
async fn failures_to_store_are_counted_into_the_hourly_report_never_logged_per_request() {
    let log = crate::helpers::TestLog::start();
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    app.fail_inserts("fail_all", "pending_responses", Some(&format!("NEW.station_id = {station}"))).await;
    let before = log.text().len();
    for _ in 0..3 {
        let resp = app.submit(&token, &full_answers(&new_id())).await;
        assert_eq!(resp.status(), 500);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "internal");
        assert!(!body.to_string().contains("disk trouble"), "no internals in the answer: {body}");
    }
    let during = log.text()[before..].to_string();
    assert!(during.trim().is_empty(), "a line per failed submission: {during}");
    app.state.counters.report();
    let report = log.text()[before..].to_string();
    assert!(report.contains("failed=3"), "{report}");
    assert!(report.contains("disk trouble"), "the last cause, in the report: {report}");
}
