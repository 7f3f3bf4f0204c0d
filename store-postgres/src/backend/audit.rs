use super::PgStore;
use store::audit::*;

impl store::AuditLog for PgStore {
    async fn audit(&self, actor: &str, action: &str, target: &str, detail: &str) -> Result<(), store::Error> {
        Ok(crate::audit::audit(&self.pool, actor, action, target, detail).await?)
    }

    async fn audit_log(&self, limit: i64) -> Result<Vec<AdminAudit>, store::Error> {
        Ok(crate::audit::audit_log(&self.pool, limit).await?)
    }

    async fn search(&self, filter: &AuditFilter, limit: i64) -> Result<Vec<AdminAudit>, store::Error> {
        Ok(crate::audit::search(&self.pool, filter, limit).await?)
    }
}
