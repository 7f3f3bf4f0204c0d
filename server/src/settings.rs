//! Configuration from environment variables, with defaults that work out of the box.
//! `.env.example` documents each one.

use domain::K;
use leptos::prelude::LeptosOptions;
use std::net::SocketAddr;
use std::path::PathBuf;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/digna.db";
pub const DEFAULT_RELEASE_K: K = K::new(5);
/// Weeks a response may wait for a release that keeps all its detail.
pub const DEFAULT_RELEASE_HOLD_WEEKS: u32 = 4;
pub const MAX_RELEASE_HOLD_WEEKS: u32 = 52;

#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: String,
    /// The file holding the key that seals pending responses.
    pub key_file: PathBuf,
    pub release_k: K,
    /// `DIGNA_RELEASE_HOLD_WEEKS`: how long a response may wait for a release that keeps
    /// all its detail before it is released with what the rule allows.
    pub release_hold_weeks: u32,
    pub addr: SocketAddr,
    pub leptos: LeptosOptions,
    /// Serve HTTPS with this certificate and key (PEM) instead of plain HTTP.
    pub tls: Option<TlsFiles>,
    /// Whether staff session cookies are marked Secure: `DIGNA_SECURE_COOKIES`, by default
    /// when Digna serves HTTPS itself. Set it to `true` behind a reverse proxy that does TLS.
    pub secure_cookies: Option<bool>,
    /// `DIGNA_TRUSTED_PROXIES`: the reverse proxies whose `X-Forwarded-For` and
    /// `X-Forwarded-Proto` are believed. Empty by default: nobody's are.
    pub trusted_proxies: crate::proxy::TrustedProxies,
    /// The privacy budget (ε) any one month of data may spend over all open-data
    /// releases: `DIGNA_DP_CAP`, default 3.0.
    pub dp_cap: domain::privacy::dp::Epsilon,
    /// The ε an open-data release spends unless told otherwise: `DIGNA_DP_EPSILON`,
    /// default 1.0.
    pub dp_epsilon: domain::privacy::dp::Epsilon,
    /// Whether this server checks for silent tablets and sends notifications in the
    /// background (`notify`); off in tests, which run each step themselves.
    pub notifications: bool,
    /// E-mail for notifications (`DIGNA_SMTP_*`, `DIGNA_PUBLIC_URL`); `None`: no e-mail.
    pub mail: Option<crate::notify::mail::MailSettings>,
}

/// A PEM certificate chain and its private key.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Settings {
    /// Reads `DATABASE_URL`, `DIGNA_KEY_FILE`, `DIGNA_RELEASE_K`, `DIGNA_RELEASE_HOLD_WEEKS` and the `LEPTOS_*` variables.
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let database_url = var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        let key_file = var("DIGNA_KEY_FILE").map(PathBuf::from).unwrap_or_else(|| default_key_file(&database_url));
        let release_k = match var("DIGNA_RELEASE_K") {
            None => DEFAULT_RELEASE_K,
            Some(v) => parse_release_k(&v)?,
        };
        let release_hold_weeks = match var("DIGNA_RELEASE_HOLD_WEEKS") {
            None => DEFAULT_RELEASE_HOLD_WEEKS,
            Some(v) => parse_hold_weeks(&v)?,
        };
        let conf =
            leptos::prelude::get_configuration(None).map_err(|e| anyhow::anyhow!("invalid LEPTOS_* settings: {e}"))?;
        let leptos = conf.leptos_options;
        let secure_cookies = match var("DIGNA_SECURE_COOKIES").as_deref() {
            None => None,
            Some("true" | "1" | "yes") => Some(true),
            Some("false" | "0" | "no") => Some(false),
            Some(other) => anyhow::bail!("DIGNA_SECURE_COOKIES must be true or false, not {other:?}"),
        };
        let trusted_proxies = crate::proxy::TrustedProxies::parse(&var("DIGNA_TRUSTED_PROXIES").unwrap_or_default())
            .map_err(|e| anyhow::anyhow!("DIGNA_TRUSTED_PROXIES: {e}"))?;
        let dp_cap = var("DIGNA_DP_CAP")
            .unwrap_or_else(|| crate::open_data::DEFAULT_CAP.into())
            .parse()
            .map_err(|e| anyhow::anyhow!("DIGNA_DP_CAP: {e}"))?;
        let dp_epsilon = var("DIGNA_DP_EPSILON")
            .unwrap_or_else(|| crate::open_data::DEFAULT_EPSILON.into())
            .parse()
            .map_err(|e| anyhow::anyhow!("DIGNA_DP_EPSILON: {e}"))?;
        let mail = crate::notify::mail::MailSettings::from_vars(var)?;
        Ok(Settings {
            mail,
            dp_epsilon,
            database_url,
            key_file,
            release_k,
            release_hold_weeks,
            addr: leptos.site_addr,
            leptos,
            tls: None,
            secure_cookies,
            trusted_proxies,
            dp_cap,
            notifications: true,
        })
    }

    /// Settings for a test: its own database file and key, port 0.
    pub fn for_test(dir: &std::path::Path) -> Self {
        let leptos = LeptosOptions::builder().output_name("digna").site_root("target/site").site_pkg_dir("pkg").build();
        Settings {
            database_url: format!("sqlite://{}", dir.join("digna.db").display()),
            key_file: dir.join("digna.key"),
            release_k: DEFAULT_RELEASE_K,
            release_hold_weeks: DEFAULT_RELEASE_HOLD_WEEKS,
            addr: "127.0.0.1:0".parse().expect("a valid address"),
            leptos,
            tls: None,
            secure_cookies: None,
            trusted_proxies: Default::default(),
            dp_cap: crate::open_data::DEFAULT_CAP.parse().expect("a valid default cap"),
            dp_epsilon: crate::open_data::DEFAULT_EPSILON.parse().expect("a valid default epsilon"),
            notifications: false,
            mail: None,
        }
    }
}

pub fn parse_hold_weeks(v: &str) -> anyhow::Result<u32> {
    match v.trim().parse::<u32>() {
        Ok(w) if w <= MAX_RELEASE_HOLD_WEEKS => Ok(w),
        _ => anyhow::bail!(
            "DIGNA_RELEASE_HOLD_WEEKS must be a whole number of weeks from 0 to {MAX_RELEASE_HOLD_WEEKS}, got {v:?}"
        ),
    }
}

pub fn parse_release_k(v: &str) -> anyhow::Result<K> {
    v.parse::<K>().map_err(|e| anyhow::anyhow!("DIGNA_RELEASE_K: {e}"))
}

/// The database file a `sqlite:` URL names; `None` for an in-memory database or a
/// database that is no file (PostgreSQL).
pub fn database_file(database_url: &str) -> Option<PathBuf> {
    let path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?
        .split('?')
        .next()
        .unwrap_or_default();
    (!path.is_empty() && !path.starts_with(':')).then(|| PathBuf::from(path))
}

/// The key file sits beside the database file: `data/digna.db` → `data/digna.key`.
fn default_key_file(database_url: &str) -> PathBuf {
    database_file(database_url).map_or_else(|| PathBuf::from("data/digna.key"), |p| p.with_extension("key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_sits_beside_the_database() {
        assert_eq!(default_key_file("sqlite://data/digna.db"), PathBuf::from("data/digna.key"));
        assert_eq!(default_key_file("sqlite:///var/lib/digna/x.db?mode=rwc"), PathBuf::from("/var/lib/digna/x.key"));
        assert_eq!(default_key_file("sqlite::memory:"), PathBuf::from("data/digna.key"));
        assert_eq!(default_key_file("postgres://digna@db.example/digna"), PathBuf::from("data/digna.key"));
    }

    #[test]
    fn release_k_is_never_below_three() {
        assert_eq!(parse_release_k("5").unwrap(), K::new(5));
        assert_eq!(parse_release_k(" 3 ").unwrap(), K::MIN);
        for bad in ["2", "0", "-1", "five", ""] {
            assert!(parse_release_k(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
