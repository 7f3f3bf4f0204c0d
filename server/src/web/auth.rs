//! Passwords, sign-in throttling and the second factor of staff accounts.

use app::domain::Password;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use totp_rs::{Algorithm, Secret, TOTP};

/// Hashes a password with Argon2id off the async runtime (it is slow on purpose).
pub async fn hash_password(password: &Password) -> anyhow::Result<String> {
    let password = password.expose().to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
    })
    .await?
}

/// A hash of no one's password, checked when the email is unknown so that an unknown
/// email takes as long to refuse as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default()
            .hash_password(b"no account has this password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Checks `password` against `hash` (or against a decoy when there is no account)
/// off the async runtime.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| decoy_hash().to_string());
        let ok =
            PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok());
        ok && known
    })
    .await
    .unwrap_or(false)
}

/// Failures before sign-in slows down, for one account or from one client.
pub const FREE_FAILURES: u32 = 5;
const FIRST_DELAY: Duration = Duration::from_secs(2);
const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Entries idle this long are forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);

/// Sign-in throttling, in memory only. After [`FREE_FAILURES`] failures for an account
/// or from one client, each further attempt must wait, twice as long after every new
/// failure. Clients are known by a keyed hash of their address, never the address.
pub struct Throttle {
    key: [u8; 32],
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Clone, Copy)]
struct Entry {
    failures: u32,
    last: Instant,
}

impl Default for Throttle {
    fn default() -> Self {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Throttle { key, entries: Mutex::new(HashMap::new()) }
    }
}

impl Throttle {
    /// The keys an attempt counts against: the account (known or not) and the client.
    pub fn keys(&self, email: &str, client: Option<IpAddr>) -> Vec<String> {
        let mut keys = vec![format!("account:{}", email.trim().to_lowercase())];
        if let Some(ip) = client {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("any key length");
            mac.update(ip.to_string().as_bytes());
            keys.push(format!("client:{}", hex(&mac.finalize().into_bytes())));
        }
        keys
    }

    /// How long the caller must still wait before trying again, if at all.
    pub fn wait(&self, keys: &[String]) -> Option<Duration> {
        let entries = self.entries.lock().expect("throttle lock");
        let now = Instant::now();
        keys.iter()
            .filter_map(|k| entries.get(k))
            .filter_map(|e| (e.last + delay(e.failures)).checked_duration_since(now))
            .filter(|d| !d.is_zero())
            .max()
    }

    /// Records a failed attempt; returns the wait it now imposes.
    pub fn fail(&self, keys: &[String]) -> Duration {
        let mut entries = self.entries.lock().expect("throttle lock");
        let now = Instant::now();
        if entries.len() > 10_000 {
            entries.retain(|_, e| now.duration_since(e.last) < FORGET_AFTER);
        }
        let mut wait = Duration::ZERO;
        for k in keys {
            let e = entries.entry(k.clone()).or_insert(Entry { failures: 0, last: now });
            if now.duration_since(e.last) >= FORGET_AFTER {
                e.failures = 0;
            }
            e.failures += 1;
            e.last = now;
            wait = wait.max(delay(e.failures));
        }
        wait
    }

    /// A successful sign-in clears the account's count (the client's stays).
    pub fn succeed(&self, keys: &[String]) {
        let mut entries = self.entries.lock().expect("throttle lock");
        for k in keys.iter().filter(|k| k.starts_with("account:")) {
            entries.remove(k);
        }
    }
}

/// The wait after `failures` failures: none up to the free ones, then 2 s, 4 s, 8 s…
/// up to 15 minutes.
fn delay(failures: u32) -> Duration {
    if failures < FREE_FAILURES {
        return Duration::ZERO;
    }
    let doublings = (failures - FREE_FAILURES).min(16);
    FIRST_DELAY.saturating_mul(1 << doublings).min(MAX_DELAY)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The issuer name authenticator apps show.
pub const TOTP_ISSUER: &str = "Digna";

/// A new random TOTP secret, base32.
pub fn new_totp_secret() -> String {
    Secret::generate_secret().to_encoded().to_string()
}

/// The TOTP of an account: SHA-1, 6 digits, 30 s, one step of clock skew — what every
/// authenticator app understands.
pub fn totp(secret_base32: &str, email: &str) -> anyhow::Result<TOTP> {
    let bytes =
        Secret::Encoded(secret_base32.to_string()).to_bytes().map_err(|e| anyhow::anyhow!("bad TOTP secret: {e:?}"))?;
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, Some(TOTP_ISSUER.to_string()), email.to_string())
        .map_err(|e| anyhow::anyhow!("bad TOTP: {e}"))
}

/// Whether `code` (spaces allowed) is the current code of the secret.
pub fn check_totp(secret_base32: &str, email: &str, code: &str) -> bool {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    code.len() == 6
        && code.bytes().all(|b| b.is_ascii_digit())
        && totp(secret_base32, email).is_ok_and(|t| t.check_current(&code).unwrap_or(false))
}

/// The 30-second time step `code` (spaces allowed) belongs to, if it is the code of the
/// previous, current or next step; sign-in accepts each step once.
pub fn totp_step(secret_base32: &str, email: &str, code: &str) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret_base32, email).ok()?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    let step = now / totp.step;
    [step.saturating_sub(1), step, step + 1].into_iter().find(|s| same_secret(&totp.generate(s * totp.step), &code))
}

/// The otpauth:// link as a QR code, as inline SVG.
pub fn totp_qr_svg(secret_base32: &str, email: &str) -> anyhow::Result<String> {
    let url = totp(secret_base32, email)?.get_url();
    let code = qrcode::QrCode::new(url.as_bytes())?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

/// Ten one-time recovery codes such as `7KQ2-M9XD-4TPA`, and their hashes to store.
pub fn new_recovery_codes() -> (Vec<String>, Vec<Vec<u8>>) {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let codes: Vec<String> = (0..10)
        .map(|_| {
            let chars: Vec<char> =
                (0..12).map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char).collect();
            format!(
                "{}-{}-{}",
                chars[0..4].iter().collect::<String>(),
                chars[4..8].iter().collect::<String>(),
                chars[8..12].iter().collect::<String>()
            )
        })
        .collect();
    let hashes = codes.iter().map(|c| recovery_hash(c)).collect();
    (codes, hashes)
}

/// The stored hash of a recovery code, as typed (case, spaces and hyphens ignored).
pub fn recovery_hash(code: &str) -> Vec<u8> {
    let normal: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    Sha256::digest(normal.as_bytes()).to_vec()
}

/// A random token for forms (CSRF), URL-safe.
pub fn random_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_starts_after_five_failures_and_doubles() {
        assert_eq!(delay(4), Duration::ZERO);
        assert_eq!(delay(5), Duration::from_secs(2));
        assert_eq!(delay(6), Duration::from_secs(4));
        assert_eq!(delay(7), Duration::from_secs(8));
        assert_eq!(delay(100), MAX_DELAY);
    }

    #[test]
    fn throttle_counts_accounts_and_clients_apart() {
        let t = Throttle::default();
        let ip: IpAddr = "10.0.0.7".parse().unwrap();
        let a = t.keys("Ana@x.pe", Some(ip));
        assert!(!a.iter().any(|k| k.contains("10.0.0.7")), "the address itself is never kept");
        for _ in 0..4 {
            t.fail(&a);
        }
        assert_eq!(t.wait(&a), None);
        t.fail(&a);
        assert!(t.wait(&a).is_some());
        // Another account from the same client waits too; the same account elsewhere too.
        assert!(t.wait(&t.keys("bea@x.pe", Some(ip))).is_some());
        assert!(t.wait(&t.keys("ana@x.pe", None)).is_some());
        assert_eq!(t.wait(&t.keys("bea@x.pe", None)), None);
    }

    #[test]
    fn totp_codes_check_and_recovery_codes_normalise() {
        let secret = new_totp_secret();
        let code = totp(&secret, "ana@x.pe").unwrap().generate_current().unwrap();
        assert!(check_totp(&secret, "ana@x.pe", &code));
        assert!(!check_totp(&secret, "ana@x.pe", "12345"));
        assert!(!check_totp(&secret, "ana@x.pe", "abcdef"));
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let t = totp(&secret, "ana@x.pe").unwrap();
        assert_eq!(totp_step(&secret, "ana@x.pe", &t.generate(now)), Some(now / 30));
        assert_eq!(totp_step(&secret, "ana@x.pe", &t.generate(now - 30)), Some(now / 30 - 1));
        assert_eq!(totp_step(&secret, "ana@x.pe", &t.generate(now - 90)), None, "too old");
        let (codes, hashes) = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(recovery_hash(&codes[0].to_lowercase().replace('-', " ")), hashes[0]);
        assert!(totp_qr_svg(&secret, "ana@x.pe").unwrap().starts_with("<?xml"));
    }
}
