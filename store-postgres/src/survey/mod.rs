//! survey on PostgreSQL.
