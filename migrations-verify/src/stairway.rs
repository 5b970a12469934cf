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
//! leave nothing behind.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use migrations_core::history::HistoryTable;
use migrations_core::script::render_repeatable;
use migrations_core::{Repeatable, Revision, RevisionSet, Target};
use migrations_disposable::{DisposableDb, DisposableError, DisposableServer};
use migrations_runtime::Runner;
use postgres::Client;

use crate::progress::Progress;
use crate::report::{CheckResult, RevisionResult, StepChange, StepStatus, VerifyReport};
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
    pub column_order: ColumnOrder,
    pub history: HistoryTable,
}

impl Default for VerifyOptions {
    fn default() -> VerifyOptions {
        VerifyOptions {
            from: None,
            keep_going: false,
            fail_on_unstable: false,
            column_order: ColumnOrder::Exact,
            history: HistoryTable::default(),
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

/// Walks the stairway of `set` on databases of `server`.
pub fn verify(
    set: &RevisionSet,
    server: &DisposableServer,
    options: &VerifyOptions,
    progress: &mut dyn Progress,
) -> Result<VerifyReport, VerifyError> {
    let started = Instant::now();
    let mut verifier = Verifier::new(set, server, options);
    let mut report = VerifyReport {
        backend: server.backend().to_string(),
        revisions: Vec::new(),
        checks: Vec::new(),
        unstable_fails: options.fail_on_unstable,
        totals: Default::default(),
    };
    let start = verifier.start_position()?;
    let empty = {
        let db = server.create_db()?;
        verifier.snapshot(&mut db.connect()?)?
    };
    let at_head = verifier.stairway(start, &mut report, progress)?;
    verifier.whole_set_checks(at_head, &empty, &mut report, progress)?;
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

/// What one revision's stairway step found, and the snapshots later revisions compare with.
struct StepOutcome {
    result: RevisionResult,
    /// After the first up, when it worked.
    after_up: Option<SchemaSnapshot>,
    /// After up again, when it ran.
    at_end: Option<SchemaSnapshot>,
}

/// The stairway's database and a connection to it.
struct Stair {
    db: DisposableDb,
    client: Client,
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
            stairway: runner(set.without_repeatables()),
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

    /// A fresh database at `position` revisions applied (revisions only).
    fn fresh_stair(&self, position: usize) -> Result<Result<Stair, String>, VerifyError> {
        let db = self.server.create_db()?;
        let mut client = db.connect()?;
        if position > 0 {
            let target = Target::Id(self.set.revisions()[position - 1].id());
            if let Err(error) = self.stairway.upgrade(&mut client, target) {
                return Ok(Err(error.to_string()));
            }
        }
        Ok(Ok(Stair { db, client }))
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
        let total = self.set.revisions().len() - start;
        let mut stair = match self.fresh_stair(start)? {
            Ok(stair) => stair,
            Err(error) => {
                return Err(VerifyError::From {
                    from: self.options.from.clone().unwrap_or_default(),
                    reason: format!("the revisions up to it do not apply: {error}"),
                });
            }
        };
        let mut before = self.snapshot(&mut stair.client)?;
        let mut stopped = false;
        for (offset, revision) in self.set.revisions()[start..].iter().enumerate() {
            let position = start + offset + 1;
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
        if let Err(error) = self.stairway.upgrade(&mut stair.client, here.clone()) {
            result.up = StepStatus::Error;
            result.error = Some(error.to_string());
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
                result.error = Some(error.to_string());
            }
            Ok(_) => {
                let (down, after_down) =
                    self.compare(&mut stair.client, before, "down", &mut result.diff)?;
                result.down = down;
                noop_down = down == StepStatus::Differs && after_up.diff(&after_down).is_empty();
                result.reup = match self.stairway.upgrade(&mut stair.client, here) {
                    Err(error) => {
                        result.error = Some(error.to_string());
                        StepStatus::Error
                    }
                    Ok(_) => {
                        let (reup, snapshot) =
                            self.compare(&mut stair.client, &after_up, "reup", &mut result.diff)?;
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
        result.classes = crate::classify::classify(&result, noop_down);
        result.duration = started.elapsed();
        Ok(StepOutcome {
            result,
            after_up: Some(after_up),
            at_end,
        })
    }

    /// A copy of a database that only went up, at `position`: the shadow is created (from base)
    /// the first time and moved up from there on.
    fn rebuilt_stair(&mut self, position: usize) -> Result<Result<Stair, String>, VerifyError> {
        let mut shadow = match self.shadow.take() {
            Some(shadow) => shadow,
            None => match self.fresh_stair(0)? {
                Ok(shadow) => shadow,
                Err(error) => return Ok(Err(error)),
            },
        };
        if let Err(error) = self
            .stairway
            .upgrade(&mut shadow.client, self.target_at(position))
        {
            return Ok(Err(error.to_string()));
        }
        // A copy needs the source idle: close our session, copy, reconnect.
        drop(std::mem::replace(&mut shadow.client, shadow.db.connect()?));
        let copy = self.server.clone_db(&shadow.db);
        shadow.client = shadow.db.connect()?;
        self.shadow = Some(shadow);
        let db = copy?;
        let client = db.connect()?;
        Ok(Ok(Stair { db, client }))
    }

    /// Snapshots the database and compares it with `expected`; differences go into `diff`.
    fn compare(
        &mut self,
        client: &mut Client,
        expected: &SchemaSnapshot,
        step: &'static str,
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

    /// The repeatables whose required revision is applied at `position`.
    fn repeatables_ready_at(&self, position: usize) -> Vec<&'a Repeatable> {
        let set = self.set;
        set.repeatables()
            .iter()
            .filter(|r| {
                migrations_core::plan::required_revision(set, r)
                    .and_then(|id| set.position(id))
                    .is_some_and(|p| p < position)
            })
            .collect()
    }

    /// On a copy of the stairway's database, runs each ready repeatable twice.
    fn check_repeatables_at(
        &mut self,
        stair: &mut Stair,
        position: usize,
        revision: &Revision,
        report: &mut VerifyReport,
    ) -> Result<(), VerifyError> {
        let ready = self.repeatables_ready_at(position);
        if ready.is_empty() {
            return Ok(());
        }
        // A copy needs the source idle: close our session, copy, reconnect.
        let client = std::mem::replace(&mut stair.client, stair.db.connect()?);
        drop(client);
        let copy = self.server.clone_db(&stair.db)?;
        stair.client = stair.db.connect()?;
        let mut client = copy.connect()?;
        for repeatable in ready {
            let check = self.run_twice(
                &mut client,
                repeatable,
                &format!("after {}", revision.name()),
            )?;
            if !check.ok() {
                report.checks.push(check);
            }
        }
        Ok(())
    }

    /// Runs a repeatable twice in a row; the schema must be the same after each run.
    fn run_twice(
        &mut self,
        client: &mut Client,
        repeatable: &Repeatable,
        when: &str,
    ) -> Result<CheckResult, VerifyError> {
        let mut check = CheckResult::new(&format!(
            "repeatable {} is idempotent {when}",
            repeatable.name()
        ));
        let mut snapshots = Vec::new();
        for _ in 0..2 {
            if let Err(error) = run_repeatable(client, repeatable, &self.options.history) {
                check.fail(StepStatus::Error, error);
                return Ok(check);
            }
            snapshots.push(self.snapshot(client)?);
        }
        check.fail_on_diff(snapshots[0].diff(&snapshots[1]), || {
            format!(
                "running {} a second time changed the schema: make it idempotent (CREATE OR REPLACE, DROP ... IF EXISTS before CREATE, roles created only when missing)",
                repeatable.file()
            )
        });
        Ok(check)
    }

    /// The whole set as a deployment runs it, on the stairway's database at head: the repeatables
    /// applied (and again, changing nothing), the dry-run script built by psql on a fresh database
    /// compared with it, then a downgrade to base that must leave an empty schema.
    fn whole_set_checks(
        &mut self,
        at_head: Option<Stair>,
        empty: &SchemaSnapshot,
        report: &mut VerifyReport,
        progress: &mut dyn Progress,
    ) -> Result<(), VerifyError> {
        let names = [
            "repeatable migrations at head are idempotent",
            "the dry-run script run by psql builds what upgrade builds",
            "downgrade to base leaves an empty schema",
        ];
        let Some(mut stair) = at_head else {
            for name in names {
                let error = Some("not run: the stairway did not reach the head".to_owned());
                report.checks.push(CheckResult {
                    check: name.to_owned(),
                    status: StepStatus::Skipped,
                    diff: Vec::new(),
                    error,
                });
            }
            return Ok(());
        };
        let client = &mut stair.client;

        progress.check_started(names[0]);
        let mut check = CheckResult::new(names[0]);
        if let Err(error) = self.deployment.upgrade(client, Target::Head) {
            check.fail(StepStatus::Error, error.to_string());
        }
        let deployed = self.snapshot(client)?;
        if check.ok() && !self.set.repeatables().is_empty() {
            for repeatable in self.set.repeatables() {
                if let Err(error) = run_repeatable(client, repeatable, &self.options.history) {
                    check.fail(StepStatus::Error, error);
                    break;
                }
            }
            if check.ok() {
                check.fail_on_diff(deployed.diff(&self.snapshot(client)?), || {
                    "running the repeatable migrations again changed the schema".to_owned()
                });
            }
        }
        report.checks.push(check);

        progress.check_started(names[1]);
        let check = self.dry_run_check(names[1], client, &deployed)?;
        report.checks.push(check);

        progress.check_started(names[2]);
        let mut check = CheckResult::new(names[2]);
        match self.deployment.downgrade(client, Target::Base) {
            Err(error) => check.fail(StepStatus::Error, error.to_string()),
            Ok(_) => {
                check.fail_on_diff(empty.diff(&self.snapshot(client)?), || {
                    "objects are left after downgrading to base: a down section (or one of a revision a repeatable migration depends on) leaves them".to_owned()
                });
            }
        }
        report.checks.push(check);
        Ok(())
    }

    /// The script of `upgrade --sql base:head`, run by psql on a fresh database, must build the
    /// schema and the history the runner built.
    fn dry_run_check(
        &mut self,
        name: &str,
        deployed: &mut Client,
        deployed_snapshot: &SchemaSnapshot,
    ) -> Result<CheckResult, VerifyError> {
        let mut check = CheckResult::new(name);
        let script = match self.deployment.render_sql_offline(
            migrations_core::Command::Upgrade,
            &Target::Base,
            &Target::Head,
        ) {
            Ok(script) => script,
            Err(error) => {
                check.fail(StepStatus::Error, error.to_string());
                return Ok(check);
            }
        };
        let scripted = self.server.create_db()?;
        if let Err(error) = psql(scripted.url().expose(), &script)? {
            check.fail(StepStatus::Error, error);
            return Ok(check);
        }
        let mut client = scripted.connect()?;
        let mut diff = deployed_snapshot.diff(&self.snapshot(&mut client)?);
        // Two databases built at two moments differ in definitions that embed their creation
        // time; the stairway reports those revisions as unstable.
        diff.changes
            .retain(|change| !crate::unstable::only_times_differ(change));
        let query = format!(
            "SELECT version::text || ' ' || name || ' ' || checksum FROM {} ORDER BY version",
            self.options.history.name()
        );
        let history = |client: &mut Client| -> Vec<String> {
            client
                .query(&query, &[])
                .map(|rows| rows.iter().map(|r| r.get(0)).collect())
                .unwrap_or_default()
        };
        let (expected, actual) = (history(deployed), history(&mut client));
        let differs = check.fail_on_diff(diff, || {
            "the script built another schema than the runner (the script's side is `after`)"
                .to_owned()
        });
        if !differs && expected != actual {
            check.fail(
                StepStatus::Differs,
                format!("the script wrote other history rows than the runner:\n  runner: {}\n  script: {}", expected.join(", "), actual.join(", ")),
            );
        }
        Ok(check)
    }
}

/// Runs a repeatable's statements in one transaction, without touching its history row.
fn run_repeatable(
    client: &mut Client,
    repeatable: &Repeatable,
    history: &HistoryTable,
) -> Result<(), String> {
    let unit = render_repeatable(repeatable, history);
    let mut transaction = client.transaction().map_err(|e| e.to_string())?;
    for statement in &unit.statements {
        if let Err(error) = transaction.batch_execute(statement.sql) {
            let message = error.as_db_error().map_or_else(
                || error.to_string(),
                |db| format!("{} {}", db.code().code(), db.message()),
            );
            return Err(format!(
                "repeatable migration `{}` failed at {}:{}: {message}",
                repeatable.name(),
                statement.file,
                statement.line
            ));
        }
    }
    transaction.commit().map_err(|e| e.to_string())
}

/// Runs a script with psql, stopping at the first error; `Ok(Err(..))` is psql's own failure.
fn psql(url: &str, script: &str) -> Result<Result<(), String>, VerifyError> {
    let path = std::env::temp_dir().join(format!(
        "migrations-verify-{}-{}.sql",
        std::process::id(),
        unique()
    ));
    std::fs::write(&path, script).map_err(|e| VerifyError::ScriptFile {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let output = Command::new("psql")
        .args(["-X", "-q", "-d", url, "-f"])
        .arg(&path)
        .output();
    let _ = std::fs::remove_file(&path);
    let output = output.map_err(|e| VerifyError::PsqlMissing {
        reason: e.to_string(),
    })?;
    if output.status.success() {
        return Ok(Ok(()));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let file = Path::new(&path).display().to_string();
    Ok(Err(format!(
        "psql failed running the dry-run script: {}",
        stderr.trim().replace(&file, "<script>")
    )))
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}
