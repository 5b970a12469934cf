//! What keeps a command from running at all; problems of the folder are its output instead.

use std::path::PathBuf;

use migrations_core::authoring::AuthoringError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ToolError {
    #[error(
        "migrations folder `{display}` does not exist: pass an existing folder with --migrations"
    )]
    NoFolder {
        display: String,
        #[source]
        error: std::io::Error,
    },
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
    #[error("cannot remove {}", path.display())]
    Remove {
        path: PathBuf,
        #[source]
        error: std::io::Error,
    },
    #[error("cannot render the JSON report")]
    Json {
        #[source]
        error: serde_json::Error,
    },
    #[error(transparent)]
    Authoring(#[from] AuthoringError),
}

impl ToolError {
    /// The error's kind in a JSON error document: a stable snake_case name.
    pub fn kind(&self) -> &'static str {
        match self {
            ToolError::NoFolder { .. } => "migrations_folder",
            ToolError::Read { .. } => "read",
            ToolError::Write { .. } => "write_report",
            ToolError::Remove { .. } => "remove",
            ToolError::Json { .. } => "json",
            ToolError::Authoring(_) => "authoring",
        }
    }
}
