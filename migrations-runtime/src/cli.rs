//! The `migrate` command line, for binaries that embed their revisions:
//!
//! ```no_run
//! # mod migrations { pub fn runner() -> migrations_runtime::Runner { unimplemented!() } }
//! fn main() -> std::process::ExitCode {
//!     migrations_runtime::cli::main(migrations::runner())
//! }
//! ```
//!
//! The database comes from `--database-url` or `DATABASE_URL`; its password is never printed.
//! `--databases FILE` or `--databases-query SQL` runs `upgrade`, `downgrade`, `current` or `drift`
//! on a fleet of databases instead (see [`crate::fleet`]). `--json` prints JSON instead of text,
//! errors included (see `json_command`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use migrations_core::{Command, Target};

use crate::connect::DatabaseUrl;
use crate::error::{DriverError, Error};
use crate::runner::{Resolution, Runner};

mod drift;
mod error;
mod fleet;
mod fleet_json;
mod fleet_output;
mod json;
mod json_command;
mod json_error;
mod json_log;

use error::CliError;

#[derive(Debug, Parser)]
#[command(
    name = "migrate",
    about = "Apply this application's database revisions to PostgreSQL",
    long_about = "Apply this application's database revisions to PostgreSQL.\n\nThe revisions are compiled into this binary. Every changing command holds an advisory lock, so concurrent runs wait for each other. Staging and production: review `migrate upgrade --sql` first, then run `migrate upgrade`."
)]
struct Cli {
    /// The database, as a postgres:// URL or `key=value` string; sslmode disable|prefer|require|verify-ca|verify-full
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    database_url: Option<String>,

    /// The history table (optionally schema-qualified)
    #[arg(long, default_value = migrations_core::history::DEFAULT_HISTORY_TABLE, global = true)]
    history_table: String,

    /// How long to wait for another run's advisory lock: e.g. 500ms, 30s, 5m
    #[arg(long, value_parser = parse_duration, default_value = "60s", global = true)]
    lock_timeout: Duration,

    /// How long each revision's statements may wait for a table's lock before the revision is
    /// rolled back and retried (0: no limit); a revision's `-- lock-timeout:` header wins
    #[arg(long, value_parser = parse_duration, default_value = "5s", global = true)]
    statement_lock_timeout: Duration,

    /// How long each revision's statements may run (default: the server's statement_timeout); a
    /// revision's `-- statement-timeout:` header wins
    #[arg(long, value_parser = parse_duration, global = true)]
    statement_timeout: Option<Duration>,

    /// How many times a transactional revision is tried when it times out waiting for a lock
    #[arg(long, default_value_t = crate::settings::DEFAULT_LOCK_RETRIES, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    lock_retries: u32,

    /// Run on each database of FILE instead: one connection string per line, `#` comments; `-` reads stdin
    #[arg(long, value_name = "FILE", global = true, group = "fleet")]
    databases: Option<PathBuf>,

    /// Run on each database that SQL, run on DATABASE_URL, lists: one connection string per row, a key=value row replacing DATABASE_URL's parameters (e.g. SELECT 'dbname=' || datname FROM pg_database WHERE datname LIKE 'tenant_%')
    #[arg(long, value_name = "SQL", global = true, group = "fleet")]
    databases_query: Option<String>,

    /// With --databases: how many databases run at once
    #[arg(long, value_name = "N", default_value_t = crate::fleet::DEFAULT_JOBS as u16, value_parser = clap::value_parser!(u16).range(1..), global = true)]
    jobs: u16,

    /// With --databases: run the first K databases first, and the others only if all K succeeded
    #[arg(long, value_name = "K", global = true, requires = "fleet")]
    canary: Option<usize>,

    /// With --databases: go on starting databases after one failed (by default running ones finish and no new one starts)
    #[arg(long, global = true, requires = "fleet")]
    keep_going: bool,

    /// With --databases: how long each database's connection may take (a server silent mid-run is given up after about twice that)
    #[arg(long, value_parser = parse_duration, default_value = "10s", global = true)]
    connect_timeout: Duration,

    /// Print JSON: one document per command (upgrade and downgrade: a line per revision as it finishes, then the summary); errors as JSON on stderr. With --databases: one object per database as each finishes, the summary on stderr
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Subcommands,
}

#[derive(Debug, Subcommand)]
enum Subcommands {
    /// Show the current revision, what is pending, the dirty marker and the lock
    Current,
    /// List every revision: applied (when) or pending
    History,
    /// List the revisions an upgrade to head would apply
    Pending,
    /// Apply pending revisions up to TARGET (default: head), then changed repeatable migrations
    Upgrade {
        /// head, a revision (file stem, id or slug) or +N; with --sql, FROM:TO renders offline
        #[arg(allow_negative_numbers = true)]
        target: Option<String>,
        /// Print the SQL instead of running it (FROM:TO needs no database)
        #[arg(long, conflicts_with = "json")]
        sql: bool,
    },
    /// Run down sections, newest first, until TARGET is the newest applied revision
    Downgrade {
        /// base, a revision (file stem, id or slug) or -N; with --sql, FROM:TO renders offline
        #[arg(allow_negative_numbers = true)]
        target: String,
        /// Print the SQL instead of running it (FROM:TO needs no database)
        #[arg(long, conflicts_with = "json")]
        sql: bool,
    },
    /// Record TARGET as the current revision without running any SQL (adopts an existing schema)
    Stamp {
        /// head, base, a revision (file stem, id or slug), +N or -N
        #[arg(allow_negative_numbers = true)]
        target: String,
    },
    /// Compare the database's schema with the one its revisions give: exit 0 equal, 1 drifted, 2 not compared
    Drift(drift::DriftArgs),
    /// Clear the dirty marker of a non-transactional revision that stopped part-way
    Resolve {
        /// Its remaining statements were run by hand: record it as applied (or reverted)
        #[arg(
            long,
            conflicts_with = "rolled_back",
            required_unless_present = "rolled_back"
        )]
        finished: bool,
        /// What it did was undone by hand: leave the history as before it
        #[arg(long)]
        rolled_back: bool,
    },
}

/// Parses `500ms`, `30s`, `5m`, `1h`, or a number of seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit = unit.trim_start();
    let number: u64 = number
        .parse()
        .map_err(|_| format!("bad duration `{text}`: write e.g. 500ms, 30s, 5m"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(number)),
        "" | "s" => Ok(Duration::from_secs(number)),
        "m" => Ok(Duration::from_secs(number * 60)),
        "h" => Ok(Duration::from_secs(number * 3600)),
        _ => Err(format!("bad duration unit `{unit}`: use ms, s, m or h")),
    }
}

/// Runs the command line over `runner`'s revisions; prints errors and returns the exit code.
pub fn main(runner: Runner) -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return json_command::refused(error),
    };
    // The runner's warnings (a revision retried after a lock timeout) go to stderr as they happen.
    let json = cli.json;
    json_log::init(json);
    match run(runner, cli) {
        Ok(code) => code,
        Err(error) if json => {
            json_error::ErrorDocument::of(&error).print();
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(runner: Runner, cli: Cli) -> Result<ExitCode, CliError> {
    let runner = runner
        .with_history_table(&cli.history_table)
        .map_err(Error::from)?
        .with_lock_timeout(cli.lock_timeout)
        .with_statement_lock_timeout(cli.statement_lock_timeout)
        .with_lock_retries(cli.lock_retries);
    let runner = match cli.statement_timeout {
        Some(timeout) => runner.with_statement_timeout(timeout),
        None => runner,
    };
    // The async driver: it sends each revision's transaction as one query string, where the
    // blocking one needs a round trip per statement to tell which statement failed.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| Error::Database {
            during: "starting the runtime",
            error: DriverError::Connection(error.to_string()),
        })?;
    if let Subcommands::Drift(args) = &cli.command {
        return Ok(runtime.block_on(drift::run(&runner, &cli, args)));
    }
    if cli.databases.is_some() || cli.databases_query.is_some() {
        return runtime.block_on(fleet::run(&runner, cli));
    }
    runtime.block_on(run_command(&runner, cli))?;
    Ok(ExitCode::SUCCESS)
}

/// The connection of one command. Closed at its end, so that the connection task says goodbye
/// to the server before the runtime stops.
struct Connection {
    client: tokio_postgres::Client,
}

impl Connection {
    async fn open(database_url: Option<&str>) -> Result<Connection, Error> {
        let url: DatabaseUrl = database_url.unwrap_or_default().parse()?;
        Ok(Connection {
            client: url.connect_async().await?,
        })
    }

    async fn close(self) {
        drop(self);
        tokio::task::yield_now().await;
    }
}

async fn run_command(runner: &Runner, cli: Cli) -> Result<(), Error> {
    let url = cli.database_url.as_deref();
    match &cli.command {
        Subcommands::Upgrade { target, sql: true } => {
            let range = target.as_deref().unwrap_or("head");
            return render(runner, Command::Upgrade, range, url).await;
        }
        Subcommands::Downgrade { target, sql: true } => {
            return render(runner, Command::Downgrade, target, url).await;
        }
        _ => {}
    }
    let mut connection = Connection::open(url).await?;
    let output = if cli.json {
        json_command::output(runner, &mut connection.client, cli.command).await
    } else {
        output(runner, &mut connection.client, cli.command).await
    };
    connection.close().await;
    print!("{}", output?);
    Ok(())
}

/// What a command prints, run on the database.
async fn output(
    runner: &Runner,
    client: &mut tokio_postgres::Client,
    command: Subcommands,
) -> Result<String, Error> {
    Ok(match command {
        Subcommands::Current => format!("{}\n", runner.current_async(client).await?),
        Subcommands::History => format!("{}\n", runner.history_async(client).await?),
        Subcommands::Pending => runner
            .pending_async(client)
            .await?
            .iter()
            .map(|revision| format!("{}\n", revision.name()))
            .collect(),
        Subcommands::Upgrade { target, .. } => {
            let target = parse_target(target.as_deref().unwrap_or("head"))?;
            format!("{}\n", runner.upgrade_async(client, target).await?)
        }
        Subcommands::Downgrade { target, .. } => {
            let target = parse_target(&target)?;
            format!("{}\n", runner.downgrade_async(client, target).await?)
        }
        Subcommands::Stamp { target } => {
            let target = parse_target(&target)?;
            format!("{}\n", runner.stamp_async(client, target).await?)
        }
        Subcommands::Resolve { finished, .. } => {
            let resolution = if finished {
                Resolution::Finished
            } else {
                Resolution::RolledBack
            };
            format!("{}\n", runner.resolve_async(client, resolution).await?)
        }
        // `run` hands drift to `drift::run`, which prints its own output and exit code.
        Subcommands::Drift(_) => String::new(),
    })
}

fn parse_target(text: &str) -> Result<Target, Error> {
    text.parse()
        .map_err(|e| Error::Plan(migrations_core::plan::PlanError::Target(e)))
}

/// The dry-run script, printed: offline for `FROM:TO`, from the database's current state for `TO`.
async fn render(
    runner: &Runner,
    command: Command,
    range: &str,
    url: Option<&str>,
) -> Result<(), Error> {
    let script = match range.split_once(':') {
        Some((from, to)) => {
            runner.render_sql_offline(command, &parse_target(from)?, &parse_target(to)?)?
        }
        None => {
            let mut connection = Connection::open(url).await?;
            let script = runner
                .render_sql_async(&mut connection.client, command, &parse_target(range)?)
                .await;
            connection.close().await;
            script?
        }
    };
    print!("{script}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("2 s"), Ok(Duration::from_secs(2)));
        assert_eq!(
            parse_duration("5 parsecs"),
            Err("bad duration unit `parsecs`: use ms, s, m or h".to_owned())
        );
        assert_eq!(
            crate::DEFAULT_LOCK_TIMEOUT,
            parse_duration("60s").expect("valid")
        );
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
