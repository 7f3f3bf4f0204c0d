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
