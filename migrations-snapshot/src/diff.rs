//! The differences between two schema snapshots, for a person reading a CI log (`Display`) and for a
//! machine reading a JSON report (`Serialize`).

mod line_diff;

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::snapshot::{ObjectKind, SchemaObject, SchemaSnapshot};

/// Every object added, removed or changed from one snapshot (before) to another (after), sorted by
/// kind then name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaDiff {
    pub changes: Vec<SchemaChange>,
}

/// One object that differs between two snapshots.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum SchemaChange {
    /// In the after snapshot only.
    Added {
        kind: ObjectKind,
        name: String,
        definition: String,
    },
    /// In the before snapshot only.
    Removed {
        kind: ObjectKind,
        name: String,
        definition: String,
    },
    /// In both, with different definitions.
    Changed {
        kind: ObjectKind,
        name: String,
        before: String,
        after: String,
    },
}

// Here rather than beside the snapshot: the snapshot knows nothing of how it is compared.
impl SchemaSnapshot {
    /// What changed from `self` (before) to `after`.
    pub fn diff(&self, after: &SchemaSnapshot) -> SchemaDiff {
        SchemaDiff::between(self.objects(), after.objects())
    }
}

impl SchemaDiff {
    /// Compares two lists of objects, each sorted by kind then name without duplicates.
    pub(crate) fn between(before: &[SchemaObject], after: &[SchemaObject]) -> SchemaDiff {
        let mut changes = Vec::new();
        let (mut before, mut after) = (before.iter().peekable(), after.iter().peekable());
        loop {
            let order = match (before.peek(), after.peek()) {
                (None, None) => break,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(old), Some(new)) => (old.kind, &old.name).cmp(&(new.kind, &new.name)),
            };
            match order {
                Ordering::Less => {
                    if let Some(old) = before.next() {
                        changes.push(SchemaChange::Removed {
                            kind: old.kind,
                            name: old.name.clone(),
                            definition: old.definition.clone(),
                        });
                    }
                }
                Ordering::Greater => {
                    if let Some(new) = after.next() {
                        changes.push(SchemaChange::Added {
                            kind: new.kind,
                            name: new.name.clone(),
                            definition: new.definition.clone(),
                        });
                    }
                }
                Ordering::Equal => {
                    if let (Some(old), Some(new)) = (before.next(), after.next())
                        && old.definition != new.definition
                    {
                        changes.push(SchemaChange::Changed {
                            kind: old.kind,
                            name: old.name.clone(),
                            before: old.definition.clone(),
                            after: new.definition.clone(),
                        });
                    }
                }
            }
        }
        SchemaDiff { changes }
    }

    /// Whether the two snapshots are equal.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

impl SchemaChange {
    pub fn kind(&self) -> ObjectKind {
        match self {
            SchemaChange::Added { kind, .. }
            | SchemaChange::Removed { kind, .. }
            | SchemaChange::Changed { kind, .. } => *kind,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            SchemaChange::Added { name, .. }
            | SchemaChange::Removed { name, .. }
            | SchemaChange::Changed { name, .. } => name,
        }
    }
}

/// One line per change (`+` added, `-` removed, `~` changed) with the definition after a colon, or
/// indented below when it has several lines; a changed object lists the lines removed (`-`) and
/// added (`+`) in its definition.
impl fmt::Display for SchemaChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaChange::Added {
                kind,
                name,
                definition,
            } => write_object(f, '+', *kind, name, definition),
            SchemaChange::Removed {
                kind,
                name,
                definition,
            } => write_object(f, '-', *kind, name, definition),
            SchemaChange::Changed {
                kind,
                name,
                before,
                after,
            } => {
                write!(f, "~ {kind} {name}:")?;
                for change in line_diff::changed_lines(before, after) {
                    write!(f, "\n    {change}")?;
                }
                Ok(())
            }
        }
    }
}

fn write_object(
    f: &mut fmt::Formatter<'_>,
    sign: char,
    kind: ObjectKind,
    name: &str,
    definition: &str,
) -> fmt::Result {
    let mut lines = definition.lines();
    match (lines.next(), lines.next()) {
        (None, _) => write!(f, "{sign} {kind} {name}"),
        (Some(only), None) => write!(f, "{sign} {kind} {name}: {only}"),
        (Some(_), Some(_)) => {
            write!(f, "{sign} {kind} {name}:")?;
            for line in definition.lines() {
                write!(f, "\n    {line}")?;
            }
            Ok(())
        }
    }
}

/// The changes one per line (several lines for long definitions), or `no differences`.
impl fmt::Display for SchemaDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            return writeln!(f, "no differences");
        }
        for change in &self.changes {
            writeln!(f, "{change}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;
    use crate::SchemaSnapshot;

    fn object(kind: ObjectKind, name: &str, definition: &str) -> SchemaObject {
        SchemaObject {
            kind,
            name: name.to_owned(),
            definition: definition.to_owned(),
        }
    }

    #[test]
    fn a_diff_lists_added_removed_and_changed_objects_sorted_by_kind_then_name() {
        let before = SchemaSnapshot::from_objects([
            object(
                ObjectKind::Index,
                "public.b_idx",
                "CREATE INDEX b_idx ON public.t USING btree (b)",
            ),
            object(ObjectKind::Column, "public.t.a", "integer"),
            object(ObjectKind::Table, "public.t", "columns: a, b\nowner: app"),
            object(ObjectKind::Column, "public.t.b", "text"),
        ]);
        let after = SchemaSnapshot::from_objects([
            object(ObjectKind::Column, "public.t.a", "integer"),
            object(ObjectKind::Column, "public.t.b", "text DEFAULT 'x'::text"),
            object(
                ObjectKind::Table,
                "public.t",
                "columns: a, b, c\nowner: app",
            ),
            object(ObjectKind::Column, "public.t.c", "text\ncomment: \"new\""),
        ]);
        let diff = before.diff(&after);
        expect![[r#"
            ~ table public.t:
                - columns: a, b
                + columns: a, b, c
            ~ column public.t.b:
                - text
                + text DEFAULT 'x'::text
            + column public.t.c:
                text
                comment: "new"
            - index public.b_idx: CREATE INDEX b_idx ON public.t USING btree (b)
        "#]]
        .assert_eq(&diff.to_string());
        assert_eq!(after.diff(&after), SchemaDiff::default());
        expect![[r#"
            no differences
        "#]]
        .assert_eq(&after.diff(&after).to_string());
    }

    #[test]
    fn a_diff_serialises_each_change_with_its_kind_and_definitions() {
        let before = SchemaSnapshot::from_objects([object(
            ObjectKind::MaterializedView,
            "public.m",
            "SELECT 1",
        )]);
        let after = SchemaSnapshot::from_objects([
            object(ObjectKind::MaterializedView, "public.m", "SELECT 2"),
            object(
                ObjectKind::DefaultPrivileges,
                "app on tables",
                "privileges: PUBLIC=r/app",
            ),
        ]);
        let json = serde_json::to_string_pretty(&before.diff(&after)).unwrap();
        expect![[r#"
            {
              "changes": [
                {
                  "change": "changed",
                  "kind": "materialized_view",
                  "name": "public.m",
                  "before": "SELECT 1",
                  "after": "SELECT 2"
                },
                {
                  "change": "added",
                  "kind": "default_privileges",
                  "name": "app on tables",
                  "definition": "privileges: PUBLIC=r/app"
                }
              ]
            }"#]]
        .assert_eq(&json);
    }
}
