//! The backend under test: SQLite or PostgreSQL, and SQL that runs on either.

use super::*;

/// Whether this run's apps are on PostgreSQL: `DIGNA_TEST_BACKEND=postgres` (on the
/// cluster named in `DIGNA_TEST_POSTGRES`); otherwise each app has an SQLite file.
pub fn on_postgres() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| match std::env::var("DIGNA_TEST_BACKEND").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("DIGNA_TEST_BACKEND is sqlite or postgres, not {other:?}"),
    })
}

/// For a test about SQLite itself: true (and says why) when this run is on PostgreSQL,
/// where the test returns at once: `if sqlite_only("…") { return; }`.
pub fn sqlite_only(reason: &str) -> bool {
    if on_postgres() {
        println!("SQLite only: {reason}");
    }
    on_postgres()
}

/// A new, empty database on the test cluster; its URL.
pub async fn database() -> String {
    store_postgres::testing::fresh_database("s").await
}

/// Drops the test database at `url` (made by [`database`]), ending its connections:
/// each holds some megabytes of the cluster's disk, and a run makes hundreds.
pub fn drop_database(url: &str) {
    let Some((cluster, name)) = url.rsplit_once('/') else { return };
    let (admin, sql) = (format!("{cluster}/postgres"), format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    // On a thread of its own: a test's runtime may be the one dropping its app.
    let dropped = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        runtime.block_on(async {
            let mut conn = sqlx::PgConnection::connect(&admin).await?;
            sqlx::raw_sql(&sql).execute(&mut conn).await?;
            conn.close().await
        })
    })
    .join();
    if !matches!(dropped, Ok(Ok(()))) {
        eprintln!("the test database {name} was left on the cluster: {dropped:?}");
    }
}

/// Calls the function of the same name in `store_sqlite` or `store_postgres` (the two
/// mirror each other), on the app's pool or on one of its connections; errors as text.
/// `store_fn!(app, stations::by_code(pool, "LIM-01"))`,
/// `store_fn!(app, accounts::enable(conn, id))`.
#[macro_export]
macro_rules! store_fn {
    ($app:expr, $($f:ident)::+ (pool $(, $arg:expr)* $(,)?)) => {
        match &$app.db {
            server::Db::Sqlite(db) => store_sqlite::$($f)::+(db.pool() $(, $arg)*).await.map_err(|e| e.to_string()),
            server::Db::Postgres(db) => store_postgres::$($f)::+(db.pool() $(, $arg)*).await.map_err(|e| e.to_string()),
        }
    };
    ($app:expr, $($f:ident)::+ (conn $(, $arg:expr)* $(,)?)) => {
        match &$app.db {
            server::Db::Sqlite(db) => {
                let mut conn = db.pool().acquire().await.expect("a connection");
                store_sqlite::$($f)::+(&mut conn $(, $arg)*).await.map_err(|e| e.to_string())
            }
            server::Db::Postgres(db) => {
                let mut conn = db.pool().acquire().await.expect("a connection");
                store_postgres::$($f)::+(&mut conn $(, $arg)*).await.map_err(|e| e.to_string())
            }
        }
    };
}

/// SQL for a random 16-byte id (a released response's), on this run's backend.
pub fn random_id_sql() -> &'static str {
    if on_postgres() {
        "uuid_send(gen_random_uuid())"
    } else {
        "randomblob(16)"
    }
}

/// SQL for a random answer of a four-point scale, "1" to "4", on this run's backend.
pub fn random_scale_sql() -> &'static str {
    if on_postgres() {
        "(1 + floor(random() * 4))::int::text"
    } else {
        "CAST(1 + abs(random()) % 4 AS TEXT)"
    }
}

/// A value bound to a test's own SQL (see [`TestApp::execute`]).
#[derive(Clone, Debug)]
pub enum Arg {
    Int(i64),
    Bool(bool),
    Text(String),
    Bytes(Vec<u8>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<&i64> for Arg {
    fn from(v: &i64) -> Self {
        Arg::Int(*v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(v.clone())
    }
}
impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Self {
        Arg::Bytes(v)
    }
}
impl From<&&str> for Arg {
    fn from(v: &&str) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<&Vec<u8>> for Arg {
    fn from(v: &Vec<u8>) -> Self {
        Arg::Bytes(v.clone())
    }
}
impl From<&[u8]> for Arg {
    fn from(v: &[u8]) -> Self {
        Arg::Bytes(v.to_vec())
    }
}

/// A value a test reads back from either database.
pub trait Column:
    for<'r> sqlx::Decode<'r, Sqlite>
    + sqlx::Type<Sqlite>
    + for<'r> sqlx::Decode<'r, Postgres>
    + sqlx::Type<Postgres>
    + Send
    + Unpin
{
}
impl<T> Column for T where
    T: for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>
        + for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>
        + Send
        + Unpin
{
}

/// A row a test reads back from either database (a tuple of [`Column`]s).
pub trait Record:
    for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin
{
}
impl<T> Record for T where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin
{
}

/// `sql` with SQLite's `?` placeholders numbered as PostgreSQL's `$1`, `$2`, …
pub(super) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    let mut quoted = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                n += 1;
                out.push_str(&format!("${n}"));
            }
            _ => out.push(c),
        }
    }
    out
}

macro_rules! bound {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for arg in $args {
            q = match arg {
                Arg::Int(v) => q.bind(*v),
                Arg::Bool(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.clone()),
                Arg::Bytes(v) => q.bind(v.clone()),
            };
        }
        q
    }};
}
