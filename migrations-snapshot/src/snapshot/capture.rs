//! Reads the system catalogs of the connected database, one query per kind of object, inside one
//! read-only transaction, and turns the rows into snapshot objects.

mod relations;
mod server_version;
mod standalone;

use std::collections::BTreeMap;

use postgres::types::{FromSql, ToSql, Type};
use postgres::{IsolationLevel, Row, Transaction};

use super::error::SnapshotError;
use super::object::{ObjectKind, SchemaObject};
use super::options::SnapshotOptions;
use server_version::ServerVersion;

const SESSION_SETTINGS: &str = include_str!("queries/session.sql");

pub(super) fn capture(
    client: &mut postgres::Client,
    options: &SnapshotOptions,
) -> Result<Vec<SchemaObject>, SnapshotError> {
    let mut transaction = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(|error| SnapshotError::Begin { error })?;
    transaction
        .batch_execute(SESSION_SETTINGS)
        .map_err(|error| SnapshotError::Query {
            what: "session settings",
            error,
        })?;
    let version = ServerVersion::read(&mut transaction)?;

    let mut objects = Objects::default();
    let history_schemas = standalone::read(&mut transaction, version, options, &mut objects)?;
    relations::read(&mut transaction, options, &mut objects)?;
    // The runner creates the schema of a schema-qualified history table; with the table left out,
    // the schema would be the only trace of it.
    for schema in history_schemas {
        objects.remove_schema_if_unused(&schema);
    }

    transaction
        .commit()
        .map_err(|error| SnapshotError::Commit { error })?;
    Ok(objects.into_vec())
}

/// Runs one catalog query in one round trip: with the parameter types given, nothing needs preparing.
fn query(
    transaction: &mut Transaction<'_>,
    what: &'static str,
    sql: &str,
    params: &[(&(dyn ToSql + Sync), Type)],
) -> Result<Vec<Row>, SnapshotError> {
    transaction
        .query_typed(sql, params)
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
