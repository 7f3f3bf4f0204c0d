//! The key that seals pending responses and keys the hashes of client ids. It lives in
//! a file outside the database, so a copy of the database alone reveals no answer.

use crate::domain::ClientId;
use base64::{engine::general_purpose::STANDARD, Engine};
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::XChaCha20Poly1305;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::io::{self, Write};
use std::path::Path;

type HmacSha256 = Hmac<Sha256>;
const NONCE_LEN: usize = 24;

pub struct SealKey {
    aead: XChaCha20Poly1305,
    client_id_key: [u8; 32],
    /// The X25519 key tablets seal their answers to (sealed boxes).
    box_secret: crypto_box::SecretKey,
}

impl SealKey {
    /// Derives the sealing and hashing keys from one 32-byte master secret.
    pub fn from_master(master: &[u8; 32]) -> Self {
        let derive = |label: &[u8]| -> [u8; 32] {
            let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("HMAC takes any key length");
            mac.update(label);
            mac.finalize().into_bytes().into()
        };
        SealKey {
            aead: XChaCha20Poly1305::new(&derive(b"digna/seal/v1").into()),
            client_id_key: derive(b"digna/client-id/v1"),
            box_secret: crypto_box::SecretKey::from_bytes(derive(b"digna/x25519/v1")),
        }
    }

    /// Reads an existing key file (a backup's, say); never creates one.
    pub fn load(path: &Path) -> io::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        Self::parse_file(&text)
            .map_err(|m| io::Error::new(io::ErrorKind::InvalidData, format!("{}: {m}", path.display())))
    }

    /// Reads the key file, or creates it (mode 0600) with a fresh random secret.
    pub fn load_or_create(path: &Path) -> io::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse_file(&text)
                .map_err(|m| io::Error::new(io::ErrorKind::InvalidData, format!("{}: {m}", path.display()))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                let mut master = [0u8; 32];
                OsRng.fill_bytes(&mut master);
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
                let mut file = opts.open(path)?;
                writeln!(file, "# Digna seal key. Back it up with the database; losing it loses pending responses.")?;
                writeln!(file, "{}", STANDARD.encode(master))?;
                file.sync_all()?;
                Ok(Self::from_master(&master))
            }
            Err(e) => Err(e),
        }
    }

    fn parse_file(text: &str) -> Result<Self, String> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .ok_or("the key file holds no key")?;
        let bytes = STANDARD.decode(line).map_err(|_| "the key is not valid base64")?;
        let master: [u8; 32] = bytes.try_into().map_err(|_| "the key must be 32 bytes")?;
        Ok(Self::from_master(&master))
    }

    /// Encrypts and authenticates `plaintext`, bound to `context` (which must be given again to open it).
    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ct = self
            .aead
            .encrypt(&nonce, Payload { msg: plaintext, aad: context })
            .expect("encryption of an in-memory buffer cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        out
    }

    /// Opens what [`seal`](Self::seal) made with the same context; `None` if it was altered.
    pub fn open(&self, context: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        self.aead.decrypt(nonce.into(), Payload { msg: ct, aad: context }).ok()
    }

    /// The public key tablets seal their answers to, as published to enrolled tablets.
    pub fn box_public_key(&self) -> [u8; 32] {
        self.box_secret.public_key().to_bytes()
    }

    /// Opens a sealed box a tablet made for [`box_public_key`](Self::box_public_key);
    /// `None` if it was made for another key or altered.
    pub fn open_box(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        self.box_secret.unseal(sealed).ok()
    }

    /// The keyed hash under which a client id is remembered: it cannot be reversed, nor
    /// recomputed from a guessed id without the key.
    pub fn client_key_hash(&self, id: &ClientId) -> Vec<u8> {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.client_id_key).expect("HMAC takes any key length");
        mac.update(id.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// SHA-256 of a secret (a device token or an enrollment code): only the hash is stored.
pub fn secret_hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A fresh random secret, 32 bytes, URL-safe base64.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Random bytes for a server-side id that says nothing about order or time.
pub fn random_id() -> Vec<u8> {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_content_opens_only_with_the_same_key_and_context() {
        let key = SealKey::from_master(&[7; 32]);
        let sealed = key.seal(b"station 1", b"{\"respect\":4}");
        assert!(!sealed.windows(7).any(|w| w == b"respect"), "ciphertext must not show the plaintext");
        assert_eq!(key.open(b"station 1", &sealed).as_deref(), Some(&b"{\"respect\":4}"[..]));
        assert_eq!(key.open(b"station 2", &sealed), None, "context is authenticated");
        assert_eq!(SealKey::from_master(&[8; 32]).open(b"station 1", &sealed), None, "another key cannot open it");
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(key.open(b"station 1", &tampered), None, "tampering is detected");
    }

    #[test]
    fn sealed_boxes_from_tablets_open_only_with_the_server_key() {
        let key = SealKey::from_master(&[7; 32]);
        let public = crypto_box::PublicKey::from_bytes(key.box_public_key());
        let sealed = public.seal(&mut OsRng, b"{\"respect\":4}").unwrap();
        assert_eq!(key.open_box(&sealed).as_deref(), Some(&b"{\"respect\":4}"[..]));
        assert_eq!(SealKey::from_master(&[8; 32]).open_box(&sealed), None);
        let mut tampered = sealed.clone();
        tampered[40] ^= 1;
        assert_eq!(key.open_box(&tampered), None);
        assert_eq!(key.box_public_key(), SealKey::from_master(&[7; 32]).box_public_key(), "stable across restarts");
    }

    #[test]
    fn client_id_hashes_are_keyed() {
        let text = "6f1c1f5e-2b59-4e9b-9a57-1d2b3c4d5e6f";
        let id = ClientId::parse(text).unwrap();
        let (a, b) = (SealKey::from_master(&[7; 32]), SealKey::from_master(&[8; 32]));
        let hash = a.client_key_hash(&id);
        assert_eq!(hash.len(), 32);
        assert_eq!(hash, a.client_key_hash(&id), "the same key gives the same hash");
        assert_ne!(hash, b.client_key_hash(&id), "another secret gives another hash for the same id");
        // Whoever knows or guesses an id cannot recompute its hash without the key.
        for (case, unkeyed) in [
            ("SHA-256 of the id's bytes", Sha256::digest(id.as_bytes()).to_vec()),
            ("SHA-256 of the id's text", Sha256::digest(text.as_bytes()).to_vec()),
            ("SHA-256 of the id's upper-case text", Sha256::digest(text.to_uppercase().as_bytes()).to_vec()),
        ] {
            assert_ne!(hash, unkeyed, "{case}");
        }
        let other = ClientId::parse("0b8f0e8a-5c4d-4f6e-8a1b-2c3d4e5f6a7b").unwrap();
        assert_ne!(hash, a.client_key_hash(&other), "another id gives another hash");
    }

    #[test]
    fn key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/digna.key");
        let a = SealKey::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let b = SealKey::load_or_create(&path).unwrap();
        let sealed = a.seal(b"x", b"hello");
        assert_eq!(b.open(b"x", &sealed).as_deref(), Some(&b"hello"[..]), "the same key is read back");
        let id = ClientId::parse("6f1c1f5e-2b59-4e9b-9a57-1d2b3c4d5e6f").unwrap();
        assert_eq!(a.client_key_hash(&id), b.client_key_hash(&id));
        std::fs::write(&path, "garbage").unwrap();
        assert!(SealKey::load_or_create(&path).is_err(), "a corrupt key file is an error, never replaced");
    }
}
