//! Running a transactional unit in one transaction, in as few round trips as the driver allows,
//! every error located in its statement; observed (locks, rewrites) when the run asks for it.

use migrations_core::script::Unit;

use super::locate::{commit_error, statement_error};
use super::observe::{Before, Observer};
use crate::error::{DriverError, Error, Outcome};
use crate::observed::Observed;
use crate::session::{Counted, Session};

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
