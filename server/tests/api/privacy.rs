use crate::helpers::{captured_log, contains, full_answers, new_id, spawn_app, TestApp, TestLog, USER_AGENT};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::{json, Value};
use sqlx::{Column, Row};
use std::collections::{BTreeMap, BTreeSet};

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

/// Every value of every column of every table, by (table, column).
async fn columns(app: &TestApp) -> BTreeMap<(String, String), Vec<Vec<u8>>> {
    if let server::Db::Postgres(db) = &app.db {
        app.settled().await;
        let mut out: BTreeMap<(String, String), Vec<Vec<u8>>> = BTreeMap::new();
        for (table, columns, rows) in crate::helpers::tables_postgres(db.pool()).await {
            for row in rows {
                for (column, value) in columns.iter().zip(row) {
                    out.entry((table.clone(), column.clone())).or_default().push(value);
                }
            }
        }
        return out;
    }
    let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .fetch_all(&app.pool)
        .await
        .expect("tables");
    let mut out: BTreeMap<(String, String), Vec<Vec<u8>>> = BTreeMap::new();
    for table in tables {
        let rows = sqlx::query(&format!("SELECT * FROM \"{table}\"")).fetch_all(&app.pool).await.expect("rows");
        for row in &rows {
            for (i, column) in row.columns().iter().enumerate() {
                let value = row.try_get_unchecked::<Option<Vec<u8>>, _>(i).expect("value").unwrap_or_default();
                out.entry((table.clone(), column.name().to_string())).or_default().push(value);
            }
        }
    }
    out
}

/// The values each column holds in `after` that it did not hold in `before` (counted: a
/// value that appears once more than before is new once).
fn added(
    before: &BTreeMap<(String, String), Vec<Vec<u8>>>,
    after: &BTreeMap<(String, String), Vec<Vec<u8>>>,
) -> BTreeMap<(String, String), Vec<Vec<u8>>> {
    let mut out = BTreeMap::new();
    for (column, values) in after {
        let mut old: BTreeMap<&[u8], usize> = BTreeMap::new();
        for v in before.get(column).into_iter().flatten() {
            *old.entry(v.as_slice()).or_default() += 1;
        }
        let new: Vec<Vec<u8>> = values
            .iter()
            .filter(|v| match old.get_mut(v.as_slice()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            })
            .cloned()
            .collect();
        if !new.is_empty() {
            out.insert(column.clone(), new);
        }
    }
    out
}

/// Exactly a day: `YYYY-MM-DD`, no time.
fn is_a_day(value: &[u8]) -> bool {
    let text = String::from_utf8_lossy(value);
    text.len() == 10 && chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d").is_ok()
}

/// How the answers travel: sealed in their fixed-size frame as the kiosk sends them, or
/// sealed as tablets did before frames (what such a tablet still has queued).
#[derive(Clone, Copy, Debug)]
enum Delivery {
    Framed,
    Unframed,
}

/// Seals `body` to the server's public key (`GET /api/v1/kiosk`) as the kiosk does.
fn seal(public_key_b64: &str, body: &Value) -> Value {
    let bytes: [u8; 32] = STANDARD.decode(public_key_b64).unwrap().try_into().unwrap();
    let sealed = crypto_box::PublicKey::from_bytes(bytes)
        .seal(&mut rand::rngs::OsRng, &serde_json::to_vec(body).unwrap())
        .unwrap();
    json!({ "sealed": STANDARD.encode(sealed) })
}

/// Submits 9 answers (7 released, two pending), a replay and a refusal by
/// `delivery`, then reads every column of every table and every log line of this test.
async fn submissions_leave_no_trace(delivery: Delivery) {
    // Only this test's own lines: other tests of this binary log meanwhile.
    let log = TestLog::start();
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let key = match delivery {
        Delivery::Framed => None,
        Delivery::Unframed => {
            let resp = app.client.get(app.url("/api/v1/kiosk")).bearer_auth(&token).send().await.unwrap();
            let config: Value = resp.json().await.unwrap();
            Some(config["seal_public_key"].as_str().expect("the server's public key").to_string())
        }
    };
    let wrap = |body: &Value| key.as_deref().map_or_else(|| app.seal(body), |k| seal(k, body));
    let before = columns(&app).await;
    let log_before = log.text();
    let start = chrono::Utc::now().timestamp();

    let ids: Vec<String> = (0..9).map(|_| new_id()).collect();
    let mut sent = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if i == 7 {
            // The release, between deliveries: seven released, the next two pending.
            app.release().await;
        }
        // What the kiosk measures; only the suspect flag derived from it may be kept.
        let mut body = full_answers(id);
        body["durations"] = json!({"survey_ms": 123_450 + i, "since_previous_ms": 987_650 + i});
        let body = wrap(&body);
        assert_eq!(app.submit(&token, &body).await.status(), 201, "{delivery:?}");
        sent.push(body);
    }
    assert_eq!(app.submit(&token, &sent[0]).await.status(), 200, "a replay of the same delivery");
    let mut invalid = full_answers(&new_id());
    invalid["answers"]["respect"] = json!(9);
    assert_eq!(app.submit(&token, &wrap(&invalid)).await.status(), 422, "a refusal");
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 7, "one release");
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 2, "two pending");
    let end = chrono::Utc::now().timestamp();
    let after = columns(&app).await;
    let new_log = log.text()[log_before.len()..].to_string();

    let mut forbidden: Vec<(String, Vec<u8>)> = vec![
        ("client address".into(), b"127.0.0.1".to_vec()),
        ("user agent".into(), USER_AGENT.as_bytes().to_vec()),
        ("user agent product".into(), b"DignaPrivacyProbe".to_vec()),
    ];
    for (i, id) in ids.iter().enumerate() {
        let uuid = uuid::Uuid::parse_str(id).unwrap();
        forbidden.push((format!("client id {id}"), id.as_bytes().to_vec()));
        forbidden.push((format!("client id {id} (simple)"), uuid.simple().to_string().into_bytes()));
        forbidden.push((format!("client id {id} (bytes)"), uuid.as_bytes().to_vec()));
        for ms in [123_450 + i, 987_650 + i] {
            forbidden.push((format!("duration {ms} ms"), ms.to_string().into_bytes()));
        }
    }
    for (i, body) in sent.iter().enumerate() {
        if let Some(sealed) = body["sealed"].as_str() {
            forbidden.push((format!("sealed box {i} as sent"), sealed.as_bytes().to_vec()));
            forbidden.push((format!("sealed box {i}"), STANDARD.decode(sealed).unwrap()));
        }
    }
    for ((table, column), values) in &after {
        for value in values {
            for (what, needle) in &forbidden {
                assert!(!contains(value, needle), "{delivery:?}: {table}.{column} holds the {what}");
            }
        }
    }

    // The one value finer than an ISO week the submissions left anywhere in the
    // database: the day each tablet last delivered (for the admin console's silent
    // tablets), a date in the station's timezone and never a time.
    let mut timed = BTreeSet::new();
    for ((table, column), values) in added(&before, &after) {
        for value in values.iter().filter(|v| looks_like_a_time(v, start - 1..=end + 1)) {
            let shown = String::from_utf8_lossy(value);
            assert_eq!(
                (table.as_str(), column.as_str()),
                ("tablets", "last_delivery_day"),
                "{delivery:?}: {table}.{column} got a time-like value {shown:?}"
            );
            assert!(is_a_day(value), "{delivery:?}: a date only (YYYY-MM-DD), not {shown:?}");
            timed.insert((table.clone(), column.clone()));
        }
    }
    assert_eq!(
        timed,
        BTreeSet::from([("tablets".to_string(), "last_delivery_day".to_string())]),
        "the tablet's delivery day is written, and this scan sees it"
    );
    for day in &after[&("tablets".to_string(), "last_delivery_day".to_string())] {
        assert!(is_a_day(day), "a date only: {:?}", String::from_utf8_lossy(day));
    }

    let whole_log = log.text();
    for (what, needle) in &forbidden {
        assert!(!contains(whole_log.as_bytes(), needle), "{delivery:?}: the log holds the {what}");
    }
    // This test's ids are its own: no line of any other capture holds them either.
    for id in &ids {
        assert!(!captured_log().contains(id.as_str()), "{delivery:?}: a log line holds the client id {id}");
    }
    assert_eq!(new_log, "", "{delivery:?}: no log line is written per submission, at any level");

    // The capture sees what the app's tasks log (they run on this test's thread), and no
    // other capture does.
    let probe = format!("probe {}", new_id());
    let line = probe.clone();
    tokio::spawn(async move { tracing::info!("{line}") }).await.unwrap();
    assert!(log.text().contains(&probe), "a task of this test's app logs into this test's capture");
    assert!(!captured_log().contains(&probe), "and into no other");

    // The periodic report gives counts only.
    let logged = log.text().len();
    app.state.counters.report();
    let report = &log.text()[logged..];
    assert!(report.contains("stored=9") && report.contains("replayed=1") && report.contains("refused=1"), "{report}");
}

#[tokio::test]
async fn framed_submissions_leave_no_ip_user_agent_client_id_or_time_anywhere() {
    submissions_leave_no_trace(Delivery::Framed).await;
}

#[tokio::test]
async fn unframed_submissions_leave_no_ip_user_agent_client_id_or_time_anywhere() {
    submissions_leave_no_trace(Delivery::Unframed).await;
}

#[tokio::test]
async fn answer_tables_have_no_rowid_and_no_time_column() {
    let app = spawn_app().await;
    for table in ["pending_responses", "responses", "answers", "submission_keys", "response_rollups", "answer_rollups"]
    {
        // PostgreSQL's tables have no rowid; its heap order is not a column either.
        if !crate::helpers::on_postgres() {
            let sql: String = app.scalar("SELECT sql FROM sqlite_master WHERE name = ?", &[table.into()]).await;
            assert!(sql.contains("WITHOUT ROWID"), "{table} must have no rowid (no insertion order)");
        }
        let names = if crate::helpers::on_postgres() {
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ?"
        } else {
            "SELECT name FROM pragma_table_info(?)"
        };
        let columns: Vec<String> = app.scalars(names, &[table.into()]).await;
        assert!(!columns.is_empty(), "{table} has columns");
        for word in ["created", "_at", "time", "date", "tablet", "ip", "agent"] {
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
    let sealed: Vec<Vec<u8>> = app.scalars("SELECT sealed FROM pending_responses", &[]).await;
    assert_eq!(sealed.len(), 3);
    let other_key = server::privacy::seal::SealKey::from_master(&[0; 32]);
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
