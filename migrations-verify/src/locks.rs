//! The locks and rewrites each revision really takes on relations that existed before it, as the
//! runner observed them in the stairway, and the optional policy that fails a revision for them.
//!
//! A revision that holds ACCESS EXCLUSIVE on an existing table blocks every read of it until it
//! commits; one that rewrites a table holds that lock while it copies every row. Either is fine on
//! a small table and an outage on a large one, so the policy lets a revision through when its
//! header says why: `-- lint: allow access-exclusive-lock -- <reason>` or `table-rewrite`.

use migrations_core::Revision;
use migrations_runtime::{Observed, is_table};
use serde::{Deserialize, Serialize};

/// The rule a revision names to hold ACCESS EXCLUSIVE on an existing table.
pub const ACCESS_EXCLUSIVE_RULE: &str = migrations_lint::OBSERVED_RULES[0];
/// The rule a revision names to rewrite an existing table.
pub const REWRITE_RULE: &str = migrations_lint::OBSERVED_RULES[1];

/// A lock held on an existing relation: the strongest mode, as `pg_locks.mode` names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationLock {
    /// `schema.name`.
    pub relation: String,
    pub mode: String,
}

/// One value per direction of a revision.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByDirection<T> {
    pub up: T,
    pub down: T,
}

impl<T: Default + PartialEq> ByDirection<Vec<T>> {
    pub fn is_empty(&self) -> bool {
        self.up.is_empty() && self.down.is_empty()
    }
}

/// What a revision did to the relations that existed before it, in each direction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Observations {
    pub(crate) up: Observed,
    pub(crate) down: Observed,
}

impl Observations {
    pub(crate) fn locks(&self) -> ByDirection<Vec<RelationLock>> {
        let locks = |observed: &Observed| {
            observed
                .locks
                .iter()
                .map(|l| RelationLock {
                    relation: l.relation.clone(),
                    mode: l.mode.clone(),
                })
                .collect()
        };
        ByDirection {
            up: locks(&self.up),
            down: locks(&self.down),
        }
    }

    pub(crate) fn rewrites(&self) -> ByDirection<Vec<String>> {
        let names = |observed: &Observed| {
            observed
                .rewrites
                .iter()
                .map(|r| r.relation.clone())
                .collect()
        };
        ByDirection {
            up: names(&self.up),
            down: names(&self.down),
        }
    }

    /// What the policy refuses: ACCESS EXCLUSIVE on, or a rewrite of, an existing table that the
    /// revision's header does not allow.
    pub(crate) fn violations(&self, revision: &Revision) -> Vec<String> {
        let allows = |rule: &str| {
            revision
                .lint_allows()
                .iter()
                .any(|a| a.rules().any(|r| r == rule))
        };
        let mut found = Vec::new();
        for (direction, observed) in [("up", &self.up), ("down", &self.down)] {
            if !allows(ACCESS_EXCLUSIVE_RULE) {
                for lock in observed.access_exclusive().filter(|l| is_table(l.kind)) {
                    found.push(format!(
                        "{direction} holds ACCESS EXCLUSIVE on {} (every query of it waits): allow it with `-- lint: allow {ACCESS_EXCLUSIVE_RULE} -- <why it is safe>`",
                        lock.relation
                    ));
                }
            }
            if !allows(REWRITE_RULE) {
                for rewrite in observed.rewrites.iter().filter(|r| is_table(r.kind)) {
                    found.push(format!(
                        "{direction} rewrites {} (every row is copied under ACCESS EXCLUSIVE): allow it with `-- lint: allow {REWRITE_RULE} -- <why it is safe>`",
                        rewrite.relation
                    ));
                }
            }
        }
        found
    }
}

/// `up: AccessExclusiveLock on public.t; rewrites public.t` for the human report, or `None` when
/// the revision neither held ACCESS EXCLUSIVE on nor rewrote an existing relation.
pub(crate) fn summary(
    locks: &ByDirection<Vec<RelationLock>>,
    rewrites: &ByDirection<Vec<String>>,
) -> Option<String> {
    let part = |direction: &str, locks: &[RelationLock], rewrites: &[String]| {
        let exclusive: Vec<&str> = locks
            .iter()
            .filter(|l| l.mode == "AccessExclusiveLock")
            .map(|l| l.relation.as_str())
            .collect();
        let mut said = Vec::new();
        if !exclusive.is_empty() {
            said.push(format!("ACCESS EXCLUSIVE on {}", exclusive.join(", ")));
        }
        if !rewrites.is_empty() {
            said.push(format!("rewrites {}", rewrites.join(", ")));
        }
        (!said.is_empty()).then(|| format!("{direction} {}", said.join("; ")))
    };
    let parts: Vec<String> = [
        part("up", &locks.up, &rewrites.up),
        part("down", &locks.down, &rewrites.down),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| parts.join(" | "))
}
