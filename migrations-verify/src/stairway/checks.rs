//! The checks beside the stairway: each repeatable migration run twice where it becomes ready,
//! and the whole set as a deployment runs it (repeatables at head, the dry-run script through
//! psql, a downgrade to base).

use std::path::Path;
use std::process::Command;

use migrations_core::envelope::Envelope;
use migrations_core::history::HistoryTable;
use migrations_core::script::render_repeatable;
use migrations_core::{Repeatable, Revision, Target};
use postgres::Client;

use super::{Stair, Verifier, VerifyError};
use crate::progress::Progress;
use crate::report::{CheckResult, StepStatus, VerifyReport};
use crate::snapshot::SchemaSnapshot;

impl<'a> Verifier<'a> {
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
    pub(super) fn check_repeatables_at(
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
        let copy = stair.copy(self.server)?;
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
    pub(super) fn whole_set_checks(
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
            let schema_files = self.options.schema_files.as_ref().map(|f| f.check_name());
            for name in names.iter().map(|n| n.to_string()).chain(schema_files) {
                let error = Some("not run: the stairway did not reach the head".to_owned());
                report.checks.push(CheckResult {
                    check: name,
                    status: StepStatus::Skipped,
                    diff: Vec::new(),
                    error,
                    findings: Vec::new(),
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
        let deployed_ok = check.ok();
        report.checks.push(check);
        if let Some(check) = self.schema_files_check(client, &deployed, empty, deployed_ok)? {
            report.checks.push(check);
        }

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
    let unit = render_repeatable(repeatable, history, &Envelope::default());
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
