//! Schema snapshots: a normalised picture of a database's schema read from its catalogs, the diff
//! between two of them, and the schema at head rendered as SQL.
//!
//! [`SchemaSnapshot::capture`] reads one database; [`SchemaSnapshot::diff`] compares two, and
//! [`SchemaSnapshot::without`] leaves out what [`IgnorePatterns`] name;
//! [`schema_files`] renders `schema.sql` and its snapshot form. The crate reads catalogs and nothing
//! else: it has no runner and no disposable servers, so that a deployed binary can compare a live
//! database with a snapshot it carries.

pub mod diff;
mod owners;
mod pattern;
mod render;
mod schema_file;
pub mod snapshot;

pub use diff::{SchemaChange, SchemaDiff};
pub use owners::{OWNER, Roles};
pub use pattern::{IgnorePatterns, ObjectPattern, PatternError, PatternsError};
pub use schema_file::{HeadSchema, SchemaFiles, schema_files, server_major, server_major_async};
pub use snapshot::{
    ColumnOrder, ObjectKind, SchemaObject, SchemaSnapshot, SnapshotError, SnapshotOptions,
};
