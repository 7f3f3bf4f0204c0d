//! Tablets: enrolment, tokens, deliveries and the staff PIN's attempts.

use crate::stations::Station;
use chrono::{DateTime, NaiveDate, Utc};
use domain::time::calendar::local_day;
use std::future::Future;

/// An enrolled, unrevoked tablet as a request sees it: its id, its station, and the
/// last day it delivered answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenTablet {
    pub id: i64,
    pub station: Station,
    pub last_delivery_day: Option<String>,
}

/// A tablet of a station, as the admin console lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StationTablet {
    pub id: i64,
    /// When it was enrolled (UTC, `YYYY-MM-DDTHH:MM:SSZ`): shown as a day.
    pub enrolled_at: String,
    pub last_delivery_day: Option<String>,
    pub revoked: bool,
}

impl StationTablet {
    /// The day it was enrolled, in `timezone`.
    pub fn enrolled_day(&self, timezone: &str) -> Option<NaiveDate> {
        enrolled_day(&self.enrolled_at, timezone)
    }

    /// The day it last delivered answers, or was enrolled if it never did: what its
    /// silence is counted from.
    pub fn last_day(&self, timezone: &str) -> Option<NaiveDate> {
        self.last_delivery_day
            .as_deref()
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .or_else(|| self.enrolled_day(timezone))
    }
}

/// An active tablet at an active station that has delivered nothing for a while.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SilentTablet {
    pub id: i64,
    pub station_code: String,
    pub station_name: String,
    /// The last day it delivered answers, or the day it was enrolled if it never did.
    pub last_day: NaiveDate,
    pub ever_delivered: bool,
    /// Whole days since `last_day`, in its station's timezone.
    pub days: i64,
}

/// The local day a tablet enrolled at `enrolled_at` (RFC 3339) in `timezone`.
pub fn enrolled_day(enrolled_at: &str, timezone: &str) -> Option<NaiveDate> {
    DateTime::parse_from_rfc3339(enrolled_at).ok().map(|t| local_day(t.with_timezone(&Utc), timezone))
}

/// Tablets: enrolment, tokens, deliveries and the staff PIN's attempts.
pub trait Tablets {
    /// Adds a tablet to station `station_id` under the hash of its token; returns its id.
    fn insert_with_token(
        &self,
        station_id: i64,
        token_hash: &[u8],
    ) -> impl Future<Output = Result<i64, crate::Error>> + Send;

    /// Records that tablet `tablet_id` delivered on `day` (its station's local day,
    /// `YYYY-MM-DD`): the only trace of a delivery kept, a day, never a time.
    fn record_delivery_day(&self, tablet_id: i64, day: &str) -> impl Future<Output = Result<(), crate::Error>> + Send;

    /// Stores the hash of a new one-time enrollment code for a station.
    fn insert_enrollment_code(
        &self,
        station_id: i64,
        code_hash: &[u8],
        expires_at: i64,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<(), crate::Error>> + Send;

    /// Spends an unused, unexpired enrollment code and enrolls a tablet under `token_hash`,
    /// in one transaction. `None` if the code is unknown, used or expired.
    fn redeem_enrollment_code(
        &self,
        code_hash: &[u8],
        token_hash: &[u8],
        now: i64,
    ) -> impl Future<Output = Result<Option<Station>, crate::Error>> + Send;

    /// The enrolled, unrevoked tablet holding this token, with its station.
    fn tablet_of_token(
        &self,
        token_hash: &[u8],
    ) -> impl Future<Output = Result<Option<TokenTablet>, crate::Error>> + Send;

    /// The station of the enrolled, unrevoked tablet holding this token.
    fn station_of_token(&self, token_hash: &[u8])
        -> impl Future<Output = Result<Option<Station>, crate::Error>> + Send;

    /// A station's tablets, newest first.
    fn list_for_station(
        &self,
        station_id: i64,
    ) -> impl Future<Output = Result<Vec<StationTablet>, crate::Error>> + Send;

    /// Revokes one tablet of a station at once: its next request is refused. `false` if it
    /// is not a tablet of that station or was already revoked.
    fn revoke_at_station(
        &self,
        station_id: i64,
        tablet_id: i64,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<bool, crate::Error>> + Send;

    /// Active tablets at active stations whose last delivery (or enrollment, if none) was
    /// more than `days` days ago in their station's timezone, the longest silent first.
    fn silent(
        &self,
        days: i64,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<SilentTablet>, crate::Error>> + Send;

    /// Revokes every tablet holding this token (used by tests).
    fn revoke(&self, token_hash: &[u8]) -> impl Future<Output = Result<u64, crate::Error>> + Send;

    /// Reserves one staff PIN attempt at tablet `id`, in one statement, before the (slow)
    /// check: unless the tablet's panel is locked, the attempt counts as a wrong PIN at once,
    /// and the `limit`-th in a row locks this tablet's panel for `lock_seconds`, doubled for
    /// every lock since the last right PIN (at most 32 times). However many guesses arrive
    /// together, at most `limit` are checked per lock. Other tablets of the station are not
    /// locked. `None` when there is no such tablet.
    fn reserve_pin_attempt(
        &self,
        id: i64,
        limit: i64,
        now: i64,
        lock_seconds: i64,
    ) -> impl Future<Output = Result<Option<super::stations::PinAttempt>, crate::Error>> + Send;

    /// Until when tablet `id`'s staff panel is locked (Unix seconds; 0 when it is not).
    fn pin_locked_until(&self, id: i64) -> impl Future<Output = Result<Option<i64>, crate::Error>> + Send;

    /// A right PIN at tablet `id`: its count, lock and lock history are cleared.
    fn clear_pin_failures(&self, id: i64) -> impl Future<Output = Result<(), crate::Error>> + Send;
}
