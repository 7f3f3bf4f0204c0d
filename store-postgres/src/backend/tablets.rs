use super::PgStore;
use chrono::{DateTime, Utc};
use store::stations::Station;
use store::tablets::*;

impl store::Tablets for PgStore {
    async fn insert_with_token(&self, station_id: i64, token_hash: &[u8]) -> Result<i64, store::Error> {
        Ok(crate::tablets::insert_with_token(&self.pool, station_id, token_hash).await?)
    }

    async fn record_delivery_day(&self, tablet_id: i64, day: &str) -> Result<(), store::Error> {
        Ok(crate::tablets::record_delivery_day(&self.pool, tablet_id, day).await?)
    }

    async fn insert_enrollment_code(
        &self,
        station_id: i64,
        code_hash: &[u8],
        expires_at: i64,
        audit: &store::audit::Entry,
    ) -> Result<(), store::Error> {
        audited!(self, audit, |conn| crate::tablets::insert_enrollment_code(conn, station_id, code_hash, expires_at))
    }

    async fn redeem_enrollment_code(
        &self,
        code_hash: &[u8],
        token_hash: &[u8],
        now: i64,
    ) -> Result<Option<Station>, store::Error> {
        Ok(crate::tablets::redeem_enrollment_code(&self.pool, code_hash, token_hash, now).await?)
    }

    async fn tablet_of_token(&self, token_hash: &[u8]) -> Result<Option<TokenTablet>, store::Error> {
        Ok(crate::tablets::tablet_of_token(&self.pool, token_hash).await?)
    }

    async fn station_of_token(&self, token_hash: &[u8]) -> Result<Option<Station>, store::Error> {
        Ok(crate::tablets::station_of_token(&self.pool, token_hash).await?)
    }

    async fn list_for_station(&self, station_id: i64) -> Result<Vec<StationTablet>, store::Error> {
        Ok(crate::tablets::list_for_station(&self.pool, station_id).await?)
    }

    async fn revoke_at_station(
        &self,
        station_id: i64,
        tablet_id: i64,
        audit: &store::audit::Entry,
    ) -> Result<bool, store::Error> {
        audited!(self, audit, |conn| crate::tablets::revoke_at_station(conn, station_id, tablet_id))
    }

    async fn silent(&self, days: i64, now: DateTime<Utc>) -> Result<Vec<SilentTablet>, store::Error> {
        Ok(crate::tablets::silent(&self.pool, days, now).await?)
    }

    async fn revoke(&self, token_hash: &[u8]) -> Result<u64, store::Error> {
        Ok(crate::tablets::revoke(&self.pool, token_hash).await?)
    }

    async fn reserve_pin_attempt(
        &self,
        id: i64,
        limit: i64,
        now: i64,
        lock_seconds: i64,
    ) -> Result<Option<store::stations::PinAttempt>, store::Error> {
        Ok(crate::tablets::reserve_pin_attempt(&self.pool, id, limit, now, lock_seconds).await?)
    }

    async fn pin_locked_until(&self, id: i64) -> Result<Option<i64>, store::Error> {
        Ok(crate::tablets::pin_locked_until(&self.pool, id).await?)
    }

    async fn clear_pin_failures(&self, id: i64) -> Result<(), store::Error> {
        Ok(crate::tablets::clear_pin_failures(&self.pool, id).await?)
    }
}
