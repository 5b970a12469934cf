//! Why a database could not be compared with its revisions' schema, each with what to do, and the
//! kind a JSON error names it by.

use std::path::PathBuf;

use migrations_core::RevisionId;
use migrations_snapshot::{PatternsError, SnapshotError};

use crate::cli::error::CliError;
use crate::error::{DirtyState, Error};

#[derive(Debug, thiserror::Error)]
pub(super) enum DriftError {
    #[error(transparent)]
    Patterns(#[from] PatternsError),
    #[error(
        "cannot read the reference {}: {source}; `cargo xtask drift` writes it, and without --reference the schema at head compiled in is the reference",
        path.display()
    )]
    ReadReference {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{what} is not a schema snapshot ({source}): write it again with `cargo xtask schema` (at head) or `cargo xtask drift`"
    )]
    BadReference {
        what: String,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "this binary carries no schema at head: its revisions' folder has no schema.snapshot.json; run `cargo xtask schema`, commit the files and rebuild"
    )]
    NoReference,
    #[error(
        "the schema at head compiled into this binary is stale: it was rendered at {rendered}, the revisions compiled in are at {compiled}; run `cargo xtask schema`, commit the files and rebuild"
    )]
    StaleReference { rendered: String, compiled: String },
    #[error(transparent)]
    Run(#[from] Error),
    #[error(transparent)]
    Cli(Box<CliError>),
    #[error(
        "the database's history does not match the revisions: {}; `migrate history` shows both",
        problems.join("; ")
    )]
    History { problems: Vec<String> },
    #[error(
        "the database is dirty: {state}; finish or undo that revision and `migrate resolve` it, then compare"
    )]
    Dirty { state: DirtyState },
    #[error(
        "another run holds the migration lock ({holder}): the schema is changing; compare once it has finished"
    )]
    Busy { holder: String },
    #[error(
        "the database is at {at}, {pending} {} below head ({head}): this binary carries the schema at head only; `cargo xtask drift` builds the reference for {at} on a disposable PostgreSQL, or `migrate upgrade` brings the database to head",
        if *pending == 1 { "revision" } else { "revisions" }
    )]
    NotAtHead {
        /// A file stem, or `base`.
        at: String,
        revision: Option<RevisionId>,
        pending: usize,
        head: String,
        server_major: u32,
    },
    #[error(
        "repeatable migrations changed since they ran on the database: {}; run `migrate upgrade`, then compare",
        names.join(", ")
    )]
    RepeatablesPending { names: Vec<String> },
    #[error(
        "{what} is the schema at {reference}, the database is at {at}: `cargo xtask drift` writes the reference for {at}"
    )]
    ReferenceMismatch {
        what: String,
        reference: String,
        at: String,
    },
    #[error(
        "{what} was captured on {reference}, the database runs PostgreSQL {server_major}: the catalogs print definitions differently from one major version to the next; `cargo xtask drift` builds the reference on PostgreSQL {server_major}"
    )]
    OtherServer {
        what: String,
        reference: String,
        revision: Option<RevisionId>,
        server_major: u32,
    },
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
}

impl DriftError {
    /// What went wrong, for machines: `{"error": {"kind": ...}}`.
    pub(super) fn kind(&self) -> &'static str {
        match self {
            DriftError::Patterns(_) => "bad_ignore_pattern",
            DriftError::ReadReference { .. } | DriftError::BadReference { .. } => "bad_reference",
            DriftError::NoReference => "no_reference",
            DriftError::StaleReference { .. } => "stale_reference",
            DriftError::Run(Error::Connect(_)) => "connection",
            DriftError::Run(Error::LockTimeout { .. }) | DriftError::Busy { .. } => "busy",
            DriftError::Run(_) => "database",
            DriftError::Cli(_) => "bad_list",
            DriftError::History { .. } => "history",
            DriftError::Dirty { .. } => "dirty",
            DriftError::NotAtHead { .. } => "not_at_head",
            DriftError::RepeatablesPending { .. } => "repeatables_pending",
            DriftError::ReferenceMismatch { .. } => "reference_mismatch",
            DriftError::OtherServer { .. } => "other_server",
            DriftError::Snapshot(_) => "snapshot",
        }
    }

    /// The database's revision, when the error is about where the database stands.
    pub(super) fn revision(&self) -> Option<RevisionId> {
        match self {
            DriftError::NotAtHead { revision, .. } | DriftError::OtherServer { revision, .. } => {
                *revision
            }
            _ => None,
        }
    }

    /// The database's PostgreSQL major version, when a reference must be built on it.
    pub(super) fn server_major(&self) -> Option<u32> {
        match self {
            DriftError::NotAtHead { server_major, .. }
            | DriftError::OtherServer { server_major, .. } => Some(*server_major),
            _ => None,
        }
    }

    /// Whether the connection went away in the middle of the comparison.
    pub(super) fn connection_lost(&self) -> bool {
        match self {
            DriftError::Run(error) => error.connection_lost(),
            DriftError::Snapshot(
                SnapshotError::Begin { error }
                | SnapshotError::Query { error, .. }
                | SnapshotError::Commit { error },
            ) => error.is_closed(),
            _ => false,
        }
    }
}
