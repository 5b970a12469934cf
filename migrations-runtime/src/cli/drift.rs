//! `migrate drift`: does a live database still have the schema its revisions give? The database's
//! catalogs (never its rows) are read into a snapshot and compared with the schema at head that
//! the binary carries, or with a reference file for another revision; each object that differs
//! is printed with what the revisions give and what the database has.
//!
//! Exit codes: 0 equal, 1 drifted, 2 when the comparison could not be made (a bad pattern, no
//! connection, a database below head, ...). With `--databases` the same on every database of a
//! fleet: 1 when any drifted, 2 when any could not be compared.

mod compare;
mod error;
mod fleet;
mod output;
mod reference;

use std::path::PathBuf;
use std::process::ExitCode;

use migrations_snapshot::IgnorePatterns;

use super::{Cli, Connection};
use crate::connect::DatabaseUrl;
use crate::error::Error;
use crate::fleet::FleetDatabase;
use crate::runner::Runner;
use compare::compare;
use error::DriftError;
use reference::Reference;

/// The exit code of a comparison that could not be made.
const FAILED: u8 = 2;

#[derive(Debug, clap::Args)]
pub(super) struct DriftArgs {
    /// Leave out objects the deployment adds on purpose, with what lives inside them:
    /// KIND:NAME, KIND as JSON writes it (schema, index, materialized_view, ...) or * for any,
    /// NAME a glob (* and ?) over the qualified name, e.g. schema:monitoring or
    /// index:public.tmp_*; repeatable
    #[arg(long, value_name = "PATTERN")]
    ignore: Vec<String>,

    /// Compare with this schema snapshot instead of the schema at head compiled in: the schema
    /// at the database's revision, as `cargo xtask drift` writes it for a database below head
    #[arg(long, value_name = "FILE")]
    reference: Option<PathBuf>,
}

/// Runs the comparison and prints its result, or its error (as JSON on stderr with `--json`).
pub(super) async fn run(runner: &Runner, cli: &Cli, args: &DriftArgs) -> ExitCode {
    match drift(runner, cli, args).await {
        Ok(code) => code,
        Err(error) => {
            output::error(cli.json, &error);
            ExitCode::from(FAILED)
        }
    }
}

async fn drift(runner: &Runner, cli: &Cli, args: &DriftArgs) -> Result<ExitCode, DriftError> {
    let ignore = IgnorePatterns::parse(&args.ignore)?;
    let reference = match &args.reference {
        Some(path) => Reference::file(path)?,
        None => Reference::embedded(runner)?,
    };
    if cli.databases.is_some() || cli.databases_query.is_some() {
        return fleet::run(runner, cli, &reference, &ignore).await;
    }
    let url = cli.database_url.as_deref();
    let database: DatabaseUrl = url.unwrap_or_default().parse().map_err(Error::from)?;
    let name = FleetDatabase::new(database).name().to_owned();
    let mut connection = Connection::open(url).await?;
    let compared = compare(runner, &mut connection.client, &reference, &ignore).await;
    connection.close().await;
    let report = compared?;
    output::report(cli.json, &name, &report, &ignore);
    Ok(match report.diff.is_empty() {
        true => ExitCode::SUCCESS,
        false => ExitCode::FAILURE,
    })
}
