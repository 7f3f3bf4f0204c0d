use crate::helpers::{contains, full_answers, new_id, spawn_app};
use serde_json::json;
use sqlx::Row;
use std::collections::BTreeMap;

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
        app::db::responses::submit_and_release(&app.pool, &app.state.seal, &[p], 5).await.unwrap();
    }
    // One batch: three more for a (six pending), seven for b, two for c.
    let mut batch = Vec::new();
    for (station, n) in [(a, 3), (b, 7), (c, 2)] {
        for _ in 0..n {
            batch.push(pending(&app, station, &full_answers(&new_id())).await);
        }
    }
    app::db::responses::submit_and_release(&app.pool, &app.state.seal, &batch, 5).await.unwrap();
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
    // The releases run after the answers: wait for the writer to finish them.
    app.settled().await;
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

/// Whether `xs` is sorted one way or the other.
fn monotonic<T: Ord>(xs: &[T]) -> bool {
    xs.windows(2).all(|w| w[0] <= w[1]) || xs.windows(2).all(|w| w[0] >= w[1])
}

#[test]
fn sequential_ids_would_be_caught() {
    // What the test below would see if ids followed submission order (a counter, a
    // timestamp, a rowid).
    let counter: Vec<[u8; 8]> = (0..20u64).map(|i| i.to_be_bytes()).collect();
    assert!(monotonic(&counter));
    assert!(monotonic(&(0..20).rev().collect::<Vec<_>>()));
    assert!(!monotonic(&[3, 1, 2]));
}

#[tokio::test]
async fn released_ids_and_storage_order_do_not_follow_submission_order() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    // 20 responses in 4 releases of 5, each told apart by its answers (i in base 4).
    for i in 0..20usize {
        let mut body = full_answers(&new_id());
        body["answers"]["respect"] = json!(i % 4 + 1);
        body["answers"]["believed"] = json!(i / 4 % 4 + 1);
        body["answers"]["informed"] = json!(i / 16 + 1);
        assert_eq!(app.submit(&token, &body).await.status(), 201);
        let released = app.count("SELECT COUNT(*) FROM responses").await;
        assert_eq!(released as usize, (i + 1) / 5 * 5, "released in batches of five");
    }
    let rows: Vec<(Vec<u8>, String, String)> = sqlx::query_as(
        "SELECT response_id, question_key, value FROM answers
         WHERE question_key IN ('respect', 'believed', 'informed')",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let mut digits: BTreeMap<Vec<u8>, [usize; 3]> = BTreeMap::new();
    for (id, question, value) in rows {
        let place = ["respect", "believed", "informed"].iter().position(|q| *q == question).unwrap();
        digits.entry(id).or_default()[place] = value.parse::<usize>().unwrap() - 1;
    }
    let submitted = |id: &Vec<u8>| {
        let [a, b, c] = digits[id];
        a + 4 * b + 16 * c
    };
    let mut by_submission: Vec<(usize, Vec<u8>)> = digits.keys().map(|id| (submitted(id), id.clone())).collect();
    by_submission.sort();
    assert_eq!(by_submission.iter().map(|(i, _)| *i).collect::<Vec<_>>(), (0..20).collect::<Vec<_>>());
    let ids: Vec<&Vec<u8>> = by_submission.iter().map(|(_, id)| id).collect();
    assert!(ids.iter().all(|id| id.len() == 16), "128-bit ids");
    // 20 random ids fall in submission order (either way) once in 10^18 runs.
    assert!(!monotonic(&ids), "ids follow submission order: {ids:?}");
    // The table has no other order than its ids: reading it back gives no submission order.
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT id FROM responses").fetch_all(&app.pool).await.unwrap();
    let order: Vec<usize> = stored.iter().map(submitted).collect();
    assert!(!monotonic(&order), "the stored order is the submission order: {order:?}");
    // Nor within a release: all four batches in order, once in 10^7 runs.
    let in_order =
        by_submission.chunks(5).filter(|batch| monotonic(&batch.iter().map(|(_, id)| id).collect::<Vec<_>>()));
    assert!(in_order.count() < 4, "every batch keeps its submission order");
}

/// Asserts two sorted row lists are equal, showing only the rows that differ.
fn same_rows(what: &str, rolled: &[String], group_by: &[String]) {
    let only_rolled: Vec<_> = rolled.iter().filter(|r| !group_by.contains(r)).collect();
    let only_rows: Vec<_> = group_by.iter().filter(|r| !rolled.contains(r)).collect();
    assert!(
        only_rolled.is_empty() && only_rows.is_empty() && rolled.len() == group_by.len(),
        "{what}: only in the roll-ups {only_rolled:?}; only in the GROUP BY {only_rows:?}"
    );
}

#[tokio::test]
async fn rollups_of_real_releases_equal_a_group_by_over_the_released_rows() {
    let app = spawn_app().await;
    let (_, first) = app.station_with_tablet("LIM-01").await;
    let (_, second) = app.station_with_tablet("LIM-02").await;
    // (language, respondent, age band, suspect?): three languages, every respondent type
    // and none, and answers finished too fast to be trusted.
    let profiles = [
        ("es", Some("self"), Some("18-plus"), false),
        ("es", Some("companion"), Some("18-plus"), false),
        ("en", Some("child"), Some("12-17"), false),
        ("qu", None, None, false),
        ("es", Some("self"), None, true),
        ("en", Some("self"), Some("18-plus"), false),
        ("qu", Some("child"), Some("under-12"), true),
        ("es", None, Some("18-plus"), false),
        ("es", Some("self"), Some("18-plus"), false),
        ("en", Some("companion"), None, false),
    ];
    let submit = |token: String, (i, (language, respondent, age_band, suspect)): (usize, _)| {
        let app = &app;
        async move {
            let mut body = full_answers(&new_id());
            body["language"] = json!(language);
            let answers = body["answers"].as_object_mut().unwrap();
            match respondent {
                Some(r) => answers.insert("respondent".into(), json!(r)),
                None => answers.remove("respondent"),
            };
            match age_band {
                Some(a) => answers.insert("age_band".into(), json!(a)),
                None => answers.remove("age_band"),
            };
            answers.insert("respect".into(), json!(i % 4 + 1));
            if i % 3 == 0 {
                answers.remove("informed");
            }
            let survey_ms = if suspect { 1_000 } else { 90_000 };
            body["durations"] = json!({"survey_ms": survey_ms, "since_previous_ms": null});
            assert_eq!(app.submit(&token, &body).await.status(), 201);
        }
    };
    for (i, profile) in profiles.into_iter().enumerate() {
        submit(first.clone(), (i, profile)).await;
    }
    for (i, profile) in profiles.into_iter().enumerate().take(5) {
        submit(second.clone(), (i + 1, profile)).await;
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 0, "all released");
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 15);

    let rows = |sql: &'static str| {
        let pool = app.pool.clone();
        async move {
            let rows = sqlx::query(sql).fetch_all(&pool).await.expect(sql);
            let mut out: Vec<String> = rows
                .iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| r.try_get_unchecked::<Option<String>, _>(i).unwrap().unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join("|")
                })
                .collect();
            out.sort();
            out
        }
    };
    let group_by = rows(
        "SELECT station_id, iso_week, survey_version, language, COALESCE(respondent, ''), COALESCE(age_band, ''),
                suspect, COUNT(*)
         FROM responses GROUP BY 1, 2, 3, 4, 5, 6, 7",
    )
    .await;
    let rolled = rows(
        "SELECT station_id, iso_week, survey_version, language, respondent, age_band, suspect, responses
         FROM response_rollups",
    )
    .await;
    same_rows("response roll-ups", &rolled, &group_by);
    let group_by = rows(
        "SELECT r.station_id, r.iso_week, r.survey_version, r.language, COALESCE(r.respondent, ''),
                COALESCE(r.age_band, ''), r.suspect, a.question_key, a.value, COUNT(*)
         FROM responses r JOIN answers a ON a.response_id = r.id GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9",
    )
    .await;
    let rolled = rows(
        "SELECT station_id, iso_week, survey_version, language, respondent, age_band, suspect, question_key, value,
                answers
         FROM answer_rollups",
    )
    .await;
    same_rows("answer roll-ups", &rolled, &group_by);

    // The dimensions really vary, so the comparison above means something.
    for (sql, n) in [
        ("SELECT COUNT(DISTINCT language) FROM response_rollups", 3),
        ("SELECT COUNT(DISTINCT respondent) FROM response_rollups", 4),
        ("SELECT COUNT(DISTINCT suspect) FROM response_rollups", 2),
        ("SELECT COUNT(DISTINCT station_id) FROM response_rollups", 2),
        ("SELECT SUM(responses) FROM response_rollups WHERE suspect = 1", 3),
    ] {
        assert_eq!(app.count(sql).await, n, "{sql}");
    }
}

/// Records as the release before the parse-don't-validate answer types sealed them
/// (serde's derived JSON of the old `ResponseContent`, checked against that code), with
/// and without the later `suspect` flag.
const SEALED_BEFORE: [&str; 2] = [
    r#"{"survey_version":1,"language":"es","answers":{"age_band":{"Choice":"18-plus"},"improve":{"Choices":["children","information"]},"privacy":{"Scale":"RatherNot"},"respect":{"Scale":{"Score":4}},"respondent":{"Choice":"self"},"waiting_time":{"Choice":"15-30"}},"suspect":true}"#,
    r#"{"survey_version":1,"language":"en","answers":{"respect":{"Scale":{"Score":1}}}}"#,
];

/// Seals `plaintext` as a pending response of `station`, with the app's own key.
async fn seal_pending(app: &crate::helpers::TestApp, station: i64, plaintext: &str) {
    let id = app::seal::random_id();
    let sealed = app.state.seal.seal(&app::db::responses::seal_context(station, &id), plaintext.as_bytes());
    sqlx::query("INSERT INTO pending_responses (id, station_id, sealed) VALUES (?, ?, ?)")
        .bind(id)
        .bind(station)
        .bind(sealed)
        .execute(&app.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn pending_sealed_by_the_previous_release_is_released_and_invalid_content_stays_sealed() {
    use crate::responses::pending;
    use app::db::responses::{released_count, submit_and_release};
    let log = crate::helpers::TestLog::start();
    let app = spawn_app().await;
    let station = app.add_station("LIM-01").await;
    for record in SEALED_BEFORE {
        seal_pending(&app, station, record).await;
    }
    // Opens with the key, but no release ever sealed it: a score of 5.
    seal_pending(
        &app,
        station,
        r#"{"survey_version":1,"language":"es","answers":{"respect":{"Scale":{"Score":5}}},"suspect":false}"#,
    )
    .await;
    for _ in 0..2 {
        submit_and_release(&app.pool, &app.state.seal, &[pending(&app, station, &full_answers(&new_id())).await], 5)
            .await
            .unwrap();
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 5);
    assert_eq!(released_count(&app.pool, station).await.unwrap(), 0, "four valid of five: the invalid one is no vote");

    submit_and_release(&app.pool, &app.state.seal, &[pending(&app, station, &full_answers(&new_id())).await], 5)
        .await
        .unwrap();
    assert_eq!(released_count(&app.pool, station).await.unwrap(), 5, "both old records released with three new");
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 1, "the invalid record stays sealed");
    assert_eq!(app.count("SELECT COUNT(*) FROM answers WHERE value = '5'").await, 0);
    // What the old records said reached the roll-ups.
    assert_eq!(
        app.count("SELECT SUM(answers) FROM answer_rollups WHERE question_key = 'respect' AND value = '1'").await,
        1
    );
    assert_eq!(app.count("SELECT SUM(responses) FROM response_rollups WHERE suspect = 1").await, 1);
    assert_eq!(app.count("SELECT SUM(responses) FROM response_rollups WHERE language = 'en'").await, 1);
    assert_eq!(
        app.count("SELECT SUM(answers) FROM answer_rollups WHERE question_key = 'waiting_time' AND value = '15-30'")
            .await,
        1
    );
    let logged = log.text();
    assert!(logged.contains("hold invalid content"), "the refusal is logged: {logged}");
    assert!(!logged.contains("Score"), "never what the record says: {logged}");
}

/// The release writes every due station of a batch in one set of statements: each
/// station's and week's rows and roll-ups stay apart, however alike the answers.
#[tokio::test]
async fn one_release_of_several_stations_keeps_their_counts_apart() {
    let app = spawn_app().await;
    let first = app.add_station("LIM-01").await;
    let second = app.add_station("LIM-02").await;
    let content = |score: &str| -> app::domain::ResponseContent {
        serde_json::from_value(json!({
            "survey_version": 1, "language": "es", "answers": {"respect": {"Choice": score}}
        }))
        .unwrap()
    };
    let mut tx = app.pool.begin().await.unwrap();
    app::db::responses::write_released_groups(
        &mut tx,
        vec![
            (first, "2026-W47", vec![content("4"), content("4"), content("2")]),
            (second, "2026-W48", vec![content("4"), content("4")]),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let count = |sql: String| {
        let pool = app.pool.clone();
        async move { sqlx::query_scalar::<_, i64>(&sql).fetch_one(&pool).await.expect(&sql) }
    };
    let rows = |station: i64, week: &str| {
        format!("SELECT COUNT(*) FROM responses WHERE station_id = {station} AND iso_week = '{week}'")
    };
    assert_eq!(count(rows(first, "2026-W47")).await, 3);
    assert_eq!(count(rows(second, "2026-W48")).await, 2);
    let rolled = |station: i64, week: &str| {
        format!("SELECT COALESCE(SUM(responses), 0) FROM response_rollups WHERE station_id = {station} AND iso_week = '{week}'")
    };
    assert_eq!(count(rolled(first, "2026-W47")).await, 3);
    assert_eq!(count(rolled(second, "2026-W48")).await, 2);
    let answered = |station: i64, value: &str| {
        format!(
            "SELECT COALESCE(SUM(answers), 0) FROM answer_rollups
             WHERE station_id = {station} AND question_key = 'respect' AND value = '{value}'"
        )
    };
    assert_eq!(count(answered(first, "4")).await, 2);
    assert_eq!(count(answered(first, "2")).await, 1);
    assert_eq!(count(answered(second, "4")).await, 2);
    assert_eq!(count(answered(second, "2")).await, 0);
    assert_eq!(count("SELECT SUM(responses) FROM response_rollups".into()).await, 5);
}

#[tokio::test]
async fn submissions_are_acknowledged_even_when_their_release_fails_and_it_is_retried_later() {
    let log = crate::helpers::TestLog::start();
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    sqlx::query("CREATE TRIGGER no_release BEFORE INSERT ON responses BEGIN SELECT RAISE(ABORT, 'disk trouble'); END")
        .execute(&app.pool)
        .await
        .unwrap();
    // The fifth makes the station due; its release fails, after it was acknowledged.
    for _ in 0..5 {
        assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 5, "kept sealed, none lost");
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 0);
    assert!(log.text().contains("a release of k failed"), "{}", log.text());
    // The station's next submission makes it due again: all six go out together.
    sqlx::query("DROP TRIGGER no_release").execute(&app.pool).await.unwrap();
    assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
    assert_eq!(app::db::responses::released_count(&app.pool, station).await.unwrap(), 6);
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 0);
}

#[tokio::test]
async fn a_restart_releases_what_was_stored_but_not_yet_released() {
    use crate::responses::pending;
    let app = spawn_app().await;
    let (due, waiting) = (app.add_station("LIM-01").await, app.add_station("LIM-02").await);
    // Stored and acknowledged, but the server stopped before their release (nothing
    // released them: only the writer does, and it never saw them).
    let mut batch = Vec::new();
    for (station, n) in [(due, 6), (waiting, 3)] {
        for _ in 0..n {
            batch.push(pending(&app, station, &full_answers(&new_id())).await);
        }
    }
    let stored = app::db::responses::submit_batch(&app.pool, &app.state.seal, &batch, 5).await.unwrap();
    assert_eq!(stored.due.iter().map(|d| d.station_id).collect::<Vec<_>>(), vec![due]);
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 9);
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 0);

    let restarted = server::Application::build(&server::settings::Settings::for_test(app.dir.path())).await.unwrap();
    restarted.state().ingest.settled().await;
    assert_eq!(app::db::responses::released_count(&app.pool, due).await.unwrap(), 6, "released on start");
    assert_eq!(app::db::responses::released_count(&app.pool, waiting).await.unwrap(), 0, "still under k");
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 3);
}
