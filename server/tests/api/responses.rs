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
        let request = app.client.post(app.url("/api/v1/responses")).bearer_auth(&token).json(&body);
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
    app::db::tablets::revoke(&app.pool, &app::seal::secret_hash(&token)).await.unwrap();
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
    let resp = app.submit(&token, &body).await;
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
        "INSERT INTO survey_versions (version, published) VALUES (2, 1)",
        "INSERT INTO questions (survey_version, key, position, kind, in_index, profile)
         SELECT 2, key, position, kind, in_index, profile FROM questions WHERE survey_version = 1",
        "INSERT INTO choices (survey_version, question_key, key, position)
         SELECT 2, question_key, key, position FROM choices WHERE survey_version = 1",
        "INSERT INTO texts (survey_version, question_key, choice_key, language, text, child_text, review)
         SELECT 2, question_key, choice_key, language, text, child_text, review FROM texts WHERE survey_version = 1",
    ] {
        sqlx::query(sql).execute(&app.pool).await.unwrap();
    }
    let survey: Value =
        app.client.get(app.url("/api/v1/survey")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(survey["version"], 2, "tablets are given the newest version");
    for _ in 0..5 {
        assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201, "version 1 still accepted");
    }
    let v1: i64 =
        sqlx::query_scalar("SELECT SUM(responses) FROM response_rollups WHERE station_id = ? AND survey_version = 1")
            .bind(station)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(v1, 5);
}
