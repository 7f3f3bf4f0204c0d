use crate::helpers::{contains, full_answers, new_id, spawn_app};
use serde_json::json;

/// Tables that describe the survey itself, where question and choice keys belong.
const CATALOG: [&str; 6] = ["_sqlx_migrations", "choices", "languages", "questions", "survey_versions", "texts"];

#[tokio::test]
async fn four_pending_stay_sealed_and_the_fifth_releases_all_five() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    let (_, other_token) = app.station_with_tablet("LIM-02").await;

    for _ in 0..4 {
        assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
    }
    // Another station's responses never complete this station's batch.
    for _ in 0..3 {
        assert_eq!(app.submit(&other_token, &full_answers(&new_id())).await.status(), 201);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 7);
    for table in ["responses", "answers", "response_rollups", "answer_rollups"] {
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM {table}")).await, 0, "{table} must be empty");
    }
    assert!(app::db::responses::has_pending(&app.pool, station).await.unwrap());
    assert_eq!(app::db::responses::released_count(&app.pool, station).await.unwrap(), 0);

    // No table outside the survey catalog holds any of the answers in the clear.
    let dump = app.dump().await;
    for (table, rows) in &dump {
        if CATALOG.contains(&table.as_str()) {
            continue;
        }
        for value in rows.iter().flatten() {
            for secret in [&b"30-60"[..], b"children", b"information", b"rather_not", b"18-plus", b"respect", b"\"es\""]
            {
                assert!(!contains(value, secret), "{table} shows {:?} in the clear", String::from_utf8_lossy(secret));
            }
        }
    }

    assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
    let pending_here: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pending_responses WHERE station_id = ?")
        .bind(station)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(pending_here, 0, "all five were released together");
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 3, "the other station still waits");
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 5);
    let weeks: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT iso_week FROM responses").fetch_all(&app.pool).await.unwrap();
    assert_eq!(weeks.len(), 1, "one time label for the whole batch");
    assert_eq!(weeks[0], app::db::responses::iso_week_label(chrono::Utc::now(), "America/Lima"));
    assert_eq!(app::db::responses::released_count(&app.pool, station).await.unwrap(), 5);
    assert!(!app::db::responses::has_pending(&app.pool, station).await.unwrap());
}

#[tokio::test]
async fn rollups_count_every_answer_of_the_batch() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    for i in 0..5 {
        let mut body = full_answers(&new_id());
        if i < 2 {
            body["answers"]["respect"] = json!(1);
            body["answers"].as_object_mut().unwrap().remove("age_band");
        }
        assert_eq!(app.submit(&token, &body).await.status(), 201);
    }
    let count = |question: &'static str, value: &'static str| {
        let pool = app.pool.clone();
        async move {
            let n: Option<i64> = sqlx::query_scalar(
                "SELECT SUM(answers) FROM answer_rollups WHERE station_id = ? AND question_key = ? AND value = ?",
            )
            .bind(station)
            .bind(question)
            .bind(value)
            .fetch_one(&pool)
            .await
            .unwrap();
            n.unwrap_or(0)
        }
    };
    assert_eq!(count("respect", "1").await, 2);
    assert_eq!(count("respect", "4").await, 3);
    assert_eq!(count("privacy", "rather_not").await, 5);
    assert_eq!(count("improve", "information").await, 5);
    assert_eq!(count("improve", "children").await, 5);
    assert_eq!(count("respondent", "self").await, 0, "profile items are dimensions, not answers");
    let by_age: Vec<(String, i64)> = sqlx::query_as(
        "SELECT age_band, SUM(responses) FROM response_rollups WHERE station_id = ? GROUP BY age_band ORDER BY age_band",
    )
    .bind(station)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(by_age, vec![("".to_string(), 2), ("18-plus".to_string(), 3)]);
    let answers_rows = app.count("SELECT COUNT(*) FROM answers").await;
    assert_eq!(answers_rows, 5 * 10, "9 care questions, improve with two choices");
}

#[tokio::test]
async fn one_batch_releases_every_station_it_brings_to_k_and_no_other() {
    use crate::responses::pending;
    let app = spawn_app().await;
    let a = app.add_station("LIM-01").await;
    let b = app.add_station("LIM-02").await;
    let c = app.add_station("LIM-03").await;
    for _ in 0..3 {
        let p = pending(&app, a, &full_answers(&new_id())).await;
        app::db::responses::submit_batch(&app.pool, &app.state.seal, &[p], 5).await.unwrap();
    }
    // One batch: three more for a (six pending), seven for b, two for c.
    let mut batch = Vec::new();
    for (station, n) in [(a, 3), (b, 7), (c, 2)] {
        for _ in 0..n {
            batch.push(pending(&app, station, &full_answers(&new_id())).await);
        }
    }
    app::db::responses::submit_batch(&app.pool, &app.state.seal, &batch, 5).await.unwrap();
    assert_eq!(app::db::responses::released_count(&app.pool, a).await.unwrap(), 6, "all six of a together");
    assert_eq!(app::db::responses::released_count(&app.pool, b).await.unwrap(), 7, "all seven of b together");
    assert_eq!(app::db::responses::released_count(&app.pool, c).await.unwrap(), 0, "c stays under k");
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 13);
    let per_answer: i64 = app.count("SELECT SUM(answers) FROM answer_rollups WHERE question_key = 'respect'").await;
    assert_eq!(per_answer, 13, "the roll-ups count every released answer once");
}

#[tokio::test]
async fn concurrent_deliveries_never_leave_k_pending() {
    let app = spawn_app().await;
    let mut tokens = Vec::new();
    for code in ["LIM-01", "LIM-02"] {
        let (station, token) = app.station_with_tablet(code).await;
        let enrollment = app.enrollment_code(station).await;
        let second: serde_json::Value = app.enroll(&enrollment).await.json().await.unwrap();
        tokens.push((station, token, second["token"].as_str().unwrap().to_string()));
    }
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..24 {
        let (_, first, second) = &tokens[i % 2];
        let token = if i % 4 < 2 { first } else { second };
        let request = app.client.post(app.url("/api/v1/responses")).bearer_auth(token).json(&full_answers(&new_id()));
        sends.spawn(async move { request.send().await.expect("request").status().as_u16() });
    }
    assert!(sends.join_all().await.iter().all(|s| *s == 201));
    for (station, _, _) in &tokens {
        let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pending_responses WHERE station_id = ?")
            .bind(station)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        let released = app::db::responses::released_count(&app.pool, *station).await.unwrap();
        assert!(pending < 5, "a station never keeps k or more pending: {pending}");
        assert_eq!(pending + released, 12, "every acknowledged response is pending or released");
    }
    let weeks: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT iso_week FROM responses").fetch_all(&app.pool).await.unwrap();
    assert_eq!(weeks, vec![app::db::responses::iso_week_label(chrono::Utc::now(), "America/Lima")]);
}
