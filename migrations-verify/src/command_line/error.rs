//! What stops verify or the schema command before it has a verdict.

use std::path::PathBuf;

use migrations_core::history::HistoryTableError;
use migrations_disposable::DisposableError;

use crate::schema_files::SchemaFilesError;
use crate::{MergeError, VerifyError};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        error: std::io::Error,
    },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        error: std::io::Error,
    },
    #[error("cannot render the JSON report")]
    RenderJson {
        #[source]
        error: serde_json::Error,
    },
    #[error("{} is not a verify JSON report (written by `verify --json`)", path.display())]
    NotAReport {
        path: PathBuf,
        #[source]
        error: serde_json::Error,
    },
    #[error("the folder does not pass `check`; nothing was written")]
    FolderFailsCheck,
    #[error("unknown revision `{at}`: name a revision of the folder by file stem, id or slug")]
    UnknownRevision { at: String },
    #[error(transparent)]
    Merge(#[from] MergeError),
    #[error("the history table name: {0}")]
    HistoryTable(#[from] HistoryTableError),
    #[error(transparent)]
    Disposable(#[from] DisposableError),
    #[error(transparent)]
    Verify(#[from] VerifyError),
    #[error(transparent)]
    SchemaFiles(#[from] SchemaFilesError),
}

/// `error: <message>: <cause>: ...`, as the binaries print it.
pub(crate) fn print(error: &CommandError) {
    let mut line = format!("error: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        line.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    eprintln!("{line}");
}
