//! The k of k-anonymity: how many visitors a released combination, a shown figure or an
//! exported cell must be about at least. One type for every rule that uses it, never
//! below [`K::MIN`], whatever a setting or a caller asks.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A k of at least [`K::MIN`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(from = "u32", into = "u32")]
pub struct K(u32);

impl K {
    /// The smallest k the release, the dashboards and the exports ever use.
    pub const MIN: K = K(3);

    /// `k`, or [`K::MIN`] when it is smaller.
    pub const fn new(k: u32) -> K {
        if k < K::MIN.0 {
            K::MIN
        } else {
            K(k)
        }
    }

    pub const fn get(self) -> u32 {
        self.0
    }

    /// As a number of rows (the release's pools).
    pub const fn rows(self) -> usize {
        self.0 as usize
    }

    /// As a count of responses or visitors (the dashboards' figures).
    pub const fn count(self) -> i64 {
        self.0 as i64
    }
}

impl From<u32> for K {
    fn from(k: u32) -> K {
        K::new(k)
    }
}

impl From<K> for u32 {
    fn from(k: K) -> u32 {
        k.0
    }
}

impl fmt::Display for K {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A setting's k: a whole number of at least [`K::MIN`], refused otherwise (a setting
/// asks for what it gets).
impl FromStr for K {
    type Err = String;

    fn from_str(s: &str) -> Result<K, String> {
        match s.trim().parse::<u32>() {
            Ok(k) if k >= K::MIN.0 => Ok(K(k)),
            Ok(k) => Err(format!("k must be at least {}, not {k}", K::MIN)),
            Err(_) => Err(format!("k must be a whole number of at least {}, not {s:?}", K::MIN)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_is_never_below_the_minimum() {
        assert_eq!(K::new(0), K::MIN);
        assert_eq!(K::new(2), K::MIN);
        assert_eq!(K::new(5).get(), 5);
        assert_eq!(serde_json::from_str::<K>("1").unwrap(), K::MIN, "not even when read back");
        assert_eq!(serde_json::to_string(&K::new(7)).unwrap(), "7");
    }

    #[test]
    fn a_setting_below_the_minimum_is_refused_rather_than_raised() {
        assert_eq!(" 5 ".parse::<K>(), Ok(K::new(5)));
        assert_eq!("3".parse::<K>(), Ok(K::MIN));
        for bad in ["2", "0", "-1", "five", "", "5.5"] {
            assert!(bad.parse::<K>().is_err(), "{bad:?} must be refused");
        }
    }
}
