//! The keys that seal pending responses, key the hashes of client ids and open what
//! tablets seal. They live in a file outside the database (mode 0600), so a copy of the
//! database alone reveals no answer; a backup carries none of them (`crate::backup`).
//!
//! The key file, version 2, holds three independent random secrets, each on its own
//! labelled line: `aead` (seals pending responses), `client-id-hmac` (keys the hashes of
//! client ids) and `x25519` (the secret whose public key tablets seal to), and, between
//! `digna key rotate` and `digna key rotate --finish`, `x25519-previous` with the day
//! it was replaced. Knowing one secret tells nothing of another.
//!
//! A version 1 file (one bare master line, from before) still loads as it always did:
//! the three keys derived from the master. `digna key rotate` rewrites it as version 2,
//! keeping the derived AEAD and HMAC keys (so sealed rows and remembered ids still
//! match) and dropping the master.

use base64::{engine::general_purpose::STANDARD, Engine};
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::XChaCha20Poly1305;
use chrono::NaiveDate;
use domain::ClientId;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::io::{self, Write};
use std::path::Path;

type HmacSha256 = Hmac<Sha256>;
const NONCE_LEN: usize = 24;
/// The line that marks a version 2 key file.
const V2_MARK: &str = "digna-keys: v2";

pub struct SealKey {
    aead_secret: [u8; 32],
    aead: XChaCha20Poly1305,
    client_id_key: [u8; 32],
    /// The X25519 key tablets seal their answers to (sealed boxes).
    box_secret: crypto_box::SecretKey,
    /// The X25519 key replaced by `digna key rotate`, kept (with the day it was replaced)
    /// so that what tablets sealed to it before they fetched the new one still opens.
    previous_box: Option<(crypto_box::SecretKey, NaiveDate)>,
}

fn random_secret() -> [u8; 32] {
    let mut secret = [0u8; 32];
    OsRng.fill_bytes(&mut secret);
    secret
}

/// Writes `text` to `path` with mode 0600: to a new file beside it, then renamed over
/// it, so that a crash leaves the old file or the new one, never half of either.
fn write_private(path: &Path, text: &str, replace: bool) -> io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    if !replace {
        let mut file = opts.open(path)?;
        file.write_all(text.as_bytes())?;
        return file.sync_all();
    }
    let partial = path.with_extension("key-partial");
    let _ = std::fs::remove_file(&partial);
    let mut file = opts.open(&partial)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&partial, path)
}

impl SealKey {
    /// Derives the sealing and hashing keys from one 32-byte master secret: how a
    /// version 1 key file is read.
    pub fn from_master(master: &[u8; 32]) -> Self {
        let derive = |label: &[u8]| -> [u8; 32] {
            let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("HMAC takes any key length");
            mac.update(label);
            mac.finalize().into_bytes().into()
        };
        Self::from_secrets(derive(b"digna/seal/v1"), derive(b"digna/client-id/v1"), derive(b"digna/x25519/v1"), None)
    }

    fn from_secrets(
        aead: [u8; 32],
        client_id_key: [u8; 32],
        x25519: [u8; 32],
        previous: Option<([u8; 32], NaiveDate)>,
    ) -> Self {
        SealKey {
            aead_secret: aead,
            aead: XChaCha20Poly1305::new(&aead.into()),
            client_id_key,
            box_secret: crypto_box::SecretKey::from_bytes(x25519),
            previous_box: previous.map(|(s, day)| (crypto_box::SecretKey::from_bytes(s), day)),
        }
    }

    /// Three fresh independent secrets (what a new installation gets).
    pub fn generate() -> Self {
        Self::from_secrets(random_secret(), random_secret(), random_secret(), None)
    }

    /// Reads an existing key file; never creates one.
    pub fn load(path: &Path) -> io::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        Self::parse_file(&text)
            .map_err(|m| io::Error::new(io::ErrorKind::InvalidData, format!("{}: {m}", path.display())))
    }

    /// Reads the key file, or creates it (version 2, mode 0600, in a folder made 0700)
    /// with fresh random secrets.
    pub fn load_or_create(path: &Path) -> io::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse_file(&text)
                .map_err(|m| io::Error::new(io::ErrorKind::InvalidData, format!("{}: {m}", path.display()))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    store_sqlite::create_private_dirs(dir)?;
                }
                let key = Self::generate();
                write_private(path, &key.file_text(), false)?;
                Ok(key)
            }
            Err(e) => Err(e),
        }
    }

    /// Writes this key over the key file at `path` (mode 0600, atomically).
    pub fn save(&self, path: &Path) -> io::Result<()> {
        write_private(path, &self.file_text(), true)
    }

    /// The key file's text, version 2.
    fn file_text(&self) -> String {
        let mut text = String::from(
            "# Digna keys. Keep this file mode 0600 and never beside a backup: backups need no key.\n\
             # Losing it loses the pending responses, unless a backup and the recovery key bring them back.\n",
        );
        text.push_str(V2_MARK);
        text.push('\n');
        text.push_str(&format!("aead: {}\n", STANDARD.encode(self.aead_secret)));
        text.push_str(&format!("client-id-hmac: {}\n", STANDARD.encode(self.client_id_key)));
        text.push_str(&format!("x25519: {}\n", STANDARD.encode(self.box_secret.to_bytes())));
        if let Some((secret, since)) = &self.previous_box {
            text.push_str(&format!("x25519-previous: {}\n", STANDARD.encode(secret.to_bytes())));
            text.push_str(&format!("x25519-previous-replaced: {since}\n"));
        }
        text
    }

    fn parse_file(text: &str) -> Result<Self, String> {
        let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
        let first = lines.first().ok_or("the key file holds no key")?;
        if *first != V2_MARK {
            // Version 1: one bare master secret.
            return Ok(Self::from_master(&secret_bytes(first)?));
        }
        let field = |label: &str| -> Option<&str> {
            lines.iter().find_map(|l| l.strip_prefix(label)?.strip_prefix(':').map(str::trim))
        };
        let secret = |label: &str| -> Result<[u8; 32], String> {
            secret_bytes(field(label).ok_or_else(|| format!("the key file has no {label} line"))?)
                .map_err(|e| format!("{label}: {e}"))
        };
        let previous = match field("x25519-previous") {
            None => None,
            Some(line) => {
                let since = field("x25519-previous-replaced")
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .ok_or("x25519-previous needs an x25519-previous-replaced line (YYYY-MM-DD)")?;
                Some((secret_bytes(line).map_err(|e| format!("x25519-previous: {e}"))?, since))
            }
        };
        Ok(Self::from_secrets(secret("aead")?, secret("client-id-hmac")?, secret("x25519")?, previous))
    }

    /// Replaces the X25519 pair tablets seal to with a fresh one; the replaced secret is
    /// kept as the previous one until [`finish_rotation`](Self::finish_rotation). Refused
    /// while a previous secret is still kept: it would be destroyed unasked.
    pub fn rotate_box(&mut self, today: NaiveDate) -> Result<(), String> {
        if let Some((_, since)) = &self.previous_box {
            return Err(format!(
                "the key replaced on {since} is still kept: finish that rotation first (digna key rotate --finish)"
            ));
        }
        let old = std::mem::replace(&mut self.box_secret, crypto_box::SecretKey::from_bytes(random_secret()));
        self.previous_box = Some((old, today));
        Ok(())
    }

    /// Destroys the previous X25519 secret (in this key; [`save`](Self::save) writes
    /// it). Returns the day it had been replaced, `None` if none was kept.
    pub fn finish_rotation(&mut self) -> Option<NaiveDate> {
        self.previous_box.take().map(|(_, since)| since)
    }

    /// The day the previous X25519 secret was replaced, while it is kept.
    pub fn previous_box_replaced(&self) -> Option<NaiveDate> {
        self.previous_box.as_ref().map(|(_, since)| *since)
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

    /// Opens a sealed box a tablet made for [`box_public_key`](Self::box_public_key), or
    /// for the key it replaced while that is kept; `None` if it was made for another key
    /// or altered.
    pub fn open_box(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        self.box_secret
            .unseal(sealed)
            .ok()
            .or_else(|| self.previous_box.as_ref().and_then(|(secret, _)| secret.unseal(sealed).ok()))
    }

    /// The keyed hash under which a client id is remembered: it cannot be reversed, nor
    /// recomputed from a guessed id without the key.
    pub fn client_key_hash(&self, id: &ClientId) -> Vec<u8> {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.client_id_key).expect("HMAC takes any key length");
        mac.update(id.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

fn secret_bytes(line: &str) -> Result<[u8; 32], String> {
    let bytes = STANDARD.decode(line).map_err(|_| "the key is not valid base64")?;
    Ok(bytes.try_into().map_err(|_| "the key must be 32 bytes")?)
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
    use sha2::Digest;
    use std::collections::HashSet;

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

    #[test]
    fn a_version_1_key_file_still_loads_and_opens_what_it_sealed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("digna.key");
        let master = [9u8; 32];
        std::fs::write(
            &path,
            format!("# Digna seal key. Back it up with the database.\n{}\n", STANDARD.encode(master)),
        )
        .unwrap();
        let old = SealKey::from_master(&master);
        let sealed = old.seal(b"row", b"pending");
        let boxed = crypto_box::PublicKey::from_bytes(old.box_public_key()).seal(&mut OsRng, b"tablet").unwrap();
        let id = ClientId::parse("6f1c1f5e-2b59-4e9b-9a57-1d2b3c4d5e6f").unwrap();
        let mut loaded = SealKey::load(&path).unwrap();
        // The derivation is pinned: installations' existing files must read as before.
        let derived = |label: &[u8]| -> [u8; 32] {
            let mut mac = <HmacSha256 as Mac>::new_from_slice(&master).unwrap();
            mac.update(label);
            mac.finalize().into_bytes().into()
        };
        let x25519 = crypto_box::SecretKey::from_bytes(derived(b"digna/x25519/v1"));
        assert_eq!(loaded.box_public_key(), x25519.public_key().to_bytes());
        let aead = XChaCha20Poly1305::new(&derived(b"digna/seal/v1").into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut by_hand = nonce.to_vec();
        by_hand.extend(aead.encrypt(&nonce, Payload { msg: b"by hand", aad: b"ctx" }).unwrap());
        assert_eq!(loaded.open(b"ctx", &by_hand).as_deref(), Some(&b"by hand"[..]));
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&derived(b"digna/client-id/v1")).unwrap();
        mac.update(id.as_bytes());
        assert_eq!(loaded.client_key_hash(&id), mac.finalize().into_bytes().to_vec());
        assert_eq!(loaded.open(b"row", &sealed).as_deref(), Some(&b"pending"[..]));
        assert_eq!(loaded.open_box(&boxed).as_deref(), Some(&b"tablet"[..]));
        assert_eq!(loaded.client_key_hash(&id), old.client_key_hash(&id));
        // Rotation rewrites it as version 2: the master is gone, the derived keys stay.
        loaded.rotate_box(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()).unwrap();
        loaded.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(V2_MARK) && !text.contains(&STANDARD.encode(master)), "{text}");
        let v2 = SealKey::load(&path).unwrap();
        assert_eq!(v2.open(b"row", &sealed).as_deref(), Some(&b"pending"[..]));
        assert_eq!(v2.client_key_hash(&id), old.client_key_hash(&id));
        assert_eq!(v2.open_box(&boxed).as_deref(), Some(&b"tablet"[..]), "the previous secret is kept");
    }

    #[test]
    fn the_three_secrets_are_independent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("digna.key");
        let key = SealKey::load_or_create(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.lines().any(|l| l == V2_MARK), "a new key file is version 2: {text}");
        let sealed = key.seal(b"row", b"pending");
        let id = ClientId::parse("6f1c1f5e-2b59-4e9b-9a57-1d2b3c4d5e6f").unwrap();
        let other = STANDARD.encode([1u8; 32]);
        let with = |label: &str| -> SealKey {
            let changed: Vec<String> = text
                .lines()
                .map(|l| match l.strip_prefix(label).and_then(|r| r.strip_prefix(": ")) {
                    Some(_) => format!("{label}: {other}"),
                    None => l.to_string(),
                })
                .collect();
            assert_ne!(changed.join("\n"), text.trim_end(), "{label} is a line of the file");
            SealKey::parse_file(&changed.join("\n")).unwrap()
        };
        // Each line changes its own key and no other.
        let k = with("aead");
        assert_eq!(k.open(b"row", &sealed), None);
        assert_eq!((k.client_key_hash(&id), k.box_public_key()), (key.client_key_hash(&id), key.box_public_key()));
        let k = with("client-id-hmac");
        assert_ne!(k.client_key_hash(&id), key.client_key_hash(&id));
        assert!(k.open(b"row", &sealed).is_some() && k.box_public_key() == key.box_public_key());
        let k = with("x25519");
        assert_ne!(k.box_public_key(), key.box_public_key());
        assert!(k.open(b"row", &sealed).is_some() && k.client_key_hash(&id) == key.client_key_hash(&id));
        // And no two of them are the same secret.
        let values: HashSet<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once(": "))
            .filter(|(k, _)| *k != "digna-keys")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(values.len(), 3, "{text}");
    }

    #[test]
    fn a_rotated_box_key_opens_old_boxes_until_the_rotation_is_finished() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("digna.key");
        let mut key = SealKey::load_or_create(&path).unwrap();
        let old_public = key.box_public_key();
        let old_box = crypto_box::PublicKey::from_bytes(old_public).seal(&mut OsRng, b"old").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        key.rotate_box(day).unwrap();
        assert_ne!(key.box_public_key(), old_public, "tablets get a new key");
        assert!(key.rotate_box(day).unwrap_err().contains("--finish"), "never two rotations at once");
        key.save(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let mut key = SealKey::load(&path).unwrap();
        assert_eq!(key.previous_box_replaced(), Some(day));
        let new_box = crypto_box::PublicKey::from_bytes(key.box_public_key()).seal(&mut OsRng, b"new").unwrap();
        assert_eq!(key.open_box(&old_box).as_deref(), Some(&b"old"[..]));
        assert_eq!(key.open_box(&new_box).as_deref(), Some(&b"new"[..]));
        assert_eq!(key.finish_rotation(), Some(day));
        key.save(&path).unwrap();
        let key = SealKey::load(&path).unwrap();
        assert_eq!(key.open_box(&old_box), None, "the old secret is destroyed");
        assert_eq!(key.open_box(&new_box).as_deref(), Some(&b"new"[..]));
        assert!(!std::fs::read_to_string(&path).unwrap().contains("previous"));
    }
}
