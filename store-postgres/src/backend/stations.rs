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
        audited!(self, audit, |conn| crate::stations::insert(conn, code, name, region, timezone))
    }

    async fn by_code(&self, code: &str) -> Result<Option<Station>, store::Error> {
        Ok(crate::stations::by_code(&self.pool, code).await?)
    }

    async fn by_id(&self, id: i64) -> Result<Option<Station>, store::Error> {
        Ok(crate::stations::by_id(&self.pool, id).await?)
    }

    async fn set_settings(&self, id: i64, s: &KioskSettings, audit: &store::audit::Entry) -> Result<(), store::Error> {
        audited!(self, audit, |conn| crate::stations::set_settings(conn, id, s))
    }

    async fn set_staff_pin_hash(&self, id: i64, hash: &str, audit: &store::audit::Entry) -> Result<(), store::Error> {
        audited!(self, audit, |conn| crate::stations::set_staff_pin_hash(conn, id, hash))
    }

    async fn clear_staff_pin(&self, id: i64, audit: &store::audit::Entry) -> Result<(), store::Error> {
        audited!(self, audit, |conn| crate::stations::clear_staff_pin(conn, id))
    }

    async fn network_counts(&self) -> Result<NetworkCounts, store::Error> {
        Ok(crate::stations::network_counts(&self.pool).await?)
    }

    async fn staff_pin_state(&self, id: i64) -> Result<Option<StaffPinState>, store::Error> {
        Ok(crate::stations::staff_pin_state(&self.pool, id).await?)
    }

    async fn list_all(&self) -> Result<Vec<Station>, store::Error> {
        Ok(crate::stations::list_all(&self.pool).await?)
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
        audited!(self, audit, |conn| crate::stations::update(conn, id, name, region, timezone, active))
    }
}
