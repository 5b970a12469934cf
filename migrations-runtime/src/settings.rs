//! What a run is configured with: the revisions, the history table, the lock and the envelope.

use std::time::Duration;

use migrations_core::RevisionSet;
use migrations_core::envelope::Envelope;
use migrations_core::history::HistoryTable;

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
        }
    }
}
