//! Another session's lock that a revision waited for: what a lock timeout's error names.

/// ` on public.tenants (held by pid 4711: SELECT ...)`, or nothing when no holder was found.
pub(crate) fn on_relations(blockers: &[Blocker]) -> String {
    if blockers.is_empty() {
        return String::new();
    }
    let list: Vec<String> = blockers.iter().map(ToString::to_string).collect();
    format!(" on {}", list.join(", "))
}

/// A lock another session holds on a relation the failing statement names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocker {
    /// `schema.name`.
    pub relation: String,
    /// As `pg_locks.mode` names it, e.g. `AccessShareLock`.
    pub mode: String,
    pub pid: i32,
    /// The holder's current or last query, as `pg_stat_activity` shows it, shortened.
    pub query: Option<String>,
}

impl std::fmt::Display for Blocker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({} held by pid {}",
            self.relation, self.mode, self.pid
        )?;
        if let Some(query) = &self.query {
            write!(f, ", whose query is `{query}`")?;
        }
        f.write_str(")")
    }
}
