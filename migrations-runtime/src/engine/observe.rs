//! What a revision really does to the relations that existed before it: the locks its transaction
//! holds just before it commits, and the relations whose storage it rewrote.
//!
//! Static analysis guesses; the server knows. Before a unit starts, the relations outside the
//! system schemas are listed with their `relfilenode`; just before its history change (still in
//! its transaction, so every lock is still held), `pg_locks` is read for the session and the list
//! is read again: a changed `relfilenode` is a rewrite (a type change, a volatile default, `SET
//! LOGGED`, `VACUUM FULL`, `CLUSTER`, and the indexes rebuilt with them). Relations the revision
//! created itself are not in the first list and so not reported. The history tables are left out.

use std::collections::BTreeMap;

use migrations_core::history::{HistoryTable, quote_literal};

use crate::error::Error;
use crate::observed::{HeldLock, Observed, Rewritten, relation_kind, strength};
use crate::session::{Session, TextRow};

/// Watches the units of a run; `None` in a run that does not observe.
pub(super) struct Observer {
    /// Lists the relations: oid, relfilenode, `schema.name`.
    relations: String,
}

/// A relation as listed: its storage, name and kind.
struct Listed {
    relfilenode: String,
    name: String,
    kind: &'static str,
}

/// The relations before a unit, by oid.
pub(super) struct Before(BTreeMap<String, Listed>);

impl Observer {
    pub(super) fn new(history: &HistoryTable) -> Observer {
        let table = quote_literal(history.qualified());
        let prefix = quote_literal(&format!("{}%", history.table().replace('_', "\\_")));
        Observer {
            relations: format!(
                "SELECT c.oid, c.relfilenode, pg_catalog.format('%I.%I', n.nspname, c.relname), c.relkind \
                 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') \
                 AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' \
                 AND NOT (c.relname LIKE {prefix} AND c.relnamespace IS NOT DISTINCT FROM \
                 (SELECT h.relnamespace FROM pg_catalog.pg_class h WHERE h.oid = pg_catalog.to_regclass({table})))"
            ),
        }
    }

    /// Lists the relations as they are before a unit.
    pub(super) async fn before<S: Session>(&self, session: &mut S) -> Result<Before, Error> {
        let rows = session
            .rows(&self.relations)
            .await
            .map_err(Error::database("listing the relations before a revision"))?;
        Ok(Before(relation_map(rows)))
    }

    /// Reads the locks the session holds and the relations' storage, inside the unit's
    /// transaction (or after a non-transactional statement, when only rewrites can be seen).
    pub(super) async fn after<S: Session>(
        &self,
        session: &mut S,
        before: &Before,
    ) -> Result<Observed, Error> {
        let query = format!(
            "SELECT l.relation, l.mode FROM pg_catalog.pg_locks l WHERE l.pid = pg_catalog.pg_backend_pid() \
             AND l.locktype = 'relation' AND l.granted;\n{}",
            self.relations
        );
        let sets = session
            .result_sets(&query)
            .await
            .map_err(Error::database("reading the revision's locks"))?;
        let mut sets = sets.into_iter();
        let (locks, after) = (
            sets.next().unwrap_or_default(),
            sets.next().unwrap_or_default(),
        );
        let after = relation_map(after);
        let mut strongest: BTreeMap<&str, (&str, &'static str)> = BTreeMap::new();
        let held: Vec<(String, String)> = locks
            .into_iter()
            .filter_map(|row| Some((row.first()?.clone()?, row.get(1)?.clone()?)))
            .collect();
        for (oid, mode) in &held {
            let Some(listed) = before.0.get(oid) else {
                continue;
            };
            let entry = strongest.entry(&listed.name).or_insert((mode, listed.kind));
            if strength(mode) > strength(entry.0) {
                entry.0 = mode;
            }
        }
        let mut rewrites: Vec<Rewritten> = before
            .0
            .iter()
            .filter(|(oid, listed)| {
                listed.relfilenode != "0"
                    && after
                        .get(*oid)
                        .is_some_and(|now| now.relfilenode != listed.relfilenode)
            })
            .map(|(_, listed)| Rewritten {
                relation: listed.name.clone(),
                kind: listed.kind,
            })
            .collect();
        rewrites.sort_by(|a, b| a.relation.cmp(&b.relation));
        let mut created: Vec<String> = after
            .iter()
            .filter(|(oid, _)| !before.0.contains_key(*oid))
            .map(|(_, listed)| listed.name.clone())
            .collect();
        created.sort();
        Ok(Observed {
            created,
            locks: strongest
                .into_iter()
                .map(|(relation, (mode, kind))| HeldLock {
                    relation: relation.to_owned(),
                    kind,
                    mode: mode.to_owned(),
                })
                .collect(),
            rewrites,
        })
    }
}

fn relation_map(rows: Vec<TextRow>) -> BTreeMap<String, Listed> {
    rows.into_iter()
        .filter_map(|row| {
            let mut row = row.into_iter();
            let oid = row.next()??;
            let listed = Listed {
                relfilenode: row.next()??,
                name: row.next()??,
                kind: relation_kind(&row.next()??),
            };
            Some((oid, listed))
        })
        .collect()
}
