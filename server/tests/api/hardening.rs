use crate::helpers::{full_answers, new_id, spawn_app, TestApp};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::{json, Value};

async fn kiosk_config(app: &TestApp, token: &str) -> Value {
    let resp = app.client.get(app.url("/api/v1/kiosk")).bearer_auth(token).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// Seals a body to the server's public key as a tablet does.
fn seal(public_key_b64: &str, body: &Value) -> Value {
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
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| [200, 201, 429].contains(s)), "{statuses:?}");
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

    app::db::tablets::revoke(&app.pool, &app::seal::secret_hash(&token)).await.unwrap();
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
    for (survey_ms, since_previous_ms, _) in cases {
        let mut body = full_answers(&new_id());
        body["durations"] = json!({"survey_ms": survey_ms, "since_previous_ms": since_previous_ms});
        assert_eq!(app.submit(&token, &seal(&key, &body)).await.status(), 201);
    }
    let suspect: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM responses WHERE station_id = ? AND suspect = 1")
        .bind(station)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(suspect, cases.iter().filter(|c| c.2).count() as i64);
    let rolled: i64 = sqlx::query_scalar("SELECT SUM(responses) FROM response_rollups WHERE suspect = 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rolled, 2, "the flag is a roll-up dimension");
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

#[tokio::test]
async fn a_flood_from_one_tablet_gets_429_without_crowding_out_another() {
    let app = spawn_app().await;
    let (_, flooder) = app.station_with_tablet("LIM-01").await;
    let (_, other) = app.station_with_tablet("LIM-02").await;
    let mut statuses = Vec::new();
    for _ in 0..80 {
        let resp = app.client.get(app.url("/api/v1/survey")).bearer_auth(&flooder).send().await.unwrap();
        statuses.push(resp.status().as_u16());
    }
    assert!(statuses.contains(&429), "a flood is limited: {statuses:?}");
    let resp = app.client.get(app.url("/api/v1/survey")).bearer_auth(&flooder).send().await.unwrap();
    if resp.status() == 429 {
        assert_eq!(resp.json::<Value>().await.unwrap()["error"], "too_many_requests");
    }
    let resp = app.client.get(app.url("/api/v1/survey")).bearer_auth(&other).send().await.unwrap();
    assert_eq!(resp.status(), 200, "another tablet is not limited");
}

#[tokio::test]
async fn the_staff_pin_opens_the_panel_and_five_wrong_pins_lock_it() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    let unlock = |pin: &'static str| {
        app.client.post(app.url("/api/v1/staff/unlock")).bearer_auth(&token).json(&json!({ "pin": pin })).send()
    };
    assert_eq!(unlock("1234").await.unwrap().status(), 409, "no PIN set yet");
    let pin = app::domain::StaffPin::parse("2468").unwrap();
    let hash = server::api::hash_pin(&pin).unwrap();
    assert!(!hash.contains("2468"), "only a hash is stored");
    app::db::stations::set_staff_pin_hash(&app.pool, station, &hash).await.unwrap();
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
    sqlx::query("UPDATE stations SET staff_pin_locked_until = 0").execute(&app.pool).await.unwrap();
    assert_eq!(unlock("2468").await.unwrap().status(), 204);
}

#[tokio::test]
async fn the_service_worker_is_served_fresh_with_the_build_id() {
    let app = spawn_app().await;
    let site = app.dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/digna.wasm"), b"wasm").unwrap();
    std::fs::write(
        site.join("sw-template.js"),
        "const CACHE = 'digna-__DIGNA_BUILD_ID__'; const FILES = __DIGNA_PRECACHE__;",
    )
    .unwrap();
    let options = leptos::prelude::LeptosOptions::builder()
        .output_name("digna")
        .site_root(site.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .build();
    let resp = server::service_worker::handler(axum::extract::State(options)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-cache, no-store, must-revalidate");
    assert_eq!(resp.headers()["service-worker-allowed"], "/");
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert!(!body.contains("__DIGNA"), "{body}");
    assert!(body.contains("/pkg/digna.wasm") && body.contains("/kiosk"), "{body}");
}
