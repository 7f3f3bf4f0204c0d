//! Stations and their kiosk settings and staff PIN.

use domain::{KioskSettings, Name, StationCode};
use std::future::Future;

/// A station as the server needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Station {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub region: String,
    pub timezone: String,
    pub active: bool,
    pub settings: KioskSettings,
    pub staff_pin_set: bool,
}

/// The network at a glance, for the admin overview.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetworkCounts {
    pub active_stations: i64,
    /// Unrevoked tablets at active stations.
    pub active_tablets: i64,
    /// Responses released so far, from the roll-ups (never a response row).
    pub released_responses: i64,
}

/// The staff PIN's hash and lock state of a station.
pub struct StaffPinState {
    pub hash: Option<String>,
    pub failures: i64,
    pub locked_until: i64,
}

/// What a staff PIN attempt may do, decided before the PIN is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinAttempt {
    /// The station has no staff PIN.
    NoPin,
    /// The tablet's panel is locked until this Unix time.
    Locked { until: i64 },
    /// The attempt is counted as a wrong PIN in advance: check it against `hash`. If it
    /// was the last one allowed, the panel is already locked (`locks`) unless it is right.
    Check { hash: String, locks: bool },
}

/// Stations and their kiosk settings and staff PIN.
pub trait Stations {
    /// Adds a station; `Ok(None)` if its code is taken. Its pending responses are released
    /// every night at a random minute between 01:00 and 04:59 of its timezone
    /// (`db::release::Schedule`).
    fn insert(
        &self,
        code: &StationCode,
        name: &Name,
        region: &Name,
        timezone: &str,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<Option<i64>, crate::Error>> + Send;

    fn by_code(&self, code: &str) -> impl Future<Output = Result<Option<Station>, crate::Error>> + Send;

    fn by_id(&self, id: i64) -> impl Future<Output = Result<Option<Station>, crate::Error>> + Send;

    /// Replaces a station's kiosk settings.
    fn set_settings(
        &self,
        id: i64,
        s: &KioskSettings,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<(), crate::Error>> + Send;

    /// Sets the hash of a station's staff PIN and clears any lock.
    fn set_staff_pin_hash(
        &self,
        id: i64,
        hash: &str,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<(), crate::Error>> + Send;

    /// Removes a station's staff PIN (the tablets' staff panel stays closed until a new one
    /// is set) and clears any lock.
    fn clear_staff_pin(
        &self,
        id: i64,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<(), crate::Error>> + Send;

    fn network_counts(&self) -> impl Future<Output = Result<NetworkCounts, crate::Error>> + Send;

    fn staff_pin_state(&self, id: i64) -> impl Future<Output = Result<Option<StaffPinState>, crate::Error>> + Send;

    /// Every station, active or not, by region and code.
    fn list_all(&self) -> impl Future<Output = Result<Vec<Station>, crate::Error>> + Send;

    /// Renames a station, moves it to a region or timezone, or (de)activates it. A
    /// deactivated station's tablets stop accepting answers; its history stays.
    fn update(
        &self,
        id: i64,
        name: &Name,
        region: &Name,
        timezone: &str,
        active: bool,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<bool, crate::Error>> + Send;
}
