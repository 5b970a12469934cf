//! Why a revision was flagged, in classes a reader can act on: a down that fails or does nothing,
//! an object it leaves or loses, column order, a changed default, another definition, an up that
//! is not reproducible.

use crate::diff::SchemaChange;
use crate::failure_class::FailureClass;
use crate::report::{RevisionResult, StairStep, StepStatus};
use crate::snapshot::ObjectKind;

/// The classes of a revision's result; `noop_down` when the schema after down equals the schema
/// after up (the down undid nothing).
pub(crate) fn classify(result: &RevisionResult, noop_down: bool) -> Vec<FailureClass> {
    let mut classes = Vec::new();
    match result.up {
        StepStatus::Error => classes.push(FailureClass::UpFails),
        StepStatus::Ok => {}
        _ => return classes,
    }
    match result.down {
        StepStatus::Error => classes.push(FailureClass::DownFails),
        StepStatus::Differs if noop_down => classes.push(FailureClass::NoOpDown),
        StepStatus::Differs => classes.extend(
            result
                .diff
                .iter()
                .filter(|c| c.step == StairStep::Down)
                .map(|c| change_class(&c.change)),
        ),
        _ => {}
    }
    match result.reup {
        StepStatus::Error => classes.push(FailureClass::UpAgainFails),
        StepStatus::Unstable => classes.push(FailureClass::NotReproducible),
        // Up again differing after a down that differs follows from the down.
        StepStatus::Differs if result.down == StepStatus::Ok => {
            classes.push(FailureClass::NotReproducible)
        }
        _ => {}
    }
    classes.sort();
    classes.dedup();
    classes
}

/// The class of one difference between the schema before up (`before`) and after down (`after`).
fn change_class(change: &SchemaChange) -> FailureClass {
    match change {
        SchemaChange::Added { .. } => FailureClass::LeftoverObject,
        SchemaChange::Removed { .. } => FailureClass::MissingObject,
        SchemaChange::Changed {
            kind: ObjectKind::Table,
            before,
            after,
            ..
        } if same_columns_reordered(before, after) => FailureClass::ColumnOrder,
        SchemaChange::Changed {
            kind: ObjectKind::Column,
            before,
            after,
            ..
        } if without_default(before) == without_default(after) => FailureClass::ChangedDefault,
        SchemaChange::Changed { .. } => FailureClass::ChangedDefinition,
    }
}

/// The table's `columns:` lines list the same columns in another order, and nothing else differs.
fn same_columns_reordered(before: &str, after: &str) -> bool {
    let split = |text: &str| -> (Vec<String>, Vec<String>) {
        let mut columns = Vec::new();
        let mut rest = Vec::new();
        for line in text.lines() {
            match line.strip_prefix("columns: ") {
                Some(list) => columns.extend(list.split(", ").map(str::to_owned)),
                None => rest.push(line.to_owned()),
            }
        }
        (columns, rest)
    };
    let ((mut a, rest_a), (mut b, rest_b)) = (split(before), split(after));
    if a == b || rest_a != rest_b {
        return false;
    }
    a.sort();
    b.sort();
    a == b
}

/// A column's definition without its `DEFAULT ...` clause (up to `NOT NULL`, a collation or the
/// end).
fn without_default(definition: &str) -> String {
    let Some(start) = definition.find(" DEFAULT ") else {
        return definition.to_owned();
    };
    let rest = &definition[start + " DEFAULT ".len()..];
    let end = [" NOT NULL", " COLLATE ", " GENERATED ", "\n"]
        .iter()
        .filter_map(|marker| rest.find(marker))
        .min()
        .unwrap_or(rest.len());
    format!("{}{}", &definition[..start], &rest[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_classed() {
        let changed = |kind, before: &str, after: &str| SchemaChange::Changed {
            kind,
            name: "public.t".to_owned(),
            before: before.to_owned(),
            after: after.to_owned(),
        };
        for (change, class) in [
            (
                changed(
                    ObjectKind::Table,
                    "columns: id, a, b\nowner: x",
                    "columns: id, b, a\nowner: x",
                ),
                FailureClass::ColumnOrder,
            ),
            (
                changed(
                    ObjectKind::Table,
                    "columns: id, a\nowner: x",
                    "columns: id\nowner: x",
                ),
                FailureClass::ChangedDefinition,
            ),
            (
                changed(
                    ObjectKind::Column,
                    "timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL",
                    "timestamp with time zone DEFAULT now() NOT NULL",
                ),
                FailureClass::ChangedDefault,
            ),
            (
                changed(
                    ObjectKind::Column,
                    "boolean DEFAULT false NOT NULL",
                    "boolean",
                ),
                FailureClass::ChangedDefinition,
            ),
            (
                changed(ObjectKind::Column, "text DEFAULT 'a'::text", "text"),
                FailureClass::ChangedDefault,
            ),
            (
                SchemaChange::Added {
                    kind: ObjectKind::Index,
                    name: "i".to_owned(),
                    definition: String::new(),
                },
                FailureClass::LeftoverObject,
            ),
        ] {
            assert_eq!(change_class(&change), class, "{change:?}");
        }
    }
}
