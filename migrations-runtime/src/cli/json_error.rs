//! An error as `migrate --json` prints it on stderr: `{"error": {"kind": ..., "message": ...}}`,
//! with the revision, file, line and SQLSTATE when the error knows them. `kind` is the error's
//! variant in snake case, a name scripts may match on; `message` is the text mode's message.

use std::io::Write;

use migrations_core::file_name::parse_id;
use migrations_core::plan::IntegrityError;
use serde::Serialize;

use super::error::CliError;
use crate::error::Error;
use crate::fleet::FleetError;

#[derive(Debug, Serialize)]
pub(super) struct ErrorDocument {
    error: ErrorBody,
}

#[derive(Debug, Default, Serialize)]
struct ErrorBody {
    kind: &'static str,
    message: String,
    /// The revision's id, 12 digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    revision: Option<String>,
    /// The repeatable migration's name, for an error of one.
    #[serde(skip_serializing_if = "Option::is_none")]
    repeatable: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    /// The server's SQLSTATE, for an error the server reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    sqlstate: Option<String>,
}

impl ErrorDocument {
    pub(super) fn of(error: &CliError) -> ErrorDocument {
        let message = error.to_string();
        let body = match error {
            CliError::Run(error) => ErrorBody {
                message,
                ..located(error)
            },
            CliError::Fleet(FleetError::List(_)) => ErrorBody {
                kind: "fleet_list",
                message,
                ..ErrorBody::default()
            },
            CliError::Fleet(FleetError::Query { error, .. }) => ErrorBody {
                kind: "fleet_query",
                message,
                sqlstate: located(error).sqlstate,
                ..ErrorBody::default()
            },
            CliError::ReadList { .. } => ErrorBody {
                kind: "read_list",
                message,
                ..ErrorBody::default()
            },
            CliError::NotForFleet { .. } => ErrorBody {
                kind: "not_for_fleet",
                message,
                ..ErrorBody::default()
            },
        };
        ErrorDocument { error: body }
    }

    /// A command line clap refused; `message` is clap's first line, without its `error: `.
    pub(super) fn usage(message: &str) -> ErrorDocument {
        ErrorDocument {
            error: ErrorBody {
                kind: "usage",
                message: message.to_owned(),
                ..ErrorBody::default()
            },
        }
    }

    /// Writes the document on a line of stderr.
    pub(super) fn print(&self) {
        let text = serde_json::to_string(self).unwrap_or_else(|error| {
            format!(r#"{{"error":{{"kind":"json","message":"{error}"}}}}"#)
        });
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
}

/// The revision's id in a file stem (or an id).
fn id(name: &str) -> Option<String> {
    parse_id(name).map(|id| id.to_string())
}

/// The kind of a runner's error and where it happened, without the message.
fn located(error: &Error) -> ErrorBody {
    let sqlstate = error.db_error().map(|db| db.code.clone());
    let body = |kind: &'static str| ErrorBody {
        kind,
        sqlstate: sqlstate.clone(),
        ..ErrorBody::default()
    };
    match error {
        Error::Connect(_) => body("connect"),
        Error::HistoryTable(_) => body("history_table"),
        Error::LockTimeout { .. } => body("lock_timeout"),
        Error::Dirty { state } => ErrorBody {
            revision: id(&state.revision),
            line: state.line,
            ..body("dirty")
        },
        Error::NoHistorySchema { .. } => body("no_history_schema"),
        Error::NotDirty => body("not_dirty"),
        Error::UnknownDirtyRevision { revision } => ErrorBody {
            revision: id(revision),
            ..body("unknown_dirty_revision")
        },
        Error::Integrity(errors) => ErrorBody {
            // One mismatch names its revision; several name several, each in the message.
            revision: match errors.0.as_slice() {
                [one] => integrity_revision(one),
                _ => None,
            },
            file: match errors.0.as_slice() {
                [IntegrityError::Divergent { file, .. }] => Some(file.clone()),
                _ => None,
            },
            ..body("integrity")
        },
        Error::Plan(_) => body("plan"),
        Error::Refinery { .. } => body("refinery"),
        Error::ChecksumMismatch { revision, .. } => ErrorBody {
            revision: id(revision),
            ..body("checksum_mismatch")
        },
        Error::RefineryStopped { expected, .. } => ErrorBody {
            revision: id(expected),
            ..body("refinery_stopped")
        },
        Error::RefineryUnexpected { .. } => body("refinery_unexpected"),
        Error::Statement {
            revision,
            file,
            line,
            ..
        } => ErrorBody {
            revision: id(revision),
            file: Some(file.clone()),
            line: Some(*line),
            ..body("statement")
        },
        Error::Commit { revision, .. } => ErrorBody {
            revision: id(revision),
            ..body("commit")
        },
        Error::Repeatable {
            name, file, line, ..
        } => ErrorBody {
            repeatable: Some(name.clone()),
            file: Some(file.clone()),
            line: Some(*line),
            ..body("repeatable")
        },
        // Where the last attempt failed, under the kind that says it was retried.
        Error::LockRetriesExhausted { last, .. } => ErrorBody {
            kind: "lock_retries_exhausted",
            message: String::new(),
            ..located(last)
        },
        Error::Database { .. } => body("database"),
        Error::BadHistory { .. } => body("bad_history"),
    }
}

fn integrity_revision(error: &IntegrityError) -> Option<String> {
    match error {
        IntegrityError::Divergent { revision, .. } => id(revision),
        IntegrityError::Renamed { id, .. } | IntegrityError::UnknownApplied { id, .. } => {
            Some(id.to_string())
        }
        IntegrityError::LateBranch { pending, .. } => self::id(pending),
    }
}
