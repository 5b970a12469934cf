//! Executing a unit: in one transaction in as few round trips as the driver allows, or statement
//! by statement behind the dirty marker, every error located in its file and line.

use migrations_core::history::HistoryTable;
use migrations_core::script::{LocatedStatement, Source, Unit};

use super::observe::{Before, Observed, Observer};
use super::retry::run_retrying;
use crate::error::{DriverError, Error, Outcome};
use crate::session::{Counted, Session};

/// The line of the statement where the server located the error, when it did.
pub(super) fn error_line(statement: &LocatedStatement<'_>, error: &DriverError) -> u32 {
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
pub(super) fn statement_error(
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

/// How a run executes its units.
#[derive(Clone, Copy)]
pub(super) struct Execution<'o> {
    /// Tries of a transactional unit that times out waiting for a lock.
    pub(super) attempts: u32,
    /// Set when the run records each unit's locks and rewrites.
    pub(super) observer: Option<&'o Observer>,
}

/// How a unit went: the tries it took, and what it was seen to do.
pub(super) struct Ran {
    pub(super) attempts: u32,
    pub(super) observed: Observed,
}

/// Runs one unit: in one transaction (tried again while it times out waiting for a lock), or
/// statement by statement behind the dirty marker.
pub(super) async fn run_unit<S: Session>(
    session: &mut S,
    history: &HistoryTable,
    unit: &Unit<'_>,
    execution: Execution<'_>,
) -> Result<Ran, Error> {
    let bookkeeping = finishing(unit).collect::<Vec<_>>().join(";\n");
    let Some((mark, clear)) = &unit.dirty_marker else {
        return run_retrying(session, unit, &bookkeeping, execution).await;
    };
    let mut observed = Observed::default();

    session
        .execute(mark)
        .await
        .map_err(Error::database("marking the database dirty"))?;
    // Its timeouts hold for the session until the reset after the last statement.
    if !unit.envelope.is_empty() {
        session
            .execute(&unit.envelope.join(";\n"))
            .await
            .map_err(Error::database("setting the revision's timeouts"))?;
    }
    for statement in &unit.statements {
        // Each statement commits and releases its locks at once: only its rewrites can be seen.
        let before = match execution.observer {
            Some(observer) => Some(observer.before(session).await?),
            None => None,
        };
        let sent = session.execute(statement.sql).await;
        if let (Ok(()), Some(observer), Some(before)) = (&sent, execution.observer, &before) {
            let mut seen = observer.after(session, before).await?;
            seen.locks.clear();
            observed.merge(seen);
        }
        if let Err(error) = sent {
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
        ))?;
    Ok(Ran {
        attempts: 1,
        observed,
    })
}

/// What a unit runs after its statements: the session's reset, then the history changes.
pub(super) fn finishing<'u>(unit: &'u Unit<'_>) -> impl Iterator<Item = &'u str> {
    unit.reset
        .iter()
        .chain(&unit.bookkeeping)
        .map(String::as_str)
}

/// What opens a unit's transaction, sent in the query string of its first statement: `BEGIN`
/// and the envelope's `SET LOCAL`s.
pub(super) fn opening(unit: &Unit<'_>) -> String {
    let mut sql = String::from("BEGIN;\n");
    for statement in &unit.envelope {
        sql.push_str(statement);
        sql.push_str(";\n");
    }
    sql
}

/// Runs a transactional unit in one transaction, in as few round trips as the driver allows
/// while every error stays located in its statement.
/// With an observer, the locks and rewrites are read in the transaction before the history
/// change, which takes a round trip per statement.
pub(super) async fn run_in_transaction<S: Session>(
    session: &mut S,
    unit: &Unit<'_>,
    bookkeeping: &str,
    observer: Option<&Observer>,
) -> Result<Observed, Error> {
    if let Some(observer) = observer {
        let before = observer.before(session).await?;
        return run_statement_by_statement(session, unit, bookkeeping, Some((observer, &before)))
            .await;
    }
    if S::COUNTS_STATEMENTS {
        run_as_one_string(session, unit).await?;
    } else {
        run_statement_by_statement(session, unit, bookkeeping, None).await?;
    }
    Ok(Observed::default())
}

/// The whole unit, `BEGIN` to `COMMIT`, as one query string: one round trip. The driver counts
/// the statements that completed before an error, so the error is the next statement's: `BEGIN`,
/// a statement of the revision, the history change or `COMMIT`. A syntax error stops the string
/// before anything runs (the server parses all of it first); its position then tells the
/// statement.
pub(super) async fn run_as_one_string<S: Session>(
    session: &mut S,
    unit: &Unit<'_>,
) -> Result<(), Error> {
    let mut sql = opening(unit);
    // Where each statement starts in the string, in characters, as the server counts positions.
    let mut starts = Vec::with_capacity(unit.statements.len());
    let mut chars = sql.chars().count();
    // `BEGIN` and the envelope's statements come before the revision's.
    let before = 1 + unit.envelope.len();
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
        // `BEGIN`, the envelope and the statements before it completed.
        n if n >= before && n < before + statements => Some(n - before),
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
        n if n < before => {
            let _ = session.execute("ROLLBACK").await;
            Err(Error::Database {
                during: "starting a transaction with the revision's timeouts",
                error,
            })
        }
        n if n < before + statements + unit.reset.len() + unit.bookkeeping.len() => {
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
pub(super) async fn run_statement_by_statement<S: Session>(
    session: &mut S,
    unit: &Unit<'_>,
    bookkeeping: &str,
    observation: Option<(&Observer, &Before)>,
) -> Result<Observed, Error> {
    let opening = opening(unit);
    let mut prefix = opening.as_str();
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
    let mut observed = Observed::default();
    if let Some((observer, before)) = observation {
        // The transaction may not be open yet: a unit without statements opens it here.
        if !prefix.is_empty() {
            session
                .execute(prefix.trim_end().trim_end_matches(';'))
                .await
                .map_err(Error::database("starting a transaction"))?;
            prefix = "";
        }
        match observer.after(session, before).await {
            Ok(seen) => observed = seen,
            Err(error) => {
                let _ = session.execute("ROLLBACK").await;
                return Err(error);
            }
        }
    }
    let finish = match bookkeeping {
        "" => format!("{prefix}COMMIT"),
        _ => format!("{prefix}{bookkeeping};\nCOMMIT"),
    };
    let Err(error) = session.execute(&finish).await else {
        return Ok(observed);
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
pub(super) fn commit_error(unit: &Unit<'_>, error: DriverError) -> Error {
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
