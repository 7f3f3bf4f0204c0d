//! The administrators' audit log: what staff (and the command line) did, with who and when.

use std::future::Future;

/// One line of the administrators' audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminAudit {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// What the audit log is filtered by; empty strings match everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Part of the actor's email (or `command line`), any case.
    pub actor: String,
    /// An action (`tablet.revoke`) or a family of them (`tablet`).
    pub action: String,
    /// From this day (`YYYY-MM-DD`, UTC), inclusive.
    pub from: String,
    /// Until this day (`YYYY-MM-DD`, UTC), inclusive.
    pub to: String,
}

/// The administrators' audit log: what staff (and the command line) did, with who and when.
pub trait AuditLog {
    /// Writes a line of the administrators' audit log.
    fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
    ) -> impl Future<Output = Result<(), crate::Error>> + Send;

    /// The newest lines of the administrators' audit log first.
    fn audit_log(&self, limit: i64) -> impl Future<Output = Result<Vec<AdminAudit>, crate::Error>> + Send;

    /// Lines of the audit log matching `filter`, newest first: the administrators' log and
    /// the researchers' exports together (an export shows as `export.microdata` or
    /// `export.open_data`).
    fn search(
        &self,
        filter: &AuditFilter,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<AdminAudit>, crate::Error>> + Send;
}
