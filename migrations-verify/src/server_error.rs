//! A revision's error as verify reports it: the runner's message, the PostgreSQL version it ran on,
//! and, for the errors an older server gives a statement a newer version introduced, what to check.

/// SQLSTATEs an older server answers a newer version's statement with: unknown syntax, an unknown
/// function (a new built-in), a feature not supported, an unknown option.
const NEWER_STATEMENT_CODES: [&str; 4] = ["42601", "42883", "0A000", "22023"];

/// The error of a step run on PostgreSQL `server_version` (e.g. `15.18`).
pub(crate) fn describe(error: &migrations_runtime::Error, server_version: &str) -> String {
    let code = error.db_error().map(|db| db.code.as_str());
    let hint = if code.is_some_and(|code| NEWER_STATEMENT_CODES.contains(&code)) {
        "; a statement that a newer PostgreSQL introduced fails like this on an older one: check \
         the version it needs, and verify on the version production runs (--pg-version N)"
    } else {
        ""
    };
    format!("{error}\non PostgreSQL {server_version}{hint}")
}
