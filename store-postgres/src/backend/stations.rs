//! Stubs, replaced area by area.
#![allow(unused_imports)]
#![allow(unused_variables)]

use super::PgStore;
use domain::{KioskSettings, Name, StationCode};
use store::stations::*;

impl store::Stations for PgStore {
    async fn insert(
        &self,
        code: &StationCode,
        name: &Name,
        region: &Name,
        timezone: &str,
        audit: &store::audit::Entry,
    ) -> Result<Option<i64>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn by_code(&self, code: &str) -> Result<Option<Station>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn by_id(&self, id: i64) -> Result<Option<Station>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn set_settings(&self, id: i64, s: &KioskSettings, audit: &store::audit::Entry) -> Result<(), store::Error> {
        todo!("PostgreSQL")
    }

    async fn set_staff_pin_hash(&self, id: i64, hash: &str, audit: &store::audit::Entry) -> Result<(), store::Error> {
        todo!("PostgreSQL")
    }

    async fn clear_staff_pin(&self, id: i64, audit: &store::audit::Entry) -> Result<(), store::Error> {
        todo!("PostgreSQL")
    }

    async fn network_counts(&self) -> Result<NetworkCounts, store::Error> {
        todo!("PostgreSQL")
    }

    async fn staff_pin_state(&self, id: i64) -> Result<Option<StaffPinState>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn list_all(&self) -> Result<Vec<Station>, store::Error> {
        todo!("PostgreSQL")
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
        todo!("PostgreSQL")
    }
}
