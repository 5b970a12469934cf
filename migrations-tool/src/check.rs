//! `check`: every file and the graph with the core's loader, the schema files against the
//! revisions, then the linter: every problem of the three at once, as text or one JSON document.

use migrations_core::{LoadError, RevisionSet};
use migrations_lint::LintReport;

use crate::json::{self, CheckDocument, RevisionRef};
use crate::lint::{lint_parsed, print};
use crate::schema_files::{StaleFile, staleness};
use crate::{MigrationsFolder, ToolError};

/// Checks the folder, prints what it found (as one JSON document with `json`), and says whether
/// it passed.
pub fn check(folder: &MigrationsFolder, json: bool) -> Result<bool, ToolError> {
    let parsed = folder.parse();
    let lint = lint_parsed(folder, &parsed);
    let counts = (parsed.revisions.len(), parsed.repeatables.len());
    let checked = parsed.into_set().map(|set| {
        let stale = staleness(folder, &set);
        (set, stale)
    });
    let ok = matches!(&checked, Ok((_, stale)) if stale.is_empty()) && lint.ok();
    if json {
        let (head, problems) = match &checked {
            Ok((set, stale)) => (
                RevisionRef::head(set),
                stale.iter().map(json::stale).collect(),
            ),
            Err(error) => (None, error.diagnostics.iter().map(json::problem).collect()),
        };
        let (revisions, repeatables) = match &checked {
            Ok((set, _)) => (set.revisions().len(), set.repeatables().len()),
            Err(_) => counts,
        };
        json::print(&CheckDocument {
            ok,
            revisions,
            repeatables,
            head,
            problems,
            lint: &lint,
        })?;
    } else {
        print_check(&checked, &lint);
    }
    Ok(ok)
}

/// `check`'s text: the folder's problems (or its counts and head), then the lint.
fn print_check(checked: &Result<(RevisionSet, Vec<StaleFile>), LoadError>, lint: &LintReport) {
    let passed = match checked {
        Ok((set, stale)) => {
            for problem in stale {
                eprintln!("{}", problem.message);
            }
            if stale.is_empty() {
                let head = set.head().map_or("none", |h| h.name());
                println!(
                    "ok: {} revisions and {} repeatable migrations; the graph is a single line; head: {head}",
                    set.revisions().len(),
                    set.repeatables().len()
                );
            }
            stale.is_empty()
        }
        Err(error) => {
            eprintln!("{error}");
            false
        }
    };
    if passed {
        print(lint);
    } else {
        eprintln!("{lint}");
    }
}
