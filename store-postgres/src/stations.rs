//! stations on PostgreSQL.
