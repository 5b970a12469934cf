//! `check`: every file and the graph with the core's loader, the schema files against the
//! revisions, then the linter: every problem of the three at once.

use crate::lint::{lint_parsed, print};
use crate::schema_files::staleness;
use crate::{MigrationsFolder, ToolError};

/// Checks the folder, prints what it found, and says whether it passed.
pub fn check(folder: &MigrationsFolder) -> Result<bool, ToolError> {
    let parsed = folder.parse();
    let lint = lint_parsed(folder, &parsed);
    let checked = match parsed.into_set() {
        Ok(set) => {
            let stale = staleness(folder, &set);
            for problem in &stale {
                eprintln!("{problem}");
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
    if checked {
        print(&lint);
    } else {
        eprintln!("{lint}");
    }
    Ok(checked && lint.ok())
}
