//! Applies revisions to PostgreSQL: upgrade, downgrade, stamp, history, under an advisory lock.
//!
//! A crate embeds its folder of revisions with [`embed!`], which checks the folder at compile time
//! and defines one constant per revision, `HEAD`, `BASE`, `REVISIONS` and `runner()`.

mod runner;

pub use migrations_core::{Repeatable, Revision, RevisionId, RevisionSet, Section, Statement};
pub use migrations_macros::embed;
pub use runner::Runner;

/// What the expansion of [`embed!`] refers to; not a stable interface.
#[doc(hidden)]
pub mod __private {
    pub use migrations_core::sql::StatementSpan;
    pub use migrations_core::{Repeatable, Revision, RevisionId, RevisionSet, Section};
}
