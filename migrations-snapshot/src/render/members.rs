//! What hangs off a table: constraints, indexes, triggers, rules, policies and extended statistics.
//!
//! A partition gets clones of its parent's foreign keys, check constraints and triggers, and an
//! inheriting table its parent's check constraints, with the same names: those are left to the
//! server, which makes them when the parent's are created.

use super::catalog::Catalog;
use super::text::{Parsed, last_part, name_parts, prefix};
use super::{Block, Phase};
use crate::snapshot::{ObjectKind, SchemaObject};

pub(super) fn render(object: &SchemaObject, catalog: &Catalog<'_>) -> Option<Block> {
    let parsed = Parsed::new(&object.definition);
    let block = match object.kind {
        ObjectKind::Constraint => constraint(object, &parsed, catalog),
        ObjectKind::Index => index(object, &parsed, catalog),
        ObjectKind::Trigger => trigger(object, &parsed, catalog),
        ObjectKind::Rule => Some(rule(object, &parsed)),
        ObjectKind::Policy => Some(policy(object, &parsed)),
        _ => Some(statistics(object, &parsed, catalog)),
    }?;
    (!block.statements.is_empty()).then_some(block)
}

/// The table an object `schema.table.name` belongs to, and its own name.
fn table_and_name(object: &SchemaObject) -> (String, &str) {
    (
        prefix(&object.name, name_parts(&object.name).len() - 1),
        last_part(&object.name),
    )
}

/// `TABLE` or `FOREIGN TABLE`, as `ALTER` names the relation.
fn relation_kind(table: &str, catalog: &Catalog<'_>) -> &'static str {
    if catalog.get(ObjectKind::ForeignTable, table).is_some() {
        "FOREIGN TABLE"
    } else {
        "TABLE"
    }
}

/// Whether a constraint of one of the table's parents, with the same name and definition, makes it.
fn inherited(kind: ObjectKind, table: &str, name: &str, sql: &str, catalog: &Catalog<'_>) -> bool {
    catalog.parents_of(table).iter().any(|parent| {
        catalog
            .get(kind, &format!("{parent}.{name}"))
            .is_some_and(|definition| Parsed::new(definition).sql_text() == sql)
    })
}

fn constraint(object: &SchemaObject, parsed: &Parsed<'_>, catalog: &Catalog<'_>) -> Option<Block> {
    let (table, name) = table_and_name(object);
    let sql = parsed.sql_text();
    let cloned = sql.starts_with("CHECK")
        || sql.starts_with("NOT NULL")
        || (sql.starts_with("FOREIGN KEY") && catalog.is_partition(&table));
    if cloned && inherited(object.kind, &table, name, &sql, catalog) {
        return None;
    }
    let phase = if sql.starts_with("FOREIGN KEY") {
        Phase::ForeignKey
    } else {
        Phase::Constraint
    };
    // A key of a partitioned table is created on it alone, and its partitions' keys attached to
    // it (see `index`); a check constraint reaches the children, which must have it too.
    let only = if is_index_backed(&sql) { "ONLY " } else { "" };
    let mut block = Block::new(object.kind, &object.name, phase);
    block.push(format!(
        "ALTER {} {only}{table} ADD CONSTRAINT {name} {sql};",
        relation_kind(&table, catalog)
    ));
    block.comment(&format!("CONSTRAINT {name} ON {table}"), parsed);
    Some(block)
}

fn is_index_backed(constraint: &str) -> bool {
    ["PRIMARY KEY", "UNIQUE", "EXCLUDE"]
        .iter()
        .any(|kind| constraint.starts_with(kind))
}

/// The table of `CREATE [UNIQUE] INDEX <index> ON [ONLY] table USING ...`.
fn indexed_table<'a>(definition: &'a str, index: &str) -> Option<&'a str> {
    let (_, rest) = definition.split_once(&format!("INDEX {index} ON "))?;
    let rest = rest.strip_prefix("ONLY ").unwrap_or(rest);
    rest.split_once(" USING ").map(|(table, _)| table)
}

fn index(object: &SchemaObject, parsed: &Parsed<'_>, catalog: &Catalog<'_>) -> Option<Block> {
    let name = &object.name;
    let sql = parsed.sql_text();
    let table = indexed_table(&sql, last_part(name))?;
    let mut block = Block::new(object.kind, name, Phase::Index);
    let backs_constraint = catalog
        .get(
            ObjectKind::Constraint,
            &format!("{table}.{}", last_part(name)),
        )
        .is_some_and(is_index_backed);
    if !backs_constraint {
        block.push(format!("{sql};"));
    }
    if let Some(parent) = parsed.get("attached to") {
        block.push(format!("ALTER INDEX {parent} ATTACH PARTITION {name};"));
    }
    let index = last_part(name);
    if parsed.get("clustered").is_some() {
        block.push(format!("ALTER TABLE {table} CLUSTER ON {index};"));
    }
    if parsed.get("replica identity").is_some() {
        block.push(format!(
            "ALTER TABLE {table} REPLICA IDENTITY USING INDEX {index};"
        ));
    }
    if let Some(tablespace) = parsed.get("tablespace") {
        block.push(format!("ALTER INDEX {name} SET TABLESPACE {tablespace};"));
    }
    if parsed.get("valid").is_some() {
        block.push_unparsed(
            "-- The index is not valid where this file was rendered (a failed CREATE INDEX CONCURRENTLY?); the statement above builds it valid.",
        );
    }
    block.comment(&format!("INDEX {name}"), parsed);
    Some(block)
}

/// `ENABLE ALWAYS`, `ENABLE REPLICA` or `DISABLE` for a trigger or rule that does not fire the
/// usual way.
fn firing(parsed: &Parsed<'_>) -> Option<&'static str> {
    match parsed.get("enabled")? {
        "always" => Some("ENABLE ALWAYS"),
        "replica" => Some("ENABLE REPLICA"),
        "disabled" => Some("DISABLE"),
        _ => None,
    }
}

fn trigger(object: &SchemaObject, parsed: &Parsed<'_>, catalog: &Catalog<'_>) -> Option<Block> {
    let (table, name) = table_and_name(object);
    if catalog.is_partition(&table)
        && catalog.parents_of(&table).iter().any(|parent| {
            catalog
                .get(object.kind, &format!("{parent}.{name}"))
                .is_some()
        })
    {
        return None;
    }
    let mut block = Block::new(object.kind, &object.name, Phase::Trigger);
    block.push(format!("{};", parsed.sql_text()));
    if let Some(firing) = firing(parsed) {
        block.push(format!(
            "ALTER {} {table} {firing} TRIGGER {name};",
            relation_kind(&table, catalog)
        ));
    }
    block.comment(&format!("TRIGGER {name} ON {table}"), parsed);
    Some(block)
}

fn rule(object: &SchemaObject, parsed: &Parsed<'_>) -> Block {
    let (table, name) = table_and_name(object);
    let mut block = Block::new(object.kind, &object.name, Phase::Rule);
    // The server prints a rule with its semicolon.
    block.push(parsed.sql_text());
    if let Some(firing) = firing(parsed) {
        block.push(format!("ALTER TABLE {table} {firing} RULE {name};"));
    }
    block.comment(&format!("RULE {name} ON {table}"), parsed);
    block
}

fn policy(object: &SchemaObject, parsed: &Parsed<'_>) -> Block {
    let (table, name) = table_and_name(object);
    let mut block = Block::new(object.kind, &object.name, Phase::Policy);
    block.push(format!(
        "CREATE POLICY {name} ON {table} {};",
        parsed.first_line()
    ));
    block.comment(&format!("POLICY {name} ON {table}"), parsed);
    block
}

fn statistics(object: &SchemaObject, parsed: &Parsed<'_>, catalog: &Catalog<'_>) -> Block {
    let mut block = Block::new(object.kind, &object.name, Phase::Statistics);
    block.push(format!("{};", parsed.sql_text()));
    let on = format!("STATISTICS {}", object.name);
    block.comment(&on, parsed);
    block.owner(&on, parsed, catalog);
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_names_its_table() {
        assert_eq!(
            indexed_table(
                "CREATE UNIQUE INDEX \"p ON q\" ON ONLY app.\"odd ON x\" USING btree (id)",
                "\"p ON q\""
            ),
            Some("app.\"odd ON x\"")
        );
        assert_eq!(
            indexed_table("CREATE INDEX i ON app.t USING gist (r)", "i"),
            Some("app.t")
        );
    }
}
