//! Passwords, sign-in throttling and the second factor of staff accounts.

use app::domain::Password;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::time::Duration;
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

/// Argon2 checks running at once at most: each takes 19 MiB and a core for a while, so
/// a burst of sign-ins waits its turn rather than exhaust the server.
const ARGON2_AT_ONCE: usize = 2;
/// How long a check waits for its turn before the sign-in is asked to come back.
const ARGON2_QUEUE_WAIT: Duration = Duration::from_secs(3);

/// Too many password checks are running: try again shortly.
#[derive(Debug)]
pub struct Busy;

/// Checks `password` against `hash` (or against a decoy when there is no account)
/// off the async runtime, at most [`ARGON2_AT_ONCE`] at a time.
pub async fn verify_password(password: String, hash: Option<String>) -> Result<bool, Busy> {
    static TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(ARGON2_AT_ONCE);
    let _turn = match tokio::time::timeout(ARGON2_QUEUE_WAIT, TURNS.acquire()).await {
        Ok(Ok(turn)) => turn,
        _ => return Err(Busy),
    };
    Ok(tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| decoy_hash().to_string());
        let ok =
            PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok());
        ok && known
    })
    .await
    .unwrap_or(false))
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
