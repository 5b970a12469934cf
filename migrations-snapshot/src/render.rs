//! A snapshot rendered as SQL that builds it: one block per object, in an order that creates what
//! an object needs before it, each block with the object's full definition, its comments and its
//! grants, and nothing that names the role that ran it.
//!
//! Rendering reads the snapshot's definitions back (the catalog functions' SQL and the properties
//! after it) rather than the catalogs again, so what is rendered is exactly what is compared; the
//! round-trip tests (render, apply with psql, capture again, compare) are what hold it faithful.

mod catalog;
mod members;
mod order;
mod privileges;
mod relations;
mod standalone;
pub(crate) mod text;

use catalog::Catalog;
use migrations_core::history::quote_ident;
use text::{Parsed, literal};

use crate::snapshot::{ObjectKind, SchemaSnapshot};

/// When a block runs relative to the others, all else (what it references) being equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    Schema,
    Extension,
    Collation,
    Type,
    Sequence,
    Routine,
    /// Base types need their input and output functions.
    BaseType,
    Table,
    View,
    MaterializedView,
    /// Primary keys, unique, check and exclusion constraints.
    Constraint,
    Index,
    /// Foreign keys need the referenced table's keys.
    ForeignKey,
    Statistics,
    Trigger,
    Rule,
    Policy,
}

/// The SQL of one object.
#[derive(Debug)]
pub(crate) struct Block {
    pub(crate) kind: ObjectKind,
    pub(crate) name: String,
    pub(crate) phase: Phase,
    pub(crate) statements: Vec<String>,
    /// The SQL the server parses when the block runs: the objects it names come first.
    pub(crate) parsed_sql: String,
    /// Names of objects it needs that its SQL does not qualify (an extension's schema).
    pub(crate) needs: Vec<String>,
}

impl Block {
    pub(crate) fn new(kind: ObjectKind, name: &str, phase: Phase) -> Block {
        Block {
            kind,
            name: name.to_owned(),
            phase,
            statements: Vec::new(),
            parsed_sql: String::new(),
            needs: Vec::new(),
        }
    }

    /// Adds a statement whose text counts for the order.
    pub(crate) fn push(&mut self, statement: impl Into<String>) {
        let statement = statement.into();
        self.parsed_sql.push_str(&statement);
        self.parsed_sql.push('\n');
        self.statements.push(statement);
    }

    /// Adds a statement of which the server parses only `parsed` when it runs.
    pub(crate) fn push_parsing(&mut self, statement: impl Into<String>, parsed: &str) {
        self.parsed_sql.push_str(parsed);
        self.parsed_sql.push('\n');
        self.statements.push(statement.into());
    }

    /// Adds a statement that names nothing that must exist before it is parsed (a function's body
    /// is not checked, with `check_function_bodies` off).
    pub(crate) fn push_unparsed(&mut self, statement: impl Into<String>) {
        self.statements.push(statement.into());
    }

    pub(crate) fn extend(&mut self, statements: impl IntoIterator<Item = String>) {
        for statement in statements {
            self.push(statement);
        }
    }

    /// `COMMENT ON <on> IS '...'` when the definition has a comment.
    pub(crate) fn comment(&mut self, on: &str, parsed: &Parsed<'_>) {
        if let Some(comment) = parsed.comment() {
            self.push_unparsed(format!("COMMENT ON {on} IS {};", literal(&comment)));
        }
    }

    /// `ALTER <on> OWNER TO` when the object belongs to another role than the one running the
    /// file; last in the block, so that the grants before it are rewritten for the new owner.
    pub(crate) fn owner(&mut self, on: &str, parsed: &Parsed<'_>, catalog: &Catalog<'_>) {
        if let Some(owner) = parsed.get("owner").filter(|owner| *owner != catalog.role) {
            self.push_unparsed(format!("ALTER {on} OWNER TO {};", quote_ident(owner)));
        }
    }

    /// The grants and revokes from a new object's privileges to the definition's.
    pub(crate) fn privileges(
        &mut self,
        on: &str,
        defaults: &privileges::Defaults,
        parsed: &Parsed<'_>,
        catalog: &Catalog<'_>,
    ) {
        let Some(acl) = parsed.get("privileges") else {
            return;
        };
        let owner = parsed.get("owner").unwrap_or(catalog.role);
        let actual = privileges::parse_acl(acl);
        let target = privileges::Target {
            prefix: "",
            on,
            column: "",
            owner,
            role: catalog.role,
        };
        let statements = privileges::statements(&target, &defaults.items(owner, &actual), &actual);
        for statement in statements {
            self.push_unparsed(statement);
        }
    }
}

/// Renders `head` as SQL that builds it in a database that is as `fresh` (a new, empty database
/// of the same server) when run by `role`, the role that built `head`: what `fresh` already has
/// is left out, or only changed.
pub fn render(head: &SchemaSnapshot, fresh: &SchemaSnapshot, role: &str) -> String {
    let catalog = Catalog::new(head, fresh, role);
    let mut blocks = Vec::new();
    // After everything else: default privileges would change the grants of the objects the file
    // creates, and an event trigger would fire on the file's own statements.
    let (mut default_privileges, mut event_triggers) = (Vec::new(), Vec::new());
    for object in head.objects() {
        let definition = object.definition.as_str();
        if let Some(fresh_definition) = catalog.fresh(object.kind, &object.name) {
            if fresh_definition != definition {
                blocks.extend(standalone::changed_from_fresh(
                    object,
                    fresh_definition,
                    &catalog,
                ));
            }
            continue;
        }
        let rendered = match object.kind {
            ObjectKind::Schema
            | ObjectKind::Extension
            | ObjectKind::Collation
            | ObjectKind::Type
            | ObjectKind::Function
            | ObjectKind::Procedure
            | ObjectKind::Aggregate => standalone::render(object, &catalog),
            ObjectKind::DefaultPrivileges => {
                default_privileges.extend(standalone::render(object, &catalog));
                None
            }
            ObjectKind::EventTrigger => {
                event_triggers.extend(standalone::render(object, &catalog));
                None
            }
            ObjectKind::Sequence
            | ObjectKind::Table
            | ObjectKind::ForeignTable
            | ObjectKind::View
            | ObjectKind::MaterializedView => relations::render(object, &catalog),
            // Rendered with their table.
            ObjectKind::Column => None,
            ObjectKind::Constraint
            | ObjectKind::Index
            | ObjectKind::Statistics
            | ObjectKind::Trigger
            | ObjectKind::Rule
            | ObjectKind::Policy => members::render(object, &catalog),
        };
        blocks.extend(rendered);
    }
    for (kind, name) in catalog.dropped() {
        blocks.extend(standalone::dropped(kind, name));
    }
    let mut sql = String::new();
    let sorted = order::sorted(blocks);
    for block in sorted
        .iter()
        .chain(&default_privileges)
        .chain(&event_triggers)
    {
        sql.push_str(&format!("\n-- {} {}\n", block.kind, block.name));
        for statement in &block.statements {
            sql.push_str(statement);
            sql.push('\n');
        }
    }
    sql
}
