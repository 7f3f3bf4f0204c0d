//! settings on PostgreSQL.
