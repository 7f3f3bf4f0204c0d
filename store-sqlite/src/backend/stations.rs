use super::SqliteStore;
use domain::{KioskSettings, Name, StationCode};
use store::stations::*;

impl store::Stations for SqliteStore {
    async fn insert(
        &self,
        code: &StationCode,
        name: &Name,
        region: &Name,
        timezone: &str,
    ) -> Result<Option<i64>, store::Error> {
        Ok(crate::stations::insert(&self.pool, code, name, region, timezone).await?)
    }

    async fn by_code(&self, code: &str) -> Result<Option<Station>, store::Error> {
        Ok(crate::stations::by_code(&self.pool, code).await?)
    }

    async fn by_id(&self, id: i64) -> Result<Option<Station>, store::Error> {
        Ok(crate::stations::by_id(&self.pool, id).await?)
    }

    async fn set_settings(&self, id: i64, s: &KioskSettings) -> Result<(), store::Error> {
        Ok(crate::stations::set_settings(&self.pool, id, s).await?)
    }

    async fn set_staff_pin_hash(&self, id: i64, hash: &str) -> Result<(), store::Error> {
        Ok(crate::stations::set_staff_pin_hash(&self.pool, id, hash).await?)
    }

    async fn clear_staff_pin(&self, id: i64) -> Result<(), store::Error> {
        Ok(crate::stations::clear_staff_pin(&self.pool, id).await?)
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
    ) -> Result<bool, store::Error> {
        Ok(crate::stations::update(&self.pool, id, name, region, timezone, active).await?)
    }
}
