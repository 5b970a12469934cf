//! Objects that do not hang off a table: extensions, schemas, collations, types, routines, event
//! triggers and default privileges.

use postgres::types::Type;

use super::server_version::ServerVersion;
use super::{Catalog, Columns, Objects, query};
use crate::snapshot::definition::{Definition, readable_acl};
use crate::snapshot::error::SnapshotError;
use crate::snapshot::object::ObjectKind;
use crate::snapshot::options::SnapshotOptions;

/// Reads these objects and returns the schemas that hold an excluded table.
pub(super) async fn read<C: Catalog>(
    catalog: &mut C,
    version: ServerVersion,
    options: &SnapshotOptions,
    objects: &mut Objects,
) -> Result<Vec<String>, SnapshotError> {
    extensions(catalog, objects).await?;
    let history_schemas = schemas(catalog, options, objects).await?;
    collations(catalog, version, objects).await?;
    types(catalog, objects).await?;
    routines(catalog, objects).await?;
    event_triggers(catalog, objects).await?;
    default_privileges(catalog, objects).await?;
    Ok(history_schemas)
}

async fn extensions<C: Catalog>(
    catalog: &mut C,
    objects: &mut Objects,
) -> Result<(), SnapshotError> {
    let what = "extensions";
    for row in query(
        catalog,
        what,
        include_str!("../queries/extensions.sql"),
        &[],
    )
    .await?
    {
        let row = Columns::new(&row, what);
        let definition = Definition::new()
            .property("version", row.get::<&str>("version")?)
            .property("schema", row.get::<&str>("schema")?)
            .owner(row.get("owner")?)
            .comment(row.get("comment")?)
            .finish();
        objects.add(ObjectKind::Extension, row.get("name")?, definition);
    }
    Ok(())
}

async fn schemas<C: Catalog>(
    catalog: &mut C,
    options: &SnapshotOptions,
    objects: &mut Objects,
) -> Result<Vec<String>, SnapshotError> {
    let what = "schemas";
    let (excluded_schemas, excluded_tables) = options.excluded_table_names();
    let mut history_schemas = Vec::new();
    for row in query(
        catalog,
        what,
        include_str!("../queries/schemas.sql"),
        &[
            (&excluded_schemas, Type::TEXT_ARRAY),
            (&excluded_tables, Type::TEXT_ARRAY),
        ],
    )
    .await?
    {
        let row = Columns::new(&row, what);
        if row.get::<bool>("holds_excluded_table")? {
            history_schemas.push(row.get("name")?);
        }
        let definition = Definition::new()
            .owner(row.get("owner")?)
            .privileges(
                &row.get::<Vec<String>>("acl")?,
                &row.get::<Vec<String>>("default_acl")?,
            )
            .comment(row.get("comment")?)
            .finish();
        objects.add(ObjectKind::Schema, row.get("name")?, definition);
    }
    Ok(history_schemas)
}

async fn collations<C: Catalog>(
    catalog: &mut C,
    version: ServerVersion,
    objects: &mut Objects,
) -> Result<(), SnapshotError> {
    let what = "collations";
    for row in query(
        catalog,
        what,
        include_str!("../queries/collations.sql"),
        &[
            (&version.collation_locale_column(), Type::TEXT),
            (&version.collation_rules_column(), Type::TEXT),
        ],
    )
    .await?
    {
        let row = Columns::new(&row, what);
        let definition = Definition::new()
            .property("settings", collation_settings(&row)?)
            .property_if("encoding", row.get::<Option<&str>>("encoding")?)
            .owner(row.get("owner")?)
            .comment(row.get("comment")?)
            .finish();
        objects.add(ObjectKind::Collation, row.get("name")?, definition);
    }
    Ok(())
}

/// A collation's settings as `CREATE COLLATION` names them, those that are set, in one order for
/// every server version.
fn collation_settings(row: &Columns<'_>) -> Result<String, SnapshotError> {
    let mut settings = vec![format!("PROVIDER = {}", row.get::<&str>("provider")?)];
    settings.extend(settings_that_are_set(
        row,
        &[
            ("LOCALE", "locale"),
            ("LC_COLLATE", "lc_collate"),
            ("LC_CTYPE", "lc_ctype"),
            ("RULES", "rules"),
        ],
    )?);
    if !row.get::<bool>("deterministic")? {
        settings.push("DETERMINISTIC = false".to_owned());
    }
    Ok(settings.join(", "))
}

async fn types<C: Catalog>(catalog: &mut C, objects: &mut Objects) -> Result<(), SnapshotError> {
    let what = "types";
    for row in query(catalog, what, include_str!("../queries/types.sql"), &[]).await? {
        let row = Columns::new(&row, what);
        let shape = match row.get::<&str>("type_kind")? {
            "e" => Definition::new().line(format!(
                "ENUM ({})",
                row.get::<Vec<String>>("enum_labels")?.join(", ")
            )),
            "d" => domain(&row)?,
            "c" => Definition::new().line(format!(
                "COMPOSITE ({})",
                row.get::<Vec<String>>("composite_attributes")?.join(", ")
            )),
            "r" => range(&row)?,
            _ => Definition::new().line(format!(
                "BASE ({})",
                row.get::<Option<&str>>("base_type_definition")?
                    .unwrap_or_default()
            )),
        };
        let mut definition = shape
            .owner(row.get("owner")?)
            .privileges(
                &row.get::<Vec<String>>("acl")?,
                &row.get::<Vec<String>>("default_acl")?,
            )
            .comment(row.get("comment")?);
        let members: Vec<String> = row.get("member_names")?;
        let comments: Vec<String> = row.get("member_comments")?;
        for (member, comment) in members.iter().zip(&comments) {
            definition = definition.line(format!("comment on {member}: {comment:?}"));
        }
        objects.add(ObjectKind::Type, row.get("name")?, definition.finish());
    }
    Ok(())
}

fn domain(row: &Columns<'_>) -> Result<Definition, SnapshotError> {
    let mut line = format!(
        "DOMAIN {}",
        row.get::<Option<&str>>("domain_base_type")?
            .unwrap_or_default()
    );
    if let Some(collation) = row.get::<Option<&str>>("domain_collation")? {
        line.push_str(&format!(" COLLATE {collation}"));
    }
    if let Some(default) = row.get::<Option<&str>>("domain_default")? {
        line.push_str(&format!(" DEFAULT {default}"));
    }
    if row.get::<bool>("domain_not_null")? {
        line.push_str(" NOT NULL");
    }
    let mut definition = Definition::new().line(line);
    for constraint in row.get::<Vec<String>>("domain_constraints")? {
        definition = definition.line(constraint);
    }
    Ok(definition)
}

fn range(row: &Columns<'_>) -> Result<Definition, SnapshotError> {
    let mut settings = vec![format!(
        "SUBTYPE = {}",
        row.get::<Option<&str>>("range_subtype")?
            .unwrap_or_default()
    )];
    settings.extend(settings_that_are_set(
        row,
        &[
            ("SUBTYPE_OPCLASS", "range_operator_class"),
            ("COLLATION", "range_collation"),
            ("CANONICAL", "range_canonical"),
            ("SUBTYPE_DIFF", "range_subtype_diff"),
        ],
    )?);
    Ok(Definition::new().line(format!("RANGE ({})", settings.join(", "))))
}

/// `SETTING = value` for each (setting, column) whose column is not NULL, as the query wrote it.
fn settings_that_are_set(
    row: &Columns<'_>,
    columns: &[(&str, &'static str)],
) -> Result<Vec<String>, SnapshotError> {
    let mut settings = Vec::new();
    for &(setting, column) in columns {
        if let Some(value) = row.get::<Option<&str>>(column)? {
            settings.push(format!("{setting} = {value}"));
        }
    }
    Ok(settings)
}

async fn routines<C: Catalog>(catalog: &mut C, objects: &mut Objects) -> Result<(), SnapshotError> {
    let what = "functions and procedures";
    for row in query(catalog, what, include_str!("../queries/routines.sql"), &[]).await? {
        let row = Columns::new(&row, what);
        let (kind, body) = match row.get::<&str>("routine_kind")? {
            "p" => (
                ObjectKind::Procedure,
                row.get::<Option<&str>>("definition")?,
            ),
            "a" => (
                ObjectKind::Aggregate,
                row.get::<Option<&str>>("aggregate_definition")?,
            ),
            _ => (ObjectKind::Function, row.get::<Option<&str>>("definition")?),
        };
        let definition = Definition::new()
            .sql(body.unwrap_or_default())
            .owner(row.get("owner")?)
            .privileges(
                &row.get::<Vec<String>>("acl")?,
                &row.get::<Vec<String>>("default_acl")?,
            )
            .comment(row.get("comment")?)
            .finish();
        objects.add(kind, row.get("name")?, definition);
    }
    Ok(())
}

async fn event_triggers<C: Catalog>(
    catalog: &mut C,
    objects: &mut Objects,
) -> Result<(), SnapshotError> {
    let what = "event triggers";
    for row in query(
        catalog,
        what,
        include_str!("../queries/event_triggers.sql"),
        &[],
    )
    .await?
    {
        let row = Columns::new(&row, what);
        let definition = Definition::new()
            .sql(row.get("definition")?)
            .property_if("enabled", trigger_firing(row.get("enabled")?))
            .owner(row.get("owner")?)
            .comment(row.get("comment")?)
            .finish();
        objects.add(ObjectKind::EventTrigger, row.get("name")?, definition);
    }
    Ok(())
}

async fn default_privileges<C: Catalog>(
    catalog: &mut C,
    objects: &mut Objects,
) -> Result<(), SnapshotError> {
    let what = "default privileges";
    for row in query(
        catalog,
        what,
        include_str!("../queries/default_privileges.sql"),
        &[],
    )
    .await?
    {
        let row = Columns::new(&row, what);
        let definition = Definition::new()
            .line(readable_acl(&row.get::<Vec<String>>("acl")?))
            .finish();
        objects.add(ObjectKind::DefaultPrivileges, row.get("name")?, definition);
    }
    Ok(())
}

/// When a trigger or rule fires, if not in the usual way (`pg_trigger.tgenabled`, `pg_rewrite.ev_enabled`).
pub(super) fn trigger_firing(enabled: &str) -> Option<&'static str> {
    match enabled {
        "O" => None,
        "A" => Some("always"),
        "R" => Some("replica"),
        "D" => Some("disabled"),
        _ => Some("unknown"),
    }
}
