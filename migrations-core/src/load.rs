//! The one loader of revision folders, used by the macro at compile time and by the runtime and
//! `cargo xtask` at run time.
//!
//! A folder holds `versions/` (one file per revision) and optionally `repeatable/`. Loading reads
//! the files ([`Sources::read`]), parses each ([`Folder::parse`]), checks the graph and the policies,
//! and yields a [`RevisionSet`] or every problem of the folder at once.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::checksum::{normalise, repeatable_checksum, revision_checksum};
use crate::diagnostic::{Diagnostic, LoadError, Problem};
use crate::file_name::{RevisionFileName, parse_repeatable_file_name};
use crate::graph::RevisionGraph;
use crate::parse::{LineProblem, parse_repeatable, parse_revision};
pub use crate::parse::{RepeatableFile, RevisionFile};
use crate::revision::{Repeatable, Revision, RevisionId, RevisionSet, RevisionSettings};

/// The subfolder of versioned revisions.
pub const VERSIONS_DIR: &str = "versions";
/// The subfolder of repeatable migrations.
pub const REPEATABLE_DIR: &str = "repeatable";
/// The only file besides revisions allowed in either subfolder.
const ALLOWED_EXTRA_FILE: &str = "README.md";

/// One entry of a subfolder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    File { name: String, contents: Vec<u8> },
    Directory { name: String },
}

/// The raw contents of a folder of revisions, before parsing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sources {
    /// How the folder is named in messages, e.g. `migrations`.
    pub display_root: String,
    /// The entries of `versions/`; `None` when it does not exist.
    pub versions: Option<Vec<Entry>>,
    /// The entries of `repeatable/`; `None` when it does not exist (it is optional).
    pub repeatable: Option<Vec<Entry>>,
    /// Problems met while reading (unreadable files or folders).
    pub read_problems: Vec<Diagnostic>,
}

impl Sources {
    /// Reads a folder from disk. Names in messages start with `display_root`.
    pub fn read(dir: &Path, display_root: &str) -> Sources {
        let mut sources = Sources {
            display_root: display_root.to_owned(),
            ..Sources::default()
        };
        sources.versions = sources.read_subfolder(&dir.join(VERSIONS_DIR), VERSIONS_DIR);
        sources.repeatable = sources.read_subfolder(&dir.join(REPEATABLE_DIR), REPEATABLE_DIR);
        sources
    }

    fn read_subfolder(&mut self, dir: &Path, subfolder: &str) -> Option<Vec<Entry>> {
        let listing = match std::fs::read_dir(dir) {
            Ok(listing) => listing,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
            Err(error) => {
                self.read_problem(subfolder, error);
                return None;
            }
        };
        let mut entries = Vec::new();
        for item in listing {
            let item = match item {
                Ok(item) => item,
                Err(error) => {
                    self.read_problem(subfolder, error);
                    continue;
                }
            };
            let name = item.file_name().to_string_lossy().into_owned();
            let path = item.path();
            if path.is_dir() {
                entries.push(Entry::Directory { name });
                continue;
            }
            match std::fs::read(&path) {
                Ok(contents) => entries.push(Entry::File { name, contents }),
                Err(error) => self.read_problem(&format!("{subfolder}/{name}"), error),
            }
        }
        Some(entries)
    }

    fn read_problem(&mut self, path: &str, error: std::io::Error) {
        self.read_problems.push(Diagnostic {
            file: format!("{}/{path}", self.display_root),
            line: None,
            problem: Problem::Io {
                what: path.to_owned(),
                error: error.to_string(),
            },
        });
    }
}

/// Loads and checks a folder from disk; messages name files as `<dir>/versions/…`.
pub fn load_dir(dir: &Path) -> Result<RevisionSet, LoadError> {
    load_dir_as(dir, &dir.display().to_string())
}

/// Loads and checks a folder from disk; messages name files as `<display_root>/versions/…`.
pub fn load_dir_as(dir: &Path, display_root: &str) -> Result<RevisionSet, LoadError> {
    Folder::parse(&Sources::read(dir, display_root)).into_set()
}

/// A folder after parsing each file: what parsed, and every problem found so far.
#[derive(Clone, Debug, Default)]
pub struct Folder {
    /// Revisions that parsed, sorted by id (then name, for duplicate ids).
    pub revisions: Vec<RevisionFile>,
    /// Repeatables that parsed, sorted by name.
    pub repeatables: Vec<RepeatableFile>,
    pub diagnostics: Vec<Diagnostic>,
    display_root: String,
}

impl Folder {
    /// Parses every file; problems of single files are collected, graph rules are not checked yet.
    pub fn parse(sources: &Sources) -> Folder {
        let mut folder = Folder {
            display_root: sources.display_root.clone(),
            diagnostics: sources.read_problems.clone(),
            ..Folder::default()
        };
        match &sources.versions {
            None if sources.read_problems.is_empty() => {
                folder.report(
                    sources.display_root.clone(),
                    None,
                    Problem::MissingVersionsDir,
                );
            }
            None => {}
            Some(entries) => {
                for (name, text) in folder.files(VERSIONS_DIR, entries) {
                    folder.parse_revision_file(&name, &text);
                }
            }
        }
        if let Some(entries) = &sources.repeatable {
            for (name, text) in folder.files(REPEATABLE_DIR, entries) {
                folder.parse_repeatable_file(&name, &text);
            }
        }
        folder
            .revisions
            .sort_by(|a, b| (a.id, &a.name).cmp(&(b.id, &b.name)));
        folder.repeatables.sort_by(|a, b| a.name.cmp(&b.name));
        folder
    }

    /// The files of a subfolder that may be migrations, as normalised text; reports the others.
    fn files(&mut self, subfolder: &str, entries: &[Entry]) -> Vec<(String, String)> {
        let mut files = Vec::new();
        for entry in entries {
            match entry {
                Entry::Directory { name } => {
                    let file = self.path(subfolder, name);
                    self.report(
                        file,
                        None,
                        Problem::UnexpectedDirectory { name: name.clone() },
                    );
                }
                Entry::File { name, .. } if name == ALLOWED_EXTRA_FILE || name.starts_with('.') => {
                }
                Entry::File { name, contents } => match std::str::from_utf8(contents) {
                    Ok(text) => files.push((name.clone(), normalise(text).into_owned())),
                    Err(error) => {
                        let valid = &contents[..error.valid_up_to()];
                        let line = valid.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
                        let column = valid.len()
                            - valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
                            + 1;
                        let file = self.path(subfolder, name);
                        self.report(file, Some(line), Problem::NotUtf8 { column });
                    }
                },
            }
        }
        files
    }

    fn parse_revision_file(&mut self, file_name: &str, text: &str) {
        let file = self.path(VERSIONS_DIR, file_name);
        let parsed_name = RevisionFileName::parse(file_name);
        if let Err(problem @ Problem::StrayFile { .. }) = parsed_name {
            // Not meant as a revision: its contents would only add noise.
            self.report(file, None, problem);
            return;
        }
        let parsed = parse_revision(text);
        let (name, parsed) = match (parsed_name, parsed) {
            (Ok(name), Ok((parsed, problems))) => {
                self.report_all(&file, problems);
                (name, parsed)
            }
            (name, parsed) => {
                if let Err(problem) = name {
                    self.report(file.clone(), None, problem);
                }
                match parsed {
                    Ok((_, problems)) | Err(problems) => self.report_all(&file, problems),
                }
                return;
            }
        };
        self.revisions.push(RevisionFile {
            id: name.id,
            name: file_name.trim_end_matches(".sql").to_owned(),
            file,
            parsed,
        });
    }

    fn parse_repeatable_file(&mut self, file_name: &str, text: &str) {
        let file = self.path(REPEATABLE_DIR, file_name);
        match (
            parse_repeatable_file_name(file_name),
            parse_repeatable(text),
        ) {
            (Ok(name), Ok(parsed)) => self.repeatables.push(RepeatableFile {
                name: name.to_owned(),
                file,
                parsed,
            }),
            (name, parsed) => {
                if let Err(problem) = name {
                    self.report(file.clone(), None, problem);
                }
                if let Err(problems) = parsed {
                    self.report_all(&file, problems);
                }
            }
        }
    }

    fn path(&self, subfolder: &str, name: &str) -> String {
        format!("{}/{subfolder}/{name}", self.display_root)
    }

    fn report(&mut self, file: String, line: Option<u32>, problem: Problem) {
        self.diagnostics.push(Diagnostic {
            file,
            line,
            problem,
        });
    }

    fn report_all(&mut self, file: &str, problems: Vec<LineProblem>) {
        for (line, problem) in problems {
            self.report(file.to_owned(), line, problem);
        }
    }

    /// Checks the graph and the policies, and builds the set when the folder has no problem at all.
    pub fn into_set(mut self) -> Result<RevisionSet, LoadError> {
        let no_revisions = self.revisions.is_empty() && self.diagnostics.is_empty();
        if no_revisions {
            let file = format!("{}/{VERSIONS_DIR}", self.display_root);
            self.report(file, None, Problem::NoRevisions);
        }
        let graph_problems = RevisionGraph::new(&self.revisions).check();
        self.diagnostics.extend(graph_problems);
        self.check_repeatables();
        if !self.diagnostics.is_empty() {
            let mut diagnostics = self.diagnostics;
            diagnostics.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            return Err(LoadError { diagnostics });
        }

        Ok(self.build())
    }

    /// The set of what parsed, without the graph checks: only for tools that must go on after an
    /// error (the macro's fallback expansion, `heads`, `rebase`).
    #[doc(hidden)]
    pub fn build_unchecked(&self) -> RevisionSet {
        self.build()
    }

    fn build(&self) -> RevisionSet {
        let ids: HashMap<&str, RevisionId> = self
            .revisions
            .iter()
            .map(|r| (r.name.as_str(), r.id))
            .collect();
        let repeatables = self
            .repeatables
            .iter()
            .map(|r| {
                Repeatable::from_parts(
                    Cow::Owned(r.name.clone()),
                    r.parsed
                        .requires
                        .as_ref()
                        .and_then(|h| ids.get(h.value.as_str()).copied()),
                    r.parsed.message.clone().map(Cow::Owned),
                    r.parsed.body.clone(),
                    Cow::Owned(r.parsed.lint_allows.clone()),
                    repeatable_checksum(&r.name, r.parsed.body.sql()),
                    Cow::Owned(r.file.clone()),
                )
            })
            .collect::<Vec<_>>();
        let revisions = self
            .revisions
            .iter()
            .map(|r| {
                let checksum = revision_checksum(r.id, r.slug(), r.parsed.up.sql());
                let parent = r
                    .parsed
                    .revises
                    .as_ref()
                    .and_then(|h| ids.get(h.value.as_str()).copied());
                Revision::from_parts(
                    r.id,
                    Cow::Owned(r.name.clone()),
                    parent,
                    r.parsed.message.clone().map(Cow::Owned),
                    r.parsed.up.clone(),
                    r.parsed.down.clone(),
                    RevisionSettings {
                        transactional: r.parsed.transactional,
                        lock_timeout: r.parsed.lock_timeout,
                        statement_timeout: r.parsed.statement_timeout,
                        lint_allows: Cow::Owned(r.parsed.lint_allows.clone()),
                    },
                    checksum,
                    Cow::Owned(r.file.clone()),
                )
            })
            .collect::<Vec<_>>();
        RevisionSet::from_checked_parts(Cow::Owned(revisions), Cow::Owned(repeatables))
    }

    fn check_repeatables(&mut self) {
        let known: HashMap<&str, ()> = self
            .revisions
            .iter()
            .map(|r| (r.name.as_str(), ()))
            .collect();
        let unknown: Vec<Diagnostic> = self
            .repeatables
            .iter()
            .filter_map(|r| {
                let requires = r.parsed.requires.as_ref()?;
                (!known.contains_key(requires.value.as_str())).then(|| Diagnostic {
                    file: r.file.clone(),
                    line: Some(requires.line),
                    problem: Problem::UnknownRequires {
                        revision: requires.value.clone(),
                    },
                })
            })
            .collect();
        self.diagnostics.extend(unknown);
    }
}

/// The path of a revision's file inside a folder on disk.
pub fn revision_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(VERSIONS_DIR).join(format!("{name}.sql"))
}

/// The path of a repeatable's file inside a folder on disk.
pub fn repeatable_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(REPEATABLE_DIR).join(format!("{name}.sql"))
}
