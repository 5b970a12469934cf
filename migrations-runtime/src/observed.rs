//! What a revision was seen to do to the relations that existed before it: the locks it held and
//! the relations it rewrote (see [`crate::Runner::with_observation`]).

/// A lock a revision held on a relation that existed before it, the strongest it held there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldLock {
    /// `schema.name`.
    pub relation: String,
    /// What the relation is: `table`, `index`, `sequence`, `view`, ... (see [`relation_kind`]).
    pub kind: &'static str,
    /// As `pg_locks.mode` names it, e.g. `AccessExclusiveLock`.
    pub mode: String,
}

/// What one unit did to the relations that existed before it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    /// Sorted by relation.
    pub locks: Vec<HeldLock>,
    /// The relations whose storage was rewritten, sorted.
    pub rewrites: Vec<Rewritten>,
    /// The relations it created (`schema.name`, sorted): a down that drops them drops the
    /// revision's own objects.
    pub created: Vec<String>,
}

/// A relation whose storage a revision rewrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewritten {
    /// `schema.name`.
    pub relation: String,
    pub kind: &'static str,
}

/// `pg_class.relkind` in words.
pub fn relation_kind(relkind: &str) -> &'static str {
    match relkind {
        "r" => "table",
        "p" => "partitioned table",
        "i" => "index",
        "I" => "partitioned index",
        "S" => "sequence",
        "v" => "view",
        "m" => "materialized view",
        "f" => "foreign table",
        "t" => "TOAST table",
        "c" => "composite type",
        _ => "relation",
    }
}

/// Tables, plain or partitioned: what a lock or a rewrite of blocks an application's queries.
pub fn is_table(kind: &str) -> bool {
    matches!(kind, "table" | "partitioned table")
}

impl Observed {
    /// The relations it held in ACCESS EXCLUSIVE mode: every read of them waited.
    pub fn access_exclusive(&self) -> impl Iterator<Item = &HeldLock> {
        self.locks
            .iter()
            .filter(|l| l.mode == "AccessExclusiveLock")
    }
}

/// PostgreSQL's table lock modes, weakest first.
const MODES: [&str; 8] = [
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
];

pub(crate) fn strength(mode: &str) -> usize {
    MODES.iter().position(|m| *m == mode).unwrap_or(0)
}

impl Observed {
    /// Without the relations in `own`: what a down did to the objects its up did not create.
    pub fn without(mut self, own: &[String]) -> Observed {
        self.locks.retain(|l| !own.contains(&l.relation));
        self.rewrites.retain(|r| !own.contains(&r.relation));
        self
    }

    /// Adds what a later statement of the same unit did.
    pub(super) fn merge(&mut self, other: Observed) {
        for lock in other.locks {
            match self.locks.iter_mut().find(|l| l.relation == lock.relation) {
                Some(held) if strength(&lock.mode) > strength(&held.mode) => *held = lock,
                Some(_) => {}
                None => self.locks.push(lock),
            }
        }
        self.locks.sort_by(|a, b| a.relation.cmp(&b.relation));
        for rewrite in other.rewrites {
            if !self.rewrites.contains(&rewrite) {
                self.rewrites.push(rewrite);
            }
        }
        self.rewrites.sort_by(|a, b| a.relation.cmp(&b.relation));
        self.created.extend(other.created);
        self.created.sort();
        self.created.dedup();
    }
}
