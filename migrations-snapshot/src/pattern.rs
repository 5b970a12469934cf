//! Patterns naming the objects a comparison leaves out, such as those a deployment adds to a
//! database on purpose: `KIND:NAME`, with KIND an object kind as JSON writes it (`index`,
//! `materialized_view`) or `*` for any, and NAME a glob over the qualified name as the diff
//! writes it (`*` any run of characters, `?` any one character).
//!
//! A schema's pattern also covers everything in the schema, and a relation's pattern everything
//! named after the relation (its columns, constraints, triggers, rules and policies). A column
//! left out is left out of its table's column list too.

use std::collections::BTreeSet;
use std::fmt;

use crate::render::text::split_outside_quotes;
use crate::snapshot::{ObjectKind, SchemaObject, SchemaSnapshot};

/// One `KIND:NAME` pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectPattern {
    /// `None`: any kind.
    kind: Option<ObjectKind>,
    name: String,
}

/// Why a pattern is not one.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error(
        "ignore pattern `{pattern}` has no kind: write KIND:NAME, e.g. schema:monitoring or index:public.tmp_*"
    )]
    NoKind { pattern: String },
    #[error(
        "ignore pattern `{pattern}` names the unknown kind `{kind}`: use one of {}, or * for any kind",
        known_kinds()
    )]
    UnknownKind { pattern: String, kind: String },
    #[error(
        "ignore pattern `{pattern}` has no name: write {kind}:* to leave out every object of the kind"
    )]
    NoName { pattern: String, kind: String },
}

/// Every bad pattern of a list, so that all are fixed at once.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", lines(.problems))]
pub struct PatternsError {
    pub problems: Vec<PatternError>,
}

fn lines(problems: &[PatternError]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn known_kinds() -> String {
    ObjectKind::ALL
        .iter()
        .map(|kind| kind.key())
        .collect::<Vec<_>>()
        .join(", ")
}

impl ObjectPattern {
    pub fn parse(pattern: &str) -> Result<ObjectPattern, PatternError> {
        let Some((kind, name)) = pattern.split_once(':') else {
            return Err(PatternError::NoKind {
                pattern: pattern.to_owned(),
            });
        };
        let kind = match kind {
            "*" => None,
            key => Some(
                ObjectKind::from_key(key).ok_or_else(|| PatternError::UnknownKind {
                    pattern: pattern.to_owned(),
                    kind: key.to_owned(),
                })?,
            ),
        };
        if name.is_empty() {
            return Err(PatternError::NoName {
                pattern: pattern.to_owned(),
                kind: kind.map_or_else(|| "*".to_owned(), ObjectKind::key),
            });
        }
        Ok(ObjectPattern {
            kind,
            name: name.to_owned(),
        })
    }

    /// Whether the pattern names this object itself.
    pub fn matches(&self, kind: ObjectKind, name: &str) -> bool {
        self.kind.is_none_or(|own| own == kind) && glob(&self.name, name)
    }
}

/// `KIND:NAME`, as parsed.
impl fmt::Display for ObjectPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.kind.map_or_else(|| "*".to_owned(), ObjectKind::key);
        write!(f, "{kind}:{}", self.name)
    }
}

/// Whether `name` matches `pattern`, `*` matching any run of characters and `?` any one.
fn glob(pattern: &str, name: &str) -> bool {
    let (pattern, name): (Vec<char>, Vec<char>) =
        (pattern.chars().collect(), name.chars().collect());
    let (mut p, mut n) = (0, 0);
    // Where the last `*` was, and where in the name it started matching: on a mismatch it takes
    // one more character.
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == '?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((star_p, star_n)) => {
                    p = star_p + 1;
                    n = star_n + 1;
                    star = Some((star_p, star_n + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// The patterns of a comparison.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IgnorePatterns {
    patterns: Vec<ObjectPattern>,
}

impl IgnorePatterns {
    /// Parses every pattern; every bad one is reported.
    pub fn parse<S: AsRef<str>>(patterns: &[S]) -> Result<IgnorePatterns, PatternsError> {
        let (mut parsed, mut problems) = (Vec::new(), Vec::new());
        for pattern in patterns {
            match ObjectPattern::parse(pattern.as_ref()) {
                Ok(pattern) => parsed.push(pattern),
                Err(problem) => problems.push(problem),
            }
        }
        match problems.is_empty() {
            true => Ok(IgnorePatterns { patterns: parsed }),
            false => Err(PatternsError { problems }),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn patterns(&self) -> &[ObjectPattern] {
        &self.patterns
    }

    /// The objects a pattern names, with what lives inside them, as `name.` prefixes.
    fn containers(&self, snapshot: &SchemaSnapshot) -> Vec<String> {
        snapshot
            .objects()
            .iter()
            .filter(|object| contains_others(object.kind) && self.names(object))
            .map(|object| format!("{}.", object.name))
            .collect()
    }

    fn names(&self, object: &SchemaObject) -> bool {
        self.patterns
            .iter()
            .any(|pattern| pattern.matches(object.kind, &object.name))
    }
}

/// Kinds whose objects name others after themselves: a schema's objects are `schema.name`, a
/// relation's columns and constraints `schema.relation.name`.
fn contains_others(kind: ObjectKind) -> bool {
    matches!(
        kind,
        ObjectKind::Schema
            | ObjectKind::Table
            | ObjectKind::ForeignTable
            | ObjectKind::View
            | ObjectKind::MaterializedView
    )
}

impl SchemaSnapshot {
    /// The snapshot without the objects `ignore` names, what lives inside them, and the columns
    /// left out in their tables' column lists.
    pub fn without(&self, ignore: &IgnorePatterns) -> SchemaSnapshot {
        if ignore.is_empty() {
            return self.clone();
        }
        let containers = ignore.containers(self);
        let hidden = |object: &SchemaObject| {
            ignore.names(object)
                || containers
                    .iter()
                    .any(|container| object.name.starts_with(container.as_str()))
        };
        let hidden_columns: BTreeSet<&str> = self
            .objects()
            .iter()
            .filter(|object| object.kind == ObjectKind::Column && hidden(object))
            .map(|object| object.name.as_str())
            .collect();
        let kept = self.objects().iter().filter(|object| !hidden(object));
        SchemaSnapshot::from_objects(kept.map(|object| match object.kind {
            ObjectKind::Table | ObjectKind::ForeignTable if !hidden_columns.is_empty() => {
                SchemaObject {
                    definition: without_columns(object, &hidden_columns),
                    ..object.clone()
                }
            }
            _ => object.clone(),
        }))
    }
}

/// A table's definition with the `hidden` columns (qualified names) out of its `columns:` line.
fn without_columns(table: &SchemaObject, hidden: &BTreeSet<&str>) -> String {
    let prefix = format!("{}.", table.name);
    table
        .definition
        .lines()
        .map(|line| match line.strip_prefix("columns: ") {
            Some(columns) => {
                let kept: Vec<&str> = split_outside_quotes(columns, ", ")
                    .into_iter()
                    .filter(|column| !hidden.contains(format!("{prefix}{column}").as_str()))
                    .collect();
                format!("columns: {}", kept.join(", "))
            }
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(kind: ObjectKind, name: &str, definition: &str) -> SchemaObject {
        SchemaObject {
            kind,
            name: name.to_owned(),
            definition: definition.to_owned(),
        }
    }

    #[test]
    fn globs_match_whole_names() {
        for (pattern, name, expected) in [
            ("public.tmp_*", "public.tmp_x", true),
            ("public.tmp_*", "public.tmp_", true),
            ("public.tmp_*", "app.tmp_x", false),
            ("*.audit", "app.audit", true),
            ("*.audit", "app.audit_log", false),
            ("public.t?", "public.t1", true),
            ("public.t?", "public.t12", false),
            ("*_idx", "public.a_idx", true),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("monitoring", "monitoring", true),
            ("monitoring", "monitoring2", false),
        ] {
            assert_eq!(glob(pattern, name), expected, "{pattern} {name}");
        }
    }

    #[test]
    fn bad_patterns_are_reported_together_with_the_fix() {
        let error = IgnorePatterns::parse(&["monitoring", "indx:public.x", "index:", "schema:ok"])
            .expect_err("three bad patterns");
        expect_test::expect![[r#"
            ignore pattern `monitoring` has no kind: write KIND:NAME, e.g. schema:monitoring or index:public.tmp_*
            ignore pattern `indx:public.x` names the unknown kind `indx`: use one of extension, schema, collation, type, sequence, table, foreign_table, column, constraint, index, statistics, view, materialized_view, function, procedure, aggregate, trigger, rule, policy, event_trigger, default_privileges, or * for any kind
            ignore pattern `index:` has no name: write index:* to leave out every object of the kind"#]]
        .assert_eq(&error.to_string());
        let parsed = IgnorePatterns::parse(&["*:public.tmp_*", "materialized_view:app.m"])
            .expect("good patterns");
        let written: Vec<String> = parsed.patterns().iter().map(ToString::to_string).collect();
        assert_eq!(written, ["*:public.tmp_*", "materialized_view:app.m"]);
    }

    #[test]
    fn a_schema_or_table_is_left_out_with_what_it_holds() {
        let snapshot = SchemaSnapshot::from_objects([
            object(ObjectKind::Schema, "monitoring", "owner: ops"),
            object(ObjectKind::Table, "monitoring.probes", "columns: id"),
            object(ObjectKind::Column, "monitoring.probes.id", "integer"),
            object(ObjectKind::Schema, "monitoring_old", "owner: ops"),
            object(
                ObjectKind::Table,
                "public.t",
                "columns: id, \"Note, odd\", extra\nowner: app",
            ),
            object(ObjectKind::Column, "public.t.id", "integer"),
            object(ObjectKind::Column, "public.t.\"Note, odd\"", "text"),
            object(ObjectKind::Column, "public.t.extra", "text"),
            object(ObjectKind::Table, "public.audit", "columns: at"),
            object(ObjectKind::Column, "public.audit.at", "timestamptz"),
            object(ObjectKind::Policy, "public.audit.mine", "AS PERMISSIVE"),
            object(ObjectKind::Index, "public.tmp_idx", "CREATE INDEX"),
            object(ObjectKind::Index, "public.t_pkey", "CREATE UNIQUE INDEX"),
        ]);
        let ignore = IgnorePatterns::parse(&[
            "schema:monitoring",
            "table:public.audit",
            "column:public.t.extra",
            "column:public.t.\"Note*",
            "index:public.tmp_*",
        ])
        .expect("good patterns");
        let kept: Vec<String> = snapshot
            .without(&ignore)
            .objects()
            .iter()
            .map(|o| format!("{} {}: {}", o.kind, o.name, o.definition))
            .collect();
        assert_eq!(
            kept,
            [
                "schema monitoring_old: owner: ops",
                "table public.t: columns: id\nowner: app",
                "column public.t.id: integer",
                "index public.t_pkey: CREATE UNIQUE INDEX",
            ]
        );
        assert_eq!(snapshot.without(&IgnorePatterns::default()), snapshot);
    }
}
