//! The unit of a snapshot: one schema object named by kind and qualified name, with its definition.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kinds of objects a snapshot holds, in the order a report lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Extension,
    Schema,
    Collation,
    Type,
    Sequence,
    Table,
    ForeignTable,
    Column,
    Constraint,
    Index,
    Statistics,
    View,
    MaterializedView,
    Function,
    Procedure,
    Aggregate,
    Trigger,
    Rule,
    Policy,
    EventTrigger,
    DefaultPrivileges,
}

impl ObjectKind {
    /// Every kind, in the order a report lists them.
    pub const ALL: [ObjectKind; 21] = [
        ObjectKind::Extension,
        ObjectKind::Schema,
        ObjectKind::Collation,
        ObjectKind::Type,
        ObjectKind::Sequence,
        ObjectKind::Table,
        ObjectKind::ForeignTable,
        ObjectKind::Column,
        ObjectKind::Constraint,
        ObjectKind::Index,
        ObjectKind::Statistics,
        ObjectKind::View,
        ObjectKind::MaterializedView,
        ObjectKind::Function,
        ObjectKind::Procedure,
        ObjectKind::Aggregate,
        ObjectKind::Trigger,
        ObjectKind::Rule,
        ObjectKind::Policy,
        ObjectKind::EventTrigger,
        ObjectKind::DefaultPrivileges,
    ];

    /// The kind as JSON writes it, and as patterns name it: `materialized_view`.
    pub fn key(self) -> String {
        self.as_str().replace(' ', "_")
    }

    /// The kind of a [`ObjectKind::key`].
    pub fn from_key(key: &str) -> Option<ObjectKind> {
        ObjectKind::ALL.into_iter().find(|kind| kind.key() == key)
    }

    /// The kind as a report writes it, e.g. `materialized view`.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Extension => "extension",
            ObjectKind::Schema => "schema",
            ObjectKind::Collation => "collation",
            ObjectKind::Type => "type",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Table => "table",
            ObjectKind::ForeignTable => "foreign table",
            ObjectKind::Column => "column",
            ObjectKind::Constraint => "constraint",
            ObjectKind::Index => "index",
            ObjectKind::Statistics => "statistics",
            ObjectKind::View => "view",
            ObjectKind::MaterializedView => "materialized view",
            ObjectKind::Function => "function",
            ObjectKind::Procedure => "procedure",
            ObjectKind::Aggregate => "aggregate",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Rule => "rule",
            ObjectKind::Policy => "policy",
            ObjectKind::EventTrigger => "event trigger",
            ObjectKind::DefaultPrivileges => "default privileges",
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One object of a snapshot.
///
/// `name` is qualified with quoted identifiers: `schema.table` for relations, types, indexes and
/// sequences; `schema.table.column` for columns, and `schema.table.name` for constraints, triggers,
/// rules and policies; `schema.function(argument types)` for routines. `definition` is text made of
/// lines: the SQL the server prints for the object where there is one, then `key: value` lines for
/// the rest (owner, privileges, comment, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaObject {
    pub kind: ObjectKind,
    pub name: String,
    pub definition: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_the_key_json_writes() {
        for kind in ObjectKind::ALL {
            let json = serde_json::to_value(kind).expect("a kind serialises");
            assert_eq!(json.as_str(), Some(kind.key().as_str()));
            assert_eq!(ObjectKind::from_key(&kind.key()), Some(kind));
        }
        assert_eq!(ObjectKind::from_key("materialized view"), None);
    }
}
