//! The pure core of the migration system: revisions, loading, checks, plans and SQL scripts; no database.

pub mod sql;
