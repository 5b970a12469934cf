//! What stops the command line before or instead of a run.

use std::path::PathBuf;

use crate::error::Error;
use crate::fleet::FleetError;

#[derive(Debug, thiserror::Error)]
pub(super) enum CliError {
    #[error(transparent)]
    Run(#[from] Error),
    #[error(transparent)]
    Fleet(#[from] FleetError),
    #[error("cannot read the list of databases {}: {source}", path.display())]
    ReadList {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{command}` runs on one database: --databases and --databases-query go with upgrade, downgrade, current (without --sql) and drift"
    )]
    NotForFleet { command: &'static str },
}
