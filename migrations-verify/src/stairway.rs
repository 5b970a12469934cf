//! The stairway: every revision rolled down and up again on a disposable database, the schema
//! compared at each step; then the whole set checked as a deployment would run it.
//!
//! For each revision: up, snapshot; down, the schema must equal the snapshot before up; up again,
//! the schema must equal the snapshot after the first up. The snapshot after a revision is the one
//! before the next, so each revision costs three snapshots. Repeatable migrations are left out of
//! the stairway (a fresh `upgrade` runs them after all revisions too) and checked where their
//! required revision is applied: on a copy of the database, each runs twice and must leave the same
//! schema. Then, from scratch: downgrading the stairway's database to base must leave an empty
//! schema; the dry-run script run by `psql` must build what the runner builds; at head, with the
//! repeatables applied, running them again must change nothing, and downgrading to base must
//! leave nothing behind. A lint report given in the options comes first, as the check `lint`: it
//! needs no database, so it is reported whatever the stairway does.

mod checks;
mod schema_files;
pub(crate) mod segments;
mod stair;

use std::time::{Duration, Instant};

use migrations_core::history::HistoryTable;
use migrations_core::{Revision, RevisionSet, Target};
use migrations_disposable::{DisposableError, DisposableServer};
use migrations_lint::LintReport;
use migrations_runtime::Runner;
use postgres::Client;

use stair::Stair;

use crate::locks::Observations;
use crate::progress::Progress;
use crate::report::{
    CheckResult, RevisionResult, Shard, StairStep, StepChange, StepStatus, VerifyReport,
};
use crate::schema_files::CommittedSchemaFiles;
use crate::snapshot::{ColumnOrder, SchemaSnapshot, SnapshotError, SnapshotOptions};

/// What to verify and how.
#[derive(Clone, Debug)]
pub struct VerifyOptions {
    /// Verify only the revisions after this one (file stem, id or slug): the fast path for a change
    /// that adds revisions.
    pub from: Option<String>,
    /// Go on after a failing revision, from a copy of a database that only went up.
    pub keep_going: bool,
    /// Fail the run on an unstable revision (an up that is not reproducible) too.
    pub fail_on_unstable: bool,
    /// Verify the history in this many contiguous segments at once, each on its own database.
    pub jobs: usize,
    /// Verify only this segment of the history (for CI matrices); the reports merge.
    pub shard: Option<Shard>,
    pub column_order: ColumnOrder,
    pub history: HistoryTable,
    /// Fail a revision that holds ACCESS EXCLUSIVE on, or rewrites, an existing table without a
    /// `-- lint: allow` for it (see [`crate::locks`]).
    pub fail_on_locks: bool,
    /// The set's lint, made before any database work: reported as the check `lint` (by the first
    /// shard only), which fails the run on an error. `None`: not linted.
    pub lint: Option<LintReport>,
    /// The folder's schema files, checked to be the schema at head.
    pub schema_files: Option<CommittedSchemaFiles>,
}

impl Default for VerifyOptions {
    fn default() -> VerifyOptions {
        VerifyOptions {
            from: None,
            keep_going: false,
            fail_on_unstable: false,
            jobs: 1,
            shard: None,
            column_order: ColumnOrder::Exact,
            history: HistoryTable::default(),
            fail_on_locks: false,
            lint: None,
            schema_files: None,
        }
    }
}

/// What kept `verify` from verifying: the disposable server, a snapshot, or the options.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error(transparent)]
    Disposable(#[from] DisposableError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error("--from {from}: {reason}")]
    From { from: String, reason: String },
    #[error("the folder has no revisions to verify")]
    Empty,
    #[error(
        "psql is needed to check the dry-run script but could not be run ({reason}): install the PostgreSQL client (Debian: apt-get install postgresql-client)"
    )]
    PsqlMissing { reason: String },
    #[error("cannot write the dry-run script to {path}: {reason}")]
    ScriptFile { path: String, reason: String },
}

/// Walks the stairway of `set` on databases of `server`: in one piece, in `options.jobs`
/// segments at once, or only the segment `options.shard` names.
pub fn verify(
    set: &RevisionSet,
    server: &DisposableServer,
    options: &VerifyOptions,
    progress: &mut (dyn Progress + Send),
) -> Result<VerifyReport, VerifyError> {
    let started = Instant::now();
    let mut verifier = Verifier::new(set, server, options);
    let mut report = verifier.empty_report();
    if let Some(lint) = options.lint.as_ref()
        && options.shard.is_none_or(|shard| shard.index == 1)
    {
        report.checks.push(CheckResult::lint(lint));
    }
    let start = verifier.start_position()?;
    let empty = {
        let db = server.create_db()?;
        verifier.snapshot(&mut db.connect()?)?
    };
    let segments = options.shard.map_or(options.jobs, |shard| shard.count);
    let at_head = if segments > 1 {
        segments::walk_segments(&mut verifier, start, &mut report, progress)?
    } else {
        verifier.stairway(start, &mut report, progress)?
    };
    if options.shard.is_none_or(|shard| shard.index == shard.count) {
        verifier.whole_set_checks(at_head, &empty, &mut report, progress)?;
    }
    let (snapshots, count) = (verifier.snapshot_time, verifier.snapshot_count);
    report.tally(started.elapsed(), snapshots, count);
    Ok(report)
}

struct Verifier<'a> {
    set: &'a RevisionSet,
    server: &'a DisposableServer,
    options: &'a VerifyOptions,
    /// Revisions only: the stairway and its rebuilds.
    stairway: Runner,
    /// Revisions and repeatables: what a deployment runs.
    deployment: Runner,
    snapshot_options: SnapshotOptions,
    snapshot_time: Duration,
    snapshot_count: usize,
    /// With `--keep-going`, once a revision failed: a database that only goes up, copied to go on
    /// from after each failure.
    shadow: Option<Stair>,
}

/// Where a walk's revisions are in the whole run, for progress: the first one's index and the total.
#[derive(Clone, Copy, Debug)]
struct Counter {
    first: usize,
    total: usize,
}

/// What one revision's stairway step found, and the snapshots later revisions compare with.
struct StepOutcome {
    result: RevisionResult,
    /// After the first up, when it worked.
    after_up: Option<SchemaSnapshot>,
    /// After up again, when it ran.
    at_end: Option<SchemaSnapshot>,
}

impl<'a> Verifier<'a> {
    fn new(
        set: &'a RevisionSet,
        server: &'a DisposableServer,
        options: &'a VerifyOptions,
    ) -> Verifier<'a> {
        let history = options.history.name().to_owned();
        let runner = |set: RevisionSet| {
            let runner = Runner::new(set);
            // The name was validated when `options.history` was built.
            runner
                .clone()
                .with_history_table(&history)
                .unwrap_or(runner)
        };
        Verifier {
            set,
            server,
            options,
            // The stairway's runner records each revision's locks and rewrites.
            stairway: runner(set.without_repeatables()).with_observation(true),
            deployment: runner(set.clone()),
            snapshot_options: SnapshotOptions {
                excluded_tables: options.history.tables().to_vec(),
                column_order: options.column_order,
            },
            snapshot_time: Duration::ZERO,
            snapshot_count: 0,
            shadow: None,
        }
    }

    fn empty_report(&self) -> VerifyReport {
        VerifyReport {
            backend: self.server.backend().to_string(),
            server_version: self.server.server_version(),
            revisions: Vec::new(),
            checks: Vec::new(),
            unstable_fails: self.options.fail_on_unstable,
            keep_going: self.options.keep_going,
            shard: self.options.shard,
            totals: Default::default(),
        }
    }

    fn start_position(&self) -> Result<usize, VerifyError> {
        if self.set.revisions().is_empty() {
            return Err(VerifyError::Empty);
        }
        let Some(from) = &self.options.from else {
            return Ok(0);
        };
        let target: Target =
            from.parse().map_err(
                |e: migrations_core::target::TargetError| VerifyError::From {
                    from: from.clone(),
                    reason: e.to_string(),
                },
            )?;
        target.position(self.set, 0).map_err(|e| VerifyError::From {
            from: from.clone(),
            reason: e.to_string(),
        })
    }

    fn snapshot(&mut self, client: &mut Client) -> Result<SchemaSnapshot, VerifyError> {
        let started = Instant::now();
        let snapshot = SchemaSnapshot::capture(client, &self.snapshot_options)?;
        self.snapshot_time += started.elapsed();
        self.snapshot_count += 1;
        Ok(snapshot)
    }

    /// The target that leaves `position` revisions applied.
    fn target_at(&self, position: usize) -> Target {
        match position {
            0 => Target::Base,
            n => Target::Id(self.set.revisions()[n - 1].id()),
        }
    }

    /// Walks every revision after `start`; returns the stairway's database when it reached the
    /// head with every revision fine (or, with `--keep-going`, when it reached the head at all).
    fn stairway(
        &mut self,
        start: usize,
        report: &mut VerifyReport,
        progress: &mut dyn Progress,
    ) -> Result<Option<Stair>, VerifyError> {
        let stair = self.start_stair(start)?;
        let end = self.set.revisions().len();
        let counter = Counter {
            first: 0,
            total: end - start,
        };
        self.walk(stair, start..end, counter, report, progress)
    }

    /// Walks the revisions at `positions` (0-based) on `stair`, which has the ones before applied.
    fn walk(
        &mut self,
        mut stair: Stair,
        positions: std::ops::Range<usize>,
        counter: Counter,
        report: &mut VerifyReport,
        progress: &mut dyn Progress,
    ) -> Result<Option<Stair>, VerifyError> {
        let (start, total) = (positions.start, counter.total);
        let mut before = self.snapshot(&mut stair.client)?;
        let mut stopped = false;
        for (offset, revision) in self.set.revisions()[positions].iter().enumerate() {
            let position = start + offset + 1;
            let offset = counter.first + offset;
            if stopped {
                report
                    .revisions
                    .push(RevisionResult::skipped(revision.name()));
                continue;
            }
            progress.revision_started(revision.name(), offset, total);
            let step = self.step(&mut stair, revision, position, &before)?;
            let result = step.result;
            progress.revision_finished(&result, offset, total);
            let ok = result.ok();
            let down_rolled_back = result.down == StepStatus::Error && revision.is_transactional();
            report.revisions.push(result);
            match (step.after_up, step.at_end) {
                (Some(_), Some(at_end)) if ok => {
                    // Unstable or not, later revisions run on the schema up again built.
                    before = at_end;
                    self.check_repeatables_at(&mut stair, position, revision, report)?;
                }
                // A transactional down that failed left the database as up built it.
                (Some(after_up), _) if self.options.keep_going && down_rolled_back => {
                    before = after_up;
                }
                // Down or up again went wrong: go on from a copy of a database that only went up,
                // compared with its own snapshot (a rebuilt database is not the same database).
                (Some(_), _) if self.options.keep_going => match self.rebuilt_stair(position)? {
                    Ok(rebuilt) => {
                        stair = rebuilt;
                        before = self.snapshot(&mut stair.client)?;
                    }
                    Err(_) => stopped = true,
                },
                // Up failed (later revisions build on it), or the run stops at the first failure.
                _ => stopped = true,
            }
        }
        Ok((!stopped).then_some(stair))
    }

    /// Up, down, up again for one revision.
    fn step(
        &mut self,
        stair: &mut Stair,
        revision: &Revision,
        position: usize,
        before: &SchemaSnapshot,
    ) -> Result<StepOutcome, VerifyError> {
        let started = Instant::now();
        let mut result = RevisionResult::skipped(revision.name());
        let here = Target::Id(revision.id());
        let mut observed = Observations::default();
        let up = self.stairway.upgrade(&mut stair.client, here.clone());
        if let Ok(report) = &up {
            observed.up = observed_by(report, revision);
        }
        if let Err(error) = up {
            result.up = StepStatus::Error;
            result.error = Some(self.step_error(&error));
            result.classes = crate::classify::classify(&result, false);
            result.duration = started.elapsed();
            return Ok(StepOutcome {
                result,
                after_up: None,
                at_end: None,
            });
        }
        result.up = StepStatus::Ok;
        let after_up = self.snapshot(&mut stair.client)?;

        let below = self.target_at(position - 1);
        let mut at_end = None;
        let mut noop_down = false;
        match self.stairway.downgrade(&mut stair.client, below) {
            Err(error) => {
                result.down = StepStatus::Error;
                result.error = Some(self.step_error(&error));
            }
            Ok(report) => {
                observed.down = observed_by(&report, revision).without(&observed.up.created);
                let (down, after_down) =
                    self.compare(&mut stair.client, before, StairStep::Down, &mut result.diff)?;
                result.down = down;
                noop_down = down == StepStatus::Differs && after_up.diff(&after_down).is_empty();
                result.reup = match self.stairway.upgrade(&mut stair.client, here) {
                    Err(error) => {
                        result.error = Some(self.step_error(&error));
                        StepStatus::Error
                    }
                    Ok(_) => {
                        let (reup, snapshot) = self.compare(
                            &mut stair.client,
                            &after_up,
                            StairStep::Reup,
                            &mut result.diff,
                        )?;
                        at_end = Some(snapshot);
                        reup
                    }
                };
                // The down restored exactly the schema the first up started from, and the same up
                // built another: the up is not reproducible, the down is not at fault.
                if down == StepStatus::Ok && result.reup == StepStatus::Differs {
                    result.reup = StepStatus::Unstable;
                    let changes: Vec<_> = result.diff.iter().map(|c| c.change.clone()).collect();
                    result.note = Some(crate::unstable::explain(&changes));
                }
            }
        }
        result.locks = observed.locks();
        result.rewrites = observed.rewrites();
        if self.options.fail_on_locks {
            result.lock_violations = observed.violations(revision);
        }
        result.classes = crate::classify::classify(&result, noop_down);
        result.duration = started.elapsed();
        Ok(StepOutcome {
            result,
            after_up: Some(after_up),
            at_end,
        })
    }

    /// A step's error, with the version of PostgreSQL it ran on.
    fn step_error(&self, error: &migrations_runtime::Error) -> String {
        crate::server_error::describe(error, &self.server.server_version())
    }

    /// Snapshots the database and compares it with `expected`; differences go into `diff`.
    fn compare(
        &mut self,
        client: &mut Client,
        expected: &SchemaSnapshot,
        step: StairStep,
        diff: &mut Vec<StepChange>,
    ) -> Result<(StepStatus, SchemaSnapshot), VerifyError> {
        let actual = self.snapshot(client)?;
        let changes = expected.diff(&actual).changes;
        let status = if changes.is_empty() {
            StepStatus::Ok
        } else {
            StepStatus::Differs
        };
        diff.extend(
            changes
                .into_iter()
                .map(|change| StepChange { step, change }),
        );
        Ok((status, actual))
    }
}

/// What the runner saw `revision`'s own step do in a run (not the repeatables after it).
fn observed_by(
    report: &migrations_runtime::Report,
    revision: &Revision,
) -> migrations_runtime::Observed {
    report
        .steps
        .iter()
        .find(|s| s.name == revision.name())
        .map(|s| s.observed.clone())
        .unwrap_or_default()
}
