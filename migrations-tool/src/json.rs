//! The document `check --json` prints. `lint --json` prints the linter's own report, which
//! `check`'s document holds under `lint`; problems have the lint report's form (`file`, `line`,
//! `message`, `help`), revision ids are strings of 12 digits.

use migrations_core::{Diagnostic, RevisionSet};
use migrations_lint::{LintReport, ProblemEntry};
use serde::Serialize;

use crate::ToolError;
use crate::schema_files::{self, StaleFile};

/// `check --json`: the folder's problems, then the lint.
#[derive(Serialize)]
pub(crate) struct CheckDocument<'a> {
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
pub(crate) struct RevisionRef {
    pub id: String,
    pub name: String,
}

impl RevisionRef {
    pub(crate) fn head(set: &RevisionSet) -> Option<RevisionRef> {
        set.head().map(|head| RevisionRef {
            id: head.id().to_string(),
            name: head.name().to_owned(),
        })
    }
}

pub(crate) fn problem(diagnostic: &Diagnostic) -> ProblemEntry {
    ProblemEntry {
        file: diagnostic.file.clone(),
        line: diagnostic.line,
        message: diagnostic.problem.to_string(),
        help: diagnostic.problem.help(),
    }
}

pub(crate) fn stale(file: &StaleFile) -> ProblemEntry {
    ProblemEntry {
        file: file.file.clone(),
        line: None,
        message: file.message.clone(),
        help: schema_files::fix(),
    }
}

/// A document as `check` and `lint` print it: indented, on standard output.
pub(crate) fn print(document: &impl Serialize) -> Result<(), ToolError> {
    let text = serde_json::to_string_pretty(document).map_err(|error| ToolError::Json { error })?;
    println!("{text}");
    Ok(())
}
