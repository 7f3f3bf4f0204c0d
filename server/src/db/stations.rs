//! `store::stations`, on whichever database the server runs.

use super::Db;
use domain::{KioskSettings, Name, StationCode};
use store::stations::*;

impl store::Stations for Db {
    async fn insert(
        &self,
        code: &StationCode,
        name: &Name,
        region: &Name,
        timezone: &str,
        audit: &store::audit::Entry,
    ) -> Result<Option<i64>, store::Error> {
        dispatch!(self, |inner| store::Stations::insert(inner, code, name, region, timezone, audit))
    }

    async fn by_code(&self, code: &str) -> Result<Option<Station>, store::Error> {
        dispatch!(self, |inner| store::Stations::by_code(inner, code))
    }

    async fn by_id(&self, id: i64) -> Result<Option<Station>, store::Error> {
        dispatch!(self, |inner| store::Stations::by_id(inner, id))
    }

    async fn set_settings(&self, id: i64, s: &KioskSettings, audit: &store::audit::Entry) -> Result<(), store::Error> {
        dispatch!(self, |inner| store::Stations::set_settings(inner, id, s, audit))
    }

    async fn set_staff_pin_hash(&self, id: i64, hash: &str, audit: &store::audit::Entry) -> Result<(), store::Error> {
        dispatch!(self, |inner| store::Stations::set_staff_pin_hash(inner, id, hash, audit))
    }

    async fn clear_staff_pin(&self, id: i64, audit: &store::audit::Entry) -> Result<(), store::Error> {
        dispatch!(self, |inner| store::Stations::clear_staff_pin(inner, id, audit))
    }

    async fn network_counts(&self) -> Result<NetworkCounts, store::Error> {
        dispatch!(self, |inner| store::Stations::network_counts(inner))
    }

    async fn staff_pin_state(&self, id: i64) -> Result<Option<StaffPinState>, store::Error> {
        dispatch!(self, |inner| store::Stations::staff_pin_state(inner, id))
    }

    async fn list_all(&self) -> Result<Vec<Station>, store::Error> {
        dispatch!(self, |inner| store::Stations::list_all(inner))
    }

    async fn update(
        &self,
        id: i64,
        name: &Name,
        region: &Name,
        timezone: &str,
        active: bool,
        audit: &store::audit::Entry,
    ) -> Result<bool, store::Error> {
        dispatch!(self, |inner| store::Stations::update(inner, id, name, region, timezone, active, audit))
    }
}
