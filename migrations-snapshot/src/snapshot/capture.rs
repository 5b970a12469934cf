//! Reads the system catalogs of the connected database, one query per kind of object, inside one
//! read-only transaction, and turns the rows into snapshot objects.

mod catalog;
mod relations;
mod server_version;
mod standalone;

use std::collections::BTreeMap;

use postgres::Row;
use postgres::types::FromSql;

use super::error::SnapshotError;
use super::object::{ObjectKind, SchemaObject};
use super::options::SnapshotOptions;
pub(crate) use catalog::{Catalog, Params, block_on};
use server_version::ServerVersion;

const SESSION_SETTINGS: &str = include_str!("queries/session.sql");

/// The snapshot's transaction: every catalog read sees one moment of the database, and nothing
/// it sets outlives it.
const BEGIN: &str = "START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";

pub(super) async fn capture<C: Catalog>(
    catalog: &mut C,
    options: &SnapshotOptions,
) -> Result<Vec<SchemaObject>, SnapshotError> {
    catalog
        .execute(BEGIN)
        .await
        .map_err(|error| SnapshotError::Begin { error })?;
    match read(catalog, options).await {
        Ok(objects) => {
            catalog
                .execute("COMMIT")
                .await
                .map_err(|error| SnapshotError::Commit { error })?;
            Ok(objects)
        }
        Err(error) => {
            // The capture's error is the one to report; a connection that cannot roll back is
            // broken, and says so at its next use.
            let _ = catalog.execute("ROLLBACK").await;
            Err(error)
        }
    }
}

async fn read<C: Catalog>(
    catalog: &mut C,
    options: &SnapshotOptions,
) -> Result<Vec<SchemaObject>, SnapshotError> {
    catalog
        .execute(SESSION_SETTINGS)
        .await
        .map_err(|error| SnapshotError::Query {
            what: "session settings",
            error,
        })?;
    let version = ServerVersion::read(catalog).await?;

    let mut objects = Objects::default();
    let history_schemas = standalone::read(catalog, version, options, &mut objects).await?;
    relations::read(catalog, options, &mut objects).await?;
    // The runner creates the schema of a schema-qualified history table; with the table left out,
    // the schema would be the only trace of it.
    for schema in history_schemas {
        objects.remove_schema_if_unused(&schema);
    }
    Ok(objects.into_vec())
}

/// Runs one catalog query in one round trip.
async fn query<C: Catalog>(
    catalog: &mut C,
    what: &'static str,
    sql: &str,
    params: &Params<'_>,
) -> Result<Vec<Row>, SnapshotError> {
    catalog
        .query(sql, params)
        .await
        .map_err(|error| SnapshotError::Query { what, error })
}

/// Typed access to the columns of one catalog row, with errors that say which query and column.
struct Columns<'a> {
    row: &'a Row,
    what: &'static str,
}

impl<'a> Columns<'a> {
    fn new(row: &'a Row, what: &'static str) -> Columns<'a> {
        Columns { row, what }
    }

    fn get<T: FromSql<'a>>(&self, column: &'static str) -> Result<T, SnapshotError> {
        self.row
            .try_get(column)
            .map_err(|error| SnapshotError::Decode {
                what: self.what,
                column,
                error,
            })
    }
}

/// The objects read so far, kept sorted by kind and name.
#[derive(Default)]
struct Objects {
    by_key: BTreeMap<(ObjectKind, String), String>,
}

impl Objects {
    /// Adds an object. Two objects of one kind cannot share a name in one database, except in corners
    /// the names do not capture (e.g. collations for different encodings); their definitions are then
    /// kept together rather than one hiding the other.
    fn add(&mut self, kind: ObjectKind, name: String, definition: String) {
        self.by_key
            .entry((kind, name))
            .and_modify(|existing| {
                existing.push('\n');
                existing.push_str(&definition);
            })
            .or_insert(definition);
    }

    /// Removes a schema that no captured object lives in.
    fn remove_schema_if_unused(&mut self, schema: &str) {
        let prefix = format!("{schema}.");
        let used = self
            .by_key
            .keys()
            .any(|(kind, name)| *kind != ObjectKind::Schema && name.starts_with(&prefix));
        if !used {
            self.by_key.remove(&(ObjectKind::Schema, schema.to_owned()));
        }
    }

    fn into_vec(self) -> Vec<SchemaObject> {
        self.by_key
            .into_iter()
            .map(|((kind, name), definition)| SchemaObject {
                kind,
                name,
                definition,
            })
            .collect()
    }
}
