//! What a run is configured with: the revisions, the history table, the lock and the envelope.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use migrations_core::RevisionSet;
use migrations_core::envelope::Envelope;
use migrations_core::history::HistoryTable;

use crate::report::StepReport;

/// How long a runner waits for the advisory lock by default.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

/// How many times a transactional revision is tried when it times out waiting for a lock.
pub const DEFAULT_LOCK_RETRIES: u32 = 5;

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
    /// How long to wait for another run's advisory lock.
    pub(crate) lock_timeout: Duration,
    /// The lock and statement timeouts of each revision's statements.
    pub(crate) envelope: Envelope,
    /// Tries of a transactional revision that times out waiting for a lock; at least 1.
    pub(crate) lock_retries: u32,
    /// Records each unit's locks and rewrites (a round trip per statement).
    pub(crate) observe: bool,
    /// Told of each step as it finishes, while the command runs.
    pub(crate) on_step: Option<StepHook>,
}

/// What an application is told of each step as it finishes ([`crate::Runner::on_step`]).
#[derive(Clone)]
pub(crate) struct StepHook(pub(crate) Arc<dyn Fn(&StepReport) + Send + Sync>);

impl StepHook {
    pub(crate) fn finished(&self, step: &StepReport) {
        (self.0)(step);
    }
}

impl fmt::Debug for StepHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StepHook")
    }
}

impl Settings {
    pub(crate) fn new(revisions: RevisionSet) -> Settings {
        Settings {
            revisions,
            history: HistoryTable::default(),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            envelope: Envelope::default(),
            lock_retries: DEFAULT_LOCK_RETRIES,
            observe: false,
            on_step: None,
        }
    }
}
