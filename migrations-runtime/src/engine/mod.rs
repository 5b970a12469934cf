//! The logic of every command, written once over a [`Session`] for both drivers.
//!
//! A changing command takes the advisory lock, creates the history tables when missing, refuses
//! a dirty database, checks the history against the revisions, plans, and runs each step's unit:
//! a transactional unit in one transaction with its history change, a non-transactional one
//! statement by statement behind a dirty marker. The lock is released on every way out: an
//! error, a panic (caught, the lock released, the panic resumed), or a dead connection (the
//! server releases session locks of closed sessions).

use std::time::{Duration, Instant};

use migrations_core::history::{Direction, HistoryTable};
use migrations_core::plan::{self, Plan, position_name, repeatables_to_run};
use migrations_core::script::{RESET_SESSION, Unit, render_repeatable, render_step};
use migrations_core::{Command, Step, Target};

use crate::error::{DirtyState, Error};
use crate::observed::Observed;
use crate::report::{Report, StepKind, StepReport};
use crate::session::{Session, TextRow};
use crate::settings::{Resolution, Settings};

mod apply;
mod execute;
mod inspect;
mod locate;
mod lock;
mod observe;
mod retry;
mod state;
mod transaction;

use apply::{Pending, apply, migration};
use execute::run_unit;
pub(crate) use inspect::{current, history, render, render_from_database};
use lock::{CatchUnwind, acquire_lock, unlock};
use observe::Observer;
use retry::{Execution, Ran};
use state::{LockedState, checksum_of, read_history, read_locked_state};

/// A changing command.
#[derive(Clone, Debug)]
pub(crate) enum Change {
    Upgrade(Target),
    Downgrade(Target),
    Stamp(Target),
    Resolve(Resolution),
}

/// What a run learns from the session once, before it changes anything.
pub(super) struct RunContext {
    /// The history tables, with the schema they live in (or will be created in).
    pub(super) history: HistoryTable,
    /// Restores the settings the session had when the run started (its own `SET`s, its role),
    /// after each unit's `RESET ALL`; `None` when it had only the connection's defaults.
    pub(super) restore: Option<String>,
}

/// Resolves the history table's schema and notes the session's own settings, in one round trip,
/// under the connection's settings as they are before any revision runs.
pub(super) async fn run_context<S: Session>(
    session: &mut S,
    history: &HistoryTable,
) -> Result<RunContext, Error> {
    let schema = match history.configured_schema() {
        Some(_) => "NULL".to_owned(),
        None => format!("({})", history.schema_query()),
    };
    // `role` is no row of pg_settings; it goes last, so that the others are set as the session
    // user, who set them.
    let query = format!(
        "SELECT {schema}, (SELECT pg_catalog.string_agg(pg_catalog.format('pg_catalog.set_config(%L, %L, false)', name, value), ', ' ORDER BY last) \
         FROM (SELECT name, pg_catalog.current_setting(name) AS value, false AS last FROM pg_catalog.pg_settings \
         WHERE source = 'session' AND name NOT IN ('role', 'session_authorization') \
         UNION ALL SELECT 'role', pg_catalog.current_setting('role'), true WHERE pg_catalog.current_setting('role') <> 'none') settings)"
    );
    let rows = session
        .rows(&query)
        .await
        .map_err(Error::database("reading the session's settings"))?;
    let value = |i: usize| rows.first().and_then(|row| row.get(i).cloned().flatten());
    let history = match (history.configured_schema(), value(0)) {
        (Some(_), _) => history.clone(),
        (None, Some(schema)) => history.in_schema(&schema),
        (None, None) => {
            return Err(Error::NoHistorySchema {
                table: history.name().to_owned(),
            });
        }
    };
    Ok(RunContext {
        history,
        restore: value(1).map(|calls| format!("SELECT {calls}")),
    })
}

/// Returns the session to the settings it had when the run started, after a failure that may
/// have left a revision's `SET`s behind (a non-transactional revision's, or a panic's).
async fn reset_session<S: Session>(session: &mut S, restore: Option<&str>) {
    let mut sql = RESET_SESSION.join(";\n");
    if let Some(restore) = restore {
        sql.push_str(";\n");
        sql.push_str(restore);
    }
    let _ = session.execute(&sql).await;
}

/// Runs a changing command under the advisory lock.
pub(crate) async fn change<S: Session>(
    settings: &Settings,
    session: &mut S,
    change: Change,
) -> Result<Report, Error> {
    let started = Instant::now();
    let key = settings.history.lock_key();
    acquire_lock(session, key, settings.lock_timeout).await?;
    let lock_wait = started.elapsed();
    let context = match run_context(session, &settings.history).await {
        Ok(context) => context,
        Err(error) => {
            unlock(session, key).await;
            return Err(error);
        }
    };
    let outcome = CatchUnwind(Box::pin(locked(settings, &context, session, change))).await;
    if !matches!(outcome, Ok(Ok(_))) {
        // A unit that failed has rolled back already; this covers a panic in the middle of one.
        let _ = session.execute("ROLLBACK").await;
        reset_session(session, context.restore.as_deref()).await;
    }
    unlock(session, key).await;
    match outcome {
        Ok(result) => result.map(|mut report| {
            report.lock_wait = lock_wait;
            report.elapsed = started.elapsed();
            report
        }),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

pub(super) fn first_value(rows: &[TextRow]) -> Option<&str> {
    rows.first()?.first()?.as_deref()
}

/// The part of a changing command that runs under the lock.
async fn locked<S: Session>(
    settings: &Settings,
    context: &RunContext,
    session: &mut S,
    change: Change,
) -> Result<Report, Error> {
    let history = &context.history;
    let LockedState {
        dirty,
        applied,
        repeatables: recorded,
    } = read_locked_state(session, history).await?;
    let (command, target) = match change {
        Change::Resolve(resolution) => {
            return resolve(settings, history, session, dirty, resolution).await;
        }
        Change::Upgrade(target) => (Command::Upgrade, target),
        Change::Downgrade(target) => (Command::Downgrade, target),
        Change::Stamp(target) => (Command::Stamp, target),
    };
    if let Some(state) = dirty {
        return Err(Error::Dirty { state });
    }
    let set = &settings.revisions;
    let current = plan::applied_position(set, &applied)?;
    let plan = Plan::new(set, current, command, &target)?;
    let mut steps = Vec::with_capacity(plan.steps.len());
    let observer = settings.observe.then(|| Observer::new(history));
    let execution = Execution {
        attempts: settings.lock_retries,
        observer: observer.as_ref(),
        on_step: settings.on_step.as_ref(),
    };
    // refinery applies the transactional revisions of an upgrade, a run of them at a time; the
    // engine runs the rest (non-transactional revisions, downgrades, stamps) itself.
    let migrations = if command == Command::Upgrade && plan.steps.iter().any(is_transactional_up) {
        set.revisions()[..plan.to]
            .iter()
            .map(migration)
            .collect::<Result<Vec<_>, _>>()?
    } else {
        Vec::new()
    };
    let mut run: Vec<Pending<'_>> = Vec::new();
    for step in &plan.steps {
        let mut unit = render_step(set, step, history, &settings.envelope);
        unit.reset.extend(context.restore.clone());
        if command == Command::Upgrade && is_transactional_up(step) {
            run.push(Pending {
                step: step.clone(),
                unit,
            });
            continue;
        }
        if !run.is_empty() {
            let batch = std::mem::take(&mut run);
            steps.extend(apply(session, history, set, &migrations, batch, execution).await?);
        }
        let start = Instant::now();
        started(&unit);
        let ran = run_unit(session, history, &unit, execution).await?;
        steps.push(execution.finished(step_report(step, &unit, start.elapsed(), ran)));
    }
    if !run.is_empty() {
        steps.extend(apply(session, history, set, &migrations, run, execution).await?);
    }
    if command == Command::Upgrade {
        // Revisions do not touch the repeatable history: what was read before them still holds.
        for repeatable in repeatables_to_run(set, plan.to, |name| checksum_of(&recorded, name)) {
            let start = Instant::now();
            let mut unit = render_repeatable(repeatable, history, &settings.envelope);
            unit.reset.extend(context.restore.clone());
            started(&unit);
            let ran = run_unit(session, history, &unit, execution).await?;
            let duration = start.elapsed();
            tracing::info!(
                "{} finished in {}",
                unit.label,
                crate::error::humanize(duration)
            );
            steps.push(execution.finished(StepReport {
                kind: StepKind::Repeatable,
                name: repeatable.name().to_owned(),
                label: unit.label,
                duration,
                attempts: ran.attempts,
                observed: ran.observed,
            }));
        }
    }
    Ok(Report {
        command,
        from: position_name(set, plan.from).to_owned(),
        to: position_name(set, plan.to).to_owned(),
        steps,
        lock_wait: Duration::ZERO,
        elapsed: Duration::ZERO,
    })
}

/// A step refinery applies: a transactional revision run upwards.
fn is_transactional_up(step: &Step<'_>) -> bool {
    matches!(step, Step::Run { revision, direction: Direction::Up } if revision.is_transactional())
}

/// Announces a unit as it starts, for an application's logs.
fn started(unit: &Unit<'_>) {
    tracing::info!("{}", unit.label);
}

fn step_report(step: &Step<'_>, unit: &Unit<'_>, duration: Duration, ran: Ran) -> StepReport {
    tracing::info!(
        attempts = ran.attempts,
        "{} finished in {}",
        unit.label,
        crate::error::humanize(duration)
    );
    let (kind, name) = match step {
        Step::Run {
            revision,
            direction: Direction::Up,
        } => (StepKind::Upgrade, revision.name()),
        Step::Run {
            revision,
            direction: Direction::Down,
        } => (StepKind::Downgrade, revision.name()),
        Step::Stamp {
            revisions,
            direction,
        } => {
            let kind = if *direction == Direction::Up {
                StepKind::Stamp
            } else {
                StepKind::Unstamp
            };
            (kind, revisions.last().map_or("", |r| r.name()))
        }
    };
    StepReport {
        kind,
        name: name.to_owned(),
        label: unit.label.clone(),
        duration,
        attempts: ran.attempts,
        observed: ran.observed,
    }
}

/// Clears the dirty marker, recording the revision's history change when it was finished by hand.
async fn resolve<S: Session>(
    settings: &Settings,
    history: &HistoryTable,
    session: &mut S,
    dirty: Option<DirtyState>,
    resolution: Resolution,
) -> Result<Report, Error> {
    let state = dirty.ok_or(Error::NotDirty)?;
    let started = Instant::now();
    let mut statements = vec!["BEGIN".to_owned()];
    if resolution == Resolution::Finished {
        let revision = settings.revisions.find(&state.revision).ok_or_else(|| {
            Error::UnknownDirtyRevision {
                revision: state.revision.clone(),
            }
        })?;
        statements.push(if state.direction == "downgrade" {
            history.erase(revision)
        } else {
            history.record_applied(revision)
        });
    }
    statements.push(history.clear_dirty());
    statements.push("COMMIT".to_owned());
    session
        .execute(&statements.join(";\n"))
        .await
        .map_err(Error::database("resolving the dirty marker"))?;
    let label = match resolution {
        Resolution::Finished => format!(
            "Resolved: {} of {} recorded as finished",
            state.direction, state.revision
        ),
        Resolution::RolledBack => format!(
            "Resolved: {} of {} recorded as rolled back",
            state.direction, state.revision
        ),
    };
    let applied = read_history(session, history).await?;
    let current = plan::applied_position(&settings.revisions, &applied).unwrap_or(applied.len());
    let to = position_name(&settings.revisions, current).to_owned();
    let step = StepReport {
        kind: StepKind::Resolve,
        name: state.revision,
        label,
        duration: started.elapsed(),
        attempts: 1,
        observed: Observed::default(),
    };
    if let Some(hook) = &settings.on_step {
        hook.finished(&step);
    }
    Ok(Report {
        command: Command::Stamp,
        from: to.clone(),
        to,
        steps: vec![step],
        lock_wait: Duration::ZERO,
        elapsed: Duration::ZERO,
    })
}
