//! Many databases, one set of revisions: a database per tenant, shards, regions.
//!
//! Each database keeps its own history table and advisory lock, so a fleet needs no coordinator:
//! it runs one command ([`Operation`]) on each database over a connection of its own, at most
//! [`Fleet::with_jobs`] at once. A failure stops new databases from starting while the running
//! ones finish ([`Fleet::keep_going`] goes on); [`Fleet::with_canary`] runs the first databases
//! alone and goes on only if all of them succeeded. Nothing is retried. A database whose lock
//! another run holds is reported busy, then waited for as the runner's lock timeout says, so two
//! fleet runs at once never apply a revision twice. Running the same command again does only
//! what is left.
//!
//! ```no_run
//! # use migrations_runtime::{DatabaseUrl, Runner, Target};
//! # use migrations_runtime::fleet::{Fleet, parse_databases};
//! # async fn run(runner: Runner) -> Result<(), Box<dyn std::error::Error>> {
//! let list = std::fs::read_to_string("tenants.txt")?;
//! let fleet = Fleet::new(parse_databases(&list, "tenants.txt")?).with_jobs(8);
//! let report = fleet
//!     .upgrade(&runner, Target::Head, |outcome| println!("{}: {:?}", outcome.name, outcome.status()))
//!     .await;
//! assert!(report.succeeded());
//! # Ok(()) }
//! ```

use std::time::Duration;

use migrations_core::Target;

mod census;
mod database;
mod error;
mod list;
mod operation;
mod outcome;
mod schedule;

pub use census::{Census, Position};
pub use database::FleetDatabase;
pub use error::{FleetError, FleetListError, ListProblem};
pub use list::{parse_databases, query_databases};
pub use operation::{Inspect, Migrate, Operation};
pub use outcome::{DatabaseOutcome, FleetReport, Problem, Status, Stop};

use crate::error::Error;
use crate::report::{Current, Report};
use crate::runner::Runner;

/// How many databases a fleet runs at once by default.
pub const DEFAULT_JOBS: usize = 4;
/// How long a fleet waits for each database's connection by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The databases a command runs on, and how it runs on them.
#[derive(Clone, Debug)]
pub struct Fleet {
    databases: Vec<FleetDatabase>,
    jobs: usize,
    canary: usize,
    keep_going: bool,
    connect_timeout: Duration,
}

impl Fleet {
    pub fn new(databases: Vec<FleetDatabase>) -> Fleet {
        Fleet {
            databases,
            jobs: DEFAULT_JOBS,
            canary: 0,
            keep_going: false,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// How many databases run at once (at least 1).
    pub fn with_jobs(mut self, jobs: usize) -> Fleet {
        self.jobs = jobs.max(1);
        self
    }

    /// Runs the first `canaries` databases of the list first, and the others only if all of
    /// them succeeded.
    pub fn with_canary(mut self, canaries: usize) -> Fleet {
        self.canary = canaries;
        self
    }

    /// Goes on starting databases after one failed.
    pub fn keep_going(mut self, keep_going: bool) -> Fleet {
        self.keep_going = keep_going;
        self
    }

    /// How long each database's connection may take, and how long a server may go silent in
    /// the middle of a run (about twice that), before the database is given up.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Fleet {
        self.connect_timeout = timeout;
        self
    }

    pub fn databases(&self) -> &[FleetDatabase] {
        &self.databases
    }

    /// Runs `operation` on every database; `on_finish` sees each outcome as it comes, then
    /// those of the databases that were skipped, in the list's order.
    pub async fn run<O: Operation>(
        &self,
        runner: &Runner,
        operation: &O,
        mut on_finish: impl FnMut(&DatabaseOutcome<O::Output, O::Error>) + Send,
    ) -> FleetReport<O::Output, O::Error> {
        schedule::run(self, runner, operation, &mut on_finish).await
    }

    pub async fn upgrade(
        &self,
        runner: &Runner,
        target: Target,
        on_finish: impl FnMut(&DatabaseOutcome<Report, Error>) + Send,
    ) -> FleetReport<Report, Error> {
        self.run(runner, &Migrate::Upgrade(target), on_finish).await
    }

    pub async fn downgrade(
        &self,
        runner: &Runner,
        target: Target,
        on_finish: impl FnMut(&DatabaseOutcome<Report, Error>) + Send,
    ) -> FleetReport<Report, Error> {
        self.run(runner, &Migrate::Downgrade(target), on_finish)
            .await
    }

    pub async fn current(
        &self,
        runner: &Runner,
        on_finish: impl FnMut(&DatabaseOutcome<Current, Error>) + Send,
    ) -> FleetReport<Current, Error> {
        self.run(runner, &Inspect, on_finish).await
    }
}

/// An application may spawn a fleet's run on a multi-threaded runtime.
#[cfg(test)]
#[allow(dead_code)]
fn runs_are_send<'a>(fleet: &'a Fleet, runner: &'a Runner) -> impl Future + Send + 'a {
    fleet.upgrade(runner, Target::Head, |_| {})
}
