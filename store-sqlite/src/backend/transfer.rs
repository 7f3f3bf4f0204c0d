use super::SqliteStore;

impl store::transfer::Transfer for SqliteStore {
    type Snapshot = crate::transfer::Snapshot;
    type Load = crate::transfer::Load;

    async fn snapshot(&self) -> Result<Self::Snapshot, store::Error> {
        Ok(crate::transfer::snapshot(&self.pool).await?)
    }

    async fn load(&self) -> Result<Result<Self::Load, String>, store::Error> {
        Ok(crate::transfer::load(&self.pool).await?)
    }
}
