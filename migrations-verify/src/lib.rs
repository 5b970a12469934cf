//! Proves revisions reversible: schema snapshots, their diff, and the stairway of up, down and up again.
//!
//! [`verify`] walks a set of revisions on a disposable database (see [`stairway`]) and returns a
//! [`VerifyReport`]; [`SchemaSnapshot`] and [`SchemaDiff`] are the catalog picture it compares.

mod classify;
pub mod command_line;
mod failure_class;
pub mod locks;
mod merge;
pub mod progress;
mod report;
pub mod schema_files;
mod server_error;
pub mod stairway;
mod unstable;

// The snapshot and its diff live in their own crate, which `migrate` uses without verify.
use migrations_snapshot::{diff, snapshot};

pub use diff::{SchemaChange, SchemaDiff};
pub use failure_class::FailureClass;
pub use merge::{MergeError, merge};
pub use report::{
    CheckResult, LINT_CHECK, RevisionResult, Shard, StairStep, StepChange, StepStatus, Totals,
    VerifyReport,
};
pub use snapshot::{
    ColumnOrder, ObjectKind, SchemaObject, SchemaSnapshot, SnapshotError, SnapshotOptions,
};
pub use stairway::{VerifyError, VerifyOptions, verify};
