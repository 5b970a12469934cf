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

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use migrations_core::history::{HistoryTable, HistoryTableError};
use migrations_core::{Command, Revision, RevisionSet, Target};

use crate::engine::{self, Change};
use crate::error::Error;
use crate::report::{Current, History, Report, StepReport};
use crate::session::block_on;
pub use crate::settings::Resolution;
use crate::settings::{Settings, StepHook};

/// Applies one set of revisions; built by the `runner()` function that [`crate::embed!`] defines.
#[derive(Clone, Debug)]
pub struct Runner {
    settings: Settings,
    /// The folder's `schema.snapshot.json`, for `migrate drift`.
    head_schema: Option<Cow<'static, str>>,
}

impl Runner {
    pub fn new(revisions: RevisionSet) -> Runner {
        Runner {
            settings: Settings::new(revisions),
            head_schema: None,
        }
    }

    /// Carries the schema at head as `cargo xtask schema` wrote it (the text of
    /// `schema.snapshot.json`), which `migrate drift` compares a database with; the `runner()`
    /// of [`crate::embed!`] passes the folder's file.
    pub fn with_head_schema(mut self, snapshot_json: impl Into<Cow<'static, str>>) -> Runner {
        self.head_schema = Some(snapshot_json.into());
        self
    }

    /// The text given to [`Runner::with_head_schema`].
    pub fn head_schema(&self) -> Option<&str> {
        self.head_schema.as_deref()
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

    /// How long each revision's statements may wait for a lock (default 5 s; zero: no limit).
    /// A transactional revision that times out is rolled back and tried again.
    pub fn with_statement_lock_timeout(mut self, timeout: Duration) -> Runner {
        self.settings.envelope.lock_timeout = timeout;
        self
    }

    /// How long each revision's statements may run (default: the session's `statement_timeout`).
    pub fn with_statement_timeout(mut self, timeout: Duration) -> Runner {
        self.settings.envelope.statement_timeout = Some(timeout);
        self
    }

    /// How many times a transactional revision is tried when it times out waiting for a lock
    /// (default 5; 1 does not retry). The waits between tries grow exponentially, with jitter.
    pub fn with_lock_retries(mut self, attempts: u32) -> Runner {
        self.settings.lock_retries = attempts.max(1);
        self
    }

    /// Records, for each revision, the locks its transaction holds on relations that existed
    /// before it and the relations it rewrote, in [`crate::StepReport::observed`]. It costs a
    /// round trip per statement and two catalog reads per revision: for verify and staging.
    pub fn with_observation(mut self, observe: bool) -> Runner {
        self.settings.observe = observe;
        self
    }

    /// Calls `on_step` with each step's report as soon as the step is done (a transactional
    /// revision once it is committed with its history row), while the command runs: for progress
    /// output, e.g. `migrate upgrade --json`'s line per revision. The command's [`Report`] lists
    /// the same steps at its end; a step that fails is not reported, its error is the command's.
    pub fn on_step(mut self, on_step: impl Fn(&StepReport) + Send + Sync + 'static) -> Runner {
        self.settings.on_step = Some(StepHook(Arc::new(on_step)));
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
