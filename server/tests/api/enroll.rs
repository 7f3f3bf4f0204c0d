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
    let hash = app::seal::secret_hash("WXYZ2345");
    app::db::tablets::insert_enrollment_code(&app.pool, station, &hash, chrono::Utc::now().timestamp() - 1)
        .await
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
