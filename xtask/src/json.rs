//! The document an error of `cargo xtask check --json` or `lint --json` prints on standard error:
//! `{"error": {"kind": ..., "message": ...}}`. The documents themselves are `migrations-tool`'s.

use migrations_tool::ToolError;
use serde::Serialize;

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
        let kind = error
            .downcast_ref::<ToolError>()
            .map_or("failed", ToolError::kind);
        ErrorDocument {
            error: ErrorBody {
                kind,
                message: format!("{error:#}"),
            },
        }
    }

    /// A command line clap refused: its first line, without `error: `, as `migrate` reports one.
    pub fn usage(error: &clap::Error) -> ErrorDocument {
        let text = error.render().to_string();
        let first = text.lines().next().unwrap_or_default();
        ErrorDocument {
            error: ErrorBody {
                kind: "usage",
                message: first.strip_prefix("error: ").unwrap_or(first).to_owned(),
            },
        }
    }
}
