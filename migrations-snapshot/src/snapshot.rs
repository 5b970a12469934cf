//! A normalised picture of one database's schema, read from its system catalogs, that compares equal
//! for two databases built the same way.

mod capture;
mod definition;
mod error;
mod object;
mod options;

use serde::Serialize;

pub(crate) use capture::{Catalog, block_on};
pub use error::SnapshotError;
pub use object::{ObjectKind, SchemaObject};
pub use options::{ColumnOrder, SnapshotOptions};

/// Every schema object of one database, as (kind, qualified name, definition), sorted by kind then
/// name, with no OIDs, database names or other traces of how and where it was built.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SchemaSnapshot {
    objects: Vec<SchemaObject>,
}

impl SchemaSnapshot {
    /// Reads the schema of the database `client` is connected to, in one read-only transaction of
    /// its own, with a handful of catalog queries whatever the size of the schema.
    ///
    /// Two snapshots are comparable only when captured with the same options. Call it outside any
    /// transaction: the session's settings are left as they were, but a transaction opened with SQL
    /// (`BEGIN`) would be committed with the snapshot's.
    pub fn capture(
        client: &mut postgres::Client,
        options: &SnapshotOptions,
    ) -> Result<SchemaSnapshot, SnapshotError> {
        block_on(capture::capture(client, options)).map(Self::from_objects)
    }

    /// [`SchemaSnapshot::capture`] over `tokio-postgres`.
    pub async fn capture_async(
        client: &mut tokio_postgres::Client,
        options: &SnapshotOptions,
    ) -> Result<SchemaSnapshot, SnapshotError> {
        capture::capture(client, options)
            .await
            .map(Self::from_objects)
    }

    /// Builds a snapshot from objects listed in any order; of two objects with the same kind and
    /// name, the later wins.
    pub fn from_objects(objects: impl IntoIterator<Item = SchemaObject>) -> SchemaSnapshot {
        let by_key: std::collections::BTreeMap<_, _> = objects
            .into_iter()
            .map(|object| ((object.kind, object.name.clone()), object))
            .collect();
        SchemaSnapshot {
            objects: by_key.into_values().collect(),
        }
    }

    /// Whether the database holds nothing but what a fresh database has: the `public` schema and
    /// the `plpgsql` extension (whatever their owner, privileges and comment).
    pub fn is_empty(&self) -> bool {
        self.objects.iter().all(|object| {
            matches!(
                (object.kind, object.name.as_str()),
                (ObjectKind::Schema, "public") | (ObjectKind::Extension, "plpgsql")
            )
        })
    }

    /// The objects, sorted by kind then name.
    pub fn objects(&self) -> &[SchemaObject] {
        &self.objects
    }

    /// The definition of one object, if the snapshot has it.
    pub fn get(&self, kind: ObjectKind, name: &str) -> Option<&str> {
        self.objects
            .binary_search_by(|object| (object.kind, object.name.as_str()).cmp(&(kind, name)))
            .ok()
            .map(|index| self.objects[index].definition.as_str())
    }
}

/// An application may capture on a multi-threaded runtime, and a fleet runs captures as its
/// databases' operations.
#[cfg(test)]
#[allow(dead_code)]
fn captures_are_send<'a>(
    client: &'a mut tokio_postgres::Client,
    options: &'a SnapshotOptions,
) -> impl Future + Send + 'a {
    SchemaSnapshot::capture_async(client, options)
}
