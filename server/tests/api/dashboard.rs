//! The dashboards' roll-ups, as releases write them: a week's index and distributions,
//! gaps for weeks without a release, and the derived tables that follow every release.
//! (What the supervisor pages show of them, suppressed: `dashboard_suppression`.)

use crate::helpers::{full_answers, new_id, spawn_app, TestApp};
use domain::{IsoWeek, WeekPoint};
use serde_json::json;

// The store's dashboard functions, on whichever database the app runs.

async fn weekly_index(
    app: &TestApp,
    station_id: i64,
    from: &IsoWeek,
    to: &IsoWeek,
    survey_version: Option<i64>,
) -> Result<Vec<WeekPoint>, String> {
    crate::store_fn!(app, dashboard::weekly_index(pool, station_id, from, to, survey_version))
}

async fn question_distribution(
    app: &TestApp,
    station_id: i64,
    from: &IsoWeek,
    to: &IsoWeek,
    question_key: &str,
) -> Result<Vec<(String, i64)>, String> {
    crate::store_fn!(app, dashboard::question_distribution(pool, station_id, from, to, question_key))
}

pub(crate) fn week(s: &str) -> IsoWeek {
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
    app.release().await;
    let this_week = week(&domain::time::calendar::iso_week_label(chrono::Utc::now(), "America/Lima"));
    let (from, to) = (this_week.prev().unwrap(), this_week.next().unwrap());

    // Each response scores 4, 3, 2, 4, 3, 4 (privacy is "rather_not"): 14 points of 18;
    // two of them gave respect 1 instead of 4: (3 × 14 + 2 × 11) / (5 × 18) = 71.1 %.
    let expected = vec![WeekPoint { week: this_week, responses: 5, index: Some(71.1) }];
    assert_eq!(weekly_index(&app, station, &from, &to, None).await.unwrap(), expected);
    assert_eq!(weekly_index(&app, station, &from, &to, Some(1)).await.unwrap(), expected);
    assert_eq!(weekly_index(&app, station, &from, &to, Some(2)).await.unwrap(), vec![]);
    // The other station's overall answers were all 1: 5 × 11 points of 90 = 61.1 %.
    assert_eq!(
        weekly_index(&app, other, &from, &to, None).await.unwrap(),
        vec![WeekPoint { week: this_week, responses: 5, index: Some(61.1) }]
    );
    // A range that ends before the release holds nothing.
    assert_eq!(weekly_index(&app, station, &from, &from, None).await.unwrap(), vec![]);

    let dist = |key: &'static str| question_distribution(&app, station, &from, &to, key);
    assert_eq!(dist("respect").await.unwrap(), counts(&[("1", 2), ("4", 3)]));
    assert_eq!(dist("privacy").await.unwrap(), counts(&[("rather_not", 5)]));
    assert_eq!(dist("improve").await.unwrap(), counts(&[("children", 5), ("information", 5)]));
    assert_eq!(dist("waiting_time").await.unwrap(), counts(&[("30-60", 5)]));
    assert_eq!(dist("respondent").await.unwrap(), vec![], "profile items are dimensions, not answers");
    assert_eq!(question_distribution(&app, station, &from, &from, "respect").await.unwrap(), vec![]);
}

async fn add_week(
    app: &TestApp,
    station: i64,
    iso_week: &str,
    version: i64,
    suspect: bool,
    responses: i64,
    answers: &[(&str, &str, i64)],
) {
    app.execute("INSERT INTO response_rollups (station_id, iso_week, survey_version, language, respondent, age_band, suspect, responses)
         VALUES (?, ?, ?, 'es', 'self', '18-plus', ?, ?)", &[crate::helpers::Arg::from(station), crate::helpers::Arg::from(iso_week), crate::helpers::Arg::from(version), crate::helpers::Arg::from(suspect), crate::helpers::Arg::from(responses)]).await
    .unwrap();
    for (question, value, n) in answers {
        app.execute("INSERT INTO answer_rollups (station_id, iso_week, survey_version, language, respondent, age_band, suspect, question_key, value, answers)
             VALUES (?, ?, ?, 'es', 'self', '18-plus', ?, ?, ?, ?)", &[crate::helpers::Arg::from(station), crate::helpers::Arg::from(iso_week), crate::helpers::Arg::from(version), crate::helpers::Arg::from(suspect), crate::helpers::Arg::from(question), crate::helpers::Arg::from(value), crate::helpers::Arg::from(n)]).await
        .unwrap();
    }
}

#[tokio::test]
async fn weeks_without_a_release_are_gaps_and_suspect_responses_are_left_out() {
    let app = spawn_app().await;
    let station = app.add_station("LIM-01").await;
    let other = app.add_station("LIM-02").await;
    let pool = &app;
    // A version 2 in which respect no longer counts toward the index.
    app.execute("INSERT INTO survey_versions (version, published) VALUES (2, FALSE)", &[]).await.unwrap();
    app.execute(
        "INSERT INTO questions (survey_version, key, position, kind, in_index) VALUES
             (2, 'respect', 1, 'scale4', FALSE), (2, 'overall', 2, 'scale4', TRUE)",
        &[],
    )
    .await
    .unwrap();
    let w10 = [("respect", "4", 5), ("overall", "3", 5), ("waiting_time", "30-60", 5)];
    add_week(pool, station, "2026-W10", 1, false, 5, &w10).await;
    // Suspect responses in a counted week, and alone in the gap week: neither may show.
    add_week(pool, station, "2026-W10", 1, true, 6, &[("respect", "1", 6), ("overall", "1", 6)]).await;
    add_week(pool, station, "2026-W11", 1, true, 5, &[("respect", "1", 5)]).await;
    add_week(pool, station, "2026-W12", 1, false, 7, &[("respect", "2", 7), ("safety", "rather_not", 7)]).await;
    add_week(pool, station, "2026-W13", 2, false, 5, &[("respect", "1", 5), ("overall", "4", 5)]).await;
    add_week(pool, station, "2026-W14", 1, false, 5, &[("respect", "4", 5)]).await;
    add_week(pool, other, "2026-W11", 1, false, 5, &[("respect", "1", 5)]).await;

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

#[tokio::test]
async fn the_week_and_index_rollups_follow_every_release() {
    // What the overview and the comparison read is kept by triggers on the roll-ups:
    // after releases that add to the same week's cells, it still matches them exactly.
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    for i in 0..17 {
        let mut body = full_answers(&new_id());
        body["answers"]["respect"] = json!(1 + i % 4);
        if i % 3 == 0 {
            body["answers"]["overall"] = json!("rather_not");
        }
        assert_eq!(app.submit(&token, &body).await.status(), 201);
        if i % 5 == 4 {
            app.release().await;
        }
    }
    let pool = &app;
    let mismatches = |sql: &'static str| pool.count(sql);
    let index = mismatches(
        "SELECT COUNT(*) FROM (
           SELECT station_id, suspect, iso_week, survey_version, language, question_key, points, scored FROM index_rollups
           EXCEPT
           SELECT a.station_id, a.suspect, a.iso_week, a.survey_version, a.language, a.question_key,
                  SUM((CAST(a.value AS INTEGER) - 1) * a.answers), SUM(a.answers)
           FROM answer_rollups a
           JOIN questions q ON q.survey_version = a.survey_version AND q.key = a.question_key AND q.in_index
           WHERE a.value IN ('1', '2', '3', '4')
           GROUP BY 1, 2, 3, 4, 5, 6) AS mismatched",
    )
    .await;
    let weeks = mismatches(
        "SELECT COUNT(*) FROM (
           SELECT station_id, suspect, iso_week, survey_version, language, responses, points, scored, top_scored
           FROM week_rollups
           EXCEPT
           SELECT r.station_id, r.suspect, r.iso_week, r.survey_version, r.language, r.n, i.p, i.s, i.t
           FROM (SELECT station_id, suspect, iso_week, survey_version, language, SUM(responses) AS n
                 FROM response_rollups GROUP BY 1, 2, 3, 4, 5) r
           JOIN (SELECT station_id, suspect, iso_week, survey_version, language,
                        SUM(points) AS p, SUM(scored) AS s, MAX(scored) AS t
                 FROM index_rollups GROUP BY 1, 2, 3, 4, 5) i
             USING (station_id, suspect, iso_week, survey_version, language)) AS mismatched",
    )
    .await;
    let stations = mismatches(
        "SELECT COUNT(*) FROM (
           SELECT station_id, suspect, iso_week, responses, points, scored, top_scored, summary FROM station_weeks
           EXCEPT
           SELECT w.station_id, w.suspect, w.iso_week, w.r, w.p, w.s, t.top,
                  w.iso_week || ' ' || w.r || ' ' || w.p || ' ' || w.s || ' ' || t.top
           FROM (SELECT station_id, suspect, iso_week, SUM(responses) AS r, SUM(points) AS p, SUM(scored) AS s
                 FROM week_rollups GROUP BY 1, 2, 3) w
           JOIN (SELECT station_id, suspect, iso_week, MAX(s) AS top
                 FROM (SELECT station_id, suspect, iso_week, SUM(scored) AS s FROM index_rollups
                       GROUP BY station_id, suspect, iso_week, question_key) AS by_question
                 GROUP BY 1, 2, 3) t
             USING (station_id, suspect, iso_week)) AS mismatched",
    )
    .await;
    assert_eq!((index, weeks, stations), (0, 0, 0));
    let released = app.count("SELECT SUM(responses) FROM week_rollups").await;
    assert_eq!(released, 15, "three releases of five; two responses still pending");
    let top = app.count("SELECT MAX(top_scored) FROM week_rollups").await;
    assert_eq!(top, 15, "every response scored respect");
}
