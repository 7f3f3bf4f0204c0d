use crate::helpers::{full_answers, new_id, spawn_app};
use app::db::dashboard::{question_distribution, weekly_index};
use app::domain::{IsoWeek, WeekPoint};
use serde_json::json;
use sqlx::SqlitePool;

fn week(s: &str) -> IsoWeek {
    IsoWeek::parse(s).expect("valid week")
}

fn counts(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
    pairs.iter().map(|(v, n)| (v.to_string(), *n)).collect()
}

#[tokio::test]
async fn a_released_batch_gives_its_week_index_and_distributions() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    let (other, other_token) = app.station_with_tablet("LIM-02").await;
    for i in 0..5 {
        let mut body = full_answers(&new_id());
        if i < 2 {
            body["answers"]["respect"] = json!(1);
        }
        assert_eq!(app.submit(&token, &body).await.status(), 201);
        // Another station's batch never counts here.
        let mut body = full_answers(&new_id());
        body["answers"]["overall"] = json!(1);
        assert_eq!(app.submit(&other_token, &body).await.status(), 201);
    }
    let this_week = week(&app::db::responses::iso_week_label(chrono::Utc::now(), "America/Lima"));
    let (from, to) = (this_week.prev().unwrap(), this_week.next().unwrap());

    // Each response scores 4, 3, 2, 4, 3, 4 (privacy is "rather_not"): 14 points of 18;
    // two of them gave respect 1 instead of 4: (3 × 14 + 2 × 11) / (5 × 18) = 71.1 %.
    let expected = vec![WeekPoint { week: this_week, responses: 5, index: Some(71.1) }];
    assert_eq!(weekly_index(&app.pool, station, &from, &to, None).await.unwrap(), expected);
    assert_eq!(weekly_index(&app.pool, station, &from, &to, Some(1)).await.unwrap(), expected);
    assert_eq!(weekly_index(&app.pool, station, &from, &to, Some(2)).await.unwrap(), vec![]);
    // The other station's overall answers were all 1: 5 × 11 points of 90 = 61.1 %.
    assert_eq!(
        weekly_index(&app.pool, other, &from, &to, None).await.unwrap(),
        vec![WeekPoint { week: this_week, responses: 5, index: Some(61.1) }]
    );
    // A range that ends before the release holds nothing.
    assert_eq!(weekly_index(&app.pool, station, &from, &from, None).await.unwrap(), vec![]);

    let dist = |key: &'static str| question_distribution(&app.pool, station, &from, &to, key);
    assert_eq!(dist("respect").await.unwrap(), counts(&[("1", 2), ("4", 3)]));
    assert_eq!(dist("privacy").await.unwrap(), counts(&[("rather_not", 5)]));
    assert_eq!(dist("improve").await.unwrap(), counts(&[("children", 5), ("information", 5)]));
    assert_eq!(dist("waiting_time").await.unwrap(), counts(&[("30-60", 5)]));
    assert_eq!(dist("respondent").await.unwrap(), vec![], "profile items are dimensions, not answers");
    assert_eq!(question_distribution(&app.pool, station, &from, &from, "respect").await.unwrap(), vec![]);
}

async fn add_week(
    pool: &SqlitePool,
    station: i64,
    iso_week: &str,
    version: i64,
    suspect: i64,
    responses: i64,
    answers: &[(&str, &str, i64)],
) {
    sqlx::query(
        "INSERT INTO response_rollups (station_id, iso_week, survey_version, language, respondent, age_band, suspect, responses)
         VALUES (?, ?, ?, 'es', 'self', '18-plus', ?, ?)",
    )
    .bind(station)
    .bind(iso_week)
    .bind(version)
    .bind(suspect)
    .bind(responses)
    .execute(pool)
    .await
    .unwrap();
    for (question, value, n) in answers {
        sqlx::query(
            "INSERT INTO answer_rollups (station_id, iso_week, survey_version, language, respondent, age_band, suspect, question_key, value, answers)
             VALUES (?, ?, ?, 'es', 'self', '18-plus', ?, ?, ?, ?)",
        )
        .bind(station)
        .bind(iso_week)
        .bind(version)
        .bind(suspect)
        .bind(question)
        .bind(value)
        .bind(n)
        .execute(pool)
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn weeks_without_a_release_are_gaps_and_suspect_responses_are_left_out() {
    let app = spawn_app().await;
    let station = app.add_station("LIM-01").await;
    let other = app.add_station("LIM-02").await;
    let pool = &app.pool;
    // A version 2 in which respect no longer counts toward the index.
    sqlx::raw_sql(
        "INSERT INTO survey_versions (version, published) VALUES (2, 0);
         INSERT INTO questions (survey_version, key, position, kind, in_index) VALUES
             (2, 'respect', 1, 'scale4', 0), (2, 'overall', 2, 'scale4', 1);",
    )
    .execute(pool)
    .await
    .unwrap();
    let w10 = [("respect", "4", 5), ("overall", "3", 5), ("waiting_time", "30-60", 5)];
    add_week(pool, station, "2026-W10", 1, 0, 5, &w10).await;
    // Suspect responses in a counted week, and alone in the gap week: neither may show.
    add_week(pool, station, "2026-W10", 1, 1, 6, &[("respect", "1", 6), ("overall", "1", 6)]).await;
    add_week(pool, station, "2026-W11", 1, 1, 5, &[("respect", "1", 5)]).await;
    add_week(pool, station, "2026-W12", 1, 0, 7, &[("respect", "2", 7), ("safety", "rather_not", 7)]).await;
    add_week(pool, station, "2026-W13", 2, 0, 5, &[("respect", "1", 5), ("overall", "4", 5)]).await;
    add_week(pool, station, "2026-W14", 1, 0, 5, &[("respect", "4", 5)]).await;
    add_week(pool, other, "2026-W11", 1, 0, 5, &[("respect", "1", 5)]).await;

    let (from, to) = (week("2026-W09"), week("2026-W13"));
    // W10: 5 × 100 and 5 × 66.7, waiting time does not count; W12: 5 × 33.3, "rather
    // not" left out; W13: only overall counts under version 2.
    let w10 = WeekPoint { week: week("2026-W10"), responses: 5, index: Some(83.3) };
    let w12 = WeekPoint { week: week("2026-W12"), responses: 7, index: Some(33.3) };
    let w13 = WeekPoint { week: week("2026-W13"), responses: 5, index: Some(100.0) };
    assert_eq!(
        weekly_index(pool, station, &from, &to, None).await.unwrap(),
        vec![w10.clone(), w12.clone(), w13.clone()],
        "W11 is a gap, W14 is outside the range"
    );
    assert_eq!(weekly_index(pool, station, &from, &to, Some(1)).await.unwrap(), vec![w10, w12]);
    assert_eq!(weekly_index(pool, station, &from, &to, Some(2)).await.unwrap(), vec![w13]);
    assert_eq!(
        question_distribution(pool, station, &from, &to, "respect").await.unwrap(),
        counts(&[("1", 5), ("2", 7), ("4", 5)])
    );
}
