//! The two files `cargo xtask schema` writes next to a folder's revisions: `schema.sql`, the schema
//! at head as SQL that builds it, for people; and `schema.snapshot.json`, the same schema as an
//! owner-independent snapshot, which `migrate drift` embeds. Both carry the source they were
//! rendered from (see `migrations_core::schema_file`).

use migrations_core::schema_file::Source;
use serde::{Deserialize, Serialize};

use crate::owners::Roles;
use crate::render::render;
use crate::snapshot::{Catalog, SchemaObject, SchemaSnapshot, SnapshotError, block_on};

/// Both files' text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaFiles {
    pub sql: String,
    pub snapshot_json: String,
}

/// `schema.snapshot.json`: the source fields first (`check` reads them without a JSON parser),
/// then the objects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadSchema {
    pub head: String,
    pub source: String,
    /// The PostgreSQL major version it was captured on, e.g. `PostgreSQL 15`.
    pub server: String,
    pub objects: Vec<SchemaObject>,
}

impl HeadSchema {
    /// The file of `snapshot`, a database at revision `head` built by `roles`' migrations role on
    /// a PostgreSQL `server_major`, rendered from `source`.
    pub fn new(
        snapshot: &SchemaSnapshot,
        roles: &Roles,
        head: &str,
        source: &Source,
        server_major: u32,
    ) -> HeadSchema {
        HeadSchema {
            head: head.to_owned(),
            source: source.to_string(),
            server: format!("PostgreSQL {server_major}"),
            objects: snapshot.owner_independent(roles).objects().to_vec(),
        }
    }

    pub fn from_json(text: &str) -> Result<HeadSchema, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The file's text: pretty JSON, the source fields first.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self)
            .map(|json| json + "\n")
            .unwrap_or_default()
    }

    /// The owner-independent snapshot at head.
    pub fn snapshot(&self) -> SchemaSnapshot {
        SchemaSnapshot::from_objects(self.objects.iter().cloned())
    }
}

const PREAMBLE: &str = "\
-- The schema the revisions build at head, one block per object, written by `cargo xtask schema`
-- from a snapshot of a database upgraded to head. Do not edit it: a revision changes it in the
-- same commit, and review reads the change of schema here.
--
-- `psql -v ON_ERROR_STOP=1 -f schema.sql` builds it in an empty database, owned by the role that
-- runs it; the roles it grants to must exist (they belong to the cluster, not to a database). It
-- has no history tables: `migrate stamp head` puts such a database under migration control.
--
";

/// Renders the files for `head`, a snapshot of a database at head built by `roles`' migrations
/// role, with `fresh` a snapshot of an empty database of the same server.
pub fn schema_files(
    head: &SchemaSnapshot,
    fresh: &SchemaSnapshot,
    roles: &Roles,
    source: &Source,
    server_major: u32,
) -> SchemaFiles {
    let server = format!("PostgreSQL {server_major}");
    let mut sql = format!("{PREAMBLE}{}-- server: {server}\n\n", source.sql_header());
    sql.push_str("BEGIN;\n");
    sql.push_str("SET LOCAL check_function_bodies = false;\n");
    sql.push_str("SET LOCAL client_min_messages = warning;\n");
    // The snapshot's definitions name every object outside pg_catalog with its schema.
    sql.push_str("SET LOCAL search_path = pg_catalog;\n");
    sql.push_str(&render(head, fresh, &roles.migrations));
    sql.push_str("\nCOMMIT;\n");
    let snapshot_json = HeadSchema::new(head, roles, &source.head, source, server_major).to_json();
    SchemaFiles { sql, snapshot_json }
}

/// The major version of the connected server.
pub fn server_major(client: &mut postgres::Client) -> Result<u32, SnapshotError> {
    block_on(read_server_major(client))
}

/// [`server_major`] over `tokio-postgres`.
pub async fn server_major_async(client: &mut tokio_postgres::Client) -> Result<u32, SnapshotError> {
    read_server_major(client).await
}

async fn read_server_major<C: Catalog>(catalog: &mut C) -> Result<u32, SnapshotError> {
    let what = "server version";
    let rows = catalog
        .query(
            "SELECT current_setting('server_version_num')::int4 / 10000",
            &[],
        )
        .await
        .map_err(|error| SnapshotError::Query { what, error })?;
    let Some(row) = rows.first() else {
        return Err(SnapshotError::NoRow { what });
    };
    let major: i32 = row.try_get(0).map_err(|error| SnapshotError::Decode {
        what,
        column: "server_version_num",
        error,
    })?;
    Ok(u32::try_from(major).unwrap_or_default())
}
