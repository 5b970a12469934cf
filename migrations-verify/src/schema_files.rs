//! A folder's `schema.sql` and `schema.snapshot.json`: rendered from a disposable database upgraded
//! to head, and held against the committed ones by verify.

use std::borrow::Cow;
use std::path::Path;

use migrations_core::hint;
use migrations_core::history::HistoryTable;
use migrations_core::schema_file::{SCHEMA_SNAPSHOT, SCHEMA_SQL, Source};
use migrations_core::{Revision, RevisionSet, Target};
use migrations_disposable::{DisposableError, DisposableServer};
use migrations_runtime::Runner;
use migrations_snapshot::{
    HeadSchema, Roles, SchemaFiles, SchemaSnapshot, SnapshotError, SnapshotOptions, schema_files,
    server_major,
};

use crate::report::{CheckResult, StepStatus};

/// Why the schema files could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum SchemaFilesError {
    #[error(transparent)]
    Disposable(#[from] DisposableError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error("the history table name: {0}")]
    HistoryTable(#[from] migrations_core::history::HistoryTableError),
    #[error(
        "the revisions do not apply to a fresh database: {reason}; `{}` names the revision to fix",
        hint::commands().verify
    )]
    Upgrade { reason: String },
}

/// The schema files of a folder as they are on disk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommittedSchemaFiles {
    /// How messages name the folder, e.g. `migrations`.
    pub folder: String,
    pub sql: Option<String>,
    pub snapshot_json: Option<String>,
}

impl CommittedSchemaFiles {
    /// Reads both files of `dir`; `None` when it has neither (the folder keeps no schema file).
    pub fn read(dir: &Path, folder: &str) -> Option<CommittedSchemaFiles> {
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
        let files = CommittedSchemaFiles {
            folder: folder.to_owned(),
            sql: read(SCHEMA_SQL),
            snapshot_json: read(SCHEMA_SNAPSHOT),
        };
        (files.sql.is_some() || files.snapshot_json.is_some()).then_some(files)
    }

    /// The major version the committed snapshot was rendered on, e.g. `PostgreSQL 15`, when the file
    /// can be read.
    pub fn rendered_on(&self) -> Option<String> {
        let json = self.snapshot_json.as_deref()?;
        HeadSchema::from_json(json).ok().map(|head| head.server)
    }

    /// The check's name in verify's report.
    pub fn check_name(&self) -> String {
        format!(
            "{0}/{SCHEMA_SQL} and {0}/{SCHEMA_SNAPSHOT} are the schema at head",
            self.folder
        )
    }

    /// Holds the files against those rendered at head: a stale snapshot file fails with the
    /// objects that changed.
    pub fn check(&self, rendered: &SchemaFiles) -> CheckResult {
        let mut check = CheckResult::new(&self.check_name());
        let fix = format!("run `{}` and commit the result", hint::commands().schema);
        let (Some(sql), Some(json)) = (&self.sql, &self.snapshot_json) else {
            let missing = if self.sql.is_none() {
                SCHEMA_SQL
            } else {
                SCHEMA_SNAPSHOT
            };
            check.fail(
                StepStatus::Error,
                format!("{}/{missing} is missing: {fix}", self.folder),
            );
            return check;
        };
        if *json != rendered.snapshot_json {
            let (Ok(committed), Ok(current)) = (
                HeadSchema::from_json(json),
                HeadSchema::from_json(&rendered.snapshot_json),
            ) else {
                check.fail(
                    StepStatus::Error,
                    format!(
                        "{}/{SCHEMA_SNAPSHOT} is not a schema snapshot: {fix}",
                        self.folder
                    ),
                );
                return check;
            };
            let mut message = format!(
                "{}/{SCHEMA_SNAPSHOT} is stale (before: the file, after: the schema the revisions build at head): {fix}",
                self.folder
            );
            if committed.server != current.server {
                message.push_str(&format!(
                    "; it was rendered on {}, this run is on {}: render and verify on the same major version",
                    committed.server, current.server
                ));
            }
            let diff = committed.snapshot().diff(&current.snapshot());
            if !check.fail_on_diff(diff, || message.clone()) {
                check.fail(StepStatus::Differs, message);
            }
        } else if *sql != rendered.sql {
            check.fail(
                StepStatus::Differs,
                format!(
                    "{}/{SCHEMA_SQL} is not the rendering of the schema at head (edited by hand?): {fix}",
                    self.folder
                ),
            );
        }
        check
    }
}

/// The options a schema file's snapshots are captured with: the history tables left out, column
/// order exact.
pub fn snapshot_options(history: &HistoryTable) -> SnapshotOptions {
    SnapshotOptions {
        excluded_tables: history.tables().to_vec(),
        ..SnapshotOptions::default()
    }
}

/// Renders the files from `client`, connected to a database at head; `head` is its snapshot and
/// `fresh` an empty database's, both captured with [`snapshot_options`].
pub fn render_files(
    client: &mut postgres::Client,
    head: &SchemaSnapshot,
    fresh: &SchemaSnapshot,
    set: &RevisionSet,
    history: &HistoryTable,
) -> Result<SchemaFiles, SnapshotError> {
    let roles = Roles::read(client, history.name())?;
    let major = server_major(client)?;
    Ok(schema_files(head, fresh, &roles, &Source::of(set), major))
}

/// The files of `set`, rendered on two databases of `server`: an empty one, and one upgraded to
/// head with the repeatable migrations, as a deployment runs them.
pub fn render_at_head(
    set: &RevisionSet,
    server: &DisposableServer,
    history: &HistoryTable,
) -> Result<SchemaFiles, SchemaFilesError> {
    let options = snapshot_options(history);
    let fresh = {
        let db = server.create_db()?;
        SchemaSnapshot::capture(&mut db.connect()?, &options)?
    };
    let db = server.create_db()?;
    let mut client = db.connect()?;
    Runner::new(set.clone())
        .with_history_table(history.name())?
        .upgrade(&mut client, Target::Head)
        .map_err(|error| SchemaFilesError::Upgrade {
            reason: error.to_string(),
        })?;
    let head = SchemaSnapshot::capture(&mut client, &options)?;
    Ok(render_files(&mut client, &head, &fresh, set, history)?)
}

/// The schema at `revision` as `migrate drift --reference` reads it: a database of `server`
/// upgraded to the revision, with the repeatable migrations an upgrade to it runs, in the form of
/// `schema.snapshot.json` (its `head` the revision).
pub fn reference_at(
    set: &RevisionSet,
    server: &DisposableServer,
    history: &HistoryTable,
    revision: &Revision,
) -> Result<HeadSchema, SchemaFilesError> {
    let db = server.create_db()?;
    let mut client = db.connect()?;
    Runner::new(set.clone())
        .with_history_table(history.name())?
        .upgrade(&mut client, Target::Revision(revision.clone()))
        .map_err(|error| SchemaFilesError::Upgrade {
            reason: error.to_string(),
        })?;
    let snapshot = SchemaSnapshot::capture(&mut client, &snapshot_options(history))?;
    let roles = Roles::read(&mut client, history.name())?;
    let major = server_major(&mut client)?;
    let through = set
        .position(revision.id())
        .map_or(set.revisions().len(), |position| position + 1);
    let applied = RevisionSet::from_checked_parts(
        Cow::Owned(set.revisions()[..through].to_vec()),
        Cow::Owned(set.repeatables().to_vec()),
    );
    Ok(HeadSchema::new(
        &snapshot,
        &roles,
        revision.name(),
        &Source::of(&applied),
        major,
    ))
}
