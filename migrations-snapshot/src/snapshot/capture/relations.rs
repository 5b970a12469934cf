//! Relations and what hangs off them: tables, views, sequences, their columns, constraints, indexes,
//! triggers, rules, policies and extended statistics.
//!
//! The relations query decides which relations are captured (user schemas, not extension members, not
//! the excluded tables or what belongs to them); every later query reads only objects of those.

use std::collections::HashMap;

use postgres::types::Type;

mod policies;

use super::standalone::trigger_firing;
use super::{Catalog, Columns, Objects, query};
use crate::snapshot::definition::Definition;
use crate::snapshot::error::SnapshotError;
use crate::snapshot::object::ObjectKind;
use crate::snapshot::options::{ColumnOrder, SnapshotOptions};

pub(super) async fn read<C: Catalog>(
    catalog: &mut C,
    options: &SnapshotOptions,
    objects: &mut Objects,
) -> Result<(), SnapshotError> {
    let mut relations = relations(catalog, options).await?;
    let oids: Vec<u32> = relations.keys().copied().collect();
    // A sequence's columns are the same for every sequence; its definition comes from pg_sequence.
    let with_columns: Vec<u32> = relations
        .iter()
        .filter(|(_, relation)| relation.kind != ObjectKind::Sequence)
        .map(|(oid, _)| *oid)
        .collect();
    columns(catalog, &with_columns, &mut relations, objects).await?;
    constraints(catalog, &oids, &relations, objects).await?;
    indexes(catalog, &oids, objects).await?;
    fired(&TRIGGERS, catalog, &oids, &relations, objects).await?;
    fired(&RULES, catalog, &oids, &relations, objects).await?;
    policies::read(catalog, &oids, &relations, objects).await?;
    statistics(catalog, &oids, objects).await?;
    for relation in relations.into_values() {
        relation.add_to(objects, options.column_order);
    }
    Ok(())
}

/// One captured relation; its object is written once its columns are known.
struct Relation {
    kind: ObjectKind,
    name: String,
    /// What precedes the column list: the SQL of views and sequences.
    sql: Definition,
    /// What follows it: partitioning, options, owner, privileges, comment.
    properties: Definition,
    /// Live columns in physical order.
    columns: Vec<String>,
    /// Comments on the columns of views and materialised views, which have no column objects.
    column_comments: Vec<String>,
}

impl Relation {
    fn has_column_objects(&self) -> bool {
        matches!(self.kind, ObjectKind::Table | ObjectKind::ForeignTable)
    }

    fn add_to(self, objects: &mut Objects, column_order: ColumnOrder) {
        let with_columns = self.has_column_objects() && column_order == ColumnOrder::Exact;
        let mut definition = self.sql;
        if with_columns {
            definition = definition.list("columns", &self.columns);
        }
        definition = definition.append(self.properties);
        for comment in self.column_comments {
            definition = definition.line(comment);
        }
        objects.add(self.kind, self.name, definition.finish());
    }
}

async fn relations<C: Catalog>(
    catalog: &mut C,
    options: &SnapshotOptions,
) -> Result<HashMap<u32, Relation>, SnapshotError> {
    let what = "tables, views and sequences";
    let (excluded_schemas, excluded_tables) = options.excluded_table_names();
    let rows = query(
        catalog,
        what,
        include_str!("../queries/relations.sql"),
        &[
            (&excluded_schemas, Type::TEXT_ARRAY),
            (&excluded_tables, Type::TEXT_ARRAY),
        ],
    )
    .await?;
    let mut relations = HashMap::with_capacity(rows.len());
    for row in rows {
        let row = Columns::new(&row, what);
        let relkind: &str = row.get("relkind")?;
        let kind = match relkind {
            "v" => ObjectKind::View,
            "m" => ObjectKind::MaterializedView,
            "S" => ObjectKind::Sequence,
            "f" => ObjectKind::ForeignTable,
            _ => ObjectKind::Table,
        };
        let sql = match kind {
            ObjectKind::View | ObjectKind::MaterializedView => Definition::new().sql(
                row.get::<Option<&str>>("view_definition")?
                    .unwrap_or_default(),
            ),
            ObjectKind::Sequence => sequence(&row)?,
            _ => Definition::new(),
        };
        let default_acl: Vec<String> = row.get("default_acl")?;
        let properties = table_properties(&row, relkind)?
            .owner(row.get("owner")?)
            .privileges(&row.get::<Vec<String>>("acl")?, &default_acl)
            .comment(row.get("comment")?);
        relations.insert(
            row.get("oid")?,
            Relation {
                kind,
                name: row.get("name")?,
                sql,
                properties,
                columns: Vec::new(),
                column_comments: Vec::new(),
            },
        );
    }
    Ok(relations)
}

fn sequence(row: &Columns<'_>) -> Result<Definition, SnapshotError> {
    let cycle = if row.get::<Option<bool>>("sequence_cycle")? == Some(true) {
        "CYCLE"
    } else {
        "NO CYCLE"
    };
    let line = format!(
        "AS {} START {} INCREMENT {} MINVALUE {} MAXVALUE {} CACHE {} {cycle}",
        row.get::<Option<&str>>("sequence_type")?
            .unwrap_or_default(),
        row.get::<Option<i64>>("sequence_start")?
            .unwrap_or_default(),
        row.get::<Option<i64>>("sequence_increment")?
            .unwrap_or_default(),
        row.get::<Option<i64>>("sequence_min")?.unwrap_or_default(),
        row.get::<Option<i64>>("sequence_max")?.unwrap_or_default(),
        row.get::<Option<i64>>("sequence_cache")?
            .unwrap_or_default(),
    );
    Ok(Definition::new()
        .line(line)
        .property_if("owned by", row.get::<Option<&str>>("sequence_owned_by")?))
}

/// Partitioning, inheritance, storage and row security, each only when it is not the default.
fn table_properties(row: &Columns<'_>, relkind: &str) -> Result<Definition, SnapshotError> {
    let parents: Vec<String> = row.get("parents")?;
    let partition_bound: Option<&str> = row.get("partition_bound")?;
    let mut definition =
        Definition::new().property_if("partition by", row.get::<Option<&str>>("partition_key")?);
    definition = match (partition_bound, parents.first()) {
        (Some(bound), Some(parent)) => {
            definition.property("partition of", format!("{parent} {bound}"))
        }
        _ => definition.list("inherits", &parents),
    };
    let persistence = match row.get::<&str>("persistence")? {
        "u" => Some("unlogged"),
        _ => None,
    };
    let access_method = row
        .get::<Option<&str>>("access_method")?
        .filter(|method| *method != "heap");
    let row_security = match (
        row.get::<bool>("row_security")?,
        row.get::<bool>("force_row_security")?,
    ) {
        (true, true) => Some("enabled, forced"),
        (true, false) => Some("enabled"),
        (false, true) => Some("forced"),
        (false, false) => None,
    };
    let replica_identity = match (relkind, row.get::<&str>("replica_identity")?) {
        ("r" | "p", "n") => Some("nothing"),
        ("r" | "p", "f") => Some("full"),
        ("r" | "p", "i") => Some("index"),
        _ => None,
    };
    Ok(definition
        .property_if("of type", row.get::<Option<&str>>("of_type")?)
        .property_if("persistence", persistence)
        .property_if("access method", access_method)
        .list("options", &row.get::<Vec<String>>("options")?)
        .property_if("tablespace", row.get::<Option<&str>>("tablespace")?)
        .property_if("server", row.get::<Option<&str>>("foreign_server")?)
        .list(
            "server options",
            &row.get::<Vec<String>>("foreign_options")?,
        )
        .property_if("row security", row_security)
        .property_if("replica identity", replica_identity))
}

async fn columns<C: Catalog>(
    catalog: &mut C,
    oids: &[u32],
    relations: &mut HashMap<u32, Relation>,
    objects: &mut Objects,
) -> Result<(), SnapshotError> {
    let what = "columns";
    for row in query(
        catalog,
        what,
        include_str!("../queries/columns.sql"),
        &[(&oids, Type::OID_ARRAY)],
    )
    .await?
    {
        let row = Columns::new(&row, what);
        let Some(relation) = relations.get_mut(&row.get::<u32>("relation")?) else {
            continue;
        };
        let name: String = row.get("name")?;
        let comment: Option<&str> = row.get("comment")?;
        if !relation.has_column_objects() {
            if let Some(comment) = comment {
                relation
                    .column_comments
                    .push(format!("comment on column {name}: {comment:?}"));
            }
            continue;
        }
        let definition = Definition::new()
            .line(column_line(&row)?)
            .property_if("storage", storage(row.get("storage")?))
            .property_if("statistics", row.get::<Option<i32>>("statistics_target")?)
            .list("options", &row.get::<Vec<String>>("options")?)
            .list(
                "server options",
                &row.get::<Vec<String>>("foreign_options")?,
            )
            .privileges_always(&row.get::<Vec<String>>("acl")?)
            .comment(comment)
            .finish();
        objects.add(
            ObjectKind::Column,
            format!("{}.{name}", relation.name),
            definition,
        );
        relation.columns.push(name);
    }
    Ok(())
}

/// A column as it would be written in `CREATE TABLE`, without its name.
fn column_line(row: &Columns<'_>) -> Result<String, SnapshotError> {
    let mut line: String = row.get("data_type")?;
    if let Some(collation) = row.get::<Option<&str>>("collation")? {
        line.push_str(&format!(" COLLATE {collation}"));
    }
    match row.get::<&str>("identity")? {
        "a" => line.push_str(" GENERATED ALWAYS AS IDENTITY"),
        "d" => line.push_str(" GENERATED BY DEFAULT AS IDENTITY"),
        _ => {}
    }
    let expression: Option<&str> = row.get("default_expression")?;
    match (row.get::<&str>("generated")?, expression) {
        ("s", Some(expression)) => {
            line.push_str(&format!(" GENERATED ALWAYS AS ({expression}) STORED"))
        }
        ("v", Some(expression)) => {
            line.push_str(&format!(" GENERATED ALWAYS AS ({expression}) VIRTUAL"))
        }
        (_, Some(expression)) => line.push_str(&format!(" DEFAULT {expression}")),
        (_, None) => {}
    }
    if row.get::<bool>("not_null")? {
        line.push_str(" NOT NULL");
    }
    Ok(line)
}

fn storage(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "p" => Some("plain"),
        "e" => Some("external"),
        "m" => Some("main"),
        "x" => Some("extended"),
        _ => Some("unknown"),
    }
}

/// The name of an object that lives inside a relation: `schema.table.object`.
fn member_name(
    relations: &HashMap<u32, Relation>,
    row: &Columns<'_>,
) -> Result<Option<String>, SnapshotError> {
    let relation = row.get::<u32>("relation")?;
    let name: &str = row.get("name")?;
    Ok(relations
        .get(&relation)
        .map(|relation| format!("{}.{name}", relation.name)))
}

async fn constraints<C: Catalog>(
    catalog: &mut C,
    oids: &[u32],
    relations: &HashMap<u32, Relation>,
    objects: &mut Objects,
) -> Result<(), SnapshotError> {
    let what = "constraints";
    for row in query(
        catalog,
        what,
        include_str!("../queries/constraints.sql"),
        &[(&oids, Type::OID_ARRAY)],
    )
    .await?
    {
        let row = Columns::new(&row, what);
        let Some(name) = member_name(relations, &row)? else {
            continue;
        };
        let definition = Definition::new()
            .sql(row.get("definition")?)
            .comment(row.get("comment")?)
            .finish();
        objects.add(ObjectKind::Constraint, name, definition);
    }
    Ok(())
}

async fn indexes<C: Catalog>(
    catalog: &mut C,
    oids: &[u32],
    objects: &mut Objects,
) -> Result<(), SnapshotError> {
    let what = "indexes";
    for row in query(
        catalog,
        what,
        include_str!("../queries/indexes.sql"),
        &[(&oids, Type::OID_ARRAY)],
    )
    .await?
    {
        let row = Columns::new(&row, what);
        let definition = Definition::new()
            .sql(row.get("definition")?)
            .property_if("attached to", row.get::<Option<&str>>("attached_to")?)
            .property_if("clustered", row.get::<bool>("clustered")?.then_some("yes"))
            .property_if(
                "replica identity",
                row.get::<bool>("replica_identity")?.then_some("yes"),
            )
            .property_if(
                "valid",
                (!row.get::<bool>("valid")?).then_some("no (a failed CREATE INDEX CONCURRENTLY?)"),
            )
            .property_if("tablespace", row.get::<Option<&str>>("tablespace")?)
            .comment(row.get("comment")?)
            .finish();
        objects.add(ObjectKind::Index, row.get("name")?, definition);
    }
    Ok(())
}

/// Triggers and rules: both belong to a relation, and both can be enabled or disabled.
struct Fired {
    kind: ObjectKind,
    what: &'static str,
    sql: &'static str,
}

const TRIGGERS: Fired = Fired {
    kind: ObjectKind::Trigger,
    what: "triggers",
    sql: include_str!("../queries/triggers.sql"),
};

const RULES: Fired = Fired {
    kind: ObjectKind::Rule,
    what: "rules",
    sql: include_str!("../queries/rules.sql"),
};

async fn fired<C: Catalog>(
    fired: &Fired,
    catalog: &mut C,
    oids: &[u32],
    relations: &HashMap<u32, Relation>,
    objects: &mut Objects,
) -> Result<(), SnapshotError> {
    for row in query(catalog, fired.what, fired.sql, &[(&oids, Type::OID_ARRAY)]).await? {
        let row = Columns::new(&row, fired.what);
        let Some(name) = member_name(relations, &row)? else {
            continue;
        };
        let definition = Definition::new()
            .sql(row.get("definition")?)
            .property_if("enabled", trigger_firing(row.get("enabled")?))
            .comment(row.get("comment")?)
            .finish();
        objects.add(fired.kind, name, definition);
    }
    Ok(())
}

async fn statistics<C: Catalog>(
    catalog: &mut C,
    oids: &[u32],
    objects: &mut Objects,
) -> Result<(), SnapshotError> {
    let what = "extended statistics";
    for row in query(
        catalog,
        what,
        include_str!("../queries/statistics.sql"),
        &[(&oids, Type::OID_ARRAY)],
    )
    .await?
    {
        let row = Columns::new(&row, what);
        let definition = Definition::new()
            .sql(row.get("definition")?)
            .property_if("statistics", row.get::<Option<i32>>("statistics_target")?)
            .owner(row.get("owner")?)
            .comment(row.get("comment")?)
            .finish();
        objects.add(ObjectKind::Statistics, row.get("name")?, definition);
    }
    Ok(())
}
