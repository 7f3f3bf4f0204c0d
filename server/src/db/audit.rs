//! `store::audit`, on whichever database the server runs.

use super::Db;
use store::audit::*;

impl store::AuditLog for Db {
    async fn audit(&self, actor: &str, action: &str, target: &str, detail: &str) -> Result<(), store::Error> {
        dispatch!(self, |inner| store::AuditLog::audit(inner, actor, action, target, detail))
    }

    async fn audit_log(&self, limit: i64) -> Result<Vec<AdminAudit>, store::Error> {
        dispatch!(self, |inner| store::AuditLog::audit_log(inner, limit))
    }

    async fn search(&self, filter: &AuditFilter, limit: i64) -> Result<Vec<AdminAudit>, store::Error> {
        dispatch!(self, |inner| store::AuditLog::search(inner, filter, limit))
    }
}
