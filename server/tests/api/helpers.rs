use serde_json::{json, Value};
use server::settings::Settings;
use server::{AppState, Application};
use sqlx::{Row, SqlitePool};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// Every log line written by any test in this binary, at every level.
pub fn captured_log() -> String {
    let buf = log_buffer().lock().expect("log buffer");
    String::from_utf8_lossy(&buf).into_owned()
}

fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static BUF: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUF.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = buf.clone();
        server::telemetry::init_with("trace", false, move || CaptureWriter(writer.clone()));
        buf
    })
}

// ---- Per-test log capture (used by privacy.rs) ---------------------------------------

/// The log lines of one test: whatever is logged on the test's own thread while it lives.
/// A `#[tokio::test]` without a flavor runs on a current-thread runtime, so the app it
/// spawns (server, connections, the response writer) runs on that same thread and logs
/// here, never into another test's capture; other tests' lines go to [`captured_log`].
pub struct TestLog {
    buf: Arc<Mutex<Vec<u8>>>,
    _scope: tracing::subscriber::DefaultGuard,
}

impl TestLog {
    /// Starts capturing, at every level the server's filter lets through (as
    /// [`captured_log`] does). Refuses a multi-thread runtime, whose tasks would log on
    /// threads this capture does not see.
    pub fn start() -> Self {
        assert_eq!(
            tokio::runtime::Handle::current().runtime_flavor(),
            tokio::runtime::RuntimeFlavor::CurrentThread,
            "a per-test log needs the test's app on the test's own thread"
        );
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(server::telemetry::filter("trace"))
            .with_writer(move || CaptureWriter(writer.clone()))
            .with_ansi(false)
            .with_target(false)
            .finish();
        TestLog { buf, _scope: tracing::subscriber::set_default(subscriber) }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buf.lock().expect("log buffer")).into_owned()
    }
}
// ---- end of per-test log capture ------------------------------------------------------

struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl Write for CaptureWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub struct TestApp {
    pub base: String,
    pub pool: SqlitePool,
    /// The store the server holds, for calling the server's own functions.
    pub db: server::Db,
    pub state: AppState,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
}

/// The user agent every test client sends: it must never be stored or logged.
pub const USER_AGENT: &str = "DignaPrivacyProbe/1.0 (test)";

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The app with settings of the test's own (`change` edits the test defaults).
pub async fn spawn_app_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    log_buffer();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::for_test(dir.path());
    change(&mut settings);
    let app = Application::build(&settings).await.expect("app builds");
    let port = app.port();
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        // On PostgreSQL, a pool that reaches no database: what reads SQLite directly
        // (count, dump) is for SQLite's tests only.
        pool: match &state.db {
            server::Db::Sqlite(db) => db.pool().clone(),
            server::Db::Postgres(_) => SqlitePool::connect_lazy("sqlite::memory:").expect("a pool"),
        },
        db: state.db.clone(),
        state,
        client: reqwest::Client::builder().user_agent(USER_AGENT).build().expect("client"),
        dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Adds a station and returns its id.
    pub async fn add_station(&self, code: &str) -> i64 {
        let code = domain::StationCode::parse(code).expect("valid code");
        let name = domain::Name::parse("name", "Comisaría de prueba", 200).expect("valid name");
        let region = domain::Name::parse("region", "Lima Centro", 100).expect("valid region");
        match &self.db {
            server::Db::Sqlite(_) => store_sqlite::stations::insert(
                &mut self.pool.acquire().await.unwrap(),
                &code,
                &name,
                &region,
                "America/Lima",
            )
            .await
            .expect("insert station"),
            server::Db::Postgres(db) => {
                let mut conn = db.pool().acquire().await.unwrap();
                store_postgres::stations::insert(&mut conn, &code, &name, &region, "America/Lima")
                    .await
                    .expect("insert station")
            }
        }
        .expect("new station")
    }

    /// A one-time enrollment code for the station, stored as the admin console stores one
    /// but without its audit line (the tests compare audit logs).
    pub async fn enrollment_code(&self, station_id: i64) -> String {
        let (code, hash, expires) = server::api::new_enrollment();
        match &self.db {
            server::Db::Sqlite(_) => {
                let mut conn = self.pool.acquire().await.unwrap();
                store_sqlite::tablets::insert_enrollment_code(&mut conn, station_id, &hash, expires)
                    .await
                    .expect("enrollment code")
            }
            server::Db::Postgres(db) => {
                let mut conn = db.pool().acquire().await.unwrap();
                store_postgres::tablets::insert_enrollment_code(&mut conn, station_id, &hash, expires)
                    .await
                    .expect("enrollment code")
            }
        }
        code
    }

    pub async fn enroll(&self, code: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/tablets/enroll"))
            .json(&json!({ "code": code }))
            .send()
            .await
            .expect("request")
    }

    /// A new station with one enrolled tablet; returns (station id, device token).
    pub async fn station_with_tablet(&self, code: &str) -> (i64, String) {
        let station = self.add_station(code).await;
        let enrollment = self.enrollment_code(station).await;
        let resp = self.enroll(&enrollment).await;
        assert_eq!(resp.status(), 201);
        let body: Value = resp.json().await.expect("json");
        (station, body["token"].as_str().expect("token").to_string())
    }

    /// Posts a submission as a tablet does: sealed to the server's key in its fixed-size
    /// frame, with durations of a plausible visit unless the body has its own. Waits
    /// until it is stored. A body that is already `{"sealed": …}` goes as it is.
    pub async fn submit(&self, token: &str, body: &Value) -> reqwest::Response {
        let wire = if body.get("sealed").is_some() { body.clone() } else { self.wire(body) };
        self.post_response(token, &wire).await
    }

    /// `body`'s JSON in the fixed-size frame, sealed to the server's key: `{"sealed": …}`.
    pub fn seal(&self, body: &Value) -> Value {
        seal_to(self.state.seal.box_public_key(), body)
    }

    /// What a tablet sends for `body`: with durations of a plausible visit (unless it
    /// has its own), framed and sealed.
    pub fn wire(&self, body: &Value) -> Value {
        wire_to(self.state.seal.box_public_key(), body)
    }

    /// Posts `body` to `/api/v1/responses` exactly as given (plain, sealed, or not JSON
    /// at all), and waits until the writer has settled.
    pub async fn post_response(&self, token: &str, body: &Value) -> reqwest::Response {
        let response = self
            .client
            .post(self.url("/api/v1/responses"))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request");
        self.settled().await;
        response
    }

    /// Waits until every submission answered so far is stored.
    pub async fn settled(&self) {
        self.state.ingest.settled().await;
    }

    /// Runs every station's release now, as `digna release` does, under the app's rule.
    pub async fn release(&self) -> Vec<(String, server::privacy::release::Released)> {
        self.release_with(self.state.release_rule()).await
    }

    /// Runs every station's release now under `rule` (what is submitted meanwhile waits
    /// for the next).
    pub async fn release_with(
        &self,
        rule: server::privacy::release::ReleaseRule,
    ) -> Vec<(String, server::privacy::release::Released)> {
        server::privacy::release::run_now(&self.db, &self.state.seal, rule, None)
            .await
            .expect("release")
            .expect("stations")
    }

    /// A number the database holds, once the writer has settled.
    pub async fn count(&self, sql: &str) -> i64 {
        self.settled().await;
        sqlx::query_scalar(sql).fetch_one(&self.pool).await.expect(sql)
    }

    /// Every value of every row of every table, as bytes, by table.
    pub async fn dump(&self) -> BTreeMap<String, Vec<Vec<Vec<u8>>>> {
        self.settled().await;
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                .fetch_all(&self.pool)
                .await
                .expect("tables");
        let mut out = BTreeMap::new();
        // The release scheduler's bookkeeping moves on its own clock (every 30 s, a new
        // station's first release is planned), whatever a request does: left out, or a
        // slow run would see it change between two dumps.
        for table in tables.into_iter().filter(|t| t != "release_schedule") {
            let rows = sqlx::query(&format!("SELECT * FROM \"{table}\"")).fetch_all(&self.pool).await.expect("rows");
            let values = rows
                .iter()
                .map(|row| {
                    (0..row.len())
                        .map(|i| row.try_get_unchecked::<Option<Vec<u8>>, _>(i).expect("value").unwrap_or_default())
                        .collect()
                })
                .collect();
            out.insert(table, values);
        }
        out
    }
}

/// `body`'s JSON in the fixed-size frame, sealed to the X25519 public `key`.
pub fn seal_to(key: [u8; 32], body: &Value) -> Value {
    use domain::frame::{pad, SUBMISSION_FRAME};
    let framed = pad(&serde_json::to_vec(body).expect("json"), SUBMISSION_FRAME)
        .expect("a test body fits the frame; post larger ones with post_response");
    let sealed = crypto_box::PublicKey::from_bytes(key).seal(&mut crypto_box::aead::OsRng, &framed).expect("seal");
    json!({ "sealed": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, sealed) })
}

/// What a tablet sends for `body` to the server whose public key is `key`: durations
/// of a plausible visit added unless it has its own, framed and sealed.
pub fn wire_to(key: [u8; 32], body: &Value) -> Value {
    let mut body = body.clone();
    if let Some(obj) = body.as_object_mut() {
        obj.entry("durations").or_insert(json!({"survey_ms": 90_000, "since_previous_ms": null}));
    }
    seal_to(key, &body)
}

/// A fresh UUID v4 as a string.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A complete, valid submission under survey version 1.
pub fn full_answers(id: &str) -> Value {
    json!({
        "id": id,
        "survey_version": 1,
        "language": "es",
        "answers": {
            "respect": 4, "believed": 3, "informed": 2, "privacy": "rather_not", "language": 4,
            "safety": 3, "waiting_time": "30-60", "overall": 4, "improve": ["information", "children"],
            "respondent": "self", "age_band": "18-plus"
        }
    })
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// A staff account's password in tests.
pub const STAFF_PASSWORD: &str = "una contraseña larga de prueba";

impl TestApp {
    /// Creates a staff account with `STAFF_PASSWORD`; returns its id.
    pub async fn add_user(&self, email: &str, role: &str, stations: &[&str], regions: &[&str]) -> i64 {
        let email = domain::Email::parse(email).expect("email");
        let role = domain::Role::parse(role).expect("role");
        let password = domain::Password::parse(STAFF_PASSWORD).expect("password");
        let hash = server::auth::hash_password(&password).await.expect("hash");
        let grants = store_sqlite::accounts::Grants {
            stations: stations.iter().map(|s| s.to_string()).collect(),
            regions: regions.iter().map(|s| s.to_string()).collect(),
        };
        match &self.db {
            server::Db::Sqlite(_) => {
                store_sqlite::accounts::create(&mut self.pool.acquire().await.unwrap(), &email, role, &hash, &grants)
                    .await
                    .expect("create")
            }
            server::Db::Postgres(db) => {
                let mut conn = db.pool().acquire().await.unwrap();
                store_postgres::accounts::create(&mut conn, &email, role, &hash, &grants).await.expect("create")
            }
        }
        .expect("new user")
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// The form token of the page at `path`, read from its HTML.
    pub async fn csrf_of(&self, client: &reqwest::Client, path: &str) -> String {
        let html = client.get(self.url(path)).send().await.expect("request").text().await.expect("body");
        form_token(&html).unwrap_or_else(|| panic!("no form token on {path}: {html}"))
    }

    /// Posts the sign-in form as a browser would; returns the response (a redirect on success).
    pub async fn sign_in_with(&self, client: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
        let csrf = self.csrf_of(client, "/signin").await;
        client
            .post(self.url("/signin"))
            .form(&[("email", email), ("password", password), ("csrf", &csrf), ("next", "/dashboard")])
            .send()
            .await
            .expect("request")
    }

    /// Posts the second-step form with `code` (a TOTP or a recovery code).
    pub async fn second_step(&self, client: &reqwest::Client, code: &str) -> reqwest::Response {
        let csrf = self.csrf_of(client, "/signin/two-factor").await;
        client
            .post(self.url("/signin/two-factor"))
            .form(&[("code", code), ("csrf", &csrf), ("next", "/dashboard")])
            .send()
            .await
            .expect("request")
    }

    /// A client signed in as `email` (an account without a second factor).
    pub async fn signed_in(&self, email: &str) -> reqwest::Client {
        let client = self.browser();
        let resp = self.sign_in_with(&client, email, STAFF_PASSWORD).await;
        assert_eq!(resp.status(), 303, "sign-in as {email}");
        client
    }
}

/// The value of the first `name="csrf"` hidden field in an HTML page.
pub fn form_token(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\"")?;
    let rest = &html[at..];
    let start = rest.find("value=\"")? + "value=\"".len();
    let end = rest[start..].find('"')?;
    Some(rest[start..start + end].to_string())
}

impl TestApp {
    /// A client signed in as a new admin `email` (with its second factor, as admins must).
    pub async fn admin_client(&self, email: &str) -> reqwest::Client {
        let id = self.add_user(email, "admin", &[], &[]).await;
        let secret = server::auth::new_totp_secret();
        store_sqlite::accounts::enable_totp(&mut self.pool.acquire().await.unwrap(), id, &secret, &[])
            .await
            .expect("totp");
        let client = self.browser();
        assert_eq!(self.sign_in_with(&client, email, STAFF_PASSWORD).await.status(), 303);
        let code = server::auth::totp(&secret, email).expect("totp").generate_current().expect("code");
        assert_eq!(self.second_step(&client, &code).await.status(), 303);
        client
    }
}
