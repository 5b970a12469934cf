//! Proves revisions reversible: schema snapshots, their diff, and the stairway of up, down and up again.

mod diff;
mod snapshot;

pub use diff::{SchemaChange, SchemaDiff};
pub use snapshot::{
    ColumnOrder, ObjectKind, SchemaObject, SchemaSnapshot, SnapshotError, SnapshotOptions,
};
