use crate::helpers::spawn_app;
use serde_json::{json, Value};

#[tokio::test]
async fn a_code_enrolls_one_tablet_once() {
    let app = spawn_app().await;
    let station = app.add_station("LIM-01").await;
    let code = app.enrollment_code(station).await;

    let resp = app.enroll(&code.to_lowercase().replace('-', " ")).await;
    assert_eq!(resp.status(), 201, "a typed code is forgiving about case and spacing");
    let body: Value = resp.json().await.unwrap();
    assert!(body["token"].as_str().unwrap().len() >= 40, "a long random token");
    assert_eq!(body["station"]["code"], "LIM-01");
    assert_eq!(body["station"]["name"], "Comisaría de prueba");
    assert_eq!(app.count("SELECT COUNT(*) FROM tablets").await, 1);

    let again = app.enroll(&code).await;
    assert_eq!(again.status(), 400, "a used code is refused");
    let body: Value = again.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("already used"), "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM tablets").await, 1, "no second tablet");
}

#[tokio::test]
async fn unknown_expired_and_malformed_codes_are_refused() {
    let app = spawn_app().await;
    let station = app.add_station("LIM-01").await;

    assert_eq!(app.enroll("ABCD-EFGH").await.status(), 400, "unknown code");

    let expired = "WXYZ-2345";
    let hash = server::auth::secret_hash("WXYZ2345");
    crate::store_fn!(app, tablets::insert_enrollment_code(conn, station, &hash, chrono::Utc::now().timestamp() - 1))
        .unwrap();
    assert_eq!(app.enroll(expired).await.status(), 400, "expired code");

    let cases =
        [("too short", json!({"code": "ABC"})), ("not a string", json!({"code": 12345678})), ("missing", json!({}))];
    for (case, body) in cases {
        let resp = app.client.post(app.url("/api/v1/tablets/enroll")).json(&body).send().await.unwrap();
        assert_eq!(resp.status(), 422, "{case}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["field"], "code", "{case}: {body}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM tablets").await, 0);
}

/// A tablet must be able to seal answers from the moment it is enrolled, even if it
/// never reaches `/api/v1/kiosk` afterwards: enrolment hands it the same public key.
#[tokio::test]
async fn enrolment_hands_the_tablet_the_key_it_seals_answers_to() {
    use base64::{engine::general_purpose::STANDARD, Engine};
    use crypto_box::aead::OsRng;

    let app = spawn_app().await;
    let station = app.add_station("LIM-01").await;
    let code = app.enrollment_code(station).await;
    let resp = app.enroll(&code).await;
    assert_eq!(resp.status(), 201);
    let enrolled: Value = resp.json().await.unwrap();
    let key = enrolled["seal_public_key"].as_str().expect("the enrolment answer carries the key");
    let token = enrolled["token"].as_str().unwrap();

    let kiosk: Value =
        app.client.get(app.url("/api/v1/kiosk")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    assert_eq!(kiosk["seal_public_key"].as_str(), Some(key), "the key /api/v1/kiosk publishes, in the same form");

    let bytes: [u8; 32] = STANDARD.decode(key).expect("standard base64").try_into().expect("32 bytes");
    assert_eq!(bytes, app.state.seal.box_public_key(), "the server's own key");
    let sealed = crypto_box::PublicKey::from_bytes(bytes).seal(&mut OsRng, b"{}").unwrap();
    assert_eq!(app.state.seal.open_box(&sealed).as_deref(), Some(&b"{}"[..]), "what is sealed to it, the server opens");

    let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let schema = &doc["components"]["schemas"]["EnrollResponse"];
    assert_eq!(schema["properties"]["seal_public_key"]["type"], "string", "documented: {schema}");
    let required = schema["required"].as_array().expect("required fields");
    for field in ["token", "station", "seal_public_key"] {
        assert!(required.iter().any(|f| f == field), "{field} is documented as always present: {schema}");
    }
}
