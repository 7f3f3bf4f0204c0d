//! release on PostgreSQL.
