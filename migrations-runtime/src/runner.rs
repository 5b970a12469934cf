//! The runner: what an application holds to migrate its database.

use migrations_core::RevisionSet;

/// Applies one set of revisions; built by the `runner()` function that [`crate::embed!`] defines.
#[derive(Clone, Debug)]
pub struct Runner {
    revisions: RevisionSet,
}

impl Runner {
    pub fn new(revisions: RevisionSet) -> Runner {
        Runner { revisions }
    }

    pub fn revisions(&self) -> &RevisionSet {
        &self.revisions
    }
}
