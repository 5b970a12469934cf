//! Schema snapshots: a normalised picture of a database's schema read from its catalogs, and the
//! diff between two of them.
//!
//! [`SchemaSnapshot::capture`] reads one database; [`SchemaSnapshot::diff`] compares two. The crate
//! reads catalogs and nothing else: it has no runner and no disposable servers, so that a deployed
//! binary can compare a live database with a snapshot it carries.

pub mod diff;
pub mod snapshot;

pub use diff::{SchemaChange, SchemaDiff};
pub use snapshot::{
    ColumnOrder, ObjectKind, SchemaObject, SchemaSnapshot, SnapshotError, SnapshotOptions,
};
