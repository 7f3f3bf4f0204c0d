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

/// A line of the audit log, written by the unit of work whose change it records, in the
/// same transaction: both land or neither.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

impl Entry {
    pub fn new(
        actor: impl Into<String>,
        action: impl Into<String>,
        target: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Entry { actor: actor.into(), action: action.into(), target: target.into(), detail: detail.into() }
    }
}

/// Whether a unit of work changed anything, and so writes its audit line.
pub trait Applied {
    fn applied(&self) -> bool;
}

impl Applied for () {
    fn applied(&self) -> bool {
        true
    }
}

impl Applied for bool {
    fn applied(&self) -> bool {
        *self
    }
}

/// An epoch or an id: the change was made.
impl Applied for i64 {
    fn applied(&self) -> bool {
        true
    }
}

/// A count of rows changed.
impl Applied for u64 {
    fn applied(&self) -> bool {
        *self > 0
    }
}

/// A count of things written.
impl Applied for usize {
    fn applied(&self) -> bool {
        *self > 0
    }
}

impl<T> Applied for Option<T> {
    fn applied(&self) -> bool {
        self.is_some()
    }
}

/// The administrators' audit log: what staff (and the command line) did, with who and when.
pub trait AuditLog {
    /// Writes a line of the administrators' audit log that records an event, not a change
    /// (a sign-in, a refused code, a backup): a change writes its line itself.
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
