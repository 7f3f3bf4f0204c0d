//! Webhook signatures, as Stripe and GitHub sign theirs: HMAC-SHA-256, keyed with the
//! endpoint's secret, over the Unix time of sending, a dot, and the body, sent as
//! `Digna-Signature: t=<time>,v1=<lowercase hex>`. A receiver recomputes it, compares in
//! constant time, and refuses a time more than five minutes from its clock (a replay).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header that carries the signature.
pub const HEADER: &str = "Digna-Signature";

/// How far a signature's time may be from the receiver's clock.
pub const TOLERANCE_SECONDS: i64 = 300;

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `Digna-Signature` value for `body` sent at `timestamp`.
pub fn header_value(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", domain::hex(&mac(secret, timestamp, body).finalize().into_bytes()))
}

/// Whether `header` signs `body` with `secret` at a time within [`TOLERANCE_SECONDS`] of
/// `now`: the receiver's check (the README's recipe, in Rust).
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v.to_string()),
            _ => {}
        }
    }
    let Some(t) = timestamp else { return false };
    if (now - t).abs() > TOLERANCE_SECONDS {
        return false;
    }
    signatures.iter().any(|s| domain::unhex(s).is_some_and(|bytes| mac(secret, t, body).verify_slice(&bytes).is_ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_with_its_secret_body_and_a_recent_time() {
        let body = br#"{"type":"test"}"#;
        let h = header_value("whsec_1", 1_800_000_000, body);
        assert!(h.starts_with("t=1800000000,v1="), "{h}");
        assert!(verify("whsec_1", &h, body, 1_800_000_100));
        assert!(!verify("whsec_2", &h, body, 1_800_000_100), "another secret");
        assert!(!verify("whsec_1", &h, br#"{"type":"tset"}"#, 1_800_000_100), "another body");
        assert!(!verify("whsec_1", &h, body, 1_800_000_000 + TOLERANCE_SECONDS + 1), "too old: a replay");
        assert!(!verify("whsec_1", "t=1800000000", body, 1_800_000_000), "no signature");
        assert!(!verify("whsec_1", "v1=00", body, 1_800_000_000), "no time");
    }

    /// The value is what the README's recipe computes (Python's hmac, hashlib):
    /// hmac.new(b"whsec_1", b"1800000000." + body, hashlib.sha256).hexdigest()
    #[test]
    fn the_signature_is_hmac_sha256_over_time_dot_body() {
        let body = br#"{"type":"test"}"#;
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(b"whsec_1").unwrap();
        m.update(b"1800000000.{\"type\":\"test\"}");
        let expected = domain::hex(&m.finalize().into_bytes());
        assert_eq!(header_value("whsec_1", 1_800_000_000, body), format!("t=1800000000,v1={expected}"));
    }
}
