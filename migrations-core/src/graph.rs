//! The revision graph and its rules: a single line from the baseline to the head.
//!
//! Each revision names its parent with `-- revises:`; the parent must be the revision just before
//! it by timestamp. Two revisions revising the same parent (two heads, the usual result of two
//! branches merged) are reported once, naming both files and the fix.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Problem};
use crate::parse::RevisionFile;

/// The slug the first revision must have.
pub const BASELINE_SLUG: &str = "baseline";

/// Parsed revisions (sorted by id) and who revises whom.
pub struct RevisionGraph<'a> {
    revisions: &'a [RevisionFile],
    by_name: HashMap<&'a str, usize>,
    /// Index of the parent of each revision, when its `-- revises:` names a known revision.
    parent: Vec<Option<usize>>,
    /// Indexes of the revisions that revise each revision.
    children: Vec<Vec<usize>>,
}

impl<'a> RevisionGraph<'a> {
    /// Builds the graph of revisions sorted by id, as [`crate::load::Folder::parse`] leaves them.
    pub fn new(revisions: &'a [RevisionFile]) -> RevisionGraph<'a> {
        let mut by_name = HashMap::with_capacity(revisions.len());
        for (i, revision) in revisions.iter().enumerate() {
            by_name.entry(revision.name.as_str()).or_insert(i);
        }
        let parent: Vec<Option<usize>> = revisions
            .iter()
            .map(|r| {
                r.parsed
                    .revises
                    .as_ref()
                    .and_then(|h| by_name.get(h.value.as_str()).copied())
            })
            .collect();
        let mut children = vec![Vec::new(); revisions.len()];
        for (child, parent) in parent.iter().enumerate() {
            if let Some(parent) = *parent {
                children[parent].push(child);
            }
        }
        RevisionGraph {
            revisions,
            by_name,
            parent,
            children,
        }
    }

    /// The revisions nothing revises: one in a valid folder, two or more after a bad merge.
    pub fn heads(&self) -> Vec<&'a RevisionFile> {
        (0..self.revisions.len())
            .filter(|&i| self.children[i].is_empty())
            .map(|i| &self.revisions[i])
            .collect()
    }

    /// The revision named by a file stem.
    pub fn get(&self, name: &str) -> Option<&'a RevisionFile> {
        self.by_name.get(name).map(|&i| &self.revisions[i])
    }

    /// Every rule of the graph and of the rollback policy, as diagnostics.
    pub fn check(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let in_cycle = self.check_cycles(&mut out);
        self.check_duplicates(&mut out);
        for (i, revision) in self.revisions.iter().enumerate() {
            let report = |out: &mut Vec<Diagnostic>, line: Option<u32>, problem: Problem| {
                out.push(Diagnostic {
                    file: revision.file.clone(),
                    line,
                    problem,
                });
            };
            if i == 0 {
                self.check_baseline(revision, &mut out);
                continue;
            }
            if revision.parsed.down.is_empty() {
                report(
                    &mut out,
                    Some(revision.parsed.down_marker_line),
                    Problem::EmptyDown,
                );
            }
            let expected = self.revisions[i - 1].name.clone();
            let Some(revises) = &revision.parsed.revises else {
                report(&mut out, None, Problem::MissingRevises { expected });
                continue;
            };
            match self.parent[i] {
                None => report(
                    &mut out,
                    Some(revises.line),
                    Problem::UnknownParent {
                        parent: revises.value.clone(),
                        expected,
                    },
                ),
                Some(parent) if parent == i - 1 || in_cycle[i] => {}
                Some(parent) if self.children[parent].len() > 1 => {
                    let siblings = &self.children[parent];
                    if siblings.last() == Some(&i) {
                        let newer = revision.name.clone();
                        let other = self.revisions[siblings[siblings.len() - 2]].name.clone();
                        let files = siblings
                            .iter()
                            .map(|&s| self.revisions[s].file.clone())
                            .collect();
                        let parent = revises.value.clone();
                        report(
                            &mut out,
                            Some(revises.line),
                            Problem::TwoHeads {
                                parent,
                                files,
                                newer,
                                other,
                            },
                        );
                    }
                }
                Some(_) => report(
                    &mut out,
                    Some(revises.line),
                    Problem::NotPreviousRevision {
                        parent: revises.value.clone(),
                        expected,
                    },
                ),
            }
        }
        out
    }

    fn check_baseline(&self, revision: &RevisionFile, out: &mut Vec<Diagnostic>) {
        let mut report = |line, problem| {
            out.push(Diagnostic {
                file: revision.file.clone(),
                line,
                problem,
            })
        };
        if revision.slug() != BASELINE_SLUG {
            report(
                None,
                Problem::FirstNotBaseline {
                    name: revision.name.clone(),
                },
            );
            return;
        }
        if let Some(revises) = &revision.parsed.revises {
            report(
                Some(revises.line),
                Problem::BaselineRevises {
                    parent: revises.value.clone(),
                },
            );
        }
        for (section, sql) in [("up", &revision.parsed.up), ("down", &revision.parsed.down)] {
            if let Some(statement) = sql.statements().next() {
                report(Some(statement.line), Problem::BaselineNotEmpty { section });
            }
        }
    }

    /// Reports duplicate ids and duplicate slugs, on the later of the two files.
    fn check_duplicates(&self, out: &mut Vec<Diagnostic>) {
        let mut slugs: HashMap<&str, &RevisionFile> = HashMap::new();
        for (i, revision) in self.revisions.iter().enumerate() {
            if let Some(previous) = i.checked_sub(1).map(|p| &self.revisions[p])
                && previous.id == revision.id
            {
                out.push(Diagnostic {
                    file: revision.file.clone(),
                    line: None,
                    problem: Problem::DuplicateId {
                        id: revision.id.to_string(),
                        other: previous.name.clone(),
                    },
                });
            }
            if let Some(other) = slugs.insert(revision.slug(), revision) {
                out.push(Diagnostic {
                    file: revision.file.clone(),
                    line: None,
                    problem: Problem::DuplicateSlug {
                        slug: revision.slug().to_owned(),
                        other: other.name.clone(),
                    },
                });
            }
        }
    }

    /// Reports each cycle of parent links once; returns which revisions are in one.
    fn check_cycles(&self, out: &mut Vec<Diagnostic>) -> Vec<bool> {
        #[derive(Clone, Copy, PartialEq)]
        enum State {
            New,
            OnPath,
            Done,
        }
        let mut state = vec![State::New; self.revisions.len()];
        let mut in_cycle = vec![false; self.revisions.len()];
        for start in 0..self.revisions.len() {
            let mut path = Vec::new();
            let mut node = Some(start);
            while let Some(i) = node {
                match state[i] {
                    State::Done => break,
                    State::OnPath => {
                        let from = path.iter().position(|&p| p == i).unwrap_or(0);
                        let cycle = &path[from..];
                        for &member in cycle {
                            in_cycle[member] = true;
                        }
                        let first = *cycle.iter().min().unwrap_or(&i);
                        let mut chain: Vec<String> = Vec::new();
                        let mut at = first;
                        loop {
                            chain.push(self.revisions[at].name.clone());
                            match self.parent[at] {
                                Some(next) if next != first => at = next,
                                _ => break,
                            }
                        }
                        chain.push(self.revisions[first].name.clone());
                        let line = self.revisions[first]
                            .parsed
                            .revises
                            .as_ref()
                            .map(|h| h.line);
                        out.push(Diagnostic {
                            file: self.revisions[first].file.clone(),
                            line,
                            problem: Problem::Cycle { chain },
                        });
                        break;
                    }
                    State::New => {
                        state[i] = State::OnPath;
                        path.push(i);
                        node = self.parent[i];
                    }
                }
            }
            for i in path {
                state[i] = State::Done;
            }
        }
        in_cycle
    }
}
