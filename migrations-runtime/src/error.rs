//! Errors of the runner, by phase, each saying what failed and what to do next.

use std::fmt;
use std::time::Duration;

use migrations_core::history::{Direction, HistoryTableError};
use migrations_core::plan::{IntegrityErrors, PlanError};

pub use crate::blocker::Blocker;
use crate::causes::message_and_causes;
pub use crate::connect::ConnectError;

/// Everything the PostgreSQL server said about an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbError {
    pub severity: String,
    /// The SQLSTATE, e.g. `42P07`.
    pub code: String,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// 1-based character position in the statement, for errors the parser locates.
    pub position: Option<u32>,
    pub context: Option<String>,
}

impl DbError {
    fn from_driver(error: &tokio_postgres::error::DbError) -> DbError {
        let position = match error.position() {
            Some(tokio_postgres::error::ErrorPosition::Original(p)) => Some(*p),
            _ => None,
        };
        DbError {
            severity: error.severity().to_owned(),
            code: error.code().code().to_owned(),
            message: error.message().to_owned(),
            detail: error.detail().map(str::to_owned),
            // Recent servers hint only that the extension "must first be installed"; naming the
            // package that provides it is more use.
            hint: extension_hint(error.message())
                .or_else(|| lock_hint(error.code()))
                .or_else(|| error.hint().map(str::to_owned)),
            position,
            context: error.where_().map(str::to_owned),
        }
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.severity, self.code, self.message)?;
        if let Some(detail) = &self.detail {
            write!(f, "\n  detail: {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        if let Some(context) = &self.context {
            write!(f, "\n  context: {}", context.replace('\n', "\n    "))?;
        }
        Ok(())
    }
}

/// Extensions that do not ship with the server's core package, and the Debian/Ubuntu packages
/// that provide them (`<v>` is the server's major version).
const EXTENSION_PACKAGES: &[(&str, &str)] = &[
    ("postgis", "postgresql-<v>-postgis-3"),
    ("postgis_topology", "postgresql-<v>-postgis-3"),
    ("postgis_raster", "postgresql-<v>-postgis-3"),
    ("vector", "postgresql-<v>-pgvector"),
    (
        "timescaledb",
        "timescaledb-2-postgresql-<v> (from Timescale's repository)",
    ),
    ("pg_cron", "postgresql-<v>-cron"),
    ("pg_partman", "postgresql-<v>-partman"),
    ("pgaudit", "postgresql-<v>-pgaudit"),
    ("hypopg", "postgresql-<v>-hypopg"),
    ("pg_repack", "postgresql-<v>-repack"),
    ("pgrouting", "postgresql-<v>-pgrouting"),
    ("plpython3u", "postgresql-plpython3-<v>"),
    ("plperl", "postgresql-plperl-<v>"),
    ("plperlu", "postgresql-plperl-<v>"),
    ("pltcl", "postgresql-pltcl-<v>"),
    ("orafce", "postgresql-<v>-orafce"),
    ("pg_hint_plan", "postgresql-<v>-pg-hint-plan"),
    ("h3", "postgresql-<v>-h3"),
];

/// Extensions of PostgreSQL's contrib, shipped with the server.
const CONTRIB_EXTENSIONS: &[&str] = &[
    "adminpack",
    "amcheck",
    "autoinc",
    "bloom",
    "btree_gin",
    "btree_gist",
    "citext",
    "cube",
    "dblink",
    "dict_int",
    "dict_xsyn",
    "earthdistance",
    "file_fdw",
    "fuzzystrmatch",
    "hstore",
    "insert_username",
    "intagg",
    "intarray",
    "isn",
    "lo",
    "ltree",
    "moddatetime",
    "old_snapshot",
    "pageinspect",
    "pg_buffercache",
    "pg_freespacemap",
    "pg_prewarm",
    "pg_stat_statements",
    "pg_surgery",
    "pg_trgm",
    "pg_visibility",
    "pg_walinspect",
    "pgcrypto",
    "pgrowlocks",
    "pgstattuple",
    "postgres_fdw",
    "refint",
    "seg",
    "sslinfo",
    "tablefunc",
    "tcn",
    "tsm_system_rows",
    "tsm_system_time",
    "unaccent",
    "uuid-ossp",
    "xml2",
];

/// For "extension "x" is not available" and "could not open extension control file", which
/// package provides the extension.
/// A lock timeout names no lock; say what it means for a revision.
fn lock_hint(code: &tokio_postgres::error::SqlState) -> Option<String> {
    (code == &tokio_postgres::error::SqlState::LOCK_NOT_AVAILABLE).then(|| {
        "the statement waited longer than its lock_timeout for a lock another session holds; run the revision when that session is done, or give it a longer `-- lock-timeout:` header".to_owned()
    })
}

fn extension_hint(message: &str) -> Option<String> {
    let name = if let Some(rest) = message
        .strip_prefix("extension \"")
        .filter(|_| message.ends_with("\" is not available"))
    {
        rest.split('"').next()?
    } else if message.starts_with("could not open extension control file") {
        message.rsplit('/').next()?.split(".control").next()?
    } else {
        return None;
    };
    if let Some((_, package)) = EXTENSION_PACKAGES.iter().find(|(n, _)| *n == name) {
        return Some(format!(
            "the server has no files for extension `{name}`: install the package {package} on the database server (Debian/Ubuntu name), or use a server image that includes it"
        ));
    }
    if CONTRIB_EXTENSIONS.contains(&name) {
        return Some(format!(
            "`{name}` is a contrib extension: on Debian/Ubuntu it ships with postgresql-<v> (older releases: postgresql-contrib); on other systems install the server's contrib package"
        ));
    }
    Some(format!(
        "the server has no files for extension `{name}`: install the package that provides it on the database server (`SELECT name FROM pg_available_extensions` lists what is there)"
    ))
}

/// A driver error: the server's error, or a connection problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DriverError {
    Server(Box<DbError>),
    Connection(String),
}

impl DriverError {
    pub(crate) fn from_driver(error: &tokio_postgres::Error) -> DriverError {
        match error.as_db_error() {
            Some(db) => DriverError::Server(Box::new(DbError::from_driver(db))),
            None => DriverError::Connection(error.to_string()),
        }
    }
}

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriverError::Server(error) => error.fmt(f),
            DriverError::Connection(message) => write!(f, "connection lost: {message}"),
        }
    }
}

/// What a failed revision left behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A transactional revision: rolled back, the database is as it was before it.
    RolledBack,
    /// A non-transactional revision: the statements before the failing one are committed and the
    /// database is marked dirty.
    Dirty,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::RolledBack => f.write_str("the revision was rolled back; the database is as it was before it"),
            Outcome::Dirty => f.write_str(
                "the statements before it are committed (the revision runs outside a transaction) and the database is marked dirty: inspect it, finish or undo the revision's statements by hand, then run `migrate resolve --finished` or `migrate resolve --rolled-back`",
            ),
        }
    }
}

/// Where the database was left by a non-transactional revision that stopped part-way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirtyState {
    pub revision: String,
    pub direction: String,
    /// 1-based index of the statement that failed; `None` when the run was interrupted.
    pub statement: Option<u32>,
    pub line: Option<u32>,
    pub error: Option<String>,
    pub since: String,
}

impl fmt::Display for DirtyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of `{}`", self.direction, self.revision)?;
        match (self.statement, self.line) {
            (Some(statement), Some(line)) => {
                write!(f, " stopped at statement {statement} (line {line})")?
            }
            _ => write!(f, " was interrupted")?,
        }
        write!(f, " at {}", self.since)?;
        if let Some(error) = &self.error {
            write!(f, ": {}", error.lines().next().unwrap_or_default())?;
        }
        Ok(())
    }
}

/// Everything that can go wrong while migrating. Its `Debug` is its message and causes, so that
/// `fn main() -> Result<(), Box<dyn Error>>` with `?` prints what to do, not the variant's fields.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    HistoryTable(#[from] HistoryTableError),
    #[error(
        "gave up after {} waiting for advisory lock {key}{holder}: another migration run holds it; wait for it to finish, or raise --lock-timeout",
        humanize(*waited)
    )]
    LockTimeout {
        key: i64,
        waited: Duration,
        holder: String,
    },
    #[error(
        "the database is dirty: {state}; nothing was run. Inspect the schema, finish or undo that revision's statements by hand, then run `migrate resolve --finished` (it completed) or `migrate resolve --rolled-back` (it left no trace)"
    )]
    Dirty { state: DirtyState },
    #[error(
        "no schema to keep the history table `{table}` in: the connection's search_path names no existing schema; set one (e.g. `options=-c search_path=public` in DATABASE_URL) or name it with --history-table <schema>.{table}"
    )]
    NoHistorySchema { table: String },
    #[error("nothing to resolve: the database is not dirty")]
    NotDirty,
    #[error(
        "the database is dirty from revision `{revision}`, which this code does not know: resolve it with the version that applied it"
    )]
    UnknownDirtyRevision { revision: String },
    #[error(transparent)]
    Integrity(#[from] IntegrityErrors),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("refinery refused the upgrade while {during}: {source}")]
    Refinery {
        during: &'static str,
        #[source]
        source: refinery_core::Error,
    },
    #[error(
        "refinery's checksum of `{revision}` is {refinery}, the embedded one is {embedded}: rebuild the binary from the same sources"
    )]
    ChecksumMismatch {
        revision: String,
        refinery: u64,
        embedded: u64,
    },
    #[error(
        "refinery stopped after {applied} revisions, before `{expected}`, which the plan applies next; nothing after it ran: run the upgrade again, and report it if it stops again"
    )]
    RefineryStopped { expected: String, applied: usize },
    #[error(
        "refinery sent {what}; the transaction was not started: report this with the revisions' folder"
    )]
    RefineryUnexpected { what: String },
    #[error("{direction} of `{revision}` failed at {file}:{line}: {error}\n  {outcome}", direction = direction_word(*direction))]
    Statement {
        revision: String,
        direction: Direction,
        file: String,
        line: u32,
        error: DriverError,
        outcome: Outcome,
    },
    #[error("{direction} of `{revision}` failed at commit: {error}\n  {outcome}", direction = direction_word(*direction))]
    Commit {
        revision: String,
        direction: Direction,
        error: DriverError,
        outcome: Outcome,
    },
    #[error("repeatable migration `{name}` failed at {file}:{line}: {error}\n  {outcome}")]
    Repeatable {
        name: String,
        file: String,
        line: u32,
        error: DriverError,
        outcome: Outcome,
    },
    #[error(
        "{unit} gave up after {attempts} attempts, each timed out waiting for a lock{on}; each was rolled back and nothing of it was applied: run it again when the lock is free, or give the revision a longer `-- lock-timeout:` or more retries\n  last attempt: {last}",
        on = crate::blocker::on_relations(blockers)
    )]
    LockRetriesExhausted {
        unit: String,
        attempts: u32,
        /// The locks other sessions held on relations the failing statement names.
        blockers: Vec<Blocker>,
        last: Box<Error>,
    },
    #[error("{during} failed: {error}")]
    Database {
        during: &'static str,
        error: DriverError,
    },
    #[error(
        "the history table {table} has a bad row (version {version}): {problem}; it was not written by refinery or by this tool: fix or remove the row"
    )]
    BadHistory {
        table: String,
        version: String,
        problem: String,
    },
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        message_and_causes(self, f)
    }
}

fn direction_word(direction: Direction) -> &'static str {
    match direction {
        Direction::Up => "upgrade",
        Direction::Down => "downgrade",
    }
}

/// `1.5 s`, `250 ms`.
pub(crate) fn humanize(duration: Duration) -> String {
    if duration >= Duration::from_secs(1) {
        format!("{:.1} s", duration.as_secs_f64())
    } else {
        format!("{} ms", duration.as_millis())
    }
}

impl Error {
    pub(crate) fn database(during: &'static str) -> impl FnOnce(tokio_postgres::Error) -> Error {
        move |error| Error::Database {
            during,
            error: DriverError::from_driver(&error),
        }
    }

    /// Whether the connection broke (the server went away or stopped answering): what the
    /// server did with the statements in flight is then unknown to this side.
    pub fn connection_lost(&self) -> bool {
        matches!(
            self,
            Error::Statement {
                error: DriverError::Connection(_),
                ..
            } | Error::Commit {
                error: DriverError::Connection(_),
                ..
            } | Error::Repeatable {
                error: DriverError::Connection(_),
                ..
            } | Error::Database {
                error: DriverError::Connection(_),
                ..
            }
        )
    }

    /// The server's error, when the failure came from the server.
    pub fn db_error(&self) -> Option<&DbError> {
        match self {
            Error::Statement {
                error: DriverError::Server(db),
                ..
            }
            | Error::Commit {
                error: DriverError::Server(db),
                ..
            }
            | Error::Repeatable {
                error: DriverError::Server(db),
                ..
            }
            | Error::Database {
                error: DriverError::Server(db),
                ..
            } => Some(db),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_extensions_name_their_package() {
        assert!(
            extension_hint("extension \"postgis\" is not available")
                .is_some_and(|h| h.contains("postgresql-<v>-postgis-3"))
        );
        assert!(extension_hint("could not open extension control file \"/usr/share/postgresql/15/extension/vector.control\": No such file or directory").is_some_and(|h| h.contains("pgvector")));
        assert!(
            extension_hint("extension \"citext\" is not available")
                .is_some_and(|h| h.contains("contrib"))
        );
        assert_eq!(extension_hint("relation \"t\" does not exist"), None);
        assert_eq!(extension_hint("extension \"citext\" does not exist"), None);
        assert_eq!(extension_hint("extension \"citext\" already exists"), None);
    }
}
