//! The documents `migrate --json` prints, one typed struct per shape, built from the runner's
//! reports. Revision ids are strings of 12 digits, times RFC 3339, durations whole milliseconds;
//! a key whose value is unknown or absent is `null`, so that every document of a kind has the
//! same keys. The README's "JSON output" shows each with an example.

use std::time::Duration;

use migrations_core::file_name::parse_id;
use migrations_core::{Revision, RevisionSet};
use serde::Serialize;

use crate::report::{
    Current, DirtyState, History, HistoryEntry, RepeatableState, Report, StepKind, StepReport,
};

/// A revision named in a document: its id and its file stem. `null` in its place is base.
#[derive(Debug, Serialize)]
pub(super) struct RevisionRef {
    pub(super) id: String,
    pub(super) name: String,
}

impl RevisionRef {
    /// The revision a file stem names; `None` for `base` (or anything that is no revision).
    pub(super) fn of_name(name: &str) -> Option<RevisionRef> {
        parse_id(name).map(|id| RevisionRef {
            id: id.to_string(),
            name: name.to_owned(),
        })
    }
}

/// `migrate current --json`.
#[derive(Debug, Serialize)]
pub(super) struct CurrentDocument {
    /// The newest applied revision this code knows; `null` when none is applied.
    revision: Option<RevisionRef>,
    head: Option<RevisionRef>,
    applied: usize,
    pending: usize,
    /// The repeatable migrations an upgrade to head would run.
    repeatables_to_run: Vec<String>,
    dirty: Option<DirtyDocument>,
    /// Mismatches between the history and this code, each a sentence with its fix.
    problems: Vec<String>,
    lock: LockDocument,
}

#[derive(Debug, Serialize)]
struct DirtyDocument {
    revision: Option<RevisionRef>,
    /// `upgrade` or `downgrade`.
    direction: String,
    /// The 1-based statement that failed, and its line; `null` when the run was interrupted.
    statement: Option<u32>,
    line: Option<u32>,
    error: Option<String>,
    since: String,
}

#[derive(Debug, Serialize)]
struct LockDocument {
    /// The advisory lock's key, as a string: a 64-bit integer that JSON readers with doubles
    /// would round.
    key: String,
    holder: Option<String>,
}

impl From<&Current> for CurrentDocument {
    fn from(current: &Current) -> CurrentDocument {
        CurrentDocument {
            revision: current.revision.as_deref().and_then(RevisionRef::of_name),
            head: RevisionRef::of_name(&current.head),
            applied: current.applied,
            pending: current.pending,
            repeatables_to_run: current.repeatables_to_run_at_head.clone(),
            dirty: current.dirty.as_ref().map(DirtyDocument::from),
            problems: current.problems.clone(),
            lock: LockDocument {
                key: current.lock_key.to_string(),
                holder: current.lock_holder.clone(),
            },
        }
    }
}

impl From<&DirtyState> for DirtyDocument {
    fn from(dirty: &DirtyState) -> DirtyDocument {
        DirtyDocument {
            revision: RevisionRef::of_name(&dirty.revision),
            direction: dirty.direction.clone(),
            statement: dirty.statement,
            line: dirty.line,
            error: dirty.error.clone(),
            since: dirty.since.clone(),
        }
    }
}

/// `migrate history --json`: the revisions oldest first, then the repeatable migrations.
#[derive(Debug, Serialize)]
pub(super) struct HistoryDocument {
    revisions: Vec<HistoryRevision>,
    repeatables: Vec<HistoryRepeatable>,
}

#[derive(Debug, Serialize)]
struct HistoryRevision {
    id: String,
    name: String,
    message: Option<String>,
    /// `applied`, `pending`, or `unknown`: applied, but no revision of this code.
    state: &'static str,
    applied_on: Option<String>,
    transactional: bool,
}

#[derive(Debug, Serialize)]
struct HistoryRepeatable {
    name: String,
    message: Option<String>,
    /// `up_to_date`, `changed`, `never_applied`, or `waiting` for its required revision.
    state: &'static str,
    /// When it last ran, also for a changed one.
    applied_on: Option<String>,
}

/// The prefix `History` gives repeatable migrations' names.
const REPEATABLE_PREFIX: &str = "repeatable/";

impl From<&History> for HistoryDocument {
    fn from(history: &History) -> HistoryDocument {
        let mut document = HistoryDocument {
            revisions: Vec::new(),
            repeatables: Vec::new(),
        };
        for entry in &history.entries {
            match entry.repeatable {
                Some(state) => document.repeatables.push(HistoryRepeatable {
                    name: entry
                        .name
                        .strip_prefix(REPEATABLE_PREFIX)
                        .unwrap_or(&entry.name)
                        .to_owned(),
                    message: entry.message.clone(),
                    state: repeatable_state(state),
                    applied_on: entry.applied_on.clone(),
                }),
                None => document.revisions.push(HistoryRevision::from(entry)),
            }
        }
        document
    }
}

impl From<&HistoryEntry> for HistoryRevision {
    fn from(entry: &HistoryEntry) -> HistoryRevision {
        let state = match (entry.known, &entry.applied_on) {
            (false, _) => "unknown",
            (true, Some(_)) => "applied",
            (true, None) => "pending",
        };
        HistoryRevision {
            id: parse_id(&entry.name).map_or_else(String::new, |id| id.to_string()),
            name: entry.name.clone(),
            message: entry.message.clone(),
            state,
            applied_on: entry.applied_on.clone(),
            transactional: entry.transactional,
        }
    }
}

fn repeatable_state(state: RepeatableState) -> &'static str {
    match state {
        RepeatableState::UpToDate => "up_to_date",
        RepeatableState::Changed => "changed",
        RepeatableState::NeverApplied => "never_applied",
        RepeatableState::Waiting => "waiting",
    }
}

/// `migrate pending --json`: the revisions an upgrade to head would apply, oldest first.
#[derive(Debug, Serialize)]
pub(super) struct PendingDocument {
    revisions: Vec<PendingRevision>,
}

#[derive(Debug, Serialize)]
struct PendingRevision {
    id: String,
    name: String,
    message: Option<String>,
    transactional: bool,
}

impl From<&[Revision]> for PendingDocument {
    fn from(revisions: &[Revision]) -> PendingDocument {
        PendingDocument {
            revisions: revisions
                .iter()
                .map(|revision| PendingRevision {
                    id: revision.id().to_string(),
                    name: revision.name().to_owned(),
                    message: revision.message().map(str::to_owned),
                    transactional: revision.is_transactional(),
                })
                .collect(),
        }
    }
}

/// One step of a changing command, printed on a line of its own as it finishes.
#[derive(Debug, Serialize)]
pub(super) struct StepDocument {
    /// Always `step`: what tells a step's line from the summary's.
    event: &'static str,
    /// `upgrade`, `downgrade`, `stamp`, `unstamp`, `repeatable` or `resolve`.
    kind: &'static str,
    /// The revision, for every kind but `repeatable`; a stamp's is the last one it records.
    revision: Option<RevisionRef>,
    /// The repeatable migration's name, for `repeatable`.
    repeatable: Option<String>,
    /// The unit's comment, as the text output and the dry-run script show it.
    label: String,
    duration_ms: u64,
    /// More than 1 when it timed out waiting for a lock and was tried again.
    attempts: u32,
}

impl From<&StepReport> for StepDocument {
    fn from(step: &StepReport) -> StepDocument {
        let repeatable = step.kind == StepKind::Repeatable;
        StepDocument {
            event: "step",
            kind: match step.kind {
                StepKind::Upgrade => "upgrade",
                StepKind::Downgrade => "downgrade",
                StepKind::Stamp => "stamp",
                StepKind::Unstamp => "unstamp",
                StepKind::Repeatable => "repeatable",
                StepKind::Resolve => "resolve",
            },
            revision: (!repeatable)
                .then(|| RevisionRef::of_name(&step.name))
                .flatten(),
            repeatable: repeatable.then(|| step.name.clone()),
            label: step.label.clone(),
            duration_ms: millis(step.duration),
            attempts: step.attempts,
        }
    }
}

/// What a changing command did: the last line of `upgrade` and `downgrade`, the whole output of
/// `stamp` and `resolve`.
#[derive(Debug, Serialize)]
pub(super) struct SummaryDocument {
    /// Always `summary`.
    event: &'static str,
    /// `upgrade`, `downgrade`, `stamp` or `resolve`.
    command: &'static str,
    /// Where the database stood before and after; `null` is base.
    from: Option<RevisionRef>,
    to: Option<RevisionRef>,
    /// How many revisions were applied, reverted or stamped, and how many repeatable migrations
    /// ran.
    revisions: usize,
    repeatables: usize,
    /// Every step, as its line showed it; empty when there was nothing to do.
    steps: Vec<StepDocument>,
    lock_wait_ms: u64,
    elapsed_ms: u64,
}

impl SummaryDocument {
    pub(super) fn new(
        command: &'static str,
        report: &Report,
        set: &RevisionSet,
    ) -> SummaryDocument {
        // A stamp is one step for any number of revisions: count the positions moved.
        let position = |name: &str| {
            set.find(name)
                .and_then(|revision| set.position(revision.id()))
                .map_or(0, |i| i + 1)
        };
        SummaryDocument {
            event: "summary",
            command,
            from: RevisionRef::of_name(&report.from),
            to: RevisionRef::of_name(&report.to),
            revisions: position(&report.from).abs_diff(position(&report.to)),
            repeatables: report
                .steps
                .iter()
                .filter(|step| step.kind == StepKind::Repeatable)
                .count(),
            steps: report.steps.iter().map(StepDocument::from).collect(),
            lock_wait_ms: millis(report.lock_wait),
            elapsed_ms: millis(report.elapsed),
        }
    }
}

pub(super) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
