//! The offline recovery key: an age X25519 identity whose secret is printed once, for
//! paper, and whose public half (`age1…`) the database keeps. A backup re-seals each
//! pending response to it, so the copy opens with that secret alone, never with a key
//! file that travels with it.
//!
//! A re-sealed record is one frame of [`RECOVERY_FRAME`] bytes, whatever it holds: a
//! marker, the length of the age ciphertext (two bytes, big-endian), the ciphertext of
//! the row's seal context (station and id) followed by the pending record's plaintext,
//! and zeros. Age adds a random "grease" stanza of random length to each header: the
//! frame hides it, so every re-sealed row has one size.

use crate::privacy::pending::seal_context;
use age::secrecy::ExposeSecret;

/// The size of every re-sealed pending record.
pub const RECOVERY_FRAME: usize = 9216;
/// What a re-sealed record starts with (an AEAD record starts with a random nonce).
pub(crate) const MARKER: &[u8] = b"digna-recovery-v1\n";

/// A new recovery identity: its secret (`AGE-SECRET-KEY-1…`, to print once) and its
/// public recipient (`age1…`, to store).
pub fn new_identity() -> (String, String) {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    (identity.to_string().expose_secret().to_string(), recipient)
}

/// Parses a recipient as stored (`age1…`).
pub fn parse_recipient(text: &str) -> Result<age::x25519::Recipient, String> {
    text.trim().parse().map_err(|e: &str| format!("the stored recovery key is not an age recipient: {e}"))
}

/// Parses the secret as typed or read from a file: the first line that is not blank
/// and not a `#` comment (as age writes identity files).
pub fn parse_identity(text: &str) -> Result<age::x25519::Identity, String> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or("no recovery key given (expected a line AGE-SECRET-KEY-1…)")?;
    line.parse().map_err(|_| "that is not a recovery key: expected one line AGE-SECRET-KEY-1… as printed".to_string())
}

/// Whether a pending row's record is re-sealed to a recovery key (not to a server key).
pub fn is_recovery_sealed(sealed: &[u8]) -> bool {
    sealed.len() == RECOVERY_FRAME && sealed.starts_with(MARKER)
}

/// Seals a pending record's plaintext, bound to its row, to the recovery recipient.
pub fn seal(
    recipient: &age::x25519::Recipient,
    station_id: i64,
    id: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, String> {
    let mut message = seal_context(station_id, id);
    message.extend_from_slice(plaintext);
    let ciphertext = age::encrypt(recipient, &message).map_err(|e| format!("cannot seal to the recovery key: {e}"))?;
    let len = u16::try_from(ciphertext.len()).ok().filter(|_| MARKER.len() + 2 + ciphertext.len() <= RECOVERY_FRAME);
    let Some(len) = len else {
        return Err(format!("a pending record of {} bytes does not fit the recovery frame", plaintext.len()));
    };
    let mut frame = Vec::with_capacity(RECOVERY_FRAME);
    frame.extend_from_slice(MARKER);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(&ciphertext);
    frame.resize(RECOVERY_FRAME, 0);
    Ok(frame)
}

/// The age ciphertext inside a re-sealed record; `None` if it is not one.
fn ciphertext(sealed: &[u8]) -> Option<&[u8]> {
    if !is_recovery_sealed(sealed) {
        return None;
    }
    let rest = &sealed[MARKER.len()..];
    let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
    rest.get(2..2 + len)
}

/// Whether a re-sealed record is well formed (a frame holding an age file's header),
/// checked without the secret.
pub fn is_well_formed(sealed: &[u8]) -> bool {
    ciphertext(sealed).is_some_and(|c| age::Decryptor::new_buffered(c).is_ok())
}

/// Opens a re-sealed record with the recovery secret: the plaintext the server had
/// sealed, once its row (station and id) is checked. `None` if it does not open with
/// this secret, was altered, or belongs to another row.
pub fn open(identity: &age::x25519::Identity, station_id: i64, id: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    let message = age::decrypt(identity, ciphertext(sealed)?).ok()?;
    let context = seal_context(station_id, id);
    message.strip_prefix(context.as_slice()).map(<[u8]>::to_vec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::frame::PENDING_FRAME;

    #[test]
    fn every_record_reseals_to_one_size_and_opens_only_with_its_secret_in_its_row() {
        let (secret, recipient) = new_identity();
        assert!(secret.starts_with("AGE-SECRET-KEY-1") && recipient.starts_with("age1"));
        let identity = parse_identity(&format!("# Digna recovery key\n{secret}\n")).unwrap();
        let recipient = parse_recipient(&recipient).unwrap();
        let plain = vec![0u8; PENDING_FRAME];
        // Age's grease stanza varies in length: the frame does not.
        for _ in 0..200 {
            let sealed = seal(&recipient, 3, &[7; 16], &plain).unwrap();
            assert_eq!(sealed.len(), RECOVERY_FRAME);
            assert!(is_recovery_sealed(&sealed) && is_well_formed(&sealed));
        }
        let sealed = seal(&recipient, 3, &[7; 16], b"record").unwrap();
        assert_eq!(open(&identity, 3, &[7; 16], &sealed).as_deref(), Some(&b"record"[..]));
        assert_eq!(open(&identity, 4, &[7; 16], &sealed), None, "bound to its station");
        assert_eq!(open(&identity, 3, &[8; 16], &sealed), None, "bound to its id");
        let other = parse_identity(&new_identity().0).unwrap();
        assert_eq!(open(&other, 3, &[7; 16], &sealed), None, "another secret cannot open it");
        let mut tampered = sealed.clone();
        tampered[200] ^= 1;
        assert_eq!(open(&identity, 3, &[7; 16], &tampered), None);
        assert!(parse_identity("age1notasecret").is_err() && parse_identity("  \n# only a comment\n").is_err());
        assert!(!is_recovery_sealed(&[0u8; 24 + PENDING_FRAME + 16]));
    }
}
