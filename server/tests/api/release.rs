use crate::helpers::{contains, full_answers, new_id, spawn_app};
use serde_json::json;
use std::collections::BTreeMap;

/// Tables that describe the survey itself, where question and choice keys belong.
const CATALOG: [&str; 6] = ["_sqlx_migrations", "choices", "languages", "questions", "survey_versions", "texts"];

#[tokio::test]
async fn responses_stay_sealed_until_the_release_which_no_arrival_triggers() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    let (_, other_token) = app.station_with_tablet("LIM-02").await;

    // Six here, more than k: an arrival never releases anything.
    for _ in 0..6 {
        assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
    }
    // Another station's responses never complete this station's pools.
    for _ in 0..3 {
        assert_eq!(app.submit(&other_token, &full_answers(&new_id())).await.status(), 201);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 9);
    for table in ["responses", "answers", "response_rollups", "answer_rollups"] {
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM {table}")).await, 0, "{table} must be empty");
    }
    assert!(crate::store_fn!(app, responses::has_pending(pool, station)).unwrap());
    assert_eq!(crate::store_fn!(app, responses::released_count(pool, station)).unwrap(), 0);

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

    let released = app.release().await;
    let line =
        |code: &str| released.iter().find(|(c, _)| c == code).map(|(c, r)| server::privacy::release::describe(c, r));
    assert_eq!(line("LIM-01").unwrap(), "LIM-01: 1 pool released (0 with detail withheld for privacy)");
    assert_eq!(line("LIM-02").unwrap(), "LIM-02: nothing released; some responses wait for a later release");
    let pending_here: i64 = app
        .scalar("SELECT COUNT(*) FROM pending_responses WHERE station_id = ?", &[crate::helpers::Arg::from(station)])
        .await;
    assert_eq!(pending_here, 0, "all six were released together");
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 3, "the other station still waits");
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 6);
    let weeks: Vec<String> = app.scalars("SELECT DISTINCT iso_week FROM responses", &[]).await;
    assert_eq!(weeks.len(), 1, "one time label for the whole batch");
    assert_eq!(weeks[0], domain::time::calendar::iso_week_label(chrono::Utc::now(), "America/Lima"));
    assert_eq!(crate::store_fn!(app, responses::released_count(pool, station)).unwrap(), 6);
    assert!(!crate::store_fn!(app, responses::has_pending(pool, station)).unwrap());
}

#[tokio::test]
async fn rollups_count_every_answer_of_the_batch() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    // Five without an age band, five with one: two pools of k.
    for i in 0..10 {
        let mut body = full_answers(&new_id());
        if i < 5 {
            body["answers"]["respect"] = json!(1);
            body["answers"].as_object_mut().unwrap().remove("age_band");
        }
        assert_eq!(app.submit(&token, &body).await.status(), 201);
    }
    app.release().await;
    let count = |question: &'static str, value: &'static str| {
        let app = &app;
        async move {
            let n: Option<i64> = app.scalar("SELECT CAST(SUM(answers) AS BIGINT) FROM answer_rollups WHERE station_id = ? AND question_key = ? AND value = ?", &[crate::helpers::Arg::from(station), crate::helpers::Arg::from(question), crate::helpers::Arg::from(value)]).await;
            n.unwrap_or(0)
        }
    };
    assert_eq!(count("respect", "1").await, 5);
    assert_eq!(count("respect", "4").await, 5);
    assert_eq!(count("privacy", "rather_not").await, 10);
    assert_eq!(count("improve", "information").await, 10);
    assert_eq!(count("improve", "children").await, 10);
    assert_eq!(count("respondent", "self").await, 0, "profile items are dimensions, not answers");
    let by_age: Vec<(String, i64)> = app.rows("SELECT age_band, CAST(SUM(responses) AS BIGINT) FROM response_rollups WHERE station_id = ? GROUP BY age_band ORDER BY age_band", &[crate::helpers::Arg::from(station)]).await;
    assert_eq!(by_age, vec![("".to_string(), 5), ("18-plus".to_string(), 5)]);
    let answers_rows = app.count("SELECT COUNT(*) FROM answers").await;
    assert_eq!(answers_rows, 10 * 10, "9 care questions, improve with two choices");
}

#[tokio::test]
async fn a_lone_quechua_speaking_child_waits_then_is_released_generalized_never_alone() {
    use domain::privacy::release::WITHHELD;
    use server::privacy::release::ReleaseRule;
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    let child = || {
        let mut body = full_answers(&new_id());
        body["language"] = json!("qu");
        body["answers"]["respondent"] = json!("child");
        body["answers"]["age_band"] = json!("12-17");
        body["answers"]["waiting_time"] = json!("under-15");
        body
    };
    assert_eq!(app.submit(&token, &child()).await.status(), 201);
    for _ in 0..9 {
        assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
    }
    // Within the hold limit: the nine adults go out as they are, she waits.
    app.release().await;
    assert_eq!(crate::store_fn!(app, responses::released_count(pool, station)).unwrap(), 9);
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM responses WHERE language = 'qu' OR respondent = 'child'").await, 0);
    // More adults come; once she has waited the hold limit (here: none), she is released
    // with everything withheld, in a pool completed to k by adults who give up detail.
    for _ in 0..9 {
        assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
    }
    app.release_with(ReleaseRule { k: domain::K::new(5), hold_weeks: 0 }).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM responses WHERE language = 'qu' OR respondent = 'child'").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM answers WHERE value = 'under-15'").await, 0);
    let generalized = format!(
        "SELECT COUNT(*) FROM responses WHERE language = '{WITHHELD}' AND respondent = '{WITHHELD}'
         AND age_band = '{WITHHELD}'"
    );
    assert_eq!(app.count(&generalized).await, 5, "she is one of k rows that say nothing observable");
    let waits = format!("SELECT COUNT(*) FROM answers WHERE question_key = 'waiting_time' AND value = '{WITHHELD}'");
    assert_eq!(app.count(&waits).await, 5);
    // Every combination of quasi-identifiers in the station's data appears k times or more.
    let smallest = app
        .count(
            "SELECT MIN(n) FROM (SELECT COUNT(*) AS n FROM responses r
             LEFT JOIN answers w ON w.response_id = r.id AND w.question_key = 'waiting_time'
             GROUP BY r.iso_week, r.survey_version, r.language, r.respondent, r.age_band, r.suspect, w.value) AS combinations",
        )
        .await;
    assert!(smallest >= 5, "a combination released {smallest} times");
}

#[tokio::test]
async fn concurrent_deliveries_are_all_stored_and_released_once() {
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
        let mut body = full_answers(&new_id());
        body["durations"] = json!({"survey_ms": 90_000, "since_previous_ms": null});
        let request = app.client.post(app.url("/api/v1/responses")).bearer_auth(token).json(&app.seal(&body));
        sends.spawn(async move { request.send().await.expect("request").status().as_u16() });
    }
    assert!(sends.join_all().await.iter().all(|s| *s == 201));
    app.settled().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 24, "nothing released on arrival");
    // Releases running concurrently with each other release each response once.
    let (a, b) = tokio::join!(app.release(), app.release());
    assert_eq!(a.len() + b.len(), 4);
    for (station, _, _) in &tokens {
        let pending: i64 = app
            .scalar(
                "SELECT COUNT(*) FROM pending_responses WHERE station_id = ?",
                &[crate::helpers::Arg::from(station)],
            )
            .await;
        let released = crate::store_fn!(app, responses::released_count(pool, *station)).unwrap();
        assert_eq!((pending, released), (0, 12), "every acknowledged response released, once");
    }
    let weeks: Vec<String> = app.scalars("SELECT DISTINCT iso_week FROM responses", &[]).await;
    assert_eq!(weeks, vec![domain::time::calendar::iso_week_label(chrono::Utc::now(), "America/Lima")]);
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
        if i % 5 == 4 {
            app.release().await;
        }
        let released = app.count("SELECT COUNT(*) FROM responses").await;
        assert_eq!(released as usize, (i + 1) / 5 * 5, "released in releases of five");
    }
    let rows: Vec<(Vec<u8>, String, String)> = app
        .rows(
            "SELECT response_id, question_key, value FROM answers
         WHERE question_key IN ('respect', 'believed', 'informed')",
            &[],
        )
        .await;
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
    let stored: Vec<Vec<u8>> = app.scalars("SELECT id FROM responses", &[]).await;
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
    // Each profile three times (k = 3 below), the first six times, and one lone
    // profile that is released generalized, with two of the first's as donors.
    for (i, profile) in profiles.into_iter().enumerate() {
        for _ in 0..if i == 0 { 6 } else { 3 } {
            submit(first.clone(), (i, profile)).await;
        }
    }
    submit(first.clone(), (3, ("en", Some("companion"), Some("12-17"), false))).await;
    for (i, profile) in profiles.into_iter().enumerate().take(5) {
        for _ in 0..3 {
            submit(second.clone(), (i + 1, profile)).await;
        }
    }
    app.release_with(server::privacy::release::ReleaseRule { k: domain::K::new(3), hold_weeks: 0 }).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 0, "all released");
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 49);

    let rows = |sql: &'static str| {
        let app = &app;
        async move {
            let mut out: Vec<String> = app.text_rows(sql).await.into_iter().map(|r| r.join("|")).collect();
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
        ("SELECT COUNT(DISTINCT language) FROM response_rollups", 4),
        ("SELECT COUNT(DISTINCT respondent) FROM response_rollups", 5),
        ("SELECT COUNT(DISTINCT suspect) FROM response_rollups", 2),
        ("SELECT COUNT(DISTINCT station_id) FROM response_rollups", 2),
        ("SELECT SUM(responses) FROM response_rollups WHERE suspect", 9),
        ("SELECT SUM(responses) FROM response_rollups WHERE language = '_withheld'", 3),
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
    let id = server::privacy::seal::random_id();
    let sealed = app.state.seal.seal(&server::privacy::pending::seal_context(station, &id), plaintext.as_bytes());
    app.execute(
        "INSERT INTO pending_responses (id, station_id, sealed) VALUES (?, ?, ?)",
        &[crate::helpers::Arg::from(id), crate::helpers::Arg::from(station), crate::helpers::Arg::from(sealed)],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn pending_sealed_by_the_previous_release_is_released_and_invalid_content_stays_sealed() {
    use crate::responses::pending;
    use server::privacy::ingest::submit_batch;
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
        let p = pending(&app, station, &full_answers(&new_id())).await;
        submit_batch(&app.db, &app.state.seal, &[p]).await.unwrap();
    }
    // Four valid of five (the invalid one is no vote), each its own profile: waiting.
    let rule = server::privacy::release::ReleaseRule { k: domain::K::new(5), hold_weeks: 0 };
    app.release_with(server::privacy::release::ReleaseRule { k: domain::K::new(5), hold_weeks: 4 }).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 5);
    assert_eq!(crate::store_fn!(app, responses::released_count(pool, station)).unwrap(), 0, "fewer than k valid ones");

    let p = pending(&app, station, &full_answers(&new_id())).await;
    submit_batch(&app.db, &app.state.seal, &[p]).await.unwrap();
    app.release_with(rule).await;
    // The suspect old record is a pool of its own: it waits. The other old one and the
    // three new ones make four: still fewer than k.
    assert_eq!(crate::store_fn!(app, responses::released_count(pool, station)).unwrap(), 0);
    for _ in 0..6 {
        let p = pending(&app, station, &full_answers(&new_id())).await;
        submit_batch(&app.db, &app.state.seal, &[p]).await.unwrap();
    }
    for _ in 0..4 {
        let mut p = pending(&app, station, &full_answers(&new_id())).await;
        p.submission.set_suspect(true);
        submit_batch(&app.db, &app.state.seal, &[p]).await.unwrap();
    }
    app.release_with(rule).await;
    // Nine alike go out whole, four of them also completing the old English record's
    // pool; the old suspect record goes out with the four new suspect ones.
    assert_eq!(
        crate::store_fn!(app, responses::released_count(pool, station)).unwrap(),
        15,
        "both old records released with 13 new"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 1, "the invalid record stays sealed");
    assert_eq!(app.count("SELECT COUNT(*) FROM answers WHERE value = '5'").await, 0);
    // What the old records said reached the roll-ups.
    assert_eq!(
        app.count("SELECT SUM(answers) FROM answer_rollups WHERE question_key = 'respect' AND value = '1'").await,
        1
    );
    assert_eq!(app.count("SELECT SUM(responses) FROM response_rollups WHERE suspect").await, 5);
    let withheld = "SELECT COUNT(*) FROM answers WHERE question_key = 'waiting_time' AND value = '_withheld'";
    assert!(app.count(withheld).await > 0, "the lone profiles were released with detail withheld");
    let logged = log.text();
    assert!(logged.contains("hold invalid content"), "the refusal is logged: {logged}");
    assert!(!logged.contains("Score"), "never what the record says: {logged}");
}

/// Each station's and week's rows and roll-ups stay apart, however alike the answers.
#[tokio::test]
async fn one_release_of_several_stations_keeps_their_counts_apart() {
    let app = spawn_app().await;
    let first = app.add_station("LIM-01").await;
    let second = app.add_station("LIM-02").await;
    let content = |score: &str| -> domain::ResponseContent {
        serde_json::from_value(json!({
            "survey_version": 1, "language": "es", "answers": {"respect": {"Choice": score}}
        }))
        .unwrap()
    };
    server::privacy::release::write_released(
        &app.db,
        first,
        "2026-W47",
        vec![content("4"), content("4"), content("2")],
    )
    .await
    .unwrap();
    server::privacy::release::write_released(&app.db, second, "2026-W48", vec![content("4"), content("4")])
        .await
        .unwrap();

    let count = |sql: String| {
        let app = &app;
        async move { app.count(&sql).await }
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
async fn a_failed_release_changes_nothing_keeps_its_schedule_and_is_done_at_the_next_tick() {
    let log = crate::helpers::TestLog::start();
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    for _ in 0..5 {
        assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
    }
    app.fail_inserts("no_release", "answers", None).await;
    let due_at = chrono::Utc::now().timestamp() - 60;
    crate::store_fn!(app, release::set_next_release(pool, station, due_at)).unwrap();
    let rule = app.state.release_rule();
    let done =
        server::privacy::release::run_due(&app.db, &app.state.seal, rule, chrono::Utc::now(), false).await.unwrap();
    assert!(done.is_empty());
    // Applied whole or not at all: the rows written before the failing statement are gone.
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 5, "kept sealed, none lost");
    for table in ["responses", "answers", "response_rollups", "answer_rollups"] {
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM {table}")).await, 0, "{table}");
    }
    assert_eq!(app.count("SELECT next_at FROM release_schedule").await, due_at, "still due");
    assert!(log.text().contains("a scheduled release failed"), "{}", log.text());
    assert!(!log.text().contains("LIM-01"), "no log line names the station: {}", log.text());
    app.stop_failing("no_release", "answers").await;
    let done =
        server::privacy::release::run_due(&app.db, &app.state.seal, rule, chrono::Utc::now(), false).await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(crate::store_fn!(app, responses::released_count(pool, station)).unwrap(), 5);
    assert!(app.count("SELECT next_at FROM release_schedule").await > chrono::Utc::now().timestamp(), "moved on");
    // Not again before its next time.
    let done =
        server::privacy::release::run_due(&app.db, &app.state.seal, rule, chrono::Utc::now(), false).await.unwrap();
    assert!(done.is_empty());
}

#[tokio::test]
async fn a_restart_runs_the_release_that_fell_due_while_digna_was_stopped() {
    use crate::responses::pending;
    let app = spawn_app().await;
    let (due, later) = (app.add_station("LIM-01").await, app.add_station("LIM-02").await);
    let mut batch = Vec::new();
    for station in [due, later] {
        for _ in 0..6 {
            batch.push(pending(&app, station, &full_answers(&new_id())).await);
        }
    }
    server::privacy::ingest::submit_batch(&app.db, &app.state.seal, &batch).await.unwrap();
    let now = chrono::Utc::now().timestamp();
    crate::store_fn!(app, release::set_next_release(pool, due, now - 3600)).unwrap();
    crate::store_fn!(app, release::set_next_release(pool, later, now + 3600)).unwrap();
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 0);

    let restarted = server::Application::build(&app.settings()).await.unwrap();
    tokio::spawn(restarted.run_until_stopped());
    for _ in 0..100 {
        if crate::store_fn!(app, responses::released_count(pool, due)).unwrap() > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(crate::store_fn!(app, responses::released_count(pool, due)).unwrap(), 6, "released on start");
    assert_eq!(crate::store_fn!(app, responses::released_count(pool, later)).unwrap(), 0, "not yet its time");
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 6);
}

#[test]
fn the_schedule_is_a_minute_of_the_stations_night_every_day_or_every_monday() {
    use chrono::TimeZone;
    use store_sqlite::release::Schedule;
    // Sunday 2026-12-06 10:00 in Lima (15:00 UTC).
    let now = chrono::Utc.with_ymd_and_hms(2026, 12, 6, 15, 0, 0).unwrap();
    let daily = Schedule { minute: 3 * 60 + 17, every_days: 1 };
    assert_eq!(daily.next_after(now, "America/Lima").to_rfc3339(), "2026-12-07T08:17:00+00:00");
    let weekly = Schedule { minute: 3 * 60 + 17, every_days: 7 };
    assert_eq!(weekly.next_after(now, "America/Lima").to_rfc3339(), "2026-12-07T08:17:00+00:00");
    let monday = chrono::Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
    assert_eq!(daily.next_after(monday, "America/Lima").to_rfc3339(), "2026-12-08T08:17:00+00:00");
    assert_eq!(weekly.next_after(monday, "America/Lima").to_rfc3339(), "2026-12-14T08:17:00+00:00");
    let parsed = Schedule::parse(Some("01:05"), Some("weekly"), daily).unwrap();
    assert_eq!(parsed, Schedule { minute: 65, every_days: 7 });
    for (at, every) in [(Some("25:00"), None), (Some("3:5"), None), (Some("noon"), None), (None, Some("hourly"))] {
        assert!(Schedule::parse(at, every, daily).is_err(), "{at:?} {every:?}");
    }
}
