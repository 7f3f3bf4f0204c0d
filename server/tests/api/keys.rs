//! `digna key rotate`: tablets fetch the new public key, and what they sealed to the old
//! one still opens until the rotation is finished.

use crate::helpers::{full_answers, new_id, seal_to, spawn_app};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::Value;
use server::Application;

/// Starts Digna again on the same database and key file (as after a restart); returns
/// its base URL.
async fn restart(app: &crate::helpers::TestApp) -> String {
    let app = Application::build(&app.settings()).await.expect("app builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    base
}

async fn published_key(client: &reqwest::Client, base: &str, token: &str) -> [u8; 32] {
    let config: Value =
        client.get(format!("{base}/api/v1/kiosk")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    STANDARD.decode(config["seal_public_key"].as_str().unwrap()).unwrap().try_into().unwrap()
}

async fn post(client: &reqwest::Client, base: &str, token: &str, body: &Value) -> u16 {
    let resp = client.post(format!("{base}/api/v1/responses")).bearer_auth(token).json(body).send().await.unwrap();
    resp.status().as_u16()
}

#[tokio::test]
async fn a_rotated_key_is_published_and_old_sealed_answers_open_until_the_rotation_is_finished() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let old = published_key(&app.client, &app.base, &token).await;
    // What a tablet queued, sealed to the old key, before it fetched the new one.
    let queued: Vec<Value> = (0..2).map(|_| seal_to(old, &wire(&full_answers(&new_id())))).collect();

    let path = app.dir.path().join("digna.key");
    let mut key = server::privacy::seal::SealKey::load(&path).unwrap();
    let today = chrono::Utc::now().date_naive();
    key.rotate_box(today).unwrap();
    key.save(&path).unwrap();
    let base = restart(&app).await;
    let new = published_key(&app.client, &base, &token).await;
    assert_ne!(new, old, "tablets are given the new key");
    assert_eq!(post(&app.client, &base, &token, &queued[0]).await, 201, "sealed to the old key, still taken");
    assert_eq!(post(&app.client, &base, &token, &seal_to(new, &wire(&full_answers(&new_id())))).await, 201);

    let mut key = server::privacy::seal::SealKey::load(&path).unwrap();
    assert_eq!(key.finish_rotation(), Some(today));
    key.save(&path).unwrap();
    let base = restart(&app).await;
    assert_eq!(published_key(&app.client, &base, &token).await, new);
    assert_eq!(post(&app.client, &base, &token, &queued[1]).await, 422, "the old secret is destroyed");
    assert_eq!(post(&app.client, &base, &token, &seal_to(new, &wire(&full_answers(&new_id())))).await, 201);
}

/// Durations of a plausible visit, as `helpers::wire_to` adds them.
fn wire(body: &Value) -> Value {
    let mut body = body.clone();
    body["durations"] = serde_json::json!({"survey_ms": 90_000, "since_previous_ms": null});
    body
}
