//! refinery applies an upgrade's transactional revisions: its runner, over the engine's session.
//!
//! [`Applier`] implements refinery's async connection traits. refinery's runner (not grouped, up
//! to a target version) asserts its table, reads the applied rows, checks them for divergent and
//! missing revisions, and hands over each pending revision's SQL with its history `INSERT`. The
//! applier runs that pair as the engine's unit of the revision, in one transaction: the located
//! statements (so an error names its file and line), the session reset, then refinery's `INSERT`.
//!
//! The async traits serve the blocking driver too (its session's futures are ready at once):
//! refinery's blocking runner commits a revision's SQL and its history row in two transactions.

use std::collections::VecDeque;
use std::time::Instant;

use migrations_core::Step;
use migrations_core::history::HistoryTable;
use migrations_core::revision::{Revision, RevisionSet};
use migrations_core::script::Unit;
use refinery_core::traits::r#async::{AsyncMigrate, AsyncQuery, AsyncTransaction};
use refinery_core::{Migration, Runner, Target};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::retry::{Execution, run_retrying};
use super::state::applied_revisions;
use super::step_report;
use super::transaction::finishing;
use crate::error::Error;
use crate::report::StepReport;
use crate::session::Session;

/// A revision refinery is expected to apply next, with the unit that runs it.
pub(super) struct Pending<'a> {
    pub(super) step: Step<'a>,
    pub(super) unit: Unit<'a>,
}

/// The engine's session, as refinery's connection.
pub(super) struct Applier<'s, 'a, 'o, S> {
    session: &'s mut S,
    history: &'s HistoryTable,
    pending: VecDeque<Pending<'a>>,
    execution: Execution<'o>,
    done: Vec<StepReport>,
    /// The engine's error behind the opaque one refinery wraps: refinery keeps only its text.
    failure: Option<Error>,
}

/// What refinery sees of a failure; the engine's own error is kept in [`Applier::failure`].
#[derive(Debug, thiserror::Error)]
#[error("the engine reported the failure")]
pub(super) struct Failed;

/// refinery's migration of a revision: its up SQL under the name `V<id>__<slug>`.
pub(super) fn migration(revision: &Revision) -> Result<Migration, Error> {
    let name = format!("V{}__{}", revision.id(), revision.slug());
    let migration =
        Migration::unapplied(&name, revision.up().sql()).map_err(|source| Error::Refinery {
            during: "reading the revisions",
            source,
        })?;
    if migration.checksum() != revision.checksum() {
        return Err(Error::ChecksumMismatch {
            revision: revision.name().to_owned(),
            refinery: migration.checksum(),
            embedded: revision.checksum(),
        });
    }
    Ok(migration)
}

/// Has refinery apply `pending` (consecutive transactional revisions of an upgrade, in order) and
/// returns the report of each. `migrations` are refinery's migrations of the whole set.
pub(super) async fn apply<'a, S: Session>(
    session: &mut S,
    history: &HistoryTable,
    set: &RevisionSet,
    migrations: &[Migration],
    pending: Vec<Pending<'a>>,
    execution: Execution<'_>,
) -> Result<Vec<StepReport>, Error> {
    let Some(last) = pending.last().and_then(|p| p.revision()) else {
        return Ok(Vec::new());
    };
    let end = set
        .position(last.id())
        .map_or(migrations.len(), |i| (i + 1).min(migrations.len()));
    let mut runner = Runner::new(&migrations[..end])
        .set_grouped(false)
        .set_abort_divergent(true)
        .set_abort_missing(true)
        .set_target(Target::Version(last.id().get()));
    runner.set_migration_table_name(history.qualified());
    let expected = pending.len();
    let mut applier = Applier {
        session,
        history,
        pending: pending.into(),
        execution,
        done: Vec::with_capacity(expected),
        failure: None,
    };
    match runner.run_async(&mut applier).await {
        Ok(report) if applier.pending.is_empty() => {
            let applied: Vec<String> = report
                .applied_migrations()
                .iter()
                .map(ToString::to_string)
                .collect();
            tracing::debug!("refinery's runner applied {}", applied.join(", "));
            Ok(applier.done)
        }
        Ok(report) => Err(Error::RefineryStopped {
            expected: applier
                .pending
                .front()
                .and_then(Pending::revision)
                .map_or_else(String::new, |r| r.name().to_owned()),
            applied: report.applied_migrations().len(),
        }),
        Err(source) => Err(applier.failure.take().unwrap_or(Error::Refinery {
            during: "checking the history",
            source,
        })),
    }
}

impl Pending<'_> {
    fn revision(&self) -> Option<&Revision> {
        match self.step {
            Step::Run { revision, .. } => Some(revision),
            Step::Stamp { .. } => None,
        }
    }
}

impl<S: Session> Applier<'_, '_, '_, S> {
    /// Runs the next revision's unit, with refinery's history row for it; a lock timeout rolls it
    /// back and tries it again without refinery noticing.
    async fn apply_next(&mut self, sql: &str, insert: &str) -> Result<(), Error> {
        let started = Instant::now();
        let Some(Pending { step, mut unit }) = self.pending.pop_front() else {
            return Err(Error::RefineryUnexpected {
                what: "a revision the plan does not have".to_owned(),
            });
        };
        let matches = match step {
            Step::Run { revision, .. } => revision.up().sql() == sql,
            Step::Stamp { .. } => false,
        };
        if !matches {
            return Err(Error::RefineryUnexpected {
                what: format!("other SQL than {}'s", unit.label),
            });
        }
        unit.bookkeeping = vec![insert.to_owned()];
        super::started(&unit);
        let bookkeeping = finishing(&unit).collect::<Vec<_>>().join(";\n");
        let ran = run_retrying(self.session, &unit, &bookkeeping, self.execution).await?;
        let report = step_report(&step, &unit, started.elapsed(), ran);
        self.done.push(self.execution.finished(report));
        Ok(())
    }
}

impl<S: Session> AsyncTransaction for Applier<'_, '_, '_, S> {
    type Error = Failed;

    async fn execute<'q, T: Iterator<Item = &'q str> + Send + 'q>(
        &mut self,
        queries: T,
    ) -> Result<usize, Failed> {
        let queries: Vec<&str> = queries.collect();
        let outcome = match queries.as_slice() {
            // Its table: the engine created it already, under the lock.
            [assert] => self
                .session
                .execute(assert)
                .await
                .map_err(Error::database("asserting the history table")),
            [sql, insert] => self.apply_next(sql, insert).await,
            _ => Err(Error::RefineryUnexpected {
                what: format!("a batch of {} statements", queries.len()),
            }),
        };
        outcome.map(|()| queries.len()).map_err(|error| {
            self.failure = Some(error);
            Failed
        })
    }
}

impl<S: Session> AsyncQuery<Vec<Migration>> for Applier<'_, '_, '_, S> {
    async fn query(&mut self, query: &str) -> Result<Vec<Migration>, Failed> {
        let read = async {
            let rows = self
                .session
                .rows(query)
                .await
                .map_err(Error::database("reading the history table"))?;
            let applied = applied_revisions(self.history, rows)?;
            Ok(applied
                .into_iter()
                .map(|row| {
                    // refinery compares version, name and checksum; the time only informs. A row
                    // another tool timed in another format is still the revision it names.
                    let applied_on = OffsetDateTime::parse(&row.applied_on, &Rfc3339)
                        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
                    Migration::applied(row.id.get(), row.name, applied_on, row.checksum)
                })
                .collect())
        };
        read.await.map_err(|error: Error| {
            self.failure = Some(error);
            Failed
        })
    }
}

impl<S: Session> AsyncMigrate for Applier<'_, '_, '_, S> {}
