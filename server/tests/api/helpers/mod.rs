use serde_json::{json, Value};
use server::settings::Settings;
use server::{AppState, Application};
use sqlx::{Connection, Postgres, Row, Sqlite, SqlitePool};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

#[macro_use]
mod backend;
mod logs;
mod rollups;
mod site;

use backend::numbered;
pub use backend::*;
use logs::log_buffer;
pub use logs::*;
pub use rollups::Cell;

impl TestApp {
    /// The app's database, owned, for closures that must own what they call the store with.
    pub fn clone_handle(&self) -> AppHandle {
        AppHandle { db: self.db.clone() }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let server::Db::Postgres(_) = self.db {
            drop_database(&self.database_url);
        }
    }
}

/// What [`crate::store_fn`] needs of an app, owned.
pub struct AppHandle {
    pub db: server::Db,
}

pub struct TestApp {
    pub base: String,
    pub pool: SqlitePool,
    /// The store the server holds, for calling the server's own functions.
    pub db: server::Db,
    pub state: AppState,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
    /// The database the app runs on (`DATABASE_URL`).
    pub database_url: String,
}

/// The user agent every test client sends: it must never be stored or logged.
pub const USER_AGENT: &str = "DignaPrivacyProbe/1.0 (test)";

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The test defaults on `dir`, on this run's backend (a fresh PostgreSQL database, or an
/// SQLite file in `dir`).
pub async fn test_settings(dir: &std::path::Path) -> Settings {
    let mut settings = Settings::for_test(dir);
    if on_postgres() {
        settings.database_url = database().await;
    }
    settings
}

/// The app with settings of the test's own (`change` edits the test defaults).
pub async fn spawn_app_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    log_buffer();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(dir.path()).await;
    change(&mut settings);
    let database_url = settings.database_url.clone();
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
        database_url,
    }
}

impl TestApp {
    /// The test defaults on this app's directory and database: another server (or the
    /// same one started again) on what this one holds.
    pub fn settings(&self) -> Settings {
        let mut settings = Settings::for_test(self.dir.path());
        settings.database_url = self.database_url.clone();
        settings
    }

    /// The staff sessions' table (tower-sessions keeps it in a schema of its own on
    /// PostgreSQL).
    pub fn sessions_table(&self) -> &'static str {
        match self.db {
            server::Db::Sqlite(_) => "tower_sessions",
            server::Db::Postgres(_) => "tower_sessions.session",
        }
    }

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
        server::privacy::release::run_now(&self.db, &self.state.seal, rule, None, false)
            .await
            .expect("release")
            .expect("stations")
    }

    /// A number the database holds, once the writer has settled. On PostgreSQL the
    /// value is cast to BIGINT (its `length` or `SUM` is another type than SQLite's).
    pub async fn count(&self, sql: &str) -> i64 {
        self.settled().await;
        match &self.db {
            server::Db::Sqlite(_) => sqlx::query_scalar(sql).fetch_one(&self.pool).await.expect(sql),
            server::Db::Postgres(db) => {
                sqlx::query_scalar(&format!("SELECT ({sql})::BIGINT")).fetch_one(db.pool()).await.expect(sql)
            }
        }
    }

    /// Runs a test's own `sql` (with `?` placeholders, numbered on PostgreSQL) on the
    /// app's database; the rows it changed.
    pub async fn execute(&self, sql: &str, args: &[Arg]) -> Result<u64, sqlx::Error> {
        Ok(match &self.db {
            server::Db::Sqlite(_) => bound!(sqlx::query(sql), args).execute(&self.pool).await?.rows_affected(),
            server::Db::Postgres(db) => {
                let sql = numbered(sql);
                bound!(sqlx::query(&sql), args).execute(db.pool()).await?.rows_affected()
            }
        })
    }

    /// The rows of a test's own query (see [`TestApp::execute`]).
    pub async fn rows<T: Record>(&self, sql: &str, args: &[Arg]) -> Vec<T> {
        match &self.db {
            server::Db::Sqlite(_) => bound!(sqlx::query_as(sql), args).fetch_all(&self.pool).await.expect(sql),
            server::Db::Postgres(db) => {
                let numbered = numbered(sql);
                bound!(sqlx::query_as(&numbered), args).fetch_all(db.pool()).await.expect(sql)
            }
        }
    }

    /// Makes the database refuse every insert into `table` (those where `when`, a
    /// condition on `NEW`, holds) with "disk trouble", through a trigger `name`.
    pub async fn fail_inserts(&self, name: &str, table: &str, when: Option<&str>) {
        if on_postgres() {
            let check = when.unwrap_or("TRUE");
            let function = format!(
                "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN IF {check} THEN RAISE EXCEPTION 'disk trouble'; END IF; RETURN NEW; END $$"
            );
            self.execute(&function, &[]).await.expect("a failing function");
            let trigger =
                format!("CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()");
            self.execute(&trigger, &[]).await.expect("a failing trigger");
        } else {
            let when = when.map(|w| format!("WHEN {w}")).unwrap_or_default();
            let trigger = format!(
                "CREATE TRIGGER {name} BEFORE INSERT ON {table} {when} BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
            );
            self.execute(&trigger, &[]).await.expect("a failing trigger");
        }
    }

    /// Removes the trigger of [`TestApp::fail_inserts`].
    pub async fn stop_failing(&self, name: &str, table: &str) {
        if on_postgres() {
            self.execute(&format!("DROP TRIGGER {name} ON {table}"), &[]).await.expect("dropped");
            self.execute(&format!("DROP FUNCTION {name}"), &[]).await.expect("dropped");
        } else {
            self.execute(&format!("DROP TRIGGER {name}"), &[]).await.expect("dropped");
        }
    }

    /// Every row of a test's own query, each value as text (as SQLite gives it: numbers
    /// in decimal, flags as 1 or 0, NULL as "").
    pub async fn text_rows(&self, sql: &str) -> Vec<Vec<String>> {
        use sqlx::{Column as _, TypeInfo as _};
        match &self.db {
            server::Db::Sqlite(_) => {
                let rows = sqlx::query(sql).fetch_all(&self.pool).await.expect(sql);
                rows.iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| r.try_get_unchecked::<Option<String>, _>(i).expect(sql).unwrap_or_default())
                            .collect()
                    })
                    .collect()
            }
            server::Db::Postgres(db) => {
                let rows = sqlx::query(sql).fetch_all(db.pool()).await.expect(sql);
                rows.iter()
                    .map(|r| {
                        r.columns()
                            .iter()
                            .map(|c| {
                                let i = c.ordinal();
                                match c.type_info().name() {
                                    "INT8" => r.get::<Option<i64>, _>(i).map(|v| v.to_string()),
                                    "INT4" => r.get::<Option<i32>, _>(i).map(|v| v.to_string()),
                                    "BOOL" => r.get::<Option<bool>, _>(i).map(|v| i64::from(v).to_string()),
                                    "FLOAT8" => r.get::<Option<f64>, _>(i).map(|v| v.to_string()),
                                    _ => r.get::<Option<String>, _>(i),
                                }
                                .unwrap_or_default()
                            })
                            .collect()
                    })
                    .collect()
            }
        }
    }

    /// The first row of a test's own query, if there is one.
    pub async fn optional_row<T: Record>(&self, sql: &str, args: &[Arg]) -> Option<T> {
        self.rows(sql, args).await.into_iter().next()
    }

    /// The only (or first) row of a test's own query.
    pub async fn row<T: Record>(&self, sql: &str, args: &[Arg]) -> T {
        self.optional_row(sql, args).await.unwrap_or_else(|| panic!("no row: {sql}"))
    }

    /// The first column of every row of a test's own query.
    pub async fn scalars<T: Column>(&self, sql: &str, args: &[Arg]) -> Vec<T> {
        self.rows::<(T,)>(sql, args).await.into_iter().map(|(v,)| v).collect()
    }

    /// The first column of the first row of a test's own query, if there is a row.
    pub async fn optional<T: Column>(&self, sql: &str, args: &[Arg]) -> Option<T> {
        self.scalars(sql, args).await.into_iter().next()
    }

    /// The first column of the only (or first) row of a test's own query.
    pub async fn scalar<T: Column>(&self, sql: &str, args: &[Arg]) -> T {
        self.optional(sql, args).await.unwrap_or_else(|| panic!("no row: {sql}"))
    }

    /// Every value of every row of every table, as bytes, by table. On PostgreSQL every
    /// table outside its own catalogs (a schema other than `public` names the table
    /// `schema.table`), each value as SQLite gives it: text (numbers in decimal, flags
    /// as 1 or 0) or, for BYTEA, the bytes; rows in the order of their values.
    pub async fn dump(&self) -> BTreeMap<String, Vec<Vec<Vec<u8>>>> {
        self.settled().await;
        if let server::Db::Postgres(db) = &self.db {
            return dump_postgres(db.pool()).await;
        }
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

async fn dump_postgres(pool: &sqlx::PgPool) -> BTreeMap<String, Vec<Vec<Vec<u8>>>> {
    tables_postgres(pool)
        .await
        .into_iter()
        .filter(|(table, ..)| table != "release_schedule")
        .map(|(table, _, rows)| (table, rows))
        .collect()
}

/// Every table of a PostgreSQL database outside its own catalogs (a schema other than
/// `public` names the table `schema.table`): its columns and its rows, each value as
/// SQLite gives it (text, numbers in decimal, flags as 1 or 0; BYTEA as its bytes),
/// rows in the order of their values.
pub async fn tables_postgres(pool: &sqlx::PgPool) -> Vec<(String, Vec<String>, Vec<Vec<Vec<u8>>>)> {
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_schema::text, table_name::text FROM information_schema.tables
         WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
         ORDER BY table_schema, table_name",
    )
    .fetch_all(pool)
    .await
    .expect("tables");
    let mut out = Vec::new();
    for (schema, table) in tables {
        let columns: Vec<(String, String)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text FROM information_schema.columns
             WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
        )
        .bind(&schema)
        .bind(&table)
        .fetch_all(pool)
        .await
        .expect("columns");
        let values: Vec<String> = columns
            .iter()
            .map(|(name, kind)| match kind.as_str() {
                "bytea" => format!("\"{name}\""),
                "boolean" => format!("\"{name}\"::int::text"),
                _ => format!("\"{name}\"::text"),
            })
            .collect();
        let order: Vec<String> = (1..=values.len()).map(|i| i.to_string()).collect();
        let sql = format!("SELECT {} FROM \"{schema}\".\"{table}\" ORDER BY {}", values.join(", "), order.join(", "));
        let rows = sqlx::query(&sql).fetch_all(pool).await.expect("rows");
        let rows = rows
            .iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| row.try_get_unchecked::<Option<Vec<u8>>, _>(i).expect("value").unwrap_or_default())
                    .collect()
            })
            .collect();
        let name = if schema == "public" { table } else { format!("{schema}.{table}") };
        out.push((name, columns.into_iter().map(|(c, _)| c).collect(), rows));
    }
    out
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

/// A self-signed certificate for `localhost` and 127.0.0.1 and its key (PEM), made with
/// openssl in `dir`: for Digna serving HTTPS, and for a mail server speaking TLS.
pub fn self_signed_certificate(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    (cert, key)
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
        self.enable_totp(id, &secret, &[]).await;
        let client = self.browser();
        assert_eq!(self.sign_in_with(&client, email, STAFF_PASSWORD).await.status(), 303);
        let code = server::auth::totp(&secret, email).expect("totp").generate_current().expect("code");
        assert_eq!(self.second_step(&client, &code).await.status(), 303);
        client
    }

    /// Turns on `id`'s second factor as the account's page does, without its audit line.
    pub async fn enable_totp(&self, id: i64, secret: &str, recovery_hashes: &[Vec<u8>]) -> i64 {
        crate::store_fn!(self, accounts::enable_totp(conn, id, secret, recovery_hashes)).expect("totp")
    }
}
