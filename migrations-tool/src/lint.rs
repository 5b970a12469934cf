//! `lint`: squawk's rules on every revision and repeatable of the folder, offline, with the
//! folder's `lint.toml`; `check` runs the same after its own checks.

use migrations_core::{Folder, RevisionSet};
use migrations_lint::LintReport;

use crate::{MigrationsFolder, ToolError};

/// Lints the folder's set; a folder that fails `check` is linted as far as it parsed.
pub(crate) fn lint_parsed(folder: &MigrationsFolder, parsed: &Folder) -> LintReport {
    let set: RevisionSet = parsed.build_unchecked();
    migrations_lint::lint_folder(&folder.path, &folder.display, &set)
}

/// Prints a report where `check` prints: to standard output when it passed, else to standard error.
pub(crate) fn print(report: &LintReport) {
    if report.ok() {
        println!("{report}");
    } else {
        eprintln!("{report}");
    }
}

/// Lints the folder and prints the report, or writes it as JSON to `json` (`-`: standard output);
/// passes when there is no error and every file parsed.
pub fn lint(folder: &MigrationsFolder, json: Option<&str>) -> Result<bool, ToolError> {
    let parsed = folder.parse();
    let check_problems = parsed.diagnostics.len();
    let report = lint_parsed(folder, &parsed);
    let render =
        || serde_json::to_string_pretty(&report).map_err(|error| ToolError::Json { error });
    match json {
        Some("-") => {
            println!("{}", render()?);
            eprintln!("{}", report.summary());
        }
        Some(file) => {
            std::fs::write(file, render()? + "\n").map_err(|error| ToolError::Write {
                path: file.into(),
                error,
            })?;
            print(&report);
        }
        None => print(&report),
    }
    if check_problems > 0 {
        eprintln!(
            "{check_problems} files have problems of their own: `{}` shows them",
            migrations_core::hint::commands().check
        );
    }
    Ok(report.ok() && check_problems == 0)
}
