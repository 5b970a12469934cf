//! The documents `cargo xtask check --json` and an error in JSON mode print. `lint --json` prints
//! the linter's own report, which `check`'s document holds under `lint`; problems have the
//! lint report's form (`file`, `line`, `message`, `help`), revision ids are strings of 12 digits.

use std::fmt;

use migrations_core::{Diagnostic, RevisionSet};
use migrations_lint::{LintReport, ProblemEntry};
use serde::Serialize;

use crate::schema_file::{self, StaleFile};

/// `check --json`: the folder's problems, then the lint.
#[derive(Serialize)]
pub struct CheckDocument<'a> {
    /// No problem and no lint error: what the exit code says.
    pub ok: bool,
    /// The revision files and repeatable migrations that parsed.
    pub revisions: usize,
    pub repeatables: usize,
    /// The head of a folder that checks; `null` when it does not.
    pub head: Option<RevisionRef>,
    /// Every problem of the files, the graph and the schema files, by file and line.
    pub problems: Vec<ProblemEntry>,
    pub lint: &'a LintReport,
}

/// A revision: its id and its file stem.
#[derive(Serialize)]
pub struct RevisionRef {
    pub id: String,
    pub name: String,
}

impl RevisionRef {
    pub fn head(set: &RevisionSet) -> Option<RevisionRef> {
        set.head().map(|head| RevisionRef {
            id: head.id().to_string(),
            name: head.name().to_owned(),
        })
    }
}

pub fn problem(diagnostic: &Diagnostic) -> ProblemEntry {
    ProblemEntry {
        file: diagnostic.file.clone(),
        line: diagnostic.line,
        message: diagnostic.problem.to_string(),
        help: diagnostic.problem.help(),
    }
}

pub fn stale(file: &StaleFile) -> ProblemEntry {
    ProblemEntry {
        file: file.file.clone(),
        line: None,
        message: file.message.clone(),
        help: schema_file::fix(),
    }
}

/// An error that says which kind it is in JSON mode; its text is the error's.
#[derive(Debug)]
pub struct Failure {
    pub kind: &'static str,
    pub error: anyhow::Error,
}

impl Failure {
    /// Tags an error with its kind: `usage`, `migrations_folder`, `write_report`.
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
        ErrorDocument {
            error: ErrorBody {
                kind: error.downcast_ref::<Failure>().map_or("failed", |f| f.kind),
                message: format!("{error:#}"),
            },
        }
    }
}

/// A document as `check` and `lint` print it: indented, on standard output.
pub fn print(document: &impl Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(document)
        .map_err(|error| anyhow::anyhow!("cannot render the JSON report: {error}"))?;
    println!("{text}");
    Ok(())
}
