//! Objects that do not hang off a table: schemas, extensions, collations, types, routines, event
//! triggers and default privileges; and the objects a fresh database already has.

use migrations_core::history::quote_ident;

use super::catalog::Catalog;
use super::privileges::{self, Defaults, parse_acl};
use super::text::{Parsed, literal, split_outside_quotes, unquote};
use super::{Block, Phase};
use crate::snapshot::{ObjectKind, SchemaObject};

pub(super) fn render(object: &SchemaObject, catalog: &Catalog<'_>) -> Option<Block> {
    let parsed = Parsed::new(&object.definition);
    let name = object.name.as_str();
    Some(match object.kind {
        ObjectKind::Schema => {
            let mut block = Block::new(object.kind, name, Phase::Schema);
            block.push(format!("CREATE SCHEMA {name};"));
            extras(
                &mut block,
                &format!("SCHEMA {name}"),
                &privileges::SCHEMA,
                &parsed,
                catalog,
            );
            block
        }
        ObjectKind::Extension => extension(object, &parsed),
        ObjectKind::Collation => collation(object, &parsed, catalog),
        ObjectKind::Type => data_type(object, &parsed, catalog),
        ObjectKind::Function | ObjectKind::Procedure => routine(object, &parsed, catalog),
        ObjectKind::Aggregate => aggregate(object, &parsed, catalog),
        ObjectKind::EventTrigger => event_trigger(object, &parsed, catalog),
        ObjectKind::DefaultPrivileges => default_privileges(object, catalog)?,
        _ => return None,
    })
}

/// The comment, the grants and the owner, which every kind here writes the same way.
fn extras(
    block: &mut Block,
    on: &str,
    defaults: &Defaults,
    parsed: &Parsed<'_>,
    catalog: &Catalog<'_>,
) {
    block.comment(on, parsed);
    block.privileges(on, defaults, parsed, catalog);
    block.owner(on, parsed, catalog);
}

fn extension(object: &SchemaObject, parsed: &Parsed<'_>) -> Block {
    let name = &object.name;
    let mut block = Block::new(object.kind, name, Phase::Extension);
    let schema = parsed.get("schema").unwrap_or("public");
    let mut create = format!("CREATE EXTENSION IF NOT EXISTS {name} WITH SCHEMA {schema}");
    if let Some(version) = parsed.get("version") {
        create.push_str(&format!(" VERSION {}", literal(version)));
    }
    block.push(format!("{create};"));
    block.needs.push(schema.to_owned());
    // An extension belongs to the role that creates it; its owner cannot be changed.
    block.comment(&format!("EXTENSION {name}"), parsed);
    block
}

fn collation(object: &SchemaObject, parsed: &Parsed<'_>, catalog: &Catalog<'_>) -> Block {
    let name = &object.name;
    let mut block = Block::new(object.kind, name, Phase::Collation);
    // The snapshot holds the settings as `CREATE COLLATION` names them (`PROVIDER = libc,
    // LC_COLLATE = 'C', ...`), and an encoding only when the collation is not for any encoding.
    let settings = collation_settings(parsed.get("settings").unwrap_or_default());
    let setting = |key: &str| {
        settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let provider = setting("PROVIDER").unwrap_or("libc");
    let deterministic = setting("DETERMINISTIC") != Some("false");
    let any_encoding = parsed.get("encoding").is_none();
    let (collate, ctype) = (setting("LC_COLLATE"), setting("LC_CTYPE"));
    let unquoted = |value: Option<&str>| value.map(|v| v.trim_matches('\'').replace("''", "'"));
    let builtin = unquoted(collate).filter(|c| {
        ["C", "POSIX"].contains(&c.as_str()) && unquoted(ctype).as_deref() == Some(c.as_str())
    });
    match builtin {
        // Only a copy of "C" or "POSIX" keeps their "any encoding".
        Some(builtin) if provider == "libc" && any_encoding && deterministic => {
            block.push(format!(
                "CREATE COLLATION {name} FROM pg_catalog.{};",
                quote_ident(&builtin)
            ));
        }
        _ => {
            // Each provider takes its own settings: LOCALE with LC_COLLATE is refused.
            let keys: &[&str] = match provider {
                "libc" => &["LC_COLLATE", "LC_CTYPE"],
                "icu" => &["LOCALE", "RULES"],
                _ => &["LOCALE"],
            };
            let mut options = vec![format!("provider = {provider}")];
            for key in keys {
                if let Some(value) = setting(key) {
                    options.push(format!("{} = {value}", key.to_lowercase()));
                }
            }
            if !deterministic {
                options.push("deterministic = false".to_owned());
            }
            block.push(format!("CREATE COLLATION {name} ({});", options.join(", ")));
        }
    }
    extras(
        &mut block,
        &format!("COLLATION {name}"),
        &privileges::NONE,
        parsed,
        catalog,
    );
    block
}

fn data_type(object: &SchemaObject, parsed: &Parsed<'_>, catalog: &Catalog<'_>) -> Block {
    let name = &object.name;
    let first = parsed.first_line();
    let (phase, on) = if first.starts_with("BASE ") {
        (Phase::BaseType, format!("TYPE {name}"))
    } else if first.starts_with("DOMAIN ") {
        (Phase::Type, format!("DOMAIN {name}"))
    } else {
        (Phase::Type, format!("TYPE {name}"))
    };
    let mut block = Block::new(object.kind, name, phase);
    if let Some(labels) = first.strip_prefix("ENUM ") {
        block.push(format!("CREATE TYPE {name} AS ENUM {labels};"));
    } else if let Some(domain) = first.strip_prefix("DOMAIN ") {
        block.push(format!("CREATE DOMAIN {name} AS {domain};"));
        // Apart, so that a constraint that is NOT VALID stays so.
        for constraint in &parsed.sql[1..] {
            block.push(format!("ALTER DOMAIN {name} ADD {constraint};"));
        }
    } else if let Some(attributes) = first.strip_prefix("COMPOSITE ") {
        block.push(format!("CREATE TYPE {name} AS {attributes};"));
    } else if let Some(settings) = first.strip_prefix("RANGE ") {
        block.push(format!("CREATE TYPE {name} AS RANGE {settings};"));
    } else if let Some(settings) = first.strip_prefix("BASE ") {
        block.push(format!("CREATE TYPE {name} {settings};"));
    }
    for (member, comment) in parsed.member_comments() {
        let statement = if let Some(constraint) = member.strip_prefix("constraint ") {
            format!("COMMENT ON CONSTRAINT {constraint} ON DOMAIN {name}")
        } else if let Some(attribute) = member.strip_prefix("attribute ") {
            format!("COMMENT ON COLUMN {name}.{attribute}")
        } else {
            continue;
        };
        block.push_unparsed(format!("{statement} IS {};", literal(&comment)));
    }
    extras(&mut block, &on, &privileges::TYPE, parsed, catalog);
    block
}

fn routine(object: &SchemaObject, parsed: &Parsed<'_>, catalog: &Catalog<'_>) -> Block {
    let name = &object.name;
    let mut block = Block::new(object.kind, name, Phase::Routine);
    let sql = parsed.sql_text();
    // With check_function_bodies off, a body in quotes is not parsed: the objects it names may
    // come later. A standard SQL body (`RETURN ...`, `BEGIN ATOMIC`) is parsed.
    let signature = parsed
        .sql
        .iter()
        .take_while(|line| !line.starts_with("AS $"))
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    block.push_parsing(format!("{sql};"), &signature);
    let what = if object.kind == ObjectKind::Procedure {
        "PROCEDURE"
    } else {
        "FUNCTION"
    };
    extras(
        &mut block,
        &format!("{what} {name}"),
        &privileges::ROUTINE,
        parsed,
        catalog,
    );
    block
}

fn aggregate(object: &SchemaObject, parsed: &Parsed<'_>, catalog: &Catalog<'_>) -> Block {
    let name = &object.name;
    let mut block = Block::new(object.kind, name, Phase::Routine);
    let line = parsed.first_line();
    let settings = line
        .find("(SFUNC = ")
        .and_then(|start| line[start + 1..].strip_suffix(')'))
        .unwrap_or_default();
    let mut written = Vec::new();
    for setting in split_outside_quotes(settings, ", ") {
        let (key, value) = setting.split_once(" = ").unwrap_or((setting, ""));
        match key {
            "PARALLEL" => written.push(format!(
                "PARALLEL = {}",
                match value {
                    "s" => "SAFE",
                    "r" => "RESTRICTED",
                    _ => "UNSAFE",
                }
            )),
            "KIND" if value == "h" => written.push("HYPOTHETICAL".to_owned()),
            // An ordered-set aggregate says so in its arguments (`ORDER BY`).
            "KIND" => {}
            "STYPE" | "INITCOND" | "MSTYPE" | "MINITCOND" => written.push(setting.to_owned()),
            // Functions and operators are printed with their argument types, which CREATE
            // AGGREGATE does not take.
            _ => {
                let bare = split_outside_quotes(value, "(")
                    .first()
                    .copied()
                    .unwrap_or(value);
                written.push(format!("{key} = {bare}"));
            }
        }
    }
    block.push(format!("CREATE AGGREGATE {name} ({});", written.join(", ")));
    let on = format!("AGGREGATE {name}");
    block.comment(&on, parsed);
    block.privileges(
        &format!("ROUTINE {name}"),
        &privileges::ROUTINE,
        parsed,
        catalog,
    );
    block.owner(&on, parsed, catalog);
    block
}

fn event_trigger(object: &SchemaObject, parsed: &Parsed<'_>, catalog: &Catalog<'_>) -> Block {
    let name = &object.name;
    let mut block = Block::new(object.kind, name, Phase::Routine);
    block.push(format!(
        "CREATE EVENT TRIGGER {name} {};",
        parsed.first_line()
    ));
    let firing = match parsed.get("enabled") {
        Some("always") => Some("ENABLE ALWAYS"),
        Some("replica") => Some("ENABLE REPLICA"),
        Some("disabled") => Some("DISABLE"),
        _ => None,
    };
    if let Some(firing) = firing {
        block.push(format!("ALTER EVENT TRIGGER {name} {firing};"));
    }
    extras(
        &mut block,
        &format!("EVENT TRIGGER {name}"),
        &privileges::NONE,
        parsed,
        catalog,
    );
    block
}

/// `<role> [in schema <schema>] on <kind>: <privileges>` as `ALTER DEFAULT PRIVILEGES`: for the
/// whole database, from the built-in defaults; in a schema, added to them.
fn default_privileges(object: &SchemaObject, catalog: &Catalog<'_>) -> Option<Block> {
    let name = &object.name;
    let (scope, kind) = match split_outside_quotes(name, " on ").as_slice() {
        [scope, kind] => (*scope, *kind),
        _ => return None,
    };
    let (role, schema) = match split_outside_quotes(scope, " in schema ").as_slice() {
        [role, schema] => (*role, Some(*schema)),
        _ => (scope, None),
    };
    let (objects, defaults) = match kind {
        "tables" => ("TABLES", &privileges::TABLE),
        "sequences" => ("SEQUENCES", &privileges::SEQUENCE),
        "functions" => ("FUNCTIONS", &privileges::ROUTINE),
        "types" => ("TYPES", &privileges::TYPE),
        "schemas" => ("SCHEMAS", &privileges::SCHEMA),
        _ => return None,
    };
    let owner = unquote(role);
    let mut prefix = "ALTER DEFAULT PRIVILEGES".to_owned();
    if owner != catalog.role {
        prefix.push_str(&format!(" FOR ROLE {role}"));
    }
    if let Some(schema) = schema {
        prefix.push_str(&format!(" IN SCHEMA {schema}"));
    }
    prefix.push(' ');
    let actual = parse_acl(&object.definition);
    let from = match schema {
        Some(_) => Vec::new(),
        None => defaults.items(&owner, &actual),
    };
    let target = privileges::Target {
        prefix: &prefix,
        on: objects,
        column: "",
        owner: &owner,
        role: catalog.role,
    };
    // Titled without the role when it is the one running the file.
    let title = match (owner == catalog.role, schema) {
        (true, Some(schema)) => format!("in schema {schema} on {kind}"),
        (true, None) => format!("on {kind}"),
        (false, _) => name.clone(),
    };
    let mut block = Block::new(object.kind, &title, Phase::Policy);
    block.extend(privileges::statements(&target, &from, &actual));
    (!block.statements.is_empty()).then_some(block)
}

/// What turns an object a fresh database has into the head's: its comment, grants and owner.
pub(super) fn changed_from_fresh(
    object: &SchemaObject,
    fresh: &str,
    catalog: &Catalog<'_>,
) -> Option<Block> {
    let (head, fresh) = (Parsed::new(&object.definition), Parsed::new(fresh));
    let on = format!("{} {}", object.kind.as_str().to_uppercase(), object.name);
    let mut block = Block::new(object.kind, &object.name, Phase::Schema);
    if head.get("comment") != fresh.get("comment") {
        let comment = head
            .comment()
            .map_or_else(|| "NULL".to_owned(), |c| literal(&c));
        block.push_unparsed(format!("COMMENT ON {on} IS {comment};"));
    }
    let owner = |parsed: &Parsed<'_>| parsed.get("owner").unwrap_or(catalog.role).to_owned();
    let acl = |parsed: &Parsed<'_>| {
        parsed
            .get("privileges")
            .map_or_else(|| privileges::SCHEMA.items(&owner(parsed), &[]), parse_acl)
    };
    if head.get("privileges") != fresh.get("privileges") {
        let head_owner = owner(&head);
        let target = privileges::Target {
            prefix: "",
            on: &on,
            column: "",
            owner: &head_owner,
            role: catalog.role,
        };
        for statement in privileges::statements(&target, &acl(&fresh), &acl(&head)) {
            block.push_unparsed(statement);
        }
    }
    if head.get("owner") != fresh.get("owner") && object.kind != ObjectKind::Extension {
        let owner = owner(&head);
        let owner = if owner == catalog.role {
            "CURRENT_USER".to_owned()
        } else {
            quote_ident(&owner)
        };
        block.push_unparsed(format!("ALTER {on} OWNER TO {owner};"));
    }
    let rest = |parsed: &Parsed<'_>| {
        let mut lines: Vec<String> = parsed.sql.iter().map(|line| (*line).to_owned()).collect();
        lines.extend(
            parsed
                .properties
                .iter()
                .filter(|(key, _)| !["comment", "privileges", "owner"].contains(key))
                .map(|(key, value)| format!("{key}: {value}")),
        );
        lines
    };
    if rest(&head) != rest(&fresh) {
        block.push_unparsed(format!(
            "-- Not written: it differs from a fresh database's in {}.",
            rest(&head).join("; ")
        ));
    }
    (!block.statements.is_empty()).then_some(block)
}

/// What removes an object a fresh database has and the head does not.
pub(super) fn dropped(kind: ObjectKind, name: &str) -> Option<Block> {
    let what = match kind {
        ObjectKind::Schema => "SCHEMA",
        ObjectKind::Extension => "EXTENSION",
        _ => return None,
    };
    let mut block = Block::new(kind, name, Phase::Schema);
    block.push_unparsed(format!("DROP {what} {name};"));
    Some(block)
}

/// `KEY = value` pairs of a collation's settings, split at the commas outside quoted values.
fn collation_settings(text: &str) -> Vec<(String, String)> {
    let mut parts = Vec::new();
    let (mut current, mut quoted) = (String::new(), false);
    for c in text.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts
        .iter()
        .filter_map(|part| {
            let (key, value) = part.split_once('=')?;
            Some((key.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}
