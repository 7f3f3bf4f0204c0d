//! dashboard on PostgreSQL.
