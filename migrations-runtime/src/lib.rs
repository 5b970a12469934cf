//! Applies revisions to PostgreSQL: upgrade, downgrade, stamp, history, under an advisory lock.
//!
//! A crate embeds its folder of revisions with [`embed!`], which checks the folder at compile time
//! and defines one constant per revision, `HEAD`, `BASE`, `REVISIONS` and `runner()`. The
//! [`Runner`] applies them with the blocking `postgres` client or with `tokio-postgres`; both go
//! through one implementation of the logic.

mod blocker;
mod causes;
#[cfg(feature = "cli")]
pub mod cli;
mod connect;
mod engine;
mod error;
pub mod fleet;
mod observed;
mod report;
mod runner;
mod session;
mod settings;

pub use connect::{ConnectError, DatabaseUrl, SslMode};
pub use error::{DbError, DirtyState, DriverError, Error, Outcome};
pub use migrations_core::envelope::DEFAULT_STATEMENT_LOCK_TIMEOUT;
pub use migrations_core::{
    Command, Repeatable, Revision, RevisionId, RevisionSet, Section, Statement, Target,
};
pub use migrations_macros::embed;
pub use report::{
    Current, HeldLock, History, HistoryEntry, Observed, RepeatableState, Report, Rewritten,
    StepKind, StepReport, is_table, relation_kind,
};
pub use runner::Runner;
pub use settings::{DEFAULT_LOCK_RETRIES, DEFAULT_LOCK_TIMEOUT, Resolution};

/// The pure core: loading, checking, planning and rendering, for tools built on the runtime.
pub use migrations_core as core;

/// What the expansion of [`embed!`] refers to; not a stable interface.
#[doc(hidden)]
pub mod __private {
    pub use migrations_core::sql::StatementSpan;
    pub use migrations_core::{
        LintAllow, Repeatable, Revision, RevisionId, RevisionSet, RevisionSettings, Section,
    };
    pub use std::time::Duration;
}
