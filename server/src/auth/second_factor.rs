//! The second factor of staff accounts: TOTP secrets (sealed at rest), one-time recovery
//! codes (salted hashes), and the check of either.

use super::tokens::same_secret;
use rand::RngCore;
use sha2::{Digest, Sha256};
use store::Accounts;
use totp_rs::{Algorithm, Secret, TOTP};

/// The issuer name authenticator apps show.
pub const TOTP_ISSUER: &str = "Digna";

/// A new random TOTP secret, base32.
pub fn new_totp_secret() -> String {
    Secret::generate_secret().to_encoded().to_string()
}

/// The TOTP of an account: SHA-1, 6 digits, 30 s, one step of clock skew — what every
/// authenticator app understands.
pub fn totp(secret_base32: &str, email: &str) -> Result<TOTP, super::Error> {
    let bytes =
        Secret::Encoded(secret_base32.to_string()).to_bytes().map_err(|e| super::Error::Totp(format!("{e:?}")))?;
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, Some(TOTP_ISSUER.to_string()), email.to_string())
        .map_err(|e| super::Error::Totp(e.to_string()))
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
pub fn totp_qr_svg(secret_base32: &str, email: &str) -> Result<String, super::Error> {
    let url = totp(secret_base32, email)?.get_url();
    let code = qrcode::QrCode::new(url.as_bytes())?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

/// Ten one-time recovery codes such as `7KQ2-M9XD-4TPA`, and their salted hashes to store.
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
    let hashes = codes
        .iter()
        .map(|c| {
            let mut salt = [0u8; RECOVERY_SALT];
            rng.fill_bytes(&mut salt);
            salted_recovery_hash(&salt, c)
        })
        .collect();
    (codes, hashes)
}

/// Bytes of random salt before each stored recovery code's hash.
const RECOVERY_SALT: usize = 16;

/// A code as typed, normalised: case, spaces and hyphens ignored.
fn normal_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// The stored form of a recovery code: its salt, then SHA-256 of salt and code.
fn salted_recovery_hash(salt: &[u8; RECOVERY_SALT], code: &str) -> Vec<u8> {
    let digest = Sha256::new().chain_update(salt).chain_update(normal_code(code).as_bytes()).finalize();
    let mut stored = salt.to_vec();
    stored.extend_from_slice(&digest);
    stored
}

/// Whether `code` is the recovery code stored as `stored`: salted, or (from before
/// salts) the bare SHA-256 of the code. Compared in constant time.
pub fn recovery_code_matches(stored: &[u8], code: &str) -> bool {
    let expected = match stored.len() {
        32 => Sha256::digest(normal_code(code).as_bytes()).to_vec(),
        n if n == RECOVERY_SALT + 32 => {
            let salt: [u8; RECOVERY_SALT] = stored[..RECOVERY_SALT].try_into().expect("length checked");
            salted_recovery_hash(&salt, code)
        }
        _ => return false,
    };
    expected.iter().zip(stored).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What a sealed second-factor secret starts with in `users.totp_secret`.
const SEALED_TOTP: &str = "sealed:";

fn totp_context(user_id: i64) -> Vec<u8> {
    format!("digna/totp/v1/{user_id}").into_bytes()
}

/// The form in which `user_id`'s TOTP secret is stored: sealed with the server's key
/// (bound to her account), so a copy of the database cannot make her codes.
pub fn seal_totp_secret(seal: &crate::privacy::seal::SealKey, user_id: i64, secret_base32: &str) -> String {
    use base64::Engine;
    let sealed = seal.seal(&totp_context(user_id), secret_base32.as_bytes());
    format!("{SEALED_TOTP}{}", base64::engine::general_purpose::STANDARD.encode(sealed))
}

/// The TOTP secret stored as `stored` for `user_id`: opened with the server's key, or
/// as it is when stored in the clear by an older release (sealed at the next start).
/// `None` when it does not open (another key, or altered).
pub fn open_totp_secret(seal: &crate::privacy::seal::SealKey, user_id: i64, stored: &str) -> Option<String> {
    use base64::Engine;
    let Some(sealed) = stored.strip_prefix(SEALED_TOTP) else { return Some(stored.to_string()) };
    let bytes = base64::engine::general_purpose::STANDARD.decode(sealed).ok()?;
    String::from_utf8(seal.open(&totp_context(user_id), &bytes)?).ok()
}

/// Whether `code` is her second factor: the current TOTP code (each time step accepted
/// once), or one of her unused recovery codes, which this check spends.
pub async fn check_second_factor(
    db: &crate::Db,
    seal: &crate::privacy::seal::SealKey,
    user: &store::accounts::User,
    code: &str,
) -> Result<bool, super::Error> {
    if code.chars().filter(char::is_ascii_digit).count() == 6 && code.trim().len() <= 7 {
        let secret = user.totp_secret.as_deref().and_then(|stored| open_totp_secret(seal, user.id, stored));
        let Some(step) = secret.and_then(|secret| totp_step(&secret, &user.email, code)) else { return Ok(false) };
        return Ok(Accounts::use_totp_step(db, user.id, step as i64).await?);
    }
    for stored in Accounts::recovery_code_hashes(db, user.id).await? {
        if recovery_code_matches(&stored, code) {
            return Ok(Accounts::use_recovery_code(db, user.id, &stored).await?);
        }
    }
    Ok(false)
}

/// Seals every second-factor secret still stored in the clear; run at start.
pub async fn seal_plain_totp_secrets(db: &crate::Db, seal: &crate::privacy::seal::SealKey) -> Result<(), super::Error> {
    for (user_id, plain) in store::Accounts::plain_totp_secrets(db).await? {
        let sealed = seal_totp_secret(seal, user_id, &plain);
        store::Accounts::seal_totp_secret(db, user_id, &plain, &sealed).await?;
    }
    Ok(())
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
        assert!(recovery_code_matches(&hashes[0], &codes[0].to_lowercase().replace('-', " ")));
        assert!(!recovery_code_matches(&hashes[1], &codes[0]), "each code has its own hash");
        assert!(!hashes.iter().any(|h| h.ends_with(&Sha256::digest(normal_code(&codes[0]).as_bytes()))), "salted");
        let again = codes[0].clone();
        assert_ne!(
            salted_recovery_hash(&[1; RECOVERY_SALT], &again),
            salted_recovery_hash(&[2; RECOVERY_SALT], &again),
            "the same code under two salts is stored differently"
        );
        let legacy = Sha256::digest(normal_code(&codes[2]).as_bytes()).to_vec();
        assert!(recovery_code_matches(&legacy, &codes[2]), "codes stored before salts still work");
        assert!(totp_qr_svg(&secret, "ana@x.pe").unwrap().starts_with("<?xml"));
    }

    #[test]
    fn a_totp_secret_is_stored_sealed_to_its_account() {
        let key = crate::privacy::seal::SealKey::from_master(&[7; 32]);
        let secret = new_totp_secret();
        let stored = seal_totp_secret(&key, 3, &secret);
        assert!(!stored.contains(&secret), "{stored}");
        assert_eq!(open_totp_secret(&key, 3, &stored).as_deref(), Some(secret.as_str()));
        assert_eq!(open_totp_secret(&key, 4, &stored), None, "moved to another account, it does not open");
        let other = crate::privacy::seal::SealKey::from_master(&[8; 32]);
        assert_eq!(open_totp_secret(&other, 3, &stored), None, "another key does not open it");
        assert_eq!(open_totp_secret(&key, 3, &secret).as_deref(), Some(secret.as_str()), "plain, from before");
    }
}
