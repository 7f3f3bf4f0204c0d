//! `store::tablets`, on whichever database the server runs.

use super::Db;
use chrono::{DateTime, Utc};
use store::stations::Station;
use store::tablets::*;

impl store::Tablets for Db {
    async fn insert_with_token(&self, station_id: i64, token_hash: &[u8]) -> Result<i64, store::Error> {
        dispatch!(self, |inner| store::Tablets::insert_with_token(inner, station_id, token_hash))
    }

    async fn record_delivery_day(&self, tablet_id: i64, day: &str) -> Result<(), store::Error> {
        dispatch!(self, |inner| store::Tablets::record_delivery_day(inner, tablet_id, day))
    }

    async fn insert_enrollment_code(
        &self,
        station_id: i64,
        code_hash: &[u8],
        expires_at: i64,
        audit: &store::audit::Entry,
    ) -> Result<(), store::Error> {
        dispatch!(self, |inner| store::Tablets::insert_enrollment_code(inner, station_id, code_hash, expires_at, audit))
    }

    async fn redeem_enrollment_code(
        &self,
        code_hash: &[u8],
        token_hash: &[u8],
        now: i64,
    ) -> Result<Option<Station>, store::Error> {
        dispatch!(self, |inner| store::Tablets::redeem_enrollment_code(inner, code_hash, token_hash, now))
    }

    async fn tablet_of_token(&self, token_hash: &[u8]) -> Result<Option<TokenTablet>, store::Error> {
        dispatch!(self, |inner| store::Tablets::tablet_of_token(inner, token_hash))
    }

    async fn station_of_token(&self, token_hash: &[u8]) -> Result<Option<Station>, store::Error> {
        dispatch!(self, |inner| store::Tablets::station_of_token(inner, token_hash))
    }

    async fn list_for_station(&self, station_id: i64) -> Result<Vec<StationTablet>, store::Error> {
        dispatch!(self, |inner| store::Tablets::list_for_station(inner, station_id))
    }

    async fn revoke_at_station(
        &self,
        station_id: i64,
        tablet_id: i64,
        audit: &store::audit::Entry,
    ) -> Result<bool, store::Error> {
        dispatch!(self, |inner| store::Tablets::revoke_at_station(inner, station_id, tablet_id, audit))
    }

    async fn silent(&self, days: i64, now: DateTime<Utc>) -> Result<Vec<SilentTablet>, store::Error> {
        dispatch!(self, |inner| store::Tablets::silent(inner, days, now))
    }

    async fn revoke(&self, token_hash: &[u8]) -> Result<u64, store::Error> {
        dispatch!(self, |inner| store::Tablets::revoke(inner, token_hash))
    }

    async fn reserve_pin_attempt(
        &self,
        id: i64,
        limit: i64,
        now: i64,
        lock_seconds: i64,
    ) -> Result<Option<store::stations::PinAttempt>, store::Error> {
        dispatch!(self, |inner| store::Tablets::reserve_pin_attempt(inner, id, limit, now, lock_seconds))
    }

    async fn pin_locked_until(&self, id: i64) -> Result<Option<i64>, store::Error> {
        dispatch!(self, |inner| store::Tablets::pin_locked_until(inner, id))
    }

    async fn clear_pin_failures(&self, id: i64) -> Result<(), store::Error> {
        dispatch!(self, |inner| store::Tablets::clear_pin_failures(inner, id))
    }
}
