//! The document an error of `cargo xtask check --json` or `lint --json` prints on standard error:
//! `{"error": {"kind": ..., "message": ...}}`. The documents themselves are `migrations-tool`'s.

use std::fmt;

use migrations_tool::ToolError;
use serde::Serialize;

/// An error that says which kind it is in JSON mode; its text is the error's.
#[derive(Debug)]
pub struct Failure {
    pub kind: &'static str,
    pub error: anyhow::Error,
}

impl Failure {
    /// Tags an error with its kind, e.g. `usage`.
    pub fn tag(kind: &'static str) -> impl FnOnce(anyhow::Error) -> anyhow::Error {
        move |error| anyhow::Error::new(Failure { kind, error })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl std::error::Error for Failure {}

/// `{"error": {"kind": ..., "message": ...}}`, on stderr in JSON mode.
#[derive(Serialize)]
pub struct ErrorDocument {
    error: ErrorBody,
}

#[derive(Serialize)]
struct ErrorBody {
    kind: &'static str,
    message: String,
}

impl ErrorDocument {
    pub fn of(error: &anyhow::Error) -> ErrorDocument {
        let kind = match (
            error.downcast_ref::<Failure>(),
            error.downcast_ref::<ToolError>(),
        ) {
            (Some(failure), _) => failure.kind,
            (None, Some(tool)) => tool.kind(),
            (None, None) => "failed",
        };
        ErrorDocument {
            error: ErrorBody {
                kind,
                message: format!("{error:#}"),
            },
        }
    }
}
