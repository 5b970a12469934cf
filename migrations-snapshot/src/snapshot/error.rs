//! Why a snapshot could not be captured.

/// An error while reading the catalogs of a database.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(
        "cannot start the read-only transaction for the schema snapshot: {}; check that the connection is open and not inside a failed transaction",
        describe(.error)
    )]
    Begin { error: postgres::Error },
    #[error(
        "cannot read the {what} from the system catalogs: {}; check that the role may read pg_catalog",
        describe(.error)
    )]
    Query {
        what: &'static str,
        error: postgres::Error,
    },
    #[error(
        "cannot decode `{column}` of the {what} read from the system catalogs: {}",
        describe(.error)
    )]
    Decode {
        what: &'static str,
        column: &'static str,
        error: postgres::Error,
    },
    #[error("the server returned no row for the {what}")]
    NoRow { what: &'static str },
    #[error(
        "the server runs PostgreSQL {version}; schema snapshots need PostgreSQL 12 or newer, so point the connection at a newer server"
    )]
    UnsupportedServer { version: String },
    #[error(
        "cannot end the read-only transaction of the schema snapshot: {}",
        describe(.error)
    )]
    Commit { error: postgres::Error },
}

/// The server's own message when there is one (`postgres::Error` alone prints only `db error`).
fn describe(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(server) => server.message().to_owned(),
        None => error.to_string(),
    }
}
