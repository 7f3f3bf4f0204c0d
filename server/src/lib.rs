//! Digna's server: settings, telemetry, the HTTP router and the command line.
#![recursion_limit = "512"]

pub mod api;
pub mod auth;
pub mod backup;
pub mod charts;
pub mod cli;
pub mod db;
pub mod demo;
pub mod export;
pub mod notify;
// What the fuzz targets check (fuzz/), and `cargo test` replays on their corpus.
#[doc(hidden)]
pub mod fuzz_checks;
pub mod open_data;
pub mod privacy;
pub mod proxy;
pub mod service_worker;
pub mod settings;
pub mod telemetry;
pub mod transfer;
pub mod voices;
pub mod web;

use crate::privacy::seal::SealKey;
use app::{shell, App};
use axum::extract::FromRef;
use axum::Router;
use leptos::prelude::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use settings::Settings;
use std::sync::Arc;
use tokio::net::TcpListener;

pub use telemetry::Counters;

/// What every handler can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: crate::Db,
    pub seal: Arc<SealKey>,
    /// Every combination of quasi-identifiers a release writes appears at least this
    /// many times; every figure about fewer is suppressed.
    pub release_k: domain::K,
    /// How long a response may wait for a release that keeps all its detail.
    #[from_ref(skip)]
    pub release_hold_weeks: u32,
    pub counters: Arc<Counters>,
    /// Staff sessions, in the same database.
    pub sessions: web::session_store::HashedStore,
    /// Whether staff session cookies are Secure.
    pub secure_cookies: bool,
    /// The reverse proxies whose forwarding headers are believed.
    pub trusted_proxies: Arc<proxy::TrustedProxies>,
    pub throttle: Arc<auth::throttle::Throttle>,
    /// The submissions' group-commit writer and the published survey versions.
    #[from_ref(skip)]
    pub ingest: Arc<privacy::ingest::Ingest>,
    /// Researchers' exports running or waiting for their download, and the export queue.
    pub jobs: Arc<web::export::Jobs>,
    /// The exports' own connections to the database, enough for the exports that run at
    /// once: an export never takes a connection of `db`, which stores the kiosks'
    /// submissions and serves every page.
    #[from_ref(skip)]
    pub export_db: Db,
    /// Where finished web exports wait (beside the key file), deleted after an hour.
    pub export_dir: std::path::PathBuf,
    /// The ε any one month of data may spend over all open-data releases.
    #[from_ref(skip)]
    pub dp_cap: domain::privacy::dp::Epsilon,
    /// The ε an open-data release spends unless told otherwise.
    #[from_ref(skip)]
    pub dp_epsilon: domain::privacy::dp::Epsilon,
    /// Where e-mail notifications go out; `None` when no SMTP server is set.
    #[from_ref(skip)]
    pub mail: Option<Arc<notify::mail::Mailer>>,
}

impl AppState {
    /// What every release obeys.
    pub fn release_rule(&self) -> crate::privacy::release::ReleaseRule {
        crate::privacy::release::ReleaseRule { k: self.release_k, hold_weeks: self.release_hold_weeks }
    }

    /// Opens the database (migrating it) and the seal key named by the settings.
    pub async fn open(settings: &Settings) -> anyhow::Result<Self> {
        let db = open_database(settings).await?;
        let export_db = Db::open_exports(&settings.database_url, export::CONNECTIONS * RUNNING_EXPORTS)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", settings.database_url))?;
        let seal = SealKey::load_or_create(&settings.key_file)
            .map_err(|e| anyhow::anyhow!("cannot open the seal key file {}: {e}", settings.key_file.display()))?;
        let seal = Arc::new(seal);
        auth::seal_plain_totp_secrets(&db, &seal)
            .await
            .map_err(|e| anyhow::anyhow!("cannot seal the second-factor secrets: {e}"))?;
        Ok(AppState {
            leptos_options: settings.leptos.clone(),
            db: db.clone(),
            seal,
            release_k: settings.release_k,
            release_hold_weeks: settings.release_hold_weeks,
            counters: Arc::new(Counters::default()),
            sessions: web::session_store(&db).await?,
            secure_cookies: settings.secure_cookies.unwrap_or(settings.tls.is_some()),
            trusted_proxies: Arc::new(settings.trusted_proxies.clone()),
            throttle: Arc::new(auth::throttle::Throttle::default()),
            ingest: privacy::ingest::Ingest::start(db.clone()),
            jobs: web::export::jobs(),
            export_db,
            export_dir: settings
                .key_file
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."))
                .join("exports"),
            dp_cap: settings.dp_cap,
            dp_epsilon: settings.dp_epsilon,
            mail: match &settings.mail {
                None => None,
                Some(mail) => Some(Arc::new(
                    notify::mail::Mailer::new(mail).map_err(|e| anyhow::anyhow!("cannot set up e-mail: {e}"))?,
                )),
            },
        })
    }
}

const RUNNING_EXPORTS: u32 = web::export::queue::RUNNING as u32;

/// Connects to the database and applies the migrations.
pub async fn open_database(settings: &Settings) -> anyhow::Result<Db> {
    Db::open(&settings.database_url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", settings.database_url))
}

pub use db::Db;

/// Who the audit log names for a command-line change.
pub fn command_line_actor() -> String {
    format!("command line ({})", std::env::var("USER").unwrap_or_else(|_| "unknown user".into()))
}

/// The whole HTTP surface: the JSON API, then the Leptos pages and static files.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let forwarding = state.clone();
    Router::new()
        .nest("/api/v1", api::router())
        .merge(web::router(state.sessions.clone(), state.secure_cookies))
        .route("/staff.js", axum::routing::get(web::staff_script))
        .route("/sw.js", axum::routing::get(service_worker::handler))
        .route("/voices.js", axum::routing::get(web::voices_script))
        .route("/audio/index.json", axum::routing::get(voices::serve::index))
        .route("/voices/{sound}", axum::routing::get(voices::serve::sound))
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state)
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::middleware::from_fn_with_state(forwarding, proxy::forwarded))
}

/// Headers every response carries, the kiosk's and the API's included: no other site may
/// frame a page (a framed kiosk could be overlaid to read her taps) or be the target of
/// its forms (and, where Digna is reached over HTTPS, [`proxy::forwarded`] tells browsers
/// to keep to it). A header a handler set itself is kept.
async fn security_headers(mut response: axum::response::Response) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    let headers = response.headers_mut();
    let defaults = [
        (
            header::CONTENT_SECURITY_POLICY,
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    for (name, value) in defaults {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    }
    response
}

/// The server, bound to its address (port 0 in tests) but not yet serving.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
    notifications: bool,
}

impl Application {
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let state = AppState::open(settings).await?;
        let tls = match &settings.tls {
            None => None,
            Some(files) => Some(
                axum_server::tls_rustls::RustlsConfig::from_pem_file(&files.cert, &files.key).await.map_err(|e| {
                    anyhow::anyhow!(
                        "cannot load the TLS certificate {} and key {}: {e}",
                        files.cert.display(),
                        files.key.display()
                    )
                })?,
            ),
        };
        let listener = TcpListener::bind(settings.addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.addr))?;
        Ok(Application { listener, state, tls, notifications: settings.notifications })
    }

    /// `https` when serving TLS, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        telemetry::spawn_periodic_report(self.state.counters.clone());
        web::spawn_session_cleanup(self.state.sessions.clone());
        privacy::retention::spawn_daily(self.state.db.clone());
        web::export::spawn_cleanup(self.state.jobs.clone(), self.state.export_dir.clone());
        let mail = self.state.mail.is_some();
        privacy::release::spawn_scheduler(
            self.state.db.clone(),
            self.state.seal.clone(),
            self.state.release_rule(),
            mail,
        );
        if self.notifications {
            notify::spawn(self.state.db.clone(), self.state.release_k, self.state.mail.clone());
        }
        // The peer address reaches only the staff sign-in throttle, as a keyed hash in
        // memory; it is never stored or logged.
        let app = router(self.state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        let Some(tls) = self.tls else {
            return axum::serve(self.listener, app).with_graceful_shutdown(shutdown_signal()).await;
        };
        let handle = axum_server::Handle::new();
        let stopper = handle.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
        });
        axum_server::from_tcp_rustls(self.listener.into_std()?, tls)?.handle(handle).serve(app).await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
