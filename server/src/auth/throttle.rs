//! Sign-in throttling, in memory only, that holds under concurrency.
//!
//! An attempt is *reserved* before any slow work (the database, Argon2, the audit line):
//! the reservation counts as a failure at once, under one lock, so that parallel
//! attempts see each other and no more than [`FREE_FAILURES`] of them reach the password
//! check; a success gives its reservation back. Each further attempt must wait, twice as
//! long after every new failure.
//!
//! What an attempt counts against:
//! - the account, for its factor: wrong passwords and wrong second-step codes are counted
//!   apart, and a right password clears only the password's count, so that a known
//!   password cannot reset the guessing of codes;
//! - the client, with many more free failures ([`CLIENT_FREE_FAILURES`]): behind a reverse
//!   proxy every client has the proxy's address, and a stranger's failures on other
//!   accounts must not lock anyone out of hers.
//!
//! Accounts and clients are known by a keyed hash (of the typed email, of the address),
//! never in the clear and never longer than 32 bytes, and the table is bounded
//! ([`MAX_ENTRIES`]).

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures before sign-in slows down, for one account and factor.
pub const FREE_FAILURES: u32 = 5;
/// Failures before sign-in slows down from one client, whatever the accounts.
pub const CLIENT_FREE_FAILURES: u32 = 50;
/// Entries the table holds at most: beyond it, entries that impose no wait go first,
/// then the oldest.
pub const MAX_ENTRIES: usize = 100_000;
const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Entries idle this long are forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);

/// Which factor an attempt proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Factor {
    Password,
    /// A TOTP or a recovery code: six digits can be guessed, so waits start longer.
    SecondStep,
}

impl Factor {
    fn first_delay(self) -> Duration {
        match self {
            Factor::Password => Duration::from_secs(2),
            Factor::SecondStep => Duration::from_secs(30),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Account(Factor),
    Client,
}

type Key = (Kind, [u8; 32]);

#[derive(Clone, Copy)]
struct Entry {
    failures: u32,
    last: Instant,
}

pub struct Throttle {
    key: [u8; 32],
    entries: Mutex<HashMap<Key, Entry>>,
}

/// A reserved attempt: counted as a failure until [`Throttle::succeed`] gives it back.
#[must_use = "an attempt is settled with succeed or fail"]
pub struct Attempt {
    keys: Vec<Key>,
}

impl Default for Throttle {
    fn default() -> Self {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Throttle { key, entries: Mutex::new(HashMap::new()) }
    }
}

impl Throttle {
    fn hash(&self, label: &[u8], text: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("any key length");
        mac.update(label);
        mac.update(text.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Reserves an attempt to sign in as `email` (as typed) from `client` with `factor`,
    /// or says how long to wait first. Call it before any slow work.
    pub fn reserve(&self, email: &str, client: Option<IpAddr>, factor: Factor) -> Result<Attempt, Duration> {
        let mut keys = vec![(Kind::Account(factor), self.hash(b"account\0", &email.trim().to_lowercase()))];
        if let Some(ip) = client {
            keys.push((Kind::Client, self.hash(b"client\0", &ip.to_string())));
        }
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let wait = keys
            .iter()
            .filter_map(|k| entries.get(k).map(|e| (k, e)))
            .filter(|(_, e)| now.duration_since(e.last) < FORGET_AFTER)
            .filter_map(|(k, e)| (e.last + delay(k.0, e.failures)).checked_duration_since(now))
            .filter(|d| !d.is_zero())
            .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        bound(&mut entries, now, keys.len());
        for k in &keys {
            let e = entries.entry(*k).or_insert(Entry { failures: 0, last: now });
            if now.duration_since(e.last) >= FORGET_AFTER {
                e.failures = 0;
            }
            e.failures += 1;
            e.last = now;
        }
        Ok(Attempt { keys })
    }

    /// The attempt failed: it stays counted. Returns the wait it now imposes.
    pub fn fail(&self, attempt: Attempt) -> Duration {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        attempt.keys.iter().filter_map(|k| entries.get(k).map(|e| delay(k.0, e.failures))).max().unwrap_or_default()
    }

    /// The attempt succeeded: the account's count for this factor is cleared, and the
    /// client's reservation given back (its earlier failures stay).
    pub fn succeed(&self, attempt: Attempt) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for k in &attempt.keys {
            match k.0 {
                Kind::Account(_) => {
                    entries.remove(k);
                }
                Kind::Client => {
                    if let Some(e) = entries.get_mut(k) {
                        e.failures = e.failures.saturating_sub(1);
                    }
                }
            }
        }
    }

    /// Entries held (for tests of the bound).
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Makes room for `adding` entries: forgets idle ones, then those that impose no wait,
/// then the oldest.
fn bound(entries: &mut HashMap<Key, Entry>, now: Instant, adding: usize) {
    if entries.len() + adding <= MAX_ENTRIES {
        return;
    }
    entries.retain(|_, e| now.duration_since(e.last) < FORGET_AFTER);
    if entries.len() + adding > MAX_ENTRIES {
        entries.retain(|k, e| (e.last + delay(k.0, e.failures)) > now);
    }
    if entries.len() + adding > MAX_ENTRIES {
        let mut by_age: Vec<(Instant, Key)> = entries.iter().map(|(k, e)| (e.last, *k)).collect();
        by_age.sort_unstable_by_key(|(last, _)| *last);
        for (_, k) in by_age.into_iter().take(entries.len() + adding - MAX_ENTRIES / 2) {
            entries.remove(&k);
        }
    }
}

/// The wait after `failures` failures: none up to the free ones, then the factor's first
/// delay (the password's for a client), doubling up to 15 minutes.
fn delay(kind: Kind, failures: u32) -> Duration {
    let (free, first) = match kind {
        Kind::Account(factor) => (FREE_FAILURES, factor.first_delay()),
        Kind::Client => (CLIENT_FREE_FAILURES, Factor::Password.first_delay()),
    };
    if failures < free {
        return Duration::ZERO;
    }
    let doublings = (failures - free).min(16);
    first.saturating_mul(1 << doublings).min(MAX_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

    #[test]
    fn waits_start_after_the_free_failures_and_double() {
        let password = Kind::Account(Factor::Password);
        assert_eq!(delay(password, 4), Duration::ZERO);
        assert_eq!(delay(password, 5), Duration::from_secs(2));
        assert_eq!(delay(password, 6), Duration::from_secs(4));
        assert_eq!(delay(password, 100), MAX_DELAY);
        assert_eq!(delay(Kind::Account(Factor::SecondStep), 5), Duration::from_secs(30));
        assert_eq!(delay(Kind::Client, CLIENT_FREE_FAILURES - 1), Duration::ZERO);
        assert_eq!(delay(Kind::Client, CLIENT_FREE_FAILURES), Duration::from_secs(2));
    }

    #[test]
    fn parallel_attempts_see_each_other_five_pass_the_rest_wait() {
        let t = Throttle::default();
        let attempts: Vec<_> = (0..64).map(|_| t.reserve("ana@x.pe", HOME, Factor::Password)).collect();
        assert_eq!(attempts.iter().filter(|a| a.is_ok()).count(), FREE_FAILURES as usize);
        assert!(attempts.iter().filter_map(|a| a.as_ref().err()).all(|w| *w >= Duration::from_secs(1)));
    }

    #[test]
    fn a_right_password_clears_the_password_count_only() {
        let t = Throttle::default();
        for _ in 0..FREE_FAILURES {
            let a = t.reserve("ana@x.pe", HOME, Factor::SecondStep).unwrap();
            t.fail(a);
        }
        let a = t.reserve("ana@x.pe", HOME, Factor::Password).unwrap();
        t.succeed(a);
        let wait = t.reserve("ANA@x.pe ", HOME, Factor::SecondStep).err().expect("still throttled");
        assert!(wait > Duration::from_secs(20), "{wait:?}");
    }

    #[test]
    fn a_strangers_failures_on_another_account_lock_no_one_else_out() {
        let t = Throttle::default();
        for _ in 0..20 {
            if let Ok(a) = t.reserve("x@y", HOME, Factor::Password) {
                t.fail(a);
            }
        }
        assert!(t.reserve("x@y", HOME, Factor::Password).is_err());
        let a = t.reserve("admin@digna.pe", HOME, Factor::Password).expect("the admin is not locked out");
        t.succeed(a);
    }

    #[test]
    fn many_failures_from_one_client_over_many_accounts_slow_it_down() {
        let t = Throttle::default();
        for i in 0..CLIENT_FREE_FAILURES {
            let a = t.reserve(&format!("user{i}@x.pe"), HOME, Factor::Password).unwrap();
            t.fail(a);
        }
        assert!(t.reserve("another@x.pe", HOME, Factor::Password).is_err());
        assert!(t.reserve("another@x.pe", None, Factor::Password).is_ok(), "the account itself is fresh");
    }

    #[test]
    fn keys_are_fixed_size_hashes_and_the_table_is_bounded() {
        let t = Throttle::default();
        // A 16 KiB "email" takes one fixed-size key, like any other.
        t.fail(t.reserve(&"a".repeat(16 * 1024), None, Factor::Password).unwrap());
        for i in 0..(MAX_ENTRIES + 10) {
            if let Ok(a) = t.reserve(&i.to_string(), None, Factor::Password) {
                t.fail(a);
            }
        }
        assert!(t.len() <= MAX_ENTRIES, "{}", t.len());
    }
}
