//! `lint`: squawk's rules on every revision and repeatable of the folder, offline, with the
//! folder's `lint.toml`; `check` runs the same after its own checks.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use migrations_core::{Folder, RevisionSet};
use migrations_lint::LintReport;

use crate::flags::Lint;
use crate::json::{self, Failure};

/// Lints the folder's set; a folder that fails `check` is linted as far as it parsed.
pub fn lint_folder(path: &Path, display: &str, folder: &Folder) -> LintReport {
    let set: RevisionSet = folder.build_unchecked();
    migrations_lint::lint_folder(path, display, &set)
}

/// Prints a report where `check` prints: to standard output when it passed, else to standard error.
pub fn print(report: &LintReport) {
    if report.ok() {
        println!("{report}");
    } else {
        eprintln!("{report}");
    }
}

impl Lint {
    pub fn run(self, root: &Path) -> anyhow::Result<ExitCode> {
        let (path, display) = self
            .migrations
            .resolve(root)
            .map_err(Failure::tag("migrations_folder"))?;
        let folder = Folder::parse(&migrations_core::Sources::read(&path, &display));
        let check_problems = folder.diagnostics.len();
        let report = lint_folder(&path, &display, &folder);
        match self.json.as_deref() {
            Some("-") => {
                json::print(&report)?;
                eprintln!("{}", report.summary());
            }
            Some(file) => {
                let json = serde_json::to_string_pretty(&report)
                    .context("cannot render the JSON report")?;
                std::fs::write(file, json + "\n")
                    .with_context(|| format!("cannot write {file}"))
                    .map_err(Failure::tag("write_report"))?;
                print(&report);
            }
            None => print(&report),
        }
        if check_problems > 0 {
            eprintln!(
                "{check_problems} files have problems of their own: `cargo xtask check` shows them"
            );
        }
        Ok(if report.ok() && check_problems == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }
}
