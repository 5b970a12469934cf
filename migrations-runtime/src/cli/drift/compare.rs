//! One database held against its reference: where it stands first (at the reference's revision,
//! not dirty, not being migrated, on the reference's PostgreSQL major), then its catalogs read into
//! a snapshot without the history tables and the roles that built it, and the two compared.

use migrations_core::RevisionId;
use migrations_core::history::HistoryTable;
use migrations_snapshot::{
    IgnorePatterns, Roles, SchemaDiff, SchemaSnapshot, SnapshotOptions, server_major_async,
};

use super::error::DriftError;
use super::reference::{Origin, Reference};
use crate::error::Error;
use crate::fleet::Operation;
use crate::report::Current;
use crate::runner::Runner;

/// What a comparison found.
#[derive(Debug)]
pub(super) struct DriftReport {
    /// The database's revision: its id and file stem.
    pub(super) revision: RevisionId,
    pub(super) revision_name: String,
    /// From what the revisions give (before) to what the database has (after), without what the
    /// ignore patterns name.
    pub(super) diff: SchemaDiff,
}

pub(super) async fn compare(
    runner: &Runner,
    client: &mut tokio_postgres::Client,
    reference: &Reference,
    ignore: &IgnorePatterns,
) -> Result<DriftReport, DriftError> {
    let current = runner.current_async(client).await?;
    let server_major = server_major_async(client).await?;
    let (revision, revision_name) = check_position(runner, &current, reference, server_major)?;
    let expected_server = format!("PostgreSQL {server_major}");
    if reference.server() != expected_server {
        return Err(DriftError::OtherServer {
            what: reference.origin.describe(),
            reference: reference.server().to_owned(),
            revision: Some(revision),
            server_major,
        });
    }
    let history = runner.history_table();
    let schema = history_schema(history, client).await?;
    // The snapshot names the tables it leaves out as `schema.table`, unquoted.
    let excluded_tables = history
        .tables()
        .into_iter()
        .map(|table| match history.configured_schema() {
            Some(_) => table,
            None => format!("{schema}.{table}"),
        })
        .collect();
    let options = SnapshotOptions {
        excluded_tables,
        ..SnapshotOptions::default()
    };
    let roles = Roles::read_async(client, history.in_schema(&schema).qualified()).await?;
    let actual = SchemaSnapshot::capture_async(client, &options)
        .await?
        .owner_independent(&roles);
    let diff = reference
        .snapshot()
        .without(ignore)
        .diff(&actual.without(ignore));
    Ok(DriftReport {
        revision,
        revision_name,
        diff,
    })
}

/// The database's revision, when it is the reference's and nothing else stands in the way.
fn check_position(
    runner: &Runner,
    current: &Current,
    reference: &Reference,
    server_major: u32,
) -> Result<(RevisionId, String), DriftError> {
    if !current.problems.is_empty() {
        return Err(DriftError::History {
            problems: current.problems.clone(),
        });
    }
    if let Some(state) = &current.dirty {
        return Err(DriftError::Dirty {
            state: state.clone(),
        });
    }
    if let Some(holder) = &current.lock_holder {
        return Err(DriftError::Busy {
            holder: holder.clone(),
        });
    }
    let at = current
        .revision
        .clone()
        .unwrap_or_else(|| "base".to_owned());
    let revision = current
        .revision
        .as_deref()
        .and_then(|name| runner.revisions().find(name))
        .map(|revision| revision.id());
    match &reference.origin {
        Origin::Embedded if current.pending > 0 || revision.is_none() => {
            return Err(DriftError::NotAtHead {
                at,
                revision,
                pending: current.pending,
                head: current.head.clone(),
                server_major,
            });
        }
        Origin::Embedded if !current.repeatables_to_run_at_head.is_empty() => {
            return Err(DriftError::RepeatablesPending {
                names: current.repeatables_to_run_at_head.clone(),
            });
        }
        Origin::File(_) if reference.revision() != at => {
            return Err(DriftError::ReferenceMismatch {
                what: reference.origin.describe(),
                reference: reference.revision().to_owned(),
                at,
            });
        }
        _ => {}
    }
    match revision {
        Some(revision) => Ok((revision, at)),
        None => Err(DriftError::NotAtHead {
            at,
            revision,
            pending: current.pending,
            head: current.head.clone(),
            server_major,
        }),
    }
}

/// The schema of the history tables, as the runner finds it: the configured one, else the first
/// on the connection's `search_path` that has them.
async fn history_schema(
    history: &HistoryTable,
    client: &mut tokio_postgres::Client,
) -> Result<String, DriftError> {
    if let Some(schema) = history.configured_schema() {
        return Ok(schema.to_owned());
    }
    let during = "finding the schema of the history table";
    let rows = client
        .simple_query(&history.schema_query())
        .await
        .map_err(Error::database(during))?;
    let schema = rows.iter().find_map(|message| match message {
        tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
        _ => None,
    });
    Ok(schema.unwrap_or_else(|| "public".to_owned()))
}

/// `drift` as a fleet's operation: the comparison on each database, over its connection.
pub(super) struct Drift<'a> {
    pub(super) reference: &'a Reference,
    pub(super) ignore: &'a IgnorePatterns,
}

impl Operation for Drift<'_> {
    type Output = DriftReport;
    type Error = DriftError;

    async fn run(
        &self,
        runner: &Runner,
        client: &mut tokio_postgres::Client,
    ) -> Result<DriftReport, DriftError> {
        compare(runner, client, self.reference, self.ignore).await
    }

    /// A comparison changes nothing.
    fn changed(&self, _: &DriftReport) -> bool {
        false
    }

    fn lock_busy(&self, error: &DriftError) -> bool {
        matches!(error, DriftError::Busy { .. })
    }

    fn connection_lost(&self, error: &DriftError) -> bool {
        error.connection_lost()
    }
}
