//! The objects `--databases ... --json` prints, one per database and line as each finishes.
//! Revisions are named by file stem (`base` below the first), as the fleet's text lines do.

use serde::Serialize;

/// An upgrade's or a downgrade's outcome on one database.
#[derive(Debug, Serialize)]
pub(super) struct ChangeLine<'a> {
    pub(super) database: &'a str,
    /// `at_head`, `at_target`, `migrated`, `failed`, `unreachable`, `busy` or `skipped`.
    pub(super) status: String,
    pub(super) from: Option<&'a str>,
    pub(super) to: Option<&'a str>,
    /// Where the database stands: after the run, or where a failed revision left it.
    pub(super) position: Option<String>,
    pub(super) revisions: Option<usize>,
    pub(super) repeatables: Option<usize>,
    pub(super) elapsed_ms: u64,
    pub(super) lock_wait_ms: Option<u64>,
    pub(super) waited_for_lock: bool,
    pub(super) error: Option<String>,
}

/// Where one database stands, for `current`.
#[derive(Debug, Serialize)]
pub(super) struct CurrentLine<'a> {
    pub(super) database: &'a str,
    /// `at_head`, `behind` or `dirty`; or why it was not read: `failed`, `unreachable`, `busy`
    /// or `skipped`.
    pub(super) status: String,
    pub(super) revision: Option<&'a str>,
    pub(super) pending: Option<usize>,
    pub(super) dirty: Option<String>,
    pub(super) elapsed_ms: u64,
    pub(super) error: Option<String>,
}
