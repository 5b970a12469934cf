//! What a fleet run did on each database, and what it did as a whole.

use std::fmt;
use std::time::Duration;

use crate::connect::ConnectError;

/// Where one database ended, for the summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// The command found nothing to do: the database was at the target already.
    AtTarget,
    /// The command changed the database.
    Migrated,
    Failed,
    /// No connection within the connect timeout, the server refused it, or the connection was
    /// lost in the middle of the command.
    Unreachable,
    /// Another run held the database's advisory lock longer than the lock timeout.
    Busy,
    /// Not started: the run stopped before it (see [`Stop`]).
    Skipped,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::AtTarget,
        Status::Migrated,
        Status::Failed,
        Status::Unreachable,
        Status::Busy,
        Status::Skipped,
    ];

    /// `at target`, `migrated`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Status::AtTarget => "at target",
            Status::Migrated => "migrated",
            Status::Failed => "failed",
            Status::Unreachable => "unreachable",
            Status::Busy => "busy",
            Status::Skipped => "skipped",
        }
    }

    /// The command ran to its end on the database.
    pub fn succeeded(self) -> bool {
        matches!(self, Status::AtTarget | Status::Migrated)
    }
}

/// Why a run stopped starting databases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// A database failed, and the run does not keep going.
    Failure { database: String },
    /// Some of the canaries did not succeed.
    Canary {
        unsuccessful: usize,
        canaries: usize,
    },
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Failure { database } => write!(
                f,
                "{database} failed and a failure stops the run (--keep-going goes on)"
            ),
            Stop::Canary {
                unsuccessful,
                canaries,
            } => write!(
                f,
                "{unsuccessful} of the {canaries} canaries did not succeed"
            ),
        }
    }
}

/// Why a database did not end as the command meant.
#[derive(Debug)]
pub enum Problem<E> {
    Unreachable(ConnectError),
    Failed {
        error: E,
        /// Where the database stood after the failure, when that could be asked.
        position: Option<String>,
    },
    Busy(E),
    /// The connection was lost in the middle of the command.
    Disconnected(E),
    Skipped(Stop),
}

/// What happened on one database.
#[derive(Debug)]
pub struct DatabaseOutcome<T, E> {
    /// Its place in the fleet's list.
    pub index: usize,
    /// Its name: server and database, never a password.
    pub name: String,
    pub result: Result<T, Problem<E>>,
    /// Whether the command changed the database, when it succeeded.
    pub changed: bool,
    /// Whether it found the advisory lock held by another run and waited for it.
    pub waited_for_lock: bool,
    /// From the start of its connection to the end of its command.
    pub elapsed: Duration,
}

impl<T, E> DatabaseOutcome<T, E> {
    pub fn status(&self) -> Status {
        match &self.result {
            Ok(_) if self.changed => Status::Migrated,
            Ok(_) => Status::AtTarget,
            Err(Problem::Unreachable(_) | Problem::Disconnected(_)) => Status::Unreachable,
            Err(Problem::Failed { .. }) => Status::Failed,
            Err(Problem::Busy(_)) => Status::Busy,
            Err(Problem::Skipped(_)) => Status::Skipped,
        }
    }
}

/// What a fleet run did: one outcome per database, in the list's order.
#[derive(Debug)]
pub struct FleetReport<T, E> {
    pub outcomes: Vec<DatabaseOutcome<T, E>>,
    /// Why it stopped starting databases, if it did.
    pub stopped: Option<Stop>,
}

impl<T, E> FleetReport<T, E> {
    /// How many databases ended in each status, in [`Status::ALL`]'s order.
    pub fn counts(&self) -> Vec<(Status, usize)> {
        Status::ALL
            .iter()
            .map(|&status| {
                let count = self
                    .outcomes
                    .iter()
                    .filter(|outcome| outcome.status() == status)
                    .count();
                (status, count)
            })
            .collect()
    }

    /// Whether the command ran to its end on every database.
    pub fn succeeded(&self) -> bool {
        self.outcomes
            .iter()
            .all(|outcome| outcome.status().succeeded())
    }
}
