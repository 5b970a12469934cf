//! Tables with their columns, sequences, views and materialised views.

use super::catalog::Catalog;
use super::privileges::{self, TABLE};
use super::text::{Parsed, last_part, literal, prefix, unquote};
use super::{Block, Phase};
use crate::snapshot::{ObjectKind, SchemaObject};

pub(super) fn render(object: &SchemaObject, catalog: &Catalog<'_>) -> Option<Block> {
    let parsed = Parsed::new(&object.definition);
    match object.kind {
        ObjectKind::Sequence => sequence(object, &parsed, catalog),
        ObjectKind::View | ObjectKind::MaterializedView => Some(view(object, &parsed, catalog)),
        _ => Some(table(object, &parsed, catalog)),
    }
}

fn sequence(object: &SchemaObject, parsed: &Parsed<'_>, catalog: &Catalog<'_>) -> Option<Block> {
    // An identity column's sequence is made by its table.
    if parsed
        .get("owned by")
        .is_some_and(|owner| owner.ends_with(" (identity)"))
    {
        return None;
    }
    let name = &object.name;
    let mut block = Block::new(object.kind, name, Phase::Sequence);
    block.push(format!("CREATE SEQUENCE {name} {};", parsed.first_line()));
    sequence_extras(&mut block, name, parsed, catalog);
    Some(block)
}

fn sequence_extras(block: &mut Block, name: &str, parsed: &Parsed<'_>, catalog: &Catalog<'_>) {
    let on = format!("SEQUENCE {name}");
    block.comment(&on, parsed);
    block.privileges(&on, &privileges::SEQUENCE, parsed, catalog);
    block.owner(&on, parsed, catalog);
}

fn view(object: &SchemaObject, parsed: &Parsed<'_>, catalog: &Catalog<'_>) -> Block {
    let name = &object.name;
    let (phase, what) = match object.kind {
        ObjectKind::MaterializedView => (Phase::MaterializedView, "MATERIALIZED VIEW"),
        _ => (Phase::View, "VIEW"),
    };
    let mut block = Block::new(object.kind, name, phase);
    let mut clauses = String::new();
    if let Some(method) = parsed.get("access method") {
        clauses.push_str(&format!(" USING {method}"));
    }
    let options = parsed.list("options");
    if !options.is_empty() {
        clauses.push_str(&format!(" WITH ({})", options.join(", ")));
    }
    if let Some(tablespace) = parsed.get("tablespace") {
        clauses.push_str(&format!(" TABLESPACE {tablespace}"));
    }
    block.push(format!(
        "CREATE {what} {name}{clauses} AS\n{}",
        parsed.sql_text()
    ));
    let on = format!("{what} {name}");
    block.comment(&on, parsed);
    for (member, comment) in parsed.member_comments() {
        if let Some(column) = member.strip_prefix("column ") {
            block.push_unparsed(format!(
                "COMMENT ON COLUMN {name}.{column} IS {};",
                literal(&comment)
            ));
        }
    }
    block.privileges(&format!("TABLE {name}"), &TABLE, parsed, catalog);
    block.owner(&on, parsed, catalog);
    block
}

fn table(object: &SchemaObject, parsed: &Parsed<'_>, catalog: &Catalog<'_>) -> Block {
    let name = &object.name;
    let foreign = object.kind == ObjectKind::ForeignTable;
    let mut block = Block::new(object.kind, name, Phase::Table);
    let columns = catalog.columns_of(name);
    let parents = catalog.parents_of(name);
    // The columns a parent (or the table's type) gives are not listed: listing them would only
    // merge them again, and a partition may not list any.
    let inherited: Vec<(&str, &str)> = parents
        .iter()
        .flat_map(|parent| catalog.columns_of(parent))
        .fold(Vec::new(), |mut seen, column| {
            if !seen.iter().any(|(name, _)| *name == column.0) {
                seen.push(column);
            }
            seen
        });
    let typed = parsed.get("of type").is_some();
    let inherits_all = columns
        .iter()
        .zip(&inherited)
        .all(|(column, parent)| column.0 == parent.0)
        && columns.len() >= inherited.len();
    let listed = match (typed, inherits_all) {
        (true, _) => &columns[columns.len()..],
        (false, true) => &columns[inherited.len()..],
        (false, false) => &columns[..],
    };

    let unlogged = if parsed.get("persistence") == Some("unlogged") {
        "UNLOGGED "
    } else {
        ""
    };
    let what = if foreign { "FOREIGN TABLE" } else { "TABLE" };
    let mut create = format!("CREATE {unlogged}{what} {name}");
    if let Some(partition) = parsed.get("partition of") {
        create.push_str(&format!(" PARTITION OF {partition}"));
    } else if let Some(of_type) = parsed.get("of type") {
        create.push_str(&format!(" OF {of_type}"));
    } else {
        let lines: Vec<String> = listed
            .iter()
            .map(|(column, definition)| {
                let line = Parsed::new(definition).first_line();
                format!(
                    "    {column} {}",
                    with_identity_options(name, column, line, catalog)
                )
            })
            .collect();
        if lines.is_empty() {
            create.push_str(" ()");
        } else {
            create.push_str(&format!(" (\n{}\n)", lines.join(",\n")));
        }
        let parents = parsed.list("inherits");
        if !parents.is_empty() {
            create.push_str(&format!(" INHERITS ({})", parents.join(", ")));
        }
    }
    if let Some(key) = parsed.get("partition by") {
        create.push_str(&format!(" PARTITION BY {key}"));
    }
    if let Some(method) = parsed.get("access method") {
        create.push_str(&format!(" USING {method}"));
    }
    let options = parsed.list("options");
    if !options.is_empty() {
        create.push_str(&format!(" WITH ({})", options.join(", ")));
    }
    if let Some(tablespace) = parsed.get("tablespace") {
        create.push_str(&format!(" TABLESPACE {tablespace}"));
    }
    if let Some(server) = parsed.get("server") {
        create.push_str(&format!(" SERVER {server}"));
        create.push_str(&foreign_options(&parsed.list("server options")));
    }
    block.push(format!("{create};"));

    let only = if foreign {
        "FOREIGN TABLE ONLY"
    } else {
        "TABLE ONLY"
    };
    if typed || inherits_all {
        for (column, definition) in &columns {
            let given = inherited
                .iter()
                .find(|(name, _)| name == column)
                .map(|(_, definition)| Parsed::new(definition).first_line());
            if typed || given.is_some() {
                let own = Parsed::new(definition).first_line();
                block.extend(inherited_column_changes(
                    &format!("ALTER {only} {name} ALTER COLUMN {column}"),
                    given.unwrap_or(""),
                    own,
                ));
            }
        }
    }
    for (column, definition) in &columns {
        column_extras(&mut block, name, column, definition, parsed, catalog, only);
    }
    for (sequence, column) in catalog.serial_sequences_of(name) {
        block.push(format!("ALTER SEQUENCE {sequence} OWNED BY {column};"));
    }

    let on = format!("{what} {name}");
    block.comment(&on, parsed);
    block.privileges(&format!("TABLE {name}"), &TABLE, parsed, catalog);
    match parsed.get("row security") {
        Some("enabled, forced") => {
            block.push(format!("ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;"));
            block.push(format!("ALTER TABLE {name} FORCE ROW LEVEL SECURITY;"));
        }
        Some("enabled") => block.push(format!("ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;")),
        Some("forced") => block.push(format!("ALTER TABLE {name} FORCE ROW LEVEL SECURITY;")),
        _ => {}
    }
    match parsed.get("replica identity") {
        Some("full") => block.push(format!("ALTER TABLE {name} REPLICA IDENTITY FULL;")),
        Some("nothing") => block.push(format!("ALTER TABLE {name} REPLICA IDENTITY NOTHING;")),
        _ => {}
    }
    block.owner(&on, parsed, catalog);
    block
}

/// `OPTIONS (key 'value', ...)` from `key=value` items, or nothing.
fn foreign_options(items: &[&str]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let options: Vec<String> = items
        .iter()
        .map(|item| {
            let (key, value) = item.split_once('=').unwrap_or((item, ""));
            format!("{key} {}", literal(value))
        })
        .collect();
    format!(" OPTIONS ({})", options.join(", "))
}

/// A column line split into what precedes its default, its default, and whether it is NOT NULL.
fn column_parts(line: &str) -> (&str, Option<&str>, bool) {
    let (line, not_null) = match line.strip_suffix(" NOT NULL") {
        Some(rest) => (rest, true),
        None => (line, false),
    };
    // `GENERATED BY DEFAULT AS IDENTITY` is not a default.
    let default = line
        .match_indices(" DEFAULT ")
        .find(|(at, _)| !line[..*at].ends_with(" BY"));
    match default {
        Some((at, keyword)) => (&line[..at], Some(&line[at + keyword.len()..]), not_null),
        None => (line, None, not_null),
    }
}

/// The default and NOT NULL a child column has that its parent's does not give it.
fn inherited_column_changes(alter: &str, given: &str, own: &str) -> Vec<String> {
    let (_, given_default, given_not_null) = column_parts(given);
    let (_, own_default, own_not_null) = column_parts(own);
    let mut statements = Vec::new();
    match (given_default, own_default) {
        (given, Some(own)) if given != Some(own) => {
            statements.push(format!("{alter} SET DEFAULT {own};"))
        }
        (Some(_), None) => statements.push(format!("{alter} DROP DEFAULT;")),
        _ => {}
    }
    match (given_not_null, own_not_null) {
        (false, true) => statements.push(format!("{alter} SET NOT NULL;")),
        (true, false) => statements.push(format!("{alter} DROP NOT NULL;")),
        _ => {}
    }
    statements
}

fn column_extras(
    block: &mut Block,
    table: &str,
    column: &str,
    definition: &str,
    table_parsed: &Parsed<'_>,
    catalog: &Catalog<'_>,
    only: &str,
) {
    let parsed = Parsed::new(definition);
    let alter = format!("ALTER {only} {table} ALTER COLUMN {column}");
    if let Some(storage) = parsed.get("storage") {
        block.push(format!("{alter} SET STORAGE {};", storage.to_uppercase()));
    }
    if let Some(statistics) = parsed.get("statistics") {
        block.push(format!("{alter} SET STATISTICS {statistics};"));
    }
    let options = parsed.list("options");
    if !options.is_empty() {
        block.push(format!("{alter} SET ({});", options.join(", ")));
    }
    let server_options = parsed.list("server options");
    if !server_options.is_empty() {
        block.push(format!(
            "ALTER FOREIGN TABLE {table} ALTER COLUMN {column}{};",
            foreign_options(&server_options)
        ));
    }
    if let Some(acl) = parsed.get("privileges") {
        let owner = table_parsed.get("owner").unwrap_or(catalog.role);
        let target = privileges::Target {
            prefix: "",
            on: &format!("TABLE {table}"),
            column: &format!(" ({column})"),
            owner,
            role: catalog.role,
        };
        for statement in privileges::statements(&target, &[], &privileges::parse_acl(acl)) {
            block.push_unparsed(statement);
        }
    }
    block.comment(&format!("COLUMN {table}.{column}"), &parsed);
    if let Some((sequence, true)) = catalog.sequence_of(&format!("{table}.{column}"))
        && let Some(definition) = catalog.get(ObjectKind::Sequence, sequence)
    {
        sequence_extras(block, sequence, &Parsed::new(definition), catalog);
    }
}

/// An identity column's line with its sequence's name and options where they are not the ones the
/// server would choose.
fn with_identity_options(table: &str, column: &str, line: &str, catalog: &Catalog<'_>) -> String {
    let Some(at) = line
        .find(" AS IDENTITY")
        .map(|at| at + " AS IDENTITY".len())
    else {
        return line.to_owned();
    };
    let Some((sequence, true)) = catalog.sequence_of(&format!("{table}.{column}")) else {
        return line.to_owned();
    };
    let Some(definition) = catalog.get(ObjectKind::Sequence, sequence) else {
        return line.to_owned();
    };
    let mut options = Vec::new();
    let default_name = format!("{}_{}_seq", unquote(last_part(table)), unquote(column));
    if unquote(last_part(sequence)) != default_name || prefix(sequence, 1) != prefix(table, 1) {
        options.push(format!("SEQUENCE NAME {sequence}"));
    }
    options.extend(non_default_sequence_options(
        Parsed::new(definition).first_line(),
    ));
    if options.is_empty() {
        return line.to_owned();
    }
    format!("{} ({}){}", &line[..at], options.join(" "), &line[at..])
}

/// The options of a sequence line (`AS integer START 1 INCREMENT 1 ...`) that differ from what
/// `CREATE SEQUENCE` chooses for its type and direction.
fn non_default_sequence_options(line: &str) -> Vec<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let value = |key: &str| {
        words
            .iter()
            .position(|word| *word == key)
            .and_then(|at| words.get(at + 1))
            .and_then(|number| number.parse::<i64>().ok())
    };
    let (max, min) = match words.get(1).copied() {
        Some("smallint") => (i64::from(i16::MAX), i64::from(i16::MIN)),
        Some("integer") => (i64::from(i32::MAX), i64::from(i32::MIN)),
        _ => (i64::MAX, i64::MIN),
    };
    let increment = value("INCREMENT").unwrap_or(1);
    let (default_min, default_max) = if increment > 0 { (1, max) } else { (min, -1) };
    let minimum = value("MINVALUE").unwrap_or(default_min);
    let maximum = value("MAXVALUE").unwrap_or(default_max);
    let default_start = if increment > 0 { minimum } else { maximum };
    let mut options = Vec::new();
    for (key, actual, default) in [
        (
            "START",
            value("START").unwrap_or(default_start),
            default_start,
        ),
        ("INCREMENT", increment, 1),
        ("MINVALUE", minimum, default_min),
        ("MAXVALUE", maximum, default_max),
        ("CACHE", value("CACHE").unwrap_or(1), 1),
    ] {
        if actual != default {
            options.push(format!("{key} {actual}"));
        }
    }
    if words.last() == Some(&"CYCLE") && words.get(words.len().wrapping_sub(2)) != Some(&"NO") {
        options.push("CYCLE".to_owned());
    }
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_options_are_written_only_where_they_differ_from_the_defaults() {
        let cases: &[(&str, &[&str])] = &[
            (
                "AS bigint START 1 INCREMENT 1 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1 NO CYCLE",
                &[],
            ),
            (
                "AS integer START 10 INCREMENT 1 MINVALUE 1 MAXVALUE 2147483647 CACHE 1 NO CYCLE",
                &["START 10"],
            ),
            (
                "AS smallint START -1 INCREMENT -1 MINVALUE -32768 MAXVALUE -1 CACHE 20 CYCLE",
                &["INCREMENT -1", "CACHE 20", "CYCLE"],
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(non_default_sequence_options(line), *expected, "{line}");
        }
    }

    #[test]
    fn a_child_column_gets_what_its_parent_does_not_give_it() {
        assert_eq!(
            inherited_column_changes("ALTER c", "integer DEFAULT 1 NOT NULL", "integer DEFAULT 2"),
            ["ALTER c SET DEFAULT 2;", "ALTER c DROP NOT NULL;"]
        );
        assert!(inherited_column_changes("ALTER c", "text", "text").is_empty());
        assert!(
            inherited_column_changes(
                "ALTER c",
                "integer GENERATED BY DEFAULT AS IDENTITY NOT NULL",
                "integer NOT NULL"
            )
            .is_empty()
        );
    }
}
