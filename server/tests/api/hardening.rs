use crate::helpers::{full_answers, new_id, spawn_app, TestApp};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::{json, Value};

async fn kiosk_config(app: &TestApp, token: &str) -> Value {
    let resp = app.client.get(app.url("/api/v1/kiosk")).bearer_auth(token).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// Seals a body to the server's public key as a tablet does (with durations of a
/// plausible visit unless it has its own, in the fixed-size frame).
fn seal(public_key_b64: &str, body: &Value) -> Value {
    let bytes: [u8; 32] = STANDARD.decode(public_key_b64).unwrap().try_into().unwrap();
    crate::helpers::wire_to(bytes, body)
}

/// Seals a body as tablets did before sealed records had one size (no frame): what
/// such a tablet still has queued must still be taken.
fn seal_unframed(public_key_b64: &str, body: &Value) -> Value {
    let bytes: [u8; 32] = STANDARD.decode(public_key_b64).unwrap().try_into().unwrap();
    let public = crypto_box::PublicKey::from_bytes(bytes);
    let sealed = public.seal(&mut rand::rngs::OsRng, &serde_json::to_vec(body).unwrap()).unwrap();
    json!({ "sealed": STANDARD.encode(sealed) })
}

#[tokio::test]
async fn the_kiosk_config_gives_station_key_and_settings() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let config = kiosk_config(&app, &token).await;
    assert_eq!(config["station"]["code"], "LIM-01");
    assert_eq!(STANDARD.decode(config["seal_public_key"].as_str().unwrap()).unwrap().len(), 32);
    assert_eq!(
        config["settings"],
        json!({"inactivity_s": 60, "inactivity_grace_s": 20, "min_duration_s": 8, "min_gap_s": 20})
    );
    assert_eq!(config["staff_pin_set"], false);
    assert_eq!(app.client.get(app.url("/api/v1/kiosk")).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn the_same_sealed_submission_delivered_50_times_concurrently_is_stored_once() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let key = kiosk_config(&app, &token).await["seal_public_key"].as_str().unwrap().to_string();
    let sealed = seal(&key, &full_answers(&new_id()));
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let request = app.client.post(app.url("/api/v1/responses")).bearer_auth(&token).json(&sealed);
        sends.spawn(async move { request.send().await.expect("request").status().as_u16() });
    }
    let statuses = sends.join_all().await;
    // Every delivery reaches the handler: the tablet's burst holds all 50 and the config
    // request before them, so none is turned away by the rate limit.
    assert!(statuses.iter().all(|s| [200, 201].contains(s)), "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 1);
}

#[tokio::test]
async fn sealed_submissions_from_a_revoked_tablet_or_tampered_are_refused() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let key = kiosk_config(&app, &token).await["seal_public_key"].as_str().unwrap().to_string();

    let mut tampered = STANDARD.decode(seal(&key, &full_answers(&new_id()))["sealed"].as_str().unwrap()).unwrap();
    tampered[50] ^= 0x01;
    let cases = [
        ("tampered", json!({"sealed": STANDARD.encode(&tampered)})),
        ("not base64", json!({"sealed": "***"})),
        ("sealed to another key", seal(&STANDARD.encode([9u8; 32]), &full_answers(&new_id()))),
        ("extra field", json!({"sealed": STANDARD.encode(&tampered), "id": new_id()})),
        ("not JSON inside", {
            let bytes: [u8; 32] = STANDARD.decode(&key).unwrap().try_into().unwrap();
            let boxed = crypto_box::PublicKey::from_bytes(bytes).seal(&mut rand::rngs::OsRng, b"not json").unwrap();
            json!({"sealed": STANDARD.encode(boxed)})
        }),
    ];
    for (case, body) in cases {
        let resp = app.submit(&token, &body).await;
        assert_eq!(resp.status(), 422, "{case}");
        assert_eq!(resp.json::<Value>().await.unwrap()["field"], "sealed", "{case}");
    }
    // A sealed body holds a plain one, validated the same way.
    let mut invalid = full_answers(&new_id());
    invalid["answers"]["respect"] = json!(8);
    let resp = app.submit(&token, &seal(&key, &invalid)).await;
    assert_eq!(resp.status(), 422);
    assert_eq!(resp.json::<Value>().await.unwrap()["field"], "answers.respect");

    crate::store_fn!(app, tablets::revoke(pool, &server::auth::secret_hash(&token))).unwrap();
    assert_eq!(app.submit(&token, &seal(&key, &full_answers(&new_id()))).await.status(), 401);
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM submission_keys").await, 0);
}

#[tokio::test]
async fn suspect_at_the_thresholds_and_only_the_flag_is_kept() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    let key = kiosk_config(&app, &token).await["seal_public_key"].as_str().unwrap().to_string();
    // (survey_ms, since_previous_ms, suspect?) around the defaults 8 s and 20 s.
    let cases = [
        (7_999, None, true),
        (8_000, None, false),
        (60_000, Some(19_999), true),
        (60_000, Some(20_000), false),
        (123_457, Some(987_653), false),
    ];
    // Five of each, so that the suspect ones make pools of their own of k.
    for (survey_ms, since_previous_ms, _) in cases.iter().flat_map(|c| std::iter::repeat_n(*c, 5)) {
        let mut body = full_answers(&new_id());
        body["durations"] = json!({"survey_ms": survey_ms, "since_previous_ms": since_previous_ms});
        assert_eq!(app.submit(&token, &seal(&key, &body)).await.status(), 201);
    }
    app.release().await;
    let suspect: i64 = app
        .scalar(
            "SELECT COUNT(*) FROM responses WHERE station_id = ? AND suspect",
            &[crate::helpers::Arg::from(station)],
        )
        .await;
    assert_eq!(suspect, 5 * cases.iter().filter(|c| c.2).count() as i64);
    let rolled = app.count("SELECT SUM(responses) FROM response_rollups WHERE suspect").await;
    assert_eq!(rolled, 10, "the flag is a roll-up dimension");
    for table in app.dump().await.values() {
        for value in table.iter().flatten() {
            for needle in [&b"123457"[..], b"987653"] {
                assert!(!crate::helpers::contains(value, needle), "a duration was stored");
            }
        }
    }
    let bad = {
        let mut b = full_answers(&new_id());
        b["durations"] = json!({"survey_ms": -5});
        b
    };
    let resp = app.submit(&token, &bad).await;
    assert_eq!(resp.status(), 422);
    assert_eq!(resp.json::<Value>().await.unwrap()["field"], "durations");
}

/// Sends `n` requests for the survey at once, each with the token `token()` gives;
/// returns their statuses and one 429 answer if any.
async fn flood(app: &TestApp, n: usize, token: impl Fn() -> Option<String>) -> (Vec<u16>, Option<reqwest::Response>) {
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..n {
        let mut request = app.client.get(app.url("/api/v1/survey"));
        if let Some(token) = token() {
            request = request.bearer_auth(token);
        }
        sends.spawn(async move { request.send().await.expect("request") });
    }
    let mut statuses = Vec::new();
    let mut limited = None;
    for resp in sends.join_all().await {
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            limited = Some(resp);
        }
    }
    (statuses, limited)
}

#[tokio::test]
async fn suspect_marking_follows_the_station_settings_set_by_the_command_line() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    let key = kiosk_config(&app, &token).await["seal_public_key"].as_str().unwrap().to_string();
    // The administrator's command, on the running server's database.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_digna"))
        .args(["station", "set", "LIM-01", "--min-duration-s", "30", "--min-gap-s", "90"])
        .env("DATABASE_URL", &app.database_url)
        .env("DIGNA_KEY_FILE", app.dir.path().join("digna.key"))
        .env_remove("DIGNA_RELEASE_K")
        .output()
        .expect("digna runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let settings = &kiosk_config(&app, &token).await["settings"];
    assert_eq!((&settings["min_duration_s"], &settings["min_gap_s"]), (&json!(30), &json!(90)), "the tablet sees them");
    // (survey_ms, since_previous_ms, suspect?) around 30 s and 90 s; under the defaults
    // (8 s, 20 s) none of these would be suspect.
    let cases = [
        (29_999, None, true),
        (30_000, None, false),
        (60_000, Some(89_999), true),
        (60_000, Some(90_000), false),
        (10_000, Some(25_000), true),
    ];
    // Five of each, so that the suspect ones make pools of their own of k.
    for (survey_ms, since_previous_ms, _) in cases.iter().flat_map(|c| std::iter::repeat_n(*c, 5)) {
        let mut body = full_answers(&new_id());
        body["durations"] = json!({"survey_ms": survey_ms, "since_previous_ms": since_previous_ms});
        assert_eq!(app.submit(&token, &seal(&key, &body)).await.status(), 201);
    }
    app.release().await;
    let app = &app;
    let count = |suspect: bool| async move {
        app.scalar::<i64>(
            "SELECT COUNT(*) FROM responses WHERE station_id = ? AND suspect = ?",
            &[station.into(), suspect.into()],
        )
        .await
    };
    let expected = 5 * cases.iter().filter(|c| c.2).count() as i64;
    assert_eq!((count(true).await, count(false).await), (expected, 5 * cases.len() as i64 - expected));
}

#[tokio::test]
async fn a_flood_from_one_tablet_gets_429_without_crowding_out_another() {
    let app = spawn_app().await;
    let (_, flooder) = app.station_with_tablet("LIM-01").await;
    let (_, other) = app.station_with_tablet("LIM-02").await;
    // Four bursts at once: the bucket refills one request per 250 ms, so only a flood
    // lasting 45 s could get through without a 429.
    let burst = server::api::TABLET_BURST as usize;
    let (statuses, limited) = flood(&app, 4 * burst, || Some(flooder.clone())).await;
    let ok = statuses.iter().filter(|s| **s == 200).count();
    assert!(ok >= burst, "the whole burst is served: {statuses:?}");
    assert!(statuses.iter().all(|s| [200, 429].contains(s)), "{statuses:?}");
    let limited = limited.unwrap_or_else(|| panic!("a flood is limited: {statuses:?}"));
    let retry_after: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(limited.json::<Value>().await.unwrap()["error"], "too_many_requests");

    // Another tablet keeps its own bucket: it reads the survey and delivers an answer.
    let resp = app.client.get(app.url("/api/v1/survey")).bearer_auth(&other).send().await.unwrap();
    assert_eq!(resp.status(), 200, "another tablet is not limited");
    assert_eq!(app.submit(&other, &full_answers(&new_id())).await.status(), 201, "nor its deliveries");
}

#[tokio::test]
async fn bogus_tokens_get_401_never_429_and_leave_nothing_behind() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    // The scheduler gives a new station its next release at its next tick: done here, so
    // that it cannot land between the two dumps.
    let rule = app.state.release_rule();
    server::privacy::release::run_due(&app.db, &app.state.seal, rule, chrono::Utc::now(), false).await.unwrap();
    let before = app.dump().await;
    let n = 2 * server::api::TABLET_BURST as usize;
    let made_up = server::auth::random_token();
    let cases = [
        ("one made-up token, again and again", flood(&app, n, || Some(made_up.clone())).await.0),
        ("a different made-up token each time", flood(&app, n, || Some(server::auth::random_token())).await.0),
        ("no token at all", flood(&app, n, || None).await.0),
    ];
    for (case, statuses) in cases {
        assert!(statuses.iter().all(|s| *s == 401), "{case}: {statuses:?}");
    }
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..n {
        let request = app.client.post(app.url("/api/v1/responses")).bearer_auth(server::auth::random_token());
        let request = request.json(&full_answers(&new_id()));
        sends.spawn(async move { request.send().await.expect("request").status().as_u16() });
    }
    let statuses = sends.join_all().await;
    assert!(statuses.iter().all(|s| *s == 401), "answers with made-up tokens: {statuses:?}");
    assert!(app.dump().await == before, "refused requests changed nothing stored");

    // Requests without a token never took enrollment's bucket, nor the tablet's.
    let station = app.add_station("LIM-02").await;
    let code = app.enrollment_code(station).await;
    assert_eq!(app.enroll(&code).await.status(), 201, "enrollment still works");
    let resp = app.client.get(app.url("/api/v1/survey")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(resp.status(), 200, "the real tablet still works");
}

#[tokio::test]
async fn the_staff_pin_opens_the_panel_and_five_wrong_pins_lock_it() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    let unlock = |pin: &'static str| {
        app.client.post(app.url("/api/v1/staff/unlock")).bearer_auth(&token).json(&json!({ "pin": pin })).send()
    };
    assert_eq!(unlock("1234").await.unwrap().status(), 409, "no PIN set yet");
    let pin = domain::StaffPin::parse("2468").unwrap();
    let hash = server::auth::password::hash_pin(&pin).unwrap();
    assert!(!hash.contains("2468"), "only a hash is stored");
    crate::store_fn!(app, stations::set_staff_pin_hash(conn, station, &hash)).unwrap();
    assert_eq!(kiosk_config(&app, &token).await["staff_pin_set"], true);

    assert_eq!(unlock("2468").await.unwrap().status(), 204);
    for attempt in 1..=4 {
        assert_eq!(unlock("0000").await.unwrap().status(), 403, "wrong PIN {attempt}");
    }
    let fifth = unlock("0000").await.unwrap();
    assert_eq!(fifth.status(), 423, "the fifth wrong PIN locks");
    assert_eq!(fifth.json::<Value>().await.unwrap()["retry_after_s"], 300);
    let locked = unlock("2468").await.unwrap();
    assert_eq!(locked.status(), 423, "even the right PIN waits out the lock");
    assert!(locked.json::<Value>().await.unwrap()["retry_after_s"].as_i64().unwrap() > 290);
    // The lock is this tablet's: another tablet of the station opens its panel.
    let enrollment = app.enrollment_code(station).await;
    let other: Value = app.enroll(&enrollment).await.json().await.unwrap();
    let other = other["token"].as_str().unwrap().to_string();
    let resp = app
        .client
        .post(app.url("/api/v1/staff/unlock"))
        .bearer_auth(&other)
        .json(&json!({ "pin": "2468" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204, "wrong PINs at one tablet keep no one out of another's panel");
    // Locked again right after the first lock: twice as long.
    app.execute("UPDATE tablets SET pin_locked_until = 0", &[]).await.unwrap();
    for _ in 1..=4 {
        assert_eq!(unlock("0000").await.unwrap().status(), 403);
    }
    let again = unlock("0000").await.unwrap();
    assert_eq!(again.status(), 423);
    assert_eq!(again.json::<Value>().await.unwrap()["retry_after_s"], 600, "the second lock lasts twice as long");
    // A right PIN after the lock clears its history.
    app.execute("UPDATE tablets SET pin_locked_until = 0", &[]).await.unwrap();
    assert_eq!(unlock("2468").await.unwrap().status(), 204);
    for _ in 1..=4 {
        assert_eq!(unlock("0000").await.unwrap().status(), 403);
    }
    assert_eq!(unlock("0000").await.unwrap().json::<Value>().await.unwrap()["retry_after_s"], 300);
}

#[tokio::test]
async fn what_cannot_be_a_pin_is_refused_without_counting_an_attempt() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    set_pin(&app, station, "2468").await;
    let before = app.dump().await;
    for (case, pin) in [
        ("too short", json!("246")),
        ("too long", json!("246802468")),
        ("letters", json!("24a8")),
        ("spaces around", json!(" 2468 ")),
        ("non-ASCII digits", json!("٢٤٦٨")),
        ("empty", json!("")),
        ("a number, not a string", json!(2468)),
    ] {
        for round in 0..3 {
            let resp = app
                .client
                .post(app.url("/api/v1/staff/unlock"))
                .bearer_auth(&token)
                .json(&json!({ "pin": pin }))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 422, "{case} (round {round})");
            assert_eq!(resp.json::<Value>().await.unwrap()["field"], "pin", "{case}");
        }
    }
    assert!(app.dump().await == before, "refused PINs changed nothing stored, no attempt counted");
    let resp = app.client.post(app.url("/api/v1/staff/unlock")).bearer_auth(&token).json(&json!({ "pin": "2468" }));
    assert_eq!(resp.send().await.unwrap().status(), 204, "21 malformed PINs did not lock the panel");
}

#[tokio::test]
async fn wrong_pins_sent_together_are_checked_at_most_five_times() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    set_pin(&app, station, "2468").await;
    let unlock = |pin: &str| {
        app.client.post(app.url("/api/v1/staff/unlock")).bearer_auth(&token).json(&json!({ "pin": pin })).send()
    };
    let mut guesses = tokio::task::JoinSet::new();
    for guess in 0..20 {
        let request = unlock(&format!("{:04}", 1000 + guess));
        guesses.spawn(async move { request.await.expect("request").status().as_u16() });
    }
    let mut statuses = guesses.join_all().await;
    statuses.sort();
    // Four wrong, the fifth locks, and the other fifteen are refused unchecked.
    let expected: Vec<u16> = [403; 4].into_iter().chain([423; 16]).collect();
    assert_eq!(statuses, expected);
    let locked = unlock("2468").await.unwrap();
    assert_eq!(locked.status(), 423, "the right PIN waits out the lock");
    assert!(locked.json::<Value>().await.unwrap()["retry_after_s"].as_i64().unwrap() > 290);
}

#[tokio::test]
async fn the_service_worker_is_served_fresh_with_the_build_id() {
    let app = spawn_app().await;
    let resp = app.service_worker().await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-cache, no-store, must-revalidate");
    assert_eq!(resp.headers()["service-worker-allowed"], "/");
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert!(!body.contains("__DIGNA"), "{body}");
    assert!(body.contains("/pkg/digna.wasm") && body.contains("/kiosk"), "{body}");
}

#[tokio::test]
async fn a_tablet_must_seal_its_answers_with_durations() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let key = kiosk_config(&app, &token).await["seal_public_key"].as_str().unwrap().to_string();
    let mut with_durations = full_answers(&new_id());
    with_durations["durations"] = json!({"survey_ms": 90_000, "since_previous_ms": null});
    // (case, what is posted, the field the refusal names)
    let cases = [
        ("plain, with durations", with_durations.clone(), "sealed"),
        ("plain, without durations", full_answers(&new_id()), "sealed"),
        (
            "sealed, without durations",
            crate::helpers::seal_to(app.state.seal.box_public_key(), &full_answers(&new_id())),
            "durations",
        ),
        (
            "sealed, durations null",
            {
                let mut b = full_answers(&new_id());
                b["durations"] = Value::Null;
                crate::helpers::seal_to(app.state.seal.box_public_key(), &b)
            },
            "durations",
        ),
        ("not an object", json!([1, 2]), "body"),
    ];
    for (case, body, field) in cases {
        let resp = app.post_response(&token, &body).await;
        assert_eq!(resp.status(), 422, "{case}");
        let err: Value = resp.json().await.unwrap();
        assert_eq!(err["field"], field, "{case}: {err}");
        assert!(err["message"].as_str().unwrap().contains("missing") || field == "body", "{case}: {err}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM submission_keys").await, 0);
    // What a tablet queued before sealed records had one size (unframed) still goes in.
    assert_eq!(app.post_response(&token, &seal_unframed(&key, &with_durations)).await.status(), 201);
    // The OpenAPI document says so.
    let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let post = &doc["paths"]["/api/v1/responses"]["post"];
    assert!(post["description"].as_str().unwrap_or_default().contains("A plain body"), "{post}");
    assert!(doc["components"]["schemas"]["SealedSubmission"].is_object());
}

#[tokio::test]
async fn every_response_of_the_survey_seals_to_one_size_on_the_tablet_and_in_the_database() {
    use domain::SubmissionBody;
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let survey = crate::store_fn!(app, survey::load(pool, 1)).unwrap().expect("survey version 1");
    let skipped = SubmissionBody {
        id: new_id(),
        survey_version: 1,
        language: "es".into(),
        answers: Default::default(),
        durations: Some(domain::Durations { survey_ms: 9_000, since_previous_ms: None }),
    };
    let mut largest = survey.largest_submission();
    largest.id = new_id();
    largest.language = "es".into();
    let (skipped_len, largest_len) =
        (serde_json::to_vec(&skipped).unwrap().len(), serde_json::to_vec(&largest).unwrap().len());
    assert!(largest_len > 3 * skipped_len, "really different: {skipped_len} and {largest_len} bytes");
    assert!(survey.publication_problems(&[]).is_empty(), "the default survey fits its frame");
    let public = crypto_box::PublicKey::from_bytes(app.state.seal.box_public_key());
    let mut tablet_sizes = std::collections::BTreeSet::new();
    for body in [&skipped, &largest] {
        let sealed = app::kiosk_outbox::seal_submission(&public, body, &mut crypto_box::aead::OsRng).expect("fits");
        tablet_sizes.insert(sealed.len());
        let wire = serde_json::to_value(app::kiosk_outbox::SealedSubmission::new(&sealed)).unwrap();
        assert_eq!(app.post_response(&token, &wire).await.status(), 201);
    }
    assert_eq!(tablet_sizes.len(), 1, "one size on the tablet: {tablet_sizes:?}");
    let sizes: Vec<i64> =
        app.scalars("SELECT DISTINCT CAST(length(sealed) AS BIGINT) FROM pending_responses", &[]).await;
    assert_eq!(sizes.len(), 1, "one size in the database: {sizes:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 2);
}

/// Sets the staff PIN of `station`, as an admin would.
async fn set_pin(app: &TestApp, station: i64, pin: &str) {
    let hash = server::auth::password::hash_pin(&domain::StaffPin::parse(pin).unwrap()).unwrap();
    crate::store_fn!(app, stations::set_staff_pin_hash(conn, station, &hash)).unwrap();
}
