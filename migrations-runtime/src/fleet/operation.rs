//! What a fleet does on each database: upgrade, downgrade and current are given here; any other
//! command on one database plugs in by implementing [`Operation`].

use std::future::Future;

use migrations_core::Target;

use crate::error::Error;
use crate::report::{Current, Report};
use crate::runner::Runner;

/// A command a fleet runs on each of its databases, over one connection per database.
pub trait Operation: Sync {
    type Output: Send;
    type Error: std::error::Error + Send;

    fn run<'a>(
        &'a self,
        runner: &'a Runner,
        client: &'a mut tokio_postgres::Client,
    ) -> impl Future<Output = Result<Self::Output, Self::Error>> + Send + 'a;

    /// Whether the command changed the database (counted as migrated), or found it where it
    /// should be.
    fn changed(&self, output: &Self::Output) -> bool;

    /// Whether the error says that another run holds the database's advisory lock: the fleet
    /// then says the database was busy, and waits for the lock as the runner is configured to.
    fn lock_busy(&self, error: &Self::Error) -> bool {
        let _ = error;
        false
    }

    /// Whether the error is the connection's: the server went away in the middle of the
    /// command. The database is then reported unreachable, and does not stop the run.
    fn connection_lost(&self, error: &Self::Error) -> bool {
        let _ = error;
        false
    }

    /// Where the database stands after the command failed, when it can be told (a revision's
    /// file stem, or `base`), so that a report says how far a failed database got.
    fn position_after_failure<'a>(
        &'a self,
        runner: &'a Runner,
        client: &'a mut tokio_postgres::Client,
    ) -> impl Future<Output = Option<String>> + Send + 'a {
        let _ = (runner, client);
        std::future::ready(None)
    }
}

/// `upgrade` or `downgrade` to a target on every database.
#[derive(Clone, Debug)]
pub enum Migrate {
    Upgrade(Target),
    Downgrade(Target),
}

/// `current` of every database, to count how many stand at each revision.
#[derive(Clone, Copy, Debug)]
pub struct Inspect;

impl Operation for Migrate {
    type Output = Report;
    type Error = Error;

    async fn run(
        &self,
        runner: &Runner,
        client: &mut tokio_postgres::Client,
    ) -> Result<Report, Error> {
        match self {
            Migrate::Upgrade(target) => runner.upgrade_async(client, target.clone()).await,
            Migrate::Downgrade(target) => runner.downgrade_async(client, target.clone()).await,
        }
    }

    fn changed(&self, report: &Report) -> bool {
        !report.steps.is_empty()
    }

    fn lock_busy(&self, error: &Error) -> bool {
        matches!(error, Error::LockTimeout { .. })
    }

    fn connection_lost(&self, error: &Error) -> bool {
        error.connection_lost()
    }

    async fn position_after_failure(
        &self,
        runner: &Runner,
        client: &mut tokio_postgres::Client,
    ) -> Option<String> {
        let current = runner.current_async(client).await.ok()?;
        Some(current.revision.unwrap_or_else(|| "base".to_owned()))
    }
}

impl Operation for Inspect {
    type Output = Current;
    type Error = Error;

    fn run<'a>(
        &'a self,
        runner: &'a Runner,
        client: &'a mut tokio_postgres::Client,
    ) -> impl Future<Output = Result<Current, Error>> + Send + 'a {
        runner.current_async(client)
    }

    fn changed(&self, _: &Current) -> bool {
        false
    }

    fn connection_lost(&self, error: &Error) -> bool {
        error.connection_lost()
    }
}
