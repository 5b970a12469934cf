//! What `verify` found: per revision, per repeatable migration, and for the whole set; printed as a
//! table for a CI log and written as JSON for machines.

use std::fmt;
use std::time::Duration;

use migrations_lint::{Finding, LintReport};
use serde::{Deserialize, Serialize};

use crate::diff::{SchemaChange, SchemaDiff};
use crate::failure_class::FailureClass;
use crate::locks::{ByDirection, RelationLock};

/// How one step of the stairway went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Ok,
    /// The step failed with an error.
    Error,
    /// The step ran but left a schema other than the one expected.
    Differs,
    /// Not run: an earlier step failed.
    Skipped,
    /// Up again, on the exact schema the first up started from, built another schema: the up is
    /// not reproducible (a definition that embeds the time it was created, say). Its down is fine.
    Unstable,
}

impl fmt::Display for StepStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so that the summary table's widths apply.
        f.pad(match self {
            StepStatus::Ok => "ok",
            StepStatus::Error => "error",
            StepStatus::Differs => "differs",
            StepStatus::Skipped => "skipped",
            StepStatus::Unstable => "unstable",
        })
    }
}

/// The steps of the stairway that compare schemas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StairStep {
    /// Compared with the schema before up.
    Down,
    /// Compared with the schema after the first up.
    Reup,
}

/// One difference found at a step: which step, and the object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepChange {
    /// `down` (compared with the schema before up) or `reup` (compared with the schema after up).
    pub step: StairStep,
    #[serde(flatten)]
    pub change: SchemaChange,
}

/// The stairway of one revision: up, down (compared with before up), up again (compared with
/// after up).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionResult {
    /// The file stem.
    pub revision: String,
    pub up: StepStatus,
    pub down: StepStatus,
    pub reup: StepStatus,
    pub diff: Vec<StepChange>,
    pub error: Option<String>,
    /// Why an unstable revision is not reproducible, naming the objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Why it was flagged, by class; empty when every step is ok.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<FailureClass>,
    /// The strongest lock each direction held on each relation that existed before it.
    #[serde(default)]
    pub locks: ByDirection<Vec<RelationLock>>,
    /// The existing relations each direction rewrote (their storage replaced).
    #[serde(default)]
    pub rewrites: ByDirection<Vec<String>>,
    /// What the lock policy (`--fail-on-locks`) refused: ACCESS EXCLUSIVE on, or a rewrite of, an
    /// existing table that the revision's header does not allow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lock_violations: Vec<String>,
    #[serde(
        rename = "duration_ms",
        serialize_with = "millis",
        deserialize_with = "from_millis"
    )]
    pub duration: Duration,
}

impl RevisionResult {
    /// Every step ok, or only up again unstable: the down restores the schema exactly.
    pub fn ok(&self) -> bool {
        self.up == StepStatus::Ok
            && self.down == StepStatus::Ok
            && matches!(self.reup, StepStatus::Ok | StepStatus::Unstable)
            && self.lock_violations.is_empty()
    }

    pub fn unstable(&self) -> bool {
        self.reup == StepStatus::Unstable
    }

    pub(crate) fn skipped(revision: &str) -> RevisionResult {
        RevisionResult {
            revision: revision.to_owned(),
            up: StepStatus::Skipped,
            down: StepStatus::Skipped,
            reup: StepStatus::Skipped,
            diff: Vec::new(),
            error: None,
            note: None,
            classes: Vec::new(),
            locks: ByDirection::default(),
            rewrites: ByDirection::default(),
            lock_violations: Vec::new(),
            duration: Duration::ZERO,
        }
    }
}

/// The name of the lint check, which needs no database and so is not skipped with the others.
pub const LINT_CHECK: &str = "lint";

/// A check of the whole set: the lint, downgrade to base, the dry-run script, repeatables at head.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub check: String,
    pub status: StepStatus,
    pub diff: Vec<SchemaChange>,
    pub error: Option<String>,
    /// The lint check's findings, errors, warnings and notes alike.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

impl CheckResult {
    pub(crate) fn new(check: &str) -> CheckResult {
        CheckResult {
            check: check.to_owned(),
            status: StepStatus::Ok,
            diff: Vec::new(),
            error: None,
            findings: Vec::new(),
        }
    }

    /// The lint check: failed, with every finding and problem as `lint` prints them, when the
    /// report has an error or a problem.
    pub(crate) fn lint(report: &LintReport) -> CheckResult {
        let mut check = CheckResult::new(LINT_CHECK);
        if !report.ok() {
            check.fail(StepStatus::Error, report.to_string());
        }
        check.findings = report.findings.clone();
        check
    }

    pub(crate) fn fail(&mut self, status: StepStatus, error: String) {
        self.status = status;
        self.error = Some(error);
    }

    pub fn ok(&self) -> bool {
        self.status == StepStatus::Ok
    }

    /// Fails the check as `Differs` with the changes when `diff` is not empty; true if it was.
    pub(crate) fn fail_on_diff(
        &mut self,
        diff: SchemaDiff,
        message: impl FnOnce() -> String,
    ) -> bool {
        if diff.is_empty() {
            return false;
        }
        self.fail(StepStatus::Differs, message());
        self.diff = diff.changes;
        true
    }
}

/// One of `count` contiguous segments of the history, numbered from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// Everything `verify` found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub backend: String,
    /// The PostgreSQL the run used, e.g. `15.18`; empty in reports written before it was recorded.
    #[serde(default)]
    pub server_version: String,
    pub revisions: Vec<RevisionResult>,
    pub checks: Vec<CheckResult>,
    /// True when an unstable revision fails the run (`--fail-on-unstable`).
    pub unstable_fails: bool,
    /// Whether the stairway went on after a failing revision (`--keep-going`).
    #[serde(default)]
    pub keep_going: bool,
    /// The segment of the history this report covers, for a run of one shard (`--shard K/N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    pub totals: Totals,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub revisions: usize,
    pub ok: usize,
    /// Of `ok`, those whose up is not reproducible.
    pub unstable: usize,
    pub failed: usize,
    pub skipped: usize,
    pub checks_failed: usize,
    #[serde(
        rename = "elapsed_ms",
        serialize_with = "millis",
        deserialize_with = "from_millis"
    )]
    pub elapsed: Duration,
    /// Time spent capturing schema snapshots.
    #[serde(
        rename = "snapshot_ms",
        serialize_with = "millis",
        deserialize_with = "from_millis"
    )]
    pub snapshots: Duration,
    pub snapshot_count: usize,
}

fn from_millis<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    u64::deserialize(deserializer).map(Duration::from_millis)
}

fn millis<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(duration.as_millis() as u64)
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.revisions
            .iter()
            .all(|r| r.ok() && !(self.unstable_fails && r.unstable()))
            && self.checks.iter().all(CheckResult::ok)
    }

    /// How many flagged revisions have each class (a revision may have several), most first.
    pub fn by_class(&self) -> Vec<(FailureClass, usize)> {
        let mut counts = std::collections::BTreeMap::new();
        for class in self.revisions.iter().flat_map(|r| &r.classes) {
            *counts.entry(*class).or_insert(0) += 1;
        }
        let mut counts: Vec<(FailureClass, usize)> = counts.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts
    }

    pub(crate) fn tally(&mut self, elapsed: Duration, snapshots: Duration, snapshot_count: usize) {
        let skipped = self
            .revisions
            .iter()
            .filter(|r| r.up == StepStatus::Skipped)
            .count();
        let ok = self.revisions.iter().filter(|r| r.ok()).count();
        self.totals = Totals {
            revisions: self.revisions.len(),
            ok,
            unstable: self.revisions.iter().filter(|r| r.unstable()).count(),
            failed: self.revisions.len() - ok - skipped,
            skipped,
            checks_failed: self
                .checks
                .iter()
                .filter(|c| !c.ok() && c.status != StepStatus::Skipped)
                .count(),
            elapsed,
            snapshots,
            snapshot_count,
        };
    }
}

fn human(duration: Duration) -> String {
    if duration >= Duration::from_secs(1) {
        format!("{:.1} s", duration.as_secs_f64())
    } else {
        format!("{} ms", duration.as_millis())
    }
}

/// The summary table, then every failure with its error or schema diff.
impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .revisions
            .iter()
            .map(|r| r.revision.len())
            .max()
            .unwrap_or(8)
            .max(8);
        writeln!(
            f,
            "{:<width$}  {:<8}  {:<8}  {:<8}  TIME",
            "REVISION", "UP", "DOWN", "UP AGAIN"
        )?;
        for r in &self.revisions {
            writeln!(
                f,
                "{:<width$}  {:<8}  {:<8}  {:<8}  {}",
                r.revision,
                r.up,
                r.down,
                r.reup,
                human(r.duration)
            )?;
        }
        for check in &self.checks {
            writeln!(f, "{}: {}", check.check, check.status)?;
        }
        let heavy: Vec<(&str, String)> = self
            .revisions
            .iter()
            .filter_map(|r| {
                crate::locks::summary(&r.locks, &r.rewrites).map(|s| (r.revision.as_str(), s))
            })
            .collect();
        if !heavy.is_empty() {
            writeln!(f)?;
            writeln!(
                f,
                "Revisions that block existing relations (ACCESS EXCLUSIVE or a rewrite):"
            )?;
            for (revision, summary) in heavy {
                writeln!(f, "  {revision:<width$}  {summary}")?;
            }
        }
        for r in self
            .revisions
            .iter()
            .filter(|r| !r.ok() && r.up != StepStatus::Skipped)
        {
            writeln!(f)?;
            writeln!(f, "FAILED {}", r.revision)?;
            if !r.classes.is_empty() {
                let classes: Vec<&str> = r.classes.iter().map(|c| c.as_str()).collect();
                writeln!(f, "  class: {}", classes.join(", "))?;
            }
            if let Some(error) = &r.error {
                writeln!(f, "  {}", error.replace('\n', "\n  "))?;
            }
            for violation in &r.lock_violations {
                writeln!(f, "  {violation}")?;
            }
            for step in [StairStep::Down, StairStep::Reup] {
                let changes: Vec<&SchemaChange> = r
                    .diff
                    .iter()
                    .filter(|c| c.step == step)
                    .map(|c| &c.change)
                    .collect();
                if changes.is_empty() {
                    continue;
                }
                match step {
                    StairStep::Down => writeln!(
                        f,
                        "  after down, the schema differs from the schema before up:"
                    )?,
                    _ => writeln!(
                        f,
                        "  after up again, the schema differs from the schema after the first up:"
                    )?,
                }
                let diff = crate::diff::SchemaDiff {
                    changes: changes.into_iter().cloned().collect(),
                };
                writeln!(
                    f,
                    "    {}",
                    diff.to_string().trim_end().replace('\n', "\n    ")
                )?;
            }
        }
        for r in self.revisions.iter().filter(|r| r.unstable()) {
            writeln!(f)?;
            writeln!(f, "UNSTABLE {}", r.revision)?;
            if let Some(note) = &r.note {
                writeln!(f, "  {}", note.replace('\n', "\n  "))?;
            }
            let diff = crate::diff::SchemaDiff {
                changes: r.diff.iter().map(|c| c.change.clone()).collect(),
            };
            writeln!(
                f,
                "    {}",
                diff.to_string().trim_end().replace('\n', "\n    ")
            )?;
        }
        for check in self
            .checks
            .iter()
            .filter(|c| !c.ok() && c.status != StepStatus::Skipped)
        {
            writeln!(f)?;
            writeln!(f, "FAILED {}", check.check)?;
            if let Some(error) = &check.error {
                writeln!(f, "  {}", error.replace('\n', "\n  "))?;
            }
            if !check.diff.is_empty() {
                let diff = crate::diff::SchemaDiff {
                    changes: check.diff.clone(),
                };
                writeln!(
                    f,
                    "    {}",
                    diff.to_string().trim_end().replace('\n', "\n    ")
                )?;
            }
        }
        let by_class = self.by_class();
        if !by_class.is_empty() {
            writeln!(f)?;
            let counts: Vec<String> = by_class
                .iter()
                .map(|(class, count)| format!("{count} {class}"))
                .collect();
            writeln!(f, "flagged revisions by class: {}", counts.join(", "))?;
        }
        writeln!(f)?;
        let t = &self.totals;
        write!(
            f,
            "{}: {} of {} revisions verified",
            if self.ok() { "ok" } else { "FAILED" },
            t.ok,
            t.revisions
        )?;
        if t.unstable > 0 {
            write!(f, " ({} unstable)", t.unstable)?;
        }
        if t.failed > 0 {
            write!(f, ", {} failed", t.failed)?;
        }
        if t.skipped > 0 {
            write!(f, ", {} skipped", t.skipped)?;
        }
        if t.checks_failed > 0 {
            write!(f, ", {} checks failed", t.checks_failed)?;
        }
        write!(
            f,
            " in {} ({} snapshots took {}) on the {} backend",
            human(t.elapsed),
            t.snapshot_count,
            human(t.snapshots),
            self.backend
        )?;
        if !self.server_version.is_empty() {
            write!(f, ", PostgreSQL {}", self.server_version)?;
        }
        Ok(())
    }
}
