//! The logic of every command, written once over a [`Session`] for both drivers.
//!
//! A changing command takes the advisory lock, creates the history tables when missing, refuses
//! a dirty database, checks the history against the revisions, plans, and runs each step's unit:
//! a transactional unit in one transaction with its history change, a non-transactional one
//! statement by statement behind a dirty marker. The lock is released on every way out: an
//! error, a panic (caught, the lock released, the panic resumed), or a dead connection (the
//! server releases session locks of closed sessions).

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use migrations_core::history::{Direction, HistoryTable, quote_literal};
use migrations_core::plan::{self, AppliedRevision, Plan, position_name, repeatables_to_run};
use migrations_core::script::{
    LocatedStatement, RESET_SESSION, Script, Source, Unit, render_repeatable, render_step,
};
use migrations_core::{Command, RevisionId, RevisionSet, Step, Target};

use crate::error::{DirtyState, DriverError, Error, Outcome};
use crate::report::{
    Current, History, HistoryEntry, RepeatableState, Report, StepKind, StepReport,
};
use crate::runner::{Resolution, Settings};
use crate::session::{Counted, Session, TextRow};

/// A changing command.
#[derive(Clone, Debug)]
pub(crate) enum Change {
    Upgrade(Target),
    Downgrade(Target),
    Stamp(Target),
    Resolve(Resolution),
}

/// The longest pause between two tries of the advisory lock.
const MAX_LOCK_POLL: Duration = Duration::from_millis(100);

/// What a run learns from the session once, before it changes anything.
struct RunContext {
    /// The history tables, with the schema they live in (or will be created in).
    history: HistoryTable,
    /// Restores the settings the session had when the run started (its own `SET`s, its role),
    /// after each unit's `RESET ALL`; `None` when it had only the connection's defaults.
    restore: Option<String>,
}

/// Resolves the history table's schema and notes the session's own settings, in one round trip,
/// under the connection's settings as they are before any revision runs.
async fn run_context<S: Session>(
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

async fn unlock<S: Session>(session: &mut S, key: i64) {
    let _ = session
        .execute(&format!("SELECT pg_catalog.pg_advisory_unlock({key})"))
        .await;
}

/// How often the server checks, during a long statement, that the runner is still connected.
const CLIENT_CHECK_INTERVAL_MS: u32 = 1000;

/// The query that tries the advisory lock. It also asks the server to notice a runner that
/// vanished in the middle of a long statement (`client_connection_check_interval`, PostgreSQL 14
/// and later), in the same round trip. Without it, a runner killed during a long revision leaves
/// its session running that statement to its end, the advisory lock held all the while, and the
/// next run waits for nothing. A value the client chose is kept; on a server without the setting
/// `current_setting(.., true)` is NULL and nothing is set.
fn try_lock_query(key: i64) -> String {
    format!(
        "SELECT pg_catalog.pg_try_advisory_lock({key}), \
         CASE WHEN pg_catalog.current_setting('client_connection_check_interval', true) = '0' \
         THEN pg_catalog.set_config('client_connection_check_interval', '{CLIENT_CHECK_INTERVAL_MS}', false) END"
    )
}

/// Polls `pg_try_advisory_lock` until it succeeds or `timeout` passes. Polling, not blocking in
/// `pg_advisory_lock`: a session waiting there holds a snapshot, and another runner's
/// `CREATE INDEX CONCURRENTLY` would wait for it forever.
async fn acquire_lock<S: Session>(
    session: &mut S,
    key: i64,
    timeout: Duration,
) -> Result<(), Error> {
    let started = Instant::now();
    let query = try_lock_query(key);
    let mut pause = Duration::from_millis(5);
    loop {
        let rows = session
            .rows(&query)
            .await
            .map_err(Error::database("taking the advisory lock"))?;
        if first_value(&rows) == Some("t") {
            return Ok(());
        }
        let waited = started.elapsed();
        if waited >= timeout {
            let holder = lock_holder(session, key)
                .await
                .map(|h| format!(" (held by {h})"))
                .unwrap_or_default();
            return Err(Error::LockTimeout {
                key,
                waited,
                holder,
            });
        }
        // Jitter spreads many runners that started together.
        let jitter = Duration::from_micros(u64::from(started.elapsed().subsec_nanos() % 5_000));
        session.sleep((pause + jitter).min(timeout - waited)).await;
        pause = (pause * 2).min(MAX_LOCK_POLL);
    }
}

/// Who holds the advisory lock: pid, application and client.
async fn lock_holder<S: Session>(session: &mut S, key: i64) -> Option<String> {
    let (high, low) = ((key as u64) >> 32, (key as u64) & 0xffff_ffff);
    let query = format!(
        "SELECT a.pid::text, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local'), \
         to_char(a.xact_start, 'YYYY-MM-DD HH24:MI:SS') \
         FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
         WHERE l.locktype = 'advisory' AND l.granted AND l.classid = {high} AND l.objid = {low} AND l.objsubid = 1 \
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND l.pid <> pg_backend_pid()"
    );
    let rows = session.rows(&query).await.ok()?;
    let row = rows.first()?;
    let value = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
    let mut holder = format!("pid {}", value(0));
    if !value(1).is_empty() {
        holder.push_str(&format!(", application `{}`", value(1)));
    }
    holder.push_str(&format!(", client {}", value(2)));
    Some(holder)
}

fn first_value(rows: &[TextRow]) -> Option<&str> {
    rows.first()?.first()?.as_deref()
}

/// Catches a panic of the wrapped future, so that the lock can be released before it goes on.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| inner.poll(context))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
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
    for step in &plan.steps {
        let started = Instant::now();
        let mut unit = render_step(set, step, history)?;
        unit.reset.extend(context.restore.clone());
        run_unit(session, history, &unit).await?;
        steps.push(step_report(step, &unit, started.elapsed()));
    }
    if command == Command::Upgrade {
        // Revisions do not touch the repeatable history: what was read before them still holds.
        for repeatable in repeatables_to_run(set, plan.to, |name| checksum_of(&recorded, name)) {
            let started = Instant::now();
            let mut unit = render_repeatable(repeatable, history);
            unit.reset.extend(context.restore.clone());
            run_unit(session, history, &unit).await?;
            steps.push(StepReport {
                kind: StepKind::Repeatable,
                name: repeatable.name().to_owned(),
                label: unit.label,
                duration: started.elapsed(),
            });
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

fn step_report(step: &Step<'_>, unit: &Unit<'_>, duration: Duration) -> StepReport {
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
    }
}

/// What a changing command reads under the lock.
struct LockedState {
    dirty: Option<DirtyState>,
    applied: Vec<AppliedRevision>,
    repeatables: Vec<RecordedRepeatable>,
}

/// Reads the dirty marker, the history and the repeatables' checksums in one round trip; creates
/// the history tables first when one is missing (a new database, or one refinery migrated).
async fn read_locked_state<S: Session>(
    session: &mut S,
    history: &HistoryTable,
) -> Result<LockedState, Error> {
    let query = format!(
        "{};\n{};\n{}",
        history.select_dirty(),
        history.select_applied(),
        history.select_repeatables()
    );
    let during = "reading the history tables";
    let sets = match session.result_sets(&query).await {
        Ok(sets) => sets,
        Err(error) if error.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) => {
            session
                .execute(&history.create_statements().join(";\n"))
                .await
                .map_err(Error::database("creating the history tables"))?;
            session
                .result_sets(&query)
                .await
                .map_err(Error::database(during))?
        }
        Err(error) => return Err(Error::database(during)(error)),
    };
    let Ok([dirty, applied, repeatables]) = <[Vec<TextRow>; 3]>::try_from(sets) else {
        return Err(Error::Database {
            during,
            error: DriverError::Connection(
                "the server did not answer the three queries".to_owned(),
            ),
        });
    };
    Ok(LockedState {
        dirty: dirty_state(&dirty),
        applied: applied_revisions(history, applied)?,
        repeatables: recorded_repeatables(repeatables),
    })
}

async fn tables_exist<S: Session>(session: &mut S, history: &HistoryTable) -> Result<bool, Error> {
    let checks: Vec<String> = history
        .tables()
        .iter()
        .map(|t| format!("pg_catalog.to_regclass({}) IS NOT NULL", quote_literal(t)))
        .collect();
    let rows = session
        .rows(&format!("SELECT {}", checks.join(" AND ")))
        .await
        .map_err(Error::database("looking for the history tables"))?;
    Ok(first_value(&rows) == Some("t"))
}

async fn read_dirty<S: Session>(
    session: &mut S,
    history: &HistoryTable,
) -> Result<Option<DirtyState>, Error> {
    let rows = session
        .rows(&history.select_dirty())
        .await
        .map_err(Error::database("reading the dirty marker"))?;
    Ok(dirty_state(&rows))
}

fn dirty_state(rows: &[TextRow]) -> Option<DirtyState> {
    rows.first().map(|row| {
        let text = |i: usize| row.get(i).cloned().flatten();
        let number = |i: usize| text(i).and_then(|v| v.parse::<u32>().ok());
        DirtyState {
            revision: text(1).unwrap_or_default(),
            direction: if text(2).as_deref() == Some("down") {
                "downgrade"
            } else {
                "upgrade"
            }
            .to_owned(),
            statement: number(3),
            line: number(4),
            error: text(5),
            since: text(6).unwrap_or_default(),
        }
    })
}

/// Reads the history table; a row refinery could not have written is an error, not a panic.
async fn read_history<S: Session>(
    session: &mut S,
    history: &HistoryTable,
) -> Result<Vec<AppliedRevision>, Error> {
    let rows = session
        .rows(&history.select_applied())
        .await
        .map_err(Error::database("reading the history table"))?;
    applied_revisions(history, rows)
}

fn applied_revisions(
    history: &HistoryTable,
    rows: Vec<TextRow>,
) -> Result<Vec<AppliedRevision>, Error> {
    rows.into_iter()
        .map(|row| {
            let text = |i: usize| row.get(i).cloned().flatten();
            let version = text(0).unwrap_or_default();
            let bad = |problem: &str| Error::BadHistory {
                table: history.name().to_owned(),
                version: version.clone(),
                problem: problem.to_owned(),
            };
            let id = version
                .parse::<i64>()
                .map_err(|_| bad("the version is not a number"))?;
            let name = text(1).ok_or_else(|| bad("the name is NULL"))?;
            let checksum = text(3)
                .and_then(|c| c.parse::<u64>().ok())
                .ok_or_else(|| bad("the checksum is not a decimal 64-bit number"))?;
            Ok(AppliedRevision {
                id: RevisionId(id),
                name,
                applied_on: text(2).unwrap_or_default(),
                checksum,
            })
        })
        .collect()
}

/// A row of the repeatable history: the checksum a repeatable migration last ran with, and when.
struct RecordedRepeatable {
    name: String,
    checksum: u64,
    applied_on: String,
}

fn checksum_of(recorded: &[RecordedRepeatable], name: &str) -> Option<u64> {
    recorded.iter().find(|r| r.name == name).map(|r| r.checksum)
}

async fn read_repeatables<S: Session>(
    session: &mut S,
    history: &HistoryTable,
) -> Result<Vec<RecordedRepeatable>, Error> {
    let rows = session
        .rows(&history.select_repeatables())
        .await
        .map_err(Error::database("reading the repeatable history"))?;
    Ok(recorded_repeatables(rows))
}

fn recorded_repeatables(rows: Vec<TextRow>) -> Vec<RecordedRepeatable> {
    rows.into_iter()
        .filter_map(|row| {
            let text = |i: usize| row.get(i).cloned().flatten();
            Some(RecordedRepeatable {
                name: text(0)?,
                checksum: text(1)?.parse().ok()?,
                applied_on: text(2).unwrap_or_default(),
            })
        })
        .collect()
}

/// The line of the statement where the server located the error, when it did.
fn error_line(statement: &LocatedStatement<'_>, error: &DriverError) -> u32 {
    let position = match error {
        DriverError::Server(db) => db.position,
        DriverError::Connection(_) => None,
    };
    let Some(position) = position else {
        return statement.line;
    };
    let before: String = statement
        .sql
        .chars()
        .take(position.saturating_sub(1) as usize)
        .collect();
    statement.line + before.matches('\n').count() as u32
}

/// The error of `statement`, sent after `shift` characters of one query string: the server's
/// position counts from the start of that string, the error's from the start of the statement.
fn statement_error(
    unit: &Unit<'_>,
    statement: &LocatedStatement<'_>,
    shift: u32,
    error: &tokio_postgres::Error,
    outcome: Outcome,
) -> Error {
    let mut error = DriverError::from_driver(error);
    if let DriverError::Server(db) = &mut error {
        db.position = db
            .position
            .and_then(|p| p.checked_sub(shift))
            .filter(|&p| p > 0);
    }
    let line = error_line(statement, &error);
    let file = statement.file.to_owned();
    match unit.source {
        Some(Source::Revision {
            revision,
            direction,
        }) => Error::Statement {
            revision: revision.name().to_owned(),
            direction,
            file,
            line,
            error,
            outcome,
        },
        Some(Source::Repeatable(repeatable)) => Error::Repeatable {
            name: repeatable.name().to_owned(),
            file,
            line,
            error,
            outcome,
        },
        None => Error::Database {
            during: "stamping",
            error,
        },
    }
}

/// Runs one unit: in one transaction, or statement by statement behind the dirty marker.
async fn run_unit<S: Session>(
    session: &mut S,
    history: &HistoryTable,
    unit: &Unit<'_>,
) -> Result<(), Error> {
    let bookkeeping = finishing(unit).collect::<Vec<_>>().join(";\n");
    let Some((mark, clear)) = &unit.dirty_marker else {
        return run_in_transaction(session, unit, &bookkeeping).await;
    };

    session
        .execute(mark)
        .await
        .map_err(Error::database("marking the database dirty"))?;
    for statement in &unit.statements {
        if let Err(error) = session.execute(statement.sql).await {
            let failure = statement_error(unit, statement, 0, &error, Outcome::Dirty);
            if let Some(Source::Revision { revision, .. }) = unit.source {
                let line = match &failure {
                    Error::Statement { line, .. } => *line,
                    _ => statement.line,
                };
                // As the session's own role: a revision's `SET ROLE` may not write the marker.
                let note = std::iter::once(history.note_failure(
                    revision,
                    statement.index,
                    line,
                    &failure.to_string(),
                ));
                let sql = unit.reset.iter().cloned().chain(note).collect::<Vec<_>>();
                let _ = session.execute(&sql.join(";\n")).await;
            }
            return Err(failure);
        }
    }
    session
        .execute(&format!("BEGIN;\n{bookkeeping};\n{clear};\nCOMMIT"))
        .await
        .map_err(Error::database(
            "recording the history after a non-transactional revision (the dirty marker stays)",
        ))
}

/// What a unit runs after its statements: the session's reset, then the history changes.
fn finishing<'u>(unit: &'u Unit<'_>) -> impl Iterator<Item = &'u str> {
    unit.reset
        .iter()
        .chain(&unit.bookkeeping)
        .map(String::as_str)
}

/// Opens a unit's transaction in the query string of its first statement.
const BEGIN: &str = "BEGIN;\n";

/// Runs a transactional unit in one transaction, in as few round trips as the driver allows
/// while every error stays located in its statement.
async fn run_in_transaction<S: Session>(
    session: &mut S,
    unit: &Unit<'_>,
    bookkeeping: &str,
) -> Result<(), Error> {
    if S::COUNTS_STATEMENTS {
        run_as_one_string(session, unit).await
    } else {
        run_statement_by_statement(session, unit, bookkeeping).await
    }
}

/// The whole unit, `BEGIN` to `COMMIT`, as one query string: one round trip. The driver counts
/// the statements that completed before an error, so the error is the next statement's: `BEGIN`,
/// a statement of the revision, the history change or `COMMIT`. A syntax error stops the string
/// before anything runs (the server parses all of it first); its position then tells the
/// statement.
async fn run_as_one_string<S: Session>(session: &mut S, unit: &Unit<'_>) -> Result<(), Error> {
    let mut sql = String::from(BEGIN);
    // Where each statement starts in the string, in characters, as the server counts positions.
    let mut starts = Vec::with_capacity(unit.statements.len());
    let mut chars = BEGIN.len();
    for statement in &unit.statements {
        starts.push(chars);
        sql.push_str(statement.sql);
        sql.push_str(";\n");
        chars += statement.sql.chars().count() + 2;
    }
    for entry in finishing(unit) {
        sql.push_str(entry);
        sql.push_str(";\n");
    }
    sql.push_str("COMMIT");
    let Err(Counted { completed, error }) = session.execute_counting(&sql).await else {
        return Ok(());
    };
    let statements = unit.statements.len();
    let position = match DriverError::from_driver(&error) {
        DriverError::Server(db) => db.position.map(|p| p as usize),
        DriverError::Connection(_) => None,
    };
    let failing = match completed.unwrap_or(0) {
        // Nothing ran: a syntax error, located by its position.
        0 => position.and_then(|p| {
            starts
                .iter()
                .rposition(|&start| start < p)
                .filter(|&i| p <= starts[i] + unit.statements[i].sql.chars().count() + 1)
        }),
        // `BEGIN` and the statements before it completed.
        n if n <= statements => Some(n - 1),
        _ => None,
    };
    if let Some(index) = failing {
        let _ = session.execute("ROLLBACK").await;
        let shift = u32::try_from(starts[index]).unwrap_or(u32::MAX);
        return Err(statement_error(
            unit,
            &unit.statements[index],
            shift,
            &error,
            Outcome::RolledBack,
        ));
    }
    let error = DriverError::from_driver(&error);
    match completed.unwrap_or(0) {
        0 => {
            let _ = session.execute("ROLLBACK").await;
            Err(Error::Database {
                during: "starting a transaction",
                error,
            })
        }
        n if n < 1 + statements + unit.reset.len() + unit.bookkeeping.len() => {
            let _ = session.execute("ROLLBACK").await;
            Err(Error::Database {
                during: "recording the history",
                error,
            })
        }
        _ => Err(commit_error(unit, error)),
    }
}

/// One round trip per statement: `BEGIN` goes with the first statement, the history change with
/// `COMMIT`. Neither merge blurs where an error comes from. `BEGIN` does not fail on a session
/// outside a transaction, so an error of the first query string is its statement's. An error of
/// the last one is the history change's when the transaction is still open (aborted: the rest of
/// the string, `COMMIT`, was skipped), and the `COMMIT`'s when it is over.
async fn run_statement_by_statement<S: Session>(
    session: &mut S,
    unit: &Unit<'_>,
    bookkeeping: &str,
) -> Result<(), Error> {
    let mut prefix = BEGIN;
    for statement in &unit.statements {
        let sent = if prefix.is_empty() {
            session.execute(statement.sql).await
        } else {
            session.execute(&format!("{prefix}{}", statement.sql)).await
        };
        if let Err(error) = sent {
            let _ = session.execute("ROLLBACK").await;
            return Err(statement_error(
                unit,
                statement,
                prefix.len() as u32,
                &error,
                Outcome::RolledBack,
            ));
        }
        prefix = "";
    }
    let finish = match bookkeeping {
        "" => format!("{prefix}COMMIT"),
        _ => format!("{prefix}{bookkeeping};\nCOMMIT"),
    };
    let Err(error) = session.execute(&finish).await else {
        return Ok(());
    };
    let error = DriverError::from_driver(&error);
    // A query fails in an aborted transaction and runs outside one.
    let history_failed = !bookkeeping.is_empty() && session.execute("SELECT").await.is_err();
    if history_failed {
        let _ = session.execute("ROLLBACK").await;
        return Err(Error::Database {
            during: "recording the history",
            error,
        });
    }
    Err(commit_error(unit, error))
}

/// A failed `COMMIT`: it ends the transaction, and nothing of it stays.
fn commit_error(unit: &Unit<'_>, error: DriverError) -> Error {
    match unit.source {
        Some(Source::Revision {
            revision,
            direction,
        }) => Error::Commit {
            revision: revision.name().to_owned(),
            direction,
            error,
            outcome: Outcome::RolledBack,
        },
        _ => Error::Database {
            during: "committing",
            error,
        },
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
            history.record_applied(revision)?
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
    Ok(Report {
        command: Command::Stamp,
        from: to.clone(),
        to,
        steps: vec![StepReport {
            kind: StepKind::Resolve,
            name: state.revision,
            label,
            duration: started.elapsed(),
        }],
        lock_wait: Duration::ZERO,
        elapsed: Duration::ZERO,
    })
}

/// The applied history, the dirty marker and the repeatables' checksums, without the lock;
/// empty when the history tables do not exist yet.
struct Snapshot {
    /// The history tables, their schema resolved.
    history: HistoryTable,
    applied: Vec<AppliedRevision>,
    dirty: Option<DirtyState>,
    repeatables: Vec<RecordedRepeatable>,
}

async fn read_state<S: Session>(
    session: &mut S,
    history: &HistoryTable,
) -> Result<Snapshot, Error> {
    let history = run_context(session, history).await?.history;
    if !tables_exist(session, &history).await? {
        // A database refinery migrated has only its own table: read it anyway.
        let refinery_only = session
            .rows(&format!(
                "SELECT pg_catalog.to_regclass({}) IS NOT NULL",
                quote_literal(history.qualified())
            ))
            .await
            .map_err(Error::database("looking for the history table"))?;
        let applied = if first_value(&refinery_only) == Some("t") {
            read_history(session, &history).await?
        } else {
            Vec::new()
        };
        return Ok(Snapshot {
            history,
            applied,
            dirty: None,
            repeatables: Vec::new(),
        });
    }
    Ok(Snapshot {
        applied: read_history(session, &history).await?,
        dirty: read_dirty(session, &history).await?,
        repeatables: read_repeatables(session, &history).await?,
        history,
    })
}

pub(crate) async fn current<S: Session>(
    settings: &Settings,
    session: &mut S,
) -> Result<Current, Error> {
    let set = &settings.revisions;
    let state = read_state(session, &settings.history).await?;
    let (applied, problems) = match plan::applied_position(set, &state.applied) {
        Ok(position) => (position, Vec::new()),
        Err(errors) => {
            let known = state
                .applied
                .iter()
                .filter(|row| set.get(row.id).is_some())
                .count();
            (known, errors.0.iter().map(ToString::to_string).collect())
        }
    };
    let revision = applied
        .checked_sub(1)
        .map(|i| set.revisions()[i].name().to_owned());
    let key = settings.history.lock_key();
    let repeatables_to_run_at_head = repeatables_to_run(set, set.revisions().len(), |name| {
        checksum_of(&state.repeatables, name)
    })
    .iter()
    .map(|r| r.name().to_owned())
    .collect();
    Ok(Current {
        revision,
        applied,
        pending: set.revisions().len() - applied,
        repeatables_to_run_at_head,
        head: set.head().map_or_else(String::new, |h| h.name().to_owned()),
        problems,
        dirty: state.dirty,
        lock_key: key,
        lock_holder: lock_holder(session, key).await,
    })
}

pub(crate) async fn history<S: Session>(
    settings: &Settings,
    session: &mut S,
) -> Result<History, Error> {
    let set = &settings.revisions;
    let state = read_state(session, &settings.history).await?;
    let mut entries: Vec<HistoryEntry> = set
        .revisions()
        .iter()
        .map(|revision| HistoryEntry {
            name: revision.name().to_owned(),
            message: revision.message().map(str::to_owned),
            applied_on: state
                .applied
                .iter()
                .find(|row| row.id == revision.id())
                .map(|row| row.applied_on.clone()),
            transactional: revision.is_transactional(),
            known: true,
            repeatable: None,
        })
        .collect();
    for row in state.applied.iter().filter(|row| set.get(row.id).is_none()) {
        entries.push(HistoryEntry {
            name: format!("{}_{}", row.id, row.name),
            message: None,
            applied_on: Some(row.applied_on.clone()),
            transactional: true,
            known: false,
            repeatable: None,
        });
    }
    let position = plan::applied_position(set, &state.applied).unwrap_or(0);
    for repeatable in set.repeatables() {
        let recorded = state
            .repeatables
            .iter()
            .find(|r| r.name == repeatable.name());
        let ready = plan::required_revision(set, repeatable)
            .and_then(|id| set.position(id))
            .is_some_and(|p| p < position);
        let repeatable_state = match recorded {
            _ if !ready => RepeatableState::Waiting,
            None => RepeatableState::NeverApplied,
            Some(r) if r.checksum == repeatable.checksum() => RepeatableState::UpToDate,
            Some(_) => RepeatableState::Changed,
        };
        entries.push(HistoryEntry {
            name: format!("repeatable/{}", repeatable.name()),
            message: repeatable.message().map(str::to_owned),
            // When it last ran, also for a changed one (it ran with an older text then).
            applied_on: recorded.filter(|_| ready).map(|r| r.applied_on.clone()),
            transactional: true,
            known: true,
            repeatable: Some(repeatable_state),
        });
    }
    Ok(History { entries })
}

/// The script an upgrade or downgrade from the database's current state would run.
pub(crate) async fn render_from_database<S: Session>(
    settings: &Settings,
    session: &mut S,
    command: Command,
    target: &Target,
) -> Result<String, Error> {
    let state = read_state(session, &settings.history).await?;
    let current = plan::applied_position(&settings.revisions, &state.applied)?;
    render(settings, &state.history, current, command, target, |name| {
        checksum_of(&state.repeatables, name)
    })
}

/// The script of a command from `from` applied revisions, given the repeatables' recorded checksums.
pub(crate) fn render(
    settings: &Settings,
    history: &HistoryTable,
    from: usize,
    command: Command,
    target: &Target,
    recorded: impl Fn(&str) -> Option<u64>,
) -> Result<String, Error> {
    let set: &RevisionSet = &settings.revisions;
    let plan = Plan::new(set, from, command, target)?;
    let repeatables = if command == Command::Upgrade {
        repeatables_to_run(set, plan.to, recorded)
    } else {
        Vec::new()
    };
    Ok(Script::render(set, &plan, history, &repeatables)?.to_string())
}
