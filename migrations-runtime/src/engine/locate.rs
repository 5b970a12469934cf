//! Where an error happened: the statement, and the line in its file, from the server's position.

use migrations_core::script::{LocatedStatement, Source, Unit};

use crate::error::{DriverError, Error, Outcome};

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
