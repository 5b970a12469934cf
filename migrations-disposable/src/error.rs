//! Everything that can go wrong while providing a disposable PostgreSQL, each naming the backend and the fix.

use std::path::PathBuf;

use crate::Backend;

/// An error of the disposable PostgreSQL, with the backend involved and what to do next.
#[derive(Debug, thiserror::Error)]
pub enum DisposableError {
    /// Automatic choice found no usable backend.
    #[error(
        "no disposable PostgreSQL is available\n{reasons}\nenable one of them:\n  \
         container: start a Docker engine and make the image present ({image_hint})\n  \
         local: install the PostgreSQL server binaries (e.g. apt-get install postgresql) or set \
         DISPOSABLE_PG_BINDIR to the directory holding initdb and postgres\n  \
         server: set DISPOSABLE_PG_SERVER_URL=postgresql://user:password@host:port/postgres for a role \
         with CREATEDB"
    )]
    NoBackend {
        /// One line per backend saying why it cannot be used.
        reasons: String,
        /// How to get the container image.
        image_hint: String,
    },

    /// A backend was asked for (by `DISPOSABLE_PG` or the options) but cannot be used.
    #[error("the {backend} backend was requested but {missing}; {fix}")]
    BackendUnavailable {
        backend: Backend,
        missing: String,
        fix: String,
    },

    /// The local backend found no installation of the major version `DISPOSABLE_PG_VERSION` (or
    /// [`ServerOptions::pg_version`](crate::ServerOptions::pg_version)) asks for.
    #[error(
        "local backend: PostgreSQL {version} was asked for (DISPOSABLE_PG_VERSION or --pg-version) but not found; \
         searched {searched}; install it with `bash ci/install-postgres.sh {version}`, or set \
         DISPOSABLE_PG_BINDIR to the bin directory of a PostgreSQL {version}"
    )]
    VersionNotFound {
        version: u32,
        /// Each place looked at and what it held.
        searched: String,
    },

    /// The server started or given runs another major version than the one asked for.
    #[error(
        "the {backend} backend runs PostgreSQL {found}, but PostgreSQL {asked} was asked for \
         (DISPOSABLE_PG_VERSION or --pg-version); {fix}"
    )]
    VersionMismatch {
        backend: Backend,
        asked: u32,
        found: String,
        fix: &'static str,
    },

    /// An environment variable holds a value that cannot be used.
    #[error("{variable}={value:?} is not valid: {expected}")]
    InvalidSetting {
        variable: &'static str,
        value: String,
        expected: String,
    },

    /// The backend cannot do what was asked.
    #[error("the {backend} backend does not support {feature}; {fix}")]
    Unsupported {
        backend: Backend,
        feature: &'static str,
        fix: &'static str,
    },

    /// A file system operation of the local backend failed.
    #[error("local backend: could not {action} {}: {source}; check permissions and free space (DISPOSABLE_PG_DIR picks another place)", path.display())]
    LocalIo {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A helper program (initdb, openssl, postgres --version) failed.
    #[error("{backend} backend: {program} failed ({status}); {fix}\n{output}")]
    Command {
        backend: Backend,
        program: String,
        status: String,
        output: String,
        fix: &'static str,
    },

    /// The local postgres did not become ready.
    #[error(
        "local backend: postgres for {} did not start: {reason}; the last lines of its log ({}) follow\n{log_tail}",
        data_dir.display(), log.display()
    )]
    ServerStart {
        data_dir: PathBuf,
        reason: String,
        log: PathBuf,
        log_tail: String,
    },

    /// TLS was asked for, and the local installation was built without SSL.
    #[error(
        "local backend: {installation} was built without SSL, so it cannot serve TLS; TLS needs a \
         PostgreSQL built with OpenSSL (Debian's: `bash ci/install-postgres.sh 15`, or \
         DISPOSABLE_PG_BINDIR)"
    )]
    TlsUnsupported { installation: String },

    /// The container could not be started, inspected or removed.
    #[error(
        "container backend: could not {action} a container of image {image}: {detail}; check that the Docker engine answers (docker info)"
    )]
    Container {
        action: &'static str,
        image: String,
        detail: String,
    },

    /// The container image is neither present nor pullable.
    #[error(
        "the container backend needs image {image}, which is not present and cannot be pulled ({detail}); {fix}"
    )]
    ImageMissing {
        image: String,
        detail: String,
        fix: String,
    },

    /// A connection to the disposable server failed.
    #[error("{backend} backend: could not connect to {target}: {source}")]
    Connect {
        backend: Backend,
        /// The URL with its password redacted.
        target: String,
        #[source]
        source: postgres::Error,
    },

    /// A statement issued to manage disposable databases failed.
    #[error("{backend} backend: could not {action}: {source}")]
    Sql {
        backend: Backend,
        action: String,
        #[source]
        source: postgres::Error,
    },

    /// The role of the server backend may not create databases.
    #[error(
        "server backend: role {role} cannot create databases; grant it with ALTER ROLE {role} CREATEDB, or use another role in DISPOSABLE_PG_SERVER_URL"
    )]
    MissingCreatedb { role: String },

    /// The closure building a template failed; the half-built template was dropped.
    #[error("building template database {template} failed: {source}")]
    TemplateBuild {
        template: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// A database about to be dropped is not provably ours, so it is left alone.
    #[error(
        "{backend} backend: refusing to drop database {database}: {reason}; it is left alone, drop it yourself if it is debris"
    )]
    NotOurs {
        backend: Backend,
        database: String,
        reason: String,
    },

    /// A database of another server was passed.
    #[error(
        "database {database} belongs to another disposable server; use the server that created it"
    )]
    ForeignDatabase { database: String },

    /// The shared server failed to start earlier in this process; later callers get this.
    #[error("the shared disposable PostgreSQL failed to start earlier in this process: {reason}")]
    SharedUnavailable { reason: String },

    /// The server was stopped (dropped, interrupted or at exit); it hands out nothing more.
    #[error("{backend} backend: the disposable server is already stopped; start a new one")]
    Stopped { backend: Backend },
}
