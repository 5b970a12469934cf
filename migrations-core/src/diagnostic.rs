//! Problems found in a folder of revisions, each located in its file and line, with the fix.
//!
//! The loader collects every problem of a folder before it reports, so one run of `check` (or one
//! build) shows them all.

use std::fmt;

use crate::hint;
use crate::sql::{CredentialKind, SplitError};

/// How to write a baseline without a tool.
const BASELINE_FILE: &str = "`versions/YYYYMMDDHHMM_baseline.sql` holding only the lines `-- migrate:up` and `-- migrate:down`";

/// One thing wrong with a revision folder. The message says what; [`Problem::help`] says how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    // File names and folder contents.
    #[error("`{name}` is not a revision file (YYYYMMDDHHMM_slug.sql)")]
    StrayFile { name: String },
    #[error("`{name}` is a directory; revision folders hold only files")]
    UnexpectedDirectory { name: String },
    #[error("file name `{name}` has no `.sql` extension")]
    MissingSqlExtension { name: String, suggestion: String },
    #[error("file name `{name}` has a bad timestamp: {reason}")]
    BadTimestamp {
        name: String,
        reason: String,
        suggestion: Option<String>,
    },
    #[error("file name `{name}` has a bad slug: {reason}")]
    BadSlug {
        name: String,
        reason: String,
        suggestion: Option<String>,
    },
    #[error("cannot read {what}: {error}")]
    Io { what: String, error: String },
    #[error("the folder has no `versions/` directory")]
    MissingVersionsDir,
    #[error("the folder has no revisions")]
    NoRevisions,

    // Encoding.
    #[error("the file is not valid UTF-8 (first bad byte in column {column})")]
    NotUtf8 { column: usize },

    // Header.
    #[error("unknown header `-- {key}:`")]
    UnknownHeader { key: String, known: &'static str },
    #[error("header `-- {key}:` appears twice (first on line {first_line})")]
    DuplicateHeader { key: String, first_line: u32 },
    #[error("header `-- {key}:` has no value")]
    EmptyHeader { key: String },
    #[error("SQL before the `-- migrate:up` marker")]
    SqlBeforeUp,
    #[error("`-- {key}: {value}` is not a timeout")]
    BadTimeout { key: String, value: String },
    #[error("`-- lint: {value}` is not `allow <rule>[, <rule>] -- <reason>`")]
    LintHeaderSyntax { value: String },
    #[error("`-- lint: allow {rules}` gives no reason")]
    LintAllowWithoutReason { rules: String },

    // Sections.
    #[error("no `-- migrate:up` marker")]
    MissingUpMarker,
    #[error("no `-- migrate:down` marker")]
    MissingDownMarker,
    #[error("`-- migrate:{marker}` appears twice (first on line {first_line})")]
    DuplicateMarker {
        marker: &'static str,
        first_line: u32,
    },
    #[error("`-- migrate:down` comes before `-- migrate:up` (line {up_line})")]
    DownBeforeUp { up_line: u32 },
    #[error("unknown marker `{text}`")]
    UnknownMarker { text: String },
    #[error("unknown option `{option}` on `-- migrate:up`")]
    UnknownMarkerOption { option: String },
    #[error("`transaction:false` is on the down marker")]
    TransactionOptionOnDown,
    #[error("a repeatable migration has no `-- migrate:` sections")]
    MarkerInRepeatable,
    #[error("the down section is empty")]
    EmptyDown,
    #[error("the baseline's {section} section is not empty")]
    BaselineNotEmpty { section: &'static str },
    #[error("the repeatable migration has no SQL")]
    EmptyRepeatable,
    #[error("{0}")]
    Sql(SplitError),

    // Safety.
    #[error("{}", credential_message(*kind))]
    Credential { kind: CredentialKind },

    // The revision graph.
    #[error("the first revision is `{name}`, not a baseline")]
    FirstNotBaseline { name: String },
    #[error(
        "the baseline revises `{parent}`; the baseline is the first revision and revises nothing"
    )]
    BaselineRevises { parent: String },
    #[error("no `-- revises:` header")]
    MissingRevises { expected: String },
    #[error("revises `{parent}`, which is not a revision of this folder")]
    UnknownParent { parent: String, expected: String },
    #[error("revises `{parent}`, but the revision just before it is `{expected}`")]
    NotPreviousRevision { parent: String, expected: String },
    #[error("two heads: {} revise `{parent}`", list(files))]
    TwoHeads {
        parent: String,
        files: Vec<String>,
        newer: String,
        other: String,
    },
    #[error("revisions revise each other in a cycle: {}", chain.join(" -> "))]
    Cycle { chain: Vec<String> },
    #[error("revision id {id} is also used by `{other}`")]
    DuplicateId { id: String, other: String },
    #[error("slug `{slug}` is also used by `{other}`")]
    DuplicateSlug { slug: String, other: String },
    #[error("requires `{revision}`, which is not a revision of this folder")]
    UnknownRequires { revision: String },
}

fn list(files: &[String]) -> String {
    let quoted: Vec<String> = files.iter().map(|f| format!("`{f}`")).collect();
    match quoted.as_slice() {
        [one, two] => format!("{one} and {two} both"),
        [rest @ .., last] => format!("{} and {last} all", rest.join(", ")),
        [] => String::new(),
    }
}

fn credential_message(kind: CredentialKind) -> &'static str {
    match kind {
        CredentialKind::PasswordLiteral => "a hard-coded password: a string literal after PASSWORD",
        CredentialKind::UriWithPassword => {
            "a hard-coded password: a connection URI with a password"
        }
        CredentialKind::ConninfoPassword => {
            "a hard-coded password: `password=` in a connection string"
        }
    }
}

impl Problem {
    /// How to fix the problem, in one sentence.
    pub fn help(&self) -> String {
        match self {
            Problem::StrayFile { .. } => {
                "move it out of this folder; only revision files and README.md belong here".to_owned()
            }
            Problem::UnexpectedDirectory { .. } => "move its files up, or out of the folder".to_owned(),
            Problem::MissingSqlExtension { suggestion, .. } => format!("rename it to `{suggestion}`"),
            Problem::BadTimestamp { suggestion: Some(s), .. }
            | Problem::BadSlug { suggestion: Some(s), .. } => format!("rename it to `{s}`"),
            Problem::BadTimestamp { suggestion: None, .. } => format!(
                "rename it with the current UTC time as YYYYMMDDHHMM (`{} <slug>` names new files so)",
                hint::commands().new_revision
            ),
            Problem::BadSlug { suggestion: None, .. } => {
                "rename it to `YYYYMMDDHHMM_slug.sql`, the slug in lower case words joined by `_`".to_owned()
            }
            Problem::Io { .. } => "check that the path exists and is readable".to_owned(),
            Problem::MissingVersionsDir => format!(
                "create `versions/` with the baseline, {BASELINE_FILE}, YYYYMMDDHHMM the current UTC time (`{} baseline` writes it)",
                hint::commands().new_revision
            ),
            Problem::NoRevisions => format!(
                "create the baseline first, {BASELINE_FILE}, YYYYMMDDHHMM the current UTC time (`{} baseline` writes it)",
                hint::commands().new_revision
            ),
            Problem::NotUtf8 { .. } => "save the file as UTF-8".to_owned(),
            Problem::UnknownHeader { known, .. } => format!(
                "the known headers are {known}; write other notes as plain comments, without `word:` at the start"
            ),
            Problem::DuplicateHeader { .. } => "keep one of the two lines".to_owned(),
            Problem::EmptyHeader { key } => format!("write the value after `-- {key}:`, or remove the line"),
            Problem::BadTimeout { key, .. } => format!(
                "write a whole number and a unit, as in `-- {key}: 500ms`, `30s`, `2min` or `1h` (at most 2147483647ms), or `0` for no timeout"
            ),
            Problem::LintHeaderSyntax { .. } => {
                "write `-- lint: allow <rule>[, <rule>] -- <reason>`, the rules as the linter names them, e.g. `-- lint: allow changing-column-type -- tenants has one row per customer`"
                    .to_owned()
            }
            Problem::LintAllowWithoutReason { rules } => format!(
                "say why the rule does not apply here after ` -- `, e.g. `-- lint: allow {rules} -- the table is created empty in the previous revision`"
            ),
            Problem::SqlBeforeUp => {
                "move the SQL below `-- migrate:up`; only comments and headers go above it".to_owned()
            }
            Problem::MissingUpMarker => {
                "add a `-- migrate:up` line before the SQL that applies the revision".to_owned()
            }
            Problem::MissingDownMarker => {
                "add a `-- migrate:down` line after the up section, followed by the SQL that undoes it".to_owned()
            }
            Problem::DuplicateMarker { .. } => {
                "keep one up and one down section; put all the up SQL under the first marker".to_owned()
            }
            Problem::DownBeforeUp { .. } => {
                "put the up section first, then `-- migrate:down` and the SQL that undoes it".to_owned()
            }
            Problem::UnknownMarker { .. } => {
                "the markers are `-- migrate:up` (optionally with `transaction:false`) and `-- migrate:down`"
                    .to_owned()
            }
            Problem::UnknownMarkerOption { .. } => {
                "the only option is `transaction:false`, for statements such as CREATE INDEX CONCURRENTLY"
                    .to_owned()
            }
            Problem::TransactionOptionOnDown => {
                "move it to the `-- migrate:up` line; it applies to both sections".to_owned()
            }
            Problem::MarkerInRepeatable => {
                "remove the marker: a repeatable migration is one idempotent script, run again when it changes"
                    .to_owned()
            }
            Problem::EmptyDown => {
                "write the SQL that undoes the up section: every revision except the baseline must be reversible"
                    .to_owned()
            }
            Problem::BaselineNotEmpty { .. } => format!(
                "the baseline is the empty schema; move the SQL into a new revision (`{} <slug>`)",
                hint::commands().new_revision
            ),
            Problem::EmptyRepeatable => "write the SQL, or delete the file".to_owned(),
            Problem::Sql(error) => error.help(),
            Problem::Credential { .. } => {
                "remove the secret from the file; set passwords at deploy time from a secret store, outside revisions"
                    .to_owned()
            }
            Problem::FirstNotBaseline { .. } => format!(
                "the first revision must be the baseline: restore it, or write one dated before the others, {BASELINE_FILE}, and point the oldest revision's `-- revises:` at it"
            ),
            Problem::BaselineRevises { .. } => "remove its `-- revises:` line".to_owned(),
            Problem::MissingRevises { expected } => format!("add `-- revises: {expected}`"),
            Problem::UnknownParent { expected, .. } | Problem::NotPreviousRevision { expected, .. } => {
                format!("point it at the revision just before it: `-- revises: {expected}`")
            }
            Problem::TwoHeads { newer, other, .. } => format!(
                "rename `{newer}` to a timestamp after `{other}` and point its `-- revises:` at `{other}`; `{} {newer}` does exactly that",
                hint::commands().rebase
            ),
            Problem::Cycle { .. } => {
                "each revision revises the one just before it by timestamp; fix the `-- revises:` lines".to_owned()
            }
            Problem::DuplicateId { .. } => format!(
                "give one of them a later timestamp and point its `-- revises:` at the revision before it (`{} <revision>` does both)",
                hint::commands().rebase
            ),
            Problem::DuplicateSlug { .. } => "rename one of them with a slug of its own".to_owned(),
            Problem::UnknownRequires { .. } => {
                "name an existing revision by its file stem, e.g. `-- requires: 202511121400_add_tenants_table`"
                    .to_owned()
            }
        }
    }
}

/// A problem located in a file and, where there is one, a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as shown to people, e.g. `migrations/versions/202511121400_add_tenants_table.sql`.
    pub file: String,
    pub line: Option<u32>,
    pub problem: Problem,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.problem)?,
            None => write!(f, "{}: {}", self.file, self.problem)?,
        }
        write!(f, "\n  help: {}", self.problem.help())
    }
}

/// Every problem of a folder; loading fails with this when there is at least one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.diagnostics {
            writeln!(f, "{diagnostic}")?;
        }
        match self.diagnostics.len() {
            1 => write!(f, "1 problem"),
            n => write!(f, "{n} problems"),
        }
    }
}

impl std::error::Error for LoadError {}
