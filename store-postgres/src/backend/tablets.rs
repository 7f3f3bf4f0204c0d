//! Stubs, replaced area by area.
#![allow(unused_imports)]
#![allow(unused_variables)]

use super::PgStore;
use chrono::{DateTime, NaiveDate, Utc};
use domain::time::calendar::local_day;
use store::stations::Station;
use store::tablets::*;

impl store::Tablets for PgStore {
    async fn insert_with_token(&self, station_id: i64, token_hash: &[u8]) -> Result<i64, store::Error> {
        todo!("PostgreSQL")
    }

    async fn record_delivery_day(&self, tablet_id: i64, day: &str) -> Result<(), store::Error> {
        todo!("PostgreSQL")
    }

    async fn insert_enrollment_code(
        &self,
        station_id: i64,
        code_hash: &[u8],
        expires_at: i64,
        audit: &store::audit::Entry,
    ) -> Result<(), store::Error> {
        todo!("PostgreSQL")
    }

    async fn redeem_enrollment_code(
        &self,
        code_hash: &[u8],
        token_hash: &[u8],
        now: i64,
    ) -> Result<Option<Station>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn tablet_of_token(&self, token_hash: &[u8]) -> Result<Option<TokenTablet>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn station_of_token(&self, token_hash: &[u8]) -> Result<Option<Station>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn list_for_station(&self, station_id: i64) -> Result<Vec<StationTablet>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn revoke_at_station(
        &self,
        station_id: i64,
        tablet_id: i64,
        audit: &store::audit::Entry,
    ) -> Result<bool, store::Error> {
        todo!("PostgreSQL")
    }

    async fn silent(&self, days: i64, now: DateTime<Utc>) -> Result<Vec<SilentTablet>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn revoke(&self, token_hash: &[u8]) -> Result<u64, store::Error> {
        todo!("PostgreSQL")
    }

    async fn reserve_pin_attempt(
        &self,
        id: i64,
        limit: i64,
        now: i64,
        lock_seconds: i64,
    ) -> Result<Option<store::stations::PinAttempt>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn pin_locked_until(&self, id: i64) -> Result<Option<i64>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn clear_pin_failures(&self, id: i64) -> Result<(), store::Error> {
        todo!("PostgreSQL")
    }
}
