//! `--databases FILE` and `--databases-query SQL`: `upgrade`, `downgrade` and `current` on each
//! database of a fleet, a line as each finishes, then a summary; the exit code fails when any
//! database did not end as the command meant.

use std::io::Read;
use std::process::ExitCode;

use super::fleet_output::Printer;
use super::{Cli, CliError, Subcommands, parse_target};
use crate::connect::DatabaseUrl;
use crate::error::Error;
use crate::fleet::{Census, Fleet, FleetDatabase, Migrate, parse_databases, query_databases};
use crate::runner::Runner;
use migrations_core::Target;

/// What a fleet runs.
enum FleetCommand {
    Upgrade(Target),
    Downgrade(Target),
    Current,
}

impl FleetCommand {
    fn of(command: &Subcommands) -> Result<FleetCommand, CliError> {
        Ok(match command {
            Subcommands::Upgrade { target, sql: false } => {
                FleetCommand::Upgrade(parse_target(target.as_deref().unwrap_or("head"))?)
            }
            Subcommands::Downgrade { target, sql: false } => {
                FleetCommand::Downgrade(parse_target(target)?)
            }
            Subcommands::Current => FleetCommand::Current,
            other => {
                let command = match other {
                    Subcommands::Upgrade { .. } => "upgrade --sql",
                    Subcommands::Downgrade { .. } => "downgrade --sql",
                    Subcommands::History => "history",
                    Subcommands::Pending => "pending",
                    Subcommands::Stamp { .. } => "stamp",
                    Subcommands::Drift(_) => "drift",
                    _ => "resolve",
                };
                return Err(CliError::NotForFleet { command });
            }
        })
    }
}

pub(super) async fn run(runner: &Runner, cli: Cli) -> Result<ExitCode, CliError> {
    let command = FleetCommand::of(&cli.command)?;
    let fleet = of(&cli).await?;
    let width = name_width(&fleet);
    let succeeded = match command {
        FleetCommand::Upgrade(target) => {
            let printer = Printer::new(cli.json, width, target == Target::Head);
            change(&fleet, runner, &Migrate::Upgrade(target), &printer).await
        }
        FleetCommand::Downgrade(target) => {
            let printer = Printer::new(cli.json, width, false);
            change(&fleet, runner, &Migrate::Downgrade(target), &printer).await
        }
        FleetCommand::Current => {
            let printer = Printer::new(cli.json, width, true);
            let report = fleet
                .current(runner, |outcome| printer.current(outcome))
                .await;
            printer.census(&Census::new(&report, runner.revisions()), &report);
            report.succeeded()
        }
    };
    // The connections' tasks say goodbye to their servers before the runtime stops.
    tokio::task::yield_now().await;
    Ok(match succeeded {
        true => ExitCode::SUCCESS,
        false => ExitCode::FAILURE,
    })
}

/// The fleet the command line names, run as its options say.
pub(super) async fn of(cli: &Cli) -> Result<Fleet, CliError> {
    Ok(Fleet::new(list(cli).await?)
        .with_jobs(usize::from(cli.jobs))
        .with_canary(cli.canary.unwrap_or(0))
        .keep_going(cli.keep_going)
        .with_connect_timeout(cli.connect_timeout))
}

/// The width of the name column: the longest name.
pub(super) fn name_width(fleet: &Fleet) -> usize {
    fleet
        .databases()
        .iter()
        .map(|database| database.name().chars().count())
        .max()
        .unwrap_or(0)
}

/// Runs an upgrade or a downgrade, printing each database as it finishes, then the summary.
async fn change(fleet: &Fleet, runner: &Runner, operation: &Migrate, printer: &Printer) -> bool {
    let report = fleet
        .run(runner, operation, |outcome| printer.change(outcome))
        .await;
    printer.summary(&report);
    report.succeeded()
}

/// The databases of `--databases FILE` (`-`: stdin) or `--databases-query SQL`.
async fn list(cli: &Cli) -> Result<Vec<FleetDatabase>, CliError> {
    if let Some(sql) = &cli.databases_query {
        let base: DatabaseUrl = cli
            .database_url
            .as_deref()
            .unwrap_or_default()
            .parse()
            .map_err(Error::from)?;
        return Ok(query_databases(&base, sql, cli.connect_timeout).await?);
    }
    let path = cli.databases.clone().unwrap_or_default();
    let read_error = |source| CliError::ReadList {
        path: path.clone(),
        source,
    };
    let (text, name) = if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(read_error)?;
        (text, "stdin".to_owned())
    } else {
        let text = std::fs::read_to_string(&path).map_err(read_error)?;
        (text, path.display().to_string())
    };
    Ok(parse_databases(&text, &name).map_err(crate::fleet::FleetError::from)?)
}
