//! `check`, `history`, `heads` and `rebase`: the folder of revisions, read with the core's loader.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use migrations_core::authoring::rebase;
use migrations_core::graph::RevisionGraph;
use migrations_core::{Folder, LoadError, RevisionSet, Sources};
use migrations_lint::LintReport;

use crate::flags::{Check, Heads, History, MigrationsDir, Rebase};
use crate::json::{self, Failure};
use crate::lint;
use crate::new_migration::utc_now;
use crate::schema_file::StaleFile;

fn read(root: &Path, dir: &MigrationsDir) -> anyhow::Result<(std::path::PathBuf, Folder)> {
    let (path, display) = dir.resolve(root)?;
    let folder = Folder::parse(&Sources::read(&path, &display));
    Ok((path, folder))
}

impl Check {
    /// The core's checks, then the linter on what parsed: every problem of both at once.
    pub fn run(self, root: &Path) -> anyhow::Result<ExitCode> {
        let (path, display) = self
            .migrations
            .resolve(root)
            .map_err(Failure::tag("migrations_folder"))?;
        let folder = Folder::parse(&Sources::read(&path, &display));
        let lint = lint::lint_folder(&path, &display, &folder);
        let parsed = (folder.revisions.len(), folder.repeatables.len());
        let checked = folder.into_set().map(|set| {
            let stale = crate::schema_file::staleness(&path, &display, &set);
            (set, stale)
        });
        let ok = matches!(&checked, Ok((_, stale)) if stale.is_empty()) && lint.ok();
        if self.json {
            let (head, problems) = match &checked {
                Ok((set, stale)) => (
                    json::RevisionRef::head(set),
                    stale.iter().map(json::stale).collect(),
                ),
                Err(error) => (None, error.diagnostics.iter().map(json::problem).collect()),
            };
            let (revisions, repeatables) = match &checked {
                Ok((set, _)) => (set.revisions().len(), set.repeatables().len()),
                Err(_) => parsed,
            };
            json::print(&json::CheckDocument {
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
        Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }
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
        lint::print(lint);
    } else {
        eprintln!("{lint}");
    }
}

impl History {
    pub fn run(self, root: &Path) -> anyhow::Result<ExitCode> {
        let (_, folder) = read(root, &self.migrations)?;
        let heads: Vec<String> = RevisionGraph::new(&folder.revisions)
            .heads()
            .iter()
            .map(|h| h.name.clone())
            .collect();
        let width = folder
            .revisions
            .iter()
            .map(|r| r.slug().len())
            .max()
            .unwrap_or(4)
            .max(4);
        println!(
            "{:<12}  {:<width$}  {:<12}  {:<16}  MESSAGE",
            "ID", "SLUG", "REVISES", "FLAGS"
        );
        for (i, revision) in folder.revisions.iter().enumerate() {
            let parent = revision
                .parsed
                .revises
                .as_ref()
                .map_or("-", |h| h.value.get(..12).unwrap_or(&h.value));
            let mut flags = Vec::new();
            if i == 0 {
                flags.push("base");
            }
            if heads.contains(&revision.name) {
                flags.push("head");
            }
            if !revision.parsed.transactional {
                flags.push("no-transaction");
            }
            let flags = if flags.is_empty() {
                "-".to_owned()
            } else {
                flags.join(",")
            };
            let message = revision.parsed.message.as_deref().unwrap_or("");
            let line = format!(
                "{:<12}  {:<width$}  {parent:<12}  {flags:<16}  {message}",
                revision.id.to_string(),
                revision.slug()
            );
            println!("{}", line.trim_end());
        }
        for repeatable in &folder.repeatables {
            let requires = repeatable
                .parsed
                .requires
                .as_ref()
                .map_or("-", |h| h.value.as_str());
            let message = repeatable.parsed.message.as_deref().unwrap_or("");
            let line = format!(
                "{:<12}  {:<width$}  {requires:<12}  {:<16}  {message}",
                "repeatable", repeatable.name, "-"
            );
            println!("{}", line.trim_end());
        }
        if !folder.diagnostics.is_empty() {
            eprintln!(
                "{} files could not be read; `cargo xtask check` shows why",
                folder.diagnostics.len()
            );
            return Ok(ExitCode::FAILURE);
        }
        Ok(ExitCode::SUCCESS)
    }
}

impl Heads {
    pub fn run(self, root: &Path) -> anyhow::Result<ExitCode> {
        let (_, folder) = read(root, &self.migrations)?;
        let heads = RevisionGraph::new(&folder.revisions).heads();
        for head in &heads {
            println!("{} (head)", head.name);
        }
        if heads.len() > 1 {
            eprintln!(
                "{} heads: the graph must be a single line; move the newer one after the other with `cargo xtask rebase <revision>`",
                heads.len()
            );
            return Ok(ExitCode::FAILURE);
        }
        Ok(ExitCode::SUCCESS)
    }
}

impl Rebase {
    pub fn run(self, root: &Path) -> anyhow::Result<ExitCode> {
        let (path, folder) = read(root, &self.migrations)?;
        let revision = folder
            .revisions
            .iter()
            .find(|r| r.name == self.revision || r.id.to_string() == self.revision)
            .with_context(|| {
                format!(
                    "`{}` is not a revision of the folder: name it by its file stem or id",
                    self.revision
                )
            })?;
        let old = path.join(format!("versions/{}.sql", revision.name));
        let text = std::fs::read_to_string(&old)
            .with_context(|| format!("cannot read {}", old.display()))?;
        let text = migrations_core::checksum::normalise(&text);
        let plan = rebase(&folder, &revision.name, &text, utc_now())?;
        let new = path.join(&plan.write.path);
        std::fs::write(&new, &plan.write.contents)
            .with_context(|| format!("cannot write {}", new.display()))?;
        std::fs::remove_file(&old).with_context(|| format!("cannot remove {}", old.display()))?;
        println!("moved {} to {}", plan.remove, plan.write.path);
        Ok(ExitCode::SUCCESS)
    }
}
