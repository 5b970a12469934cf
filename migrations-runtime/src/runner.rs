//! The runner: what an application holds to migrate its database, with the blocking `postgres`
//! client or the async `tokio-postgres` one.
//!
//! ```no_run
//! # use migrations_runtime::{Runner, RevisionSet, Target};
//! # fn run(set: RevisionSet) -> Result<(), Box<dyn std::error::Error>> {
//! let mut client = postgres::Client::connect("postgres://app@localhost/app", postgres::NoTls)?;
//! let report = Runner::new(set).upgrade(&mut client, Target::Head)?;
//! println!("{report}");
//! # Ok(()) }
//! ```
//!
//! Every changing command holds a PostgreSQL advisory lock (see
//! [`migrations_core::history::HistoryTable::lock_key`]) for its whole run, so that any number of
//! runners may start at once: the first applies, the others wait and then find nothing to do.
//! The client must not be inside a transaction of its own when a command starts.

use std::time::Duration;

use migrations_core::history::{HistoryTable, HistoryTableError};
use migrations_core::{Command, Revision, RevisionSet, Target};

use crate::engine::{self, Change};
use crate::error::Error;
use crate::report::{Current, History, Report};
use crate::session::block_on;

/// How long a runner waits for the advisory lock by default.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

/// How `resolve` settles a non-transactional revision that stopped part-way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Its remaining statements were run by hand: record its history change.
    Finished,
    /// What it had done was undone by hand: leave the history as it was before it.
    RolledBack,
}

/// What the engine needs: the revisions and the settings.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) revisions: RevisionSet,
    pub(crate) history: HistoryTable,
    pub(crate) lock_timeout: Duration,
}

/// Applies one set of revisions; built by the `runner()` function that [`crate::embed!`] defines.
#[derive(Clone, Debug)]
pub struct Runner {
    settings: Settings,
}

impl Runner {
    pub fn new(revisions: RevisionSet) -> Runner {
        Runner {
            settings: Settings {
                revisions,
                history: HistoryTable::default(),
                lock_timeout: DEFAULT_LOCK_TIMEOUT,
            },
        }
    }

    /// Uses another history table than refinery's default `refinery_schema_history`; a
    /// schema-qualified name (`meta.schema_history`) keeps it out of the application's schema.
    pub fn with_history_table(mut self, name: &str) -> Result<Runner, HistoryTableError> {
        self.settings.history = HistoryTable::new(name)?;
        Ok(self)
    }

    /// How long to wait for another run's advisory lock before giving up (default 60 s).
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Runner {
        self.settings.lock_timeout = timeout;
        self
    }

    /// How long this runner waits for another run's advisory lock.
    pub fn lock_timeout(&self) -> Duration {
        self.settings.lock_timeout
    }

    pub fn revisions(&self) -> &RevisionSet {
        &self.settings.revisions
    }

    pub fn history_table(&self) -> &HistoryTable {
        &self.settings.history
    }

    /// Applies pending revisions up to `target`, each in a transaction with its history row, then
    /// the repeatable migrations that changed.
    pub fn upgrade(&self, client: &mut postgres::Client, target: Target) -> Result<Report, Error> {
        block_on(engine::change(
            &self.settings,
            client,
            Change::Upgrade(target),
        ))
    }

    /// Runs down sections, newest first, until `target` is the newest applied revision (`base`:
    /// until nothing is applied).
    pub fn downgrade(
        &self,
        client: &mut postgres::Client,
        target: Target,
    ) -> Result<Report, Error> {
        block_on(engine::change(
            &self.settings,
            client,
            Change::Downgrade(target),
        ))
    }

    /// Records `target` as the current revision without running any SQL, forwards or backwards.
    pub fn stamp(&self, client: &mut postgres::Client, target: Target) -> Result<Report, Error> {
        block_on(engine::change(
            &self.settings,
            client,
            Change::Stamp(target),
        ))
    }

    /// Clears the dirty marker a non-transactional revision left when it stopped part-way.
    pub fn resolve(
        &self,
        client: &mut postgres::Client,
        resolution: Resolution,
    ) -> Result<Report, Error> {
        block_on(engine::change(
            &self.settings,
            client,
            Change::Resolve(resolution),
        ))
    }

    /// Where the database stands.
    pub fn current(&self, client: &mut postgres::Client) -> Result<Current, Error> {
        block_on(engine::current(&self.settings, client))
    }

    /// Every revision, applied (when) or pending, and the repeatable migrations.
    pub fn history(&self, client: &mut postgres::Client) -> Result<History, Error> {
        block_on(engine::history(&self.settings, client))
    }

    /// The revisions an upgrade to head would apply.
    pub fn pending(&self, client: &mut postgres::Client) -> Result<Vec<Revision>, Error> {
        let current = self.current(client)?;
        Ok(self.revisions().revisions()[current.applied..].to_vec())
    }

    /// The script `upgrade` (or `downgrade`) to `target` would run on this database, for review.
    pub fn render_sql(
        &self,
        client: &mut postgres::Client,
        command: Command,
        target: &Target,
    ) -> Result<String, Error> {
        block_on(engine::render_from_database(
            &self.settings,
            client,
            command,
            target,
        ))
    }

    /// The script of a command from `from` to `to`, without a database. Repeatable migrations
    /// are shown as if never applied.
    pub fn render_sql_offline(
        &self,
        command: Command,
        from: &Target,
        to: &Target,
    ) -> Result<String, Error> {
        let from = from
            .position(self.revisions(), 0)
            .map_err(migrations_core::plan::PlanError::from)?;
        engine::render(
            &self.settings,
            &self.settings.history,
            from,
            command,
            to,
            |_| None,
        )
    }

    pub async fn upgrade_async(
        &self,
        client: &mut tokio_postgres::Client,
        target: Target,
    ) -> Result<Report, Error> {
        engine::change(&self.settings, client, Change::Upgrade(target)).await
    }

    pub async fn downgrade_async(
        &self,
        client: &mut tokio_postgres::Client,
        target: Target,
    ) -> Result<Report, Error> {
        engine::change(&self.settings, client, Change::Downgrade(target)).await
    }

    pub async fn stamp_async(
        &self,
        client: &mut tokio_postgres::Client,
        target: Target,
    ) -> Result<Report, Error> {
        engine::change(&self.settings, client, Change::Stamp(target)).await
    }

    pub async fn resolve_async(
        &self,
        client: &mut tokio_postgres::Client,
        resolution: Resolution,
    ) -> Result<Report, Error> {
        engine::change(&self.settings, client, Change::Resolve(resolution)).await
    }

    pub async fn current_async(
        &self,
        client: &mut tokio_postgres::Client,
    ) -> Result<Current, Error> {
        engine::current(&self.settings, client).await
    }

    pub async fn history_async(
        &self,
        client: &mut tokio_postgres::Client,
    ) -> Result<History, Error> {
        engine::history(&self.settings, client).await
    }

    pub async fn pending_async(
        &self,
        client: &mut tokio_postgres::Client,
    ) -> Result<Vec<Revision>, Error> {
        let current = self.current_async(client).await?;
        Ok(self.revisions().revisions()[current.applied..].to_vec())
    }

    pub async fn render_sql_async(
        &self,
        client: &mut tokio_postgres::Client,
        command: Command,
        target: &Target,
    ) -> Result<String, Error> {
        engine::render_from_database(&self.settings, client, command, target).await
    }
}
