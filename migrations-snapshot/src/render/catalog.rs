//! The snapshot being rendered, indexed for the questions one object's block asks about others:
//! a table's columns, parents and sequences, and what a fresh database already has.

use std::collections::{BTreeMap, HashMap};

use super::text::{Parsed, name_parts, prefix};
use crate::snapshot::{ObjectKind, SchemaSnapshot};

pub(crate) struct Catalog<'a> {
    /// The role that runs the file, and owns what it creates.
    pub(crate) role: &'a str,
    objects: BTreeMap<(ObjectKind, &'a str), &'a str>,
    fresh: BTreeMap<(ObjectKind, &'a str), &'a str>,
    /// Column objects by table, sorted by name.
    columns: HashMap<String, Vec<(&'a str, &'a str)>>,
    /// Sequences by the column that owns them (`schema.table.column`), with whether it is an
    /// identity column's.
    owned_sequences: HashMap<String, (&'a str, bool)>,
}

impl<'a> Catalog<'a> {
    pub(crate) fn new(
        head: &'a SchemaSnapshot,
        fresh: &'a SchemaSnapshot,
        role: &'a str,
    ) -> Catalog<'a> {
        let index = |snapshot: &'a SchemaSnapshot| {
            snapshot
                .objects()
                .iter()
                .map(|o| ((o.kind, o.name.as_str()), o.definition.as_str()))
                .collect::<BTreeMap<_, _>>()
        };
        let mut columns: HashMap<String, Vec<(&str, &str)>> = HashMap::new();
        let mut owned_sequences = HashMap::new();
        for object in head.objects() {
            match object.kind {
                ObjectKind::Column => {
                    let parts = name_parts(&object.name);
                    if let Some(column) = parts.last() {
                        columns
                            .entry(prefix(&object.name, parts.len() - 1))
                            .or_default()
                            .push((column, object.definition.as_str()));
                    }
                }
                ObjectKind::Sequence => {
                    if let Some(owner) = Parsed::new(&object.definition).get("owned by") {
                        let (column, identity) = match owner.strip_suffix(" (identity)") {
                            Some(column) => (column, true),
                            None => (owner, false),
                        };
                        owned_sequences.insert(column.to_owned(), (object.name.as_str(), identity));
                    }
                }
                _ => {}
            }
        }
        Catalog {
            role,
            objects: index(head),
            fresh: index(fresh),
            columns,
            owned_sequences,
        }
    }

    pub(crate) fn get(&self, kind: ObjectKind, name: &str) -> Option<&'a str> {
        self.objects.get(&(kind, name)).copied()
    }

    /// The definition the same object has in a fresh database, if it has it.
    pub(crate) fn fresh(&self, kind: ObjectKind, name: &str) -> Option<&'a str> {
        self.fresh.get(&(kind, name)).copied()
    }

    /// The objects a fresh database has and the head does not.
    pub(crate) fn dropped(&self) -> impl Iterator<Item = (ObjectKind, &'a str)> + '_ {
        self.fresh
            .keys()
            .filter(|key| !self.objects.contains_key(key))
            .copied()
    }

    /// A table's columns in their physical order (the `columns:` property), as (name, definition).
    pub(crate) fn columns_of(&self, table: &str) -> Vec<(&'a str, &'a str)> {
        let columns = self.columns.get(table).cloned().unwrap_or_default();
        let Some(order) = self
            .get(ObjectKind::Table, table)
            .or_else(|| self.get(ObjectKind::ForeignTable, table))
            .map(|definition| Parsed::new(definition).list("columns"))
            .filter(|order| !order.is_empty())
        else {
            return columns;
        };
        order
            .iter()
            .filter_map(|name| columns.iter().find(|(column, _)| column == name).copied())
            .collect()
    }

    /// A table's parents: the partitioned table it is a partition of, or the tables it inherits.
    pub(crate) fn parents_of(&self, table: &str) -> Vec<&'a str> {
        let Some(definition) = self.get(ObjectKind::Table, table) else {
            return Vec::new();
        };
        let parsed = Parsed::new(definition);
        match parsed.get("partition of") {
            Some(partition) => partition.split(' ').take(1).collect(),
            None => parsed.list("inherits"),
        }
    }

    /// Whether a table is a partition (its parent's triggers and keys are cloned onto it).
    pub(crate) fn is_partition(&self, table: &str) -> bool {
        self.get(ObjectKind::Table, table)
            .is_some_and(|definition| Parsed::new(definition).get("partition of").is_some())
    }

    /// The sequence a column owns, with whether it is the column's identity.
    pub(crate) fn sequence_of(&self, column: &str) -> Option<(&'a str, bool)> {
        self.owned_sequences.get(column).copied()
    }

    /// The non-identity sequences owned by a table's columns, as (sequence, column).
    pub(crate) fn serial_sequences_of(&self, table: &str) -> Vec<(&'a str, String)> {
        let mut sequences: Vec<(&str, String)> = self
            .columns_of(table)
            .iter()
            .filter_map(|(column, _)| {
                let qualified = format!("{table}.{column}");
                match self.sequence_of(&qualified) {
                    Some((sequence, false)) => Some((sequence, qualified)),
                    _ => None,
                }
            })
            .collect();
        sequences.sort();
        sequences
    }
}
