//! What the runner reports: what ran and how long it took, where a database stands, its history.

use std::fmt;
use std::time::Duration;

use migrations_core::Command;

pub use crate::error::DirtyState;
use crate::error::humanize;
pub use crate::observed::{HeldLock, Observed, Rewritten, is_table, relation_kind};

/// What one step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    Upgrade,
    Downgrade,
    /// Recorded as applied without running (a forward stamp).
    Stamp,
    /// Its row removed without running its down section (a backward stamp).
    Unstamp,
    Repeatable,
    /// `resolve`: the dirty marker cleared.
    Resolve,
}

/// One step that ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepReport {
    pub kind: StepKind,
    /// The revision's file stem, or the repeatable's name.
    pub name: String,
    /// The comment of its unit, e.g. `Running upgrade base -> 202511121302_baseline`.
    pub label: String,
    pub duration: Duration,
    /// How many times it was tried: more than 1 when it timed out waiting for a lock and was
    /// rolled back and tried again.
    pub attempts: u32,
    /// The locks it held on relations that existed before it, and their rewrites; empty unless
    /// the runner observes ([`crate::Runner::with_observation`]).
    pub observed: Observed,
}

/// What a changing command did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub command: Command,
    /// The state before and after: a revision's file stem, or `base`.
    pub from: String,
    pub to: String,
    pub steps: Vec<StepReport>,
    /// Time spent waiting for the advisory lock.
    pub lock_wait: Duration,
    pub elapsed: Duration,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.steps {
            write!(f, "{} ({}", step.label, humanize(step.duration))?;
            if step.attempts > 1 {
                write!(f, ", {} attempts", step.attempts)?;
            }
            writeln!(f, ")")?;
        }
        if self.steps.is_empty() {
            write!(f, "nothing to do: the database is at {}", self.to)
        } else {
            write!(
                f,
                "{} {} -> {} in {}",
                self.command.as_str(),
                self.from,
                self.to,
                humanize(self.elapsed)
            )
        }
    }
}

/// Where a database stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Current {
    /// The newest applied revision known to this code, or `None` when nothing is applied.
    pub revision: Option<String>,
    pub applied: usize,
    pub pending: usize,
    /// The repeatable migrations an upgrade to head would run: new or changed since they ran, or
    /// forgotten by a downgrade.
    pub repeatables_to_run_at_head: Vec<String>,
    pub head: String,
    /// Problems between the history and this code (e.g. an applied revision it does not know).
    pub problems: Vec<String>,
    pub dirty: Option<DirtyState>,
    pub lock_key: i64,
    /// Who holds the advisory lock right now, if anyone.
    pub lock_holder: Option<String>,
}

impl fmt::Display for Current {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.revision {
            Some(revision) if self.pending == 0 => writeln!(f, "{revision} (head)")?,
            Some(revision) => writeln!(
                f,
                "{revision} ({} pending, head is {})",
                self.pending, self.head
            )?,
            None => writeln!(
                f,
                "base: no revision applied ({} pending, head is {})",
                self.pending, self.head
            )?,
        }
        if !self.repeatables_to_run_at_head.is_empty() {
            writeln!(
                f,
                "repeatable migrations to run by `upgrade`: {}",
                self.repeatables_to_run_at_head.join(", ")
            )?;
        }
        if let Some(dirty) = &self.dirty {
            writeln!(
                f,
                "dirty: {dirty}; run `migrate resolve` once it is repaired"
            )?;
        }
        for problem in &self.problems {
            writeln!(f, "problem: {problem}")?;
        }
        match &self.lock_holder {
            Some(holder) => write!(f, "lock {}: held by {holder}", self.lock_key),
            None => write!(f, "lock {}: free", self.lock_key),
        }
    }
}

/// A revision in the history of a database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    pub name: String,
    pub message: Option<String>,
    /// When it was applied (RFC 3339), or `None` while pending.
    pub applied_on: Option<String>,
    pub transactional: bool,
    /// False for a row of the history table that no revision of this code matches.
    pub known: bool,
    /// For a repeatable migration: whether its file changed since it was last applied.
    pub repeatable: Option<RepeatableState>,
}

/// The state of a repeatable migration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepeatableState {
    UpToDate,
    Changed,
    NeverApplied,
    /// Its `requires` revision is not applied yet.
    Waiting,
}

/// Every revision (and repeatable migration), applied or pending, oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    pub entries: Vec<HistoryEntry>,
}

impl fmt::Display for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.entries.iter().map(|e| e.name.len()).max().unwrap_or(0);
        for (i, entry) in self.entries.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let state = match (&entry.applied_on, entry.repeatable, entry.known) {
                (_, _, false) => format!(
                    "applied {} (unknown to this code)",
                    entry.applied_on.as_deref().unwrap_or("")
                ),
                (_, Some(RepeatableState::UpToDate), _) => {
                    format!("applied {}", entry.applied_on.as_deref().unwrap_or(""))
                }
                (Some(applied_on), Some(RepeatableState::Changed), _) => {
                    format!("changed since applied {applied_on}")
                }
                (None, Some(RepeatableState::Changed), _) => "changed since applied".to_owned(),
                (_, Some(RepeatableState::NeverApplied), _) => "pending".to_owned(),
                (_, Some(RepeatableState::Waiting), _) => {
                    "waiting for its required revision".to_owned()
                }
                (Some(applied_on), None, _) => format!("applied {applied_on}"),
                (None, None, _) => "pending".to_owned(),
            };
            let flags = if entry.transactional {
                ""
            } else {
                " [no transaction]"
            };
            let message = entry
                .message
                .as_deref()
                .map(|m| format!("  {m}"))
                .unwrap_or_default();
            write!(f, "{:<width$}  {state}{flags}{message}", entry.name)?;
        }
        Ok(())
    }
}
