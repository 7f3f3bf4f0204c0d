use crate::helpers::{captured_log, contains, full_answers, new_id, spawn_app, USER_AGENT};
use std::collections::BTreeSet;

/// Does this value look like a time finer than an ISO week: a date, a clock time, or a
/// unix time (seconds or milliseconds) within the test's window?
fn looks_like_a_time(value: &[u8], window: std::ops::RangeInclusive<i64>) -> bool {
    let text = String::from_utf8_lossy(value);
    let bytes = text.as_bytes();
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let date = (0..bytes.len()).any(|i| {
        (0..4).all(|j| digit(i + j))
            && bytes.get(i + 4) == Some(&b'-')
            && digit(i + 5)
            && digit(i + 6)
            && bytes.get(i + 7) == Some(&b'-')
    });
    let clock = (0..bytes.len())
        .any(|i| digit(i) && digit(i + 1) && bytes.get(i + 2) == Some(&b':') && digit(i + 3) && digit(i + 4));
    let unix = text.trim().parse::<i64>().is_ok_and(|n| window.contains(&n) || window.contains(&(n / 1000)));
    date || clock || unix
}

#[test]
fn the_time_detector_detects_times() {
    let w = 1_700_000_000..=1_700_000_100;
    for t in ["2026-11-28", "2026-11-28T18:54:07Z", "18:54", "1700000050", "1700000050123"] {
        assert!(looks_like_a_time(t.as_bytes(), w.clone()), "{t}");
    }
    for t in ["2026-W48", "LIM-01", "4", "15-30", "18-plus"] {
        assert!(!looks_like_a_time(t.as_bytes(), w.clone()), "{t}");
    }
}

#[tokio::test]
async fn submissions_leave_no_ip_user_agent_client_id_or_time_anywhere() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let before = app.dump().await;
    let log_before = captured_log();
    let start = chrono::Utc::now().timestamp();

    let ids: Vec<String> = (0..7).map(|_| new_id()).collect();
    for id in &ids {
        assert_eq!(app.submit(&token, &full_answers(id)).await.status(), 201);
    }
    assert_eq!(app.submit(&token, &full_answers(&ids[0])).await.status(), 200, "a replay");
    let mut invalid = full_answers(&new_id());
    invalid["answers"]["respect"] = serde_json::json!(9);
    assert_eq!(app.submit(&token, &invalid).await.status(), 422, "a refusal");
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 5, "one batch released");
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 2, "two pending");

    let end = chrono::Utc::now().timestamp();
    // The one day-level label the admin console keeps: the last day each tablet delivered
    // (a day in the station's timezone, never a time, and never linked to an answer).
    let days: Vec<Option<String>> =
        sqlx::query_scalar("SELECT last_delivery_day FROM tablets").fetch_all(&app.pool).await.unwrap();
    assert_eq!(days.len(), 1);
    for d in days.iter().flatten() {
        assert!(d.len() == 10 && chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok(), "a day: {d}");
    }
    sqlx::query("UPDATE tablets SET last_delivery_day = NULL").execute(&app.pool).await.unwrap();
    let after = app.dump().await;
    let log = captured_log();
    let new_log = &log[log_before.len()..];

    let mut forbidden: Vec<(String, Vec<u8>)> = vec![
        ("client address".into(), b"127.0.0.1".to_vec()),
        ("user agent".into(), USER_AGENT.as_bytes().to_vec()),
        ("user agent product".into(), b"DignaPrivacyProbe".to_vec()),
    ];
    for id in &ids {
        let uuid = uuid::Uuid::parse_str(id).unwrap();
        forbidden.push((format!("client id {id}"), id.as_bytes().to_vec()));
        forbidden.push((format!("client id {id} (simple)"), uuid.simple().to_string().into_bytes()));
        forbidden.push((format!("client id {id} (bytes)"), uuid.as_bytes().to_vec()));
    }
    for (table, rows) in &after {
        for value in rows.iter().flatten() {
            for (what, needle) in &forbidden {
                assert!(!contains(value, needle), "table {table} holds the {what}");
            }
        }
        // What the submissions added or changed holds no time finer than the ISO week.
        let old: BTreeSet<&Vec<Vec<u8>>> = before.get(table).map(|r| r.iter().collect()).unwrap_or_default();
        for row in rows.iter().filter(|r| !old.contains(r)) {
            for value in row {
                assert!(
                    !looks_like_a_time(value, start - 1..=end + 1),
                    "table {table} got a time-like value {:?}",
                    String::from_utf8_lossy(value)
                );
            }
        }
    }
    for (what, needle) in &forbidden {
        assert!(!contains(log.as_bytes(), needle), "the log holds the {what}");
    }
    assert_eq!(new_log, "", "no log line is written per submission, at any level");

    // The periodic report gives counts only.
    app.state.counters.report();
    let report = &captured_log()[log.len()..];
    assert!(report.contains("stored=7") && report.contains("replayed=1") && report.contains("refused=1"), "{report}");
}

#[tokio::test]
async fn answer_tables_have_no_rowid_and_no_time_column() {
    let app = spawn_app().await;
    for table in ["pending_responses", "responses", "answers", "submission_keys", "response_rollups", "answer_rollups"]
    {
        let sql: String = sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = ?")
            .bind(table)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert!(sql.contains("WITHOUT ROWID"), "{table} must have no rowid (no insertion order)");
        for word in ["created", "_at", "time", "date", "tablet", "ip", "agent"] {
            let columns: Vec<String> = sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(&app.pool)
                .await
                .unwrap();
            assert!(!columns.iter().any(|c| c.contains(word)), "{table} has a column like {word:?}: {columns:?}");
        }
    }
}

#[tokio::test]
async fn a_copy_of_the_database_without_the_key_file_reveals_no_pending_answer() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    for _ in 0..3 {
        assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
    }
    let sealed: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT sealed FROM pending_responses").fetch_all(&app.pool).await.unwrap();
    assert_eq!(sealed.len(), 3);
    let other_key = app::seal::SealKey::from_master(&[0; 32]);
    for blob in &sealed {
        assert!(!contains(blob, b"respect") && !contains(blob, b"18-plus"));
        assert!(
            (0..64).all(|n| other_key.open(&(n as i64).to_be_bytes(), blob).is_none()),
            "opens only with the real key"
        );
    }
    let key_file = std::fs::read_to_string(app.dir.path().join("digna.key")).unwrap();
    assert!(key_file.lines().any(|l| !l.starts_with('#') && l.len() >= 40), "the key lives in its own file");
}
