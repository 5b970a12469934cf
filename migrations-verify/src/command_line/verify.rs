//! `verify`: the stairway over a folder of revisions, on a disposable PostgreSQL, and the merge of
//! shards' reports.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use migrations_core::history::HistoryTable;
use migrations_disposable::{Backend, DisposableServer, ServerOptions};

use super::error::{CommandError, print};
use crate::schema_files::CommittedSchemaFiles;
use crate::{ColumnOrder, Shard, VerifyOptions, VerifyReport, merge, progress, verify};

/// `verify`'s arguments.
#[derive(Debug, Parser)]
#[command(
    name = "migrations-verify",
    about = "Roll every revision down and up again on a disposable PostgreSQL and compare the schemas"
)]
pub struct VerifyArgs {
    /// The folder of revisions (holding versions/ and optionally repeatable/)
    #[arg(long, default_value = "migrations")]
    migrations: PathBuf,
    /// Verify only the revisions after REV (file stem, id or slug)
    #[arg(long, value_name = "REV")]
    from: Option<String>,
    /// Carry on after a failing revision, so that one run reports every bad revision
    #[arg(long)]
    keep_going: bool,
    /// Fail on an unstable revision too: one whose up, run again on the same schema, builds
    /// another (a definition embedding its creation time); by default it is reported, not failed
    #[arg(long)]
    fail_on_unstable: bool,

    /// Fail a revision that holds ACCESS EXCLUSIVE on, or rewrites, an existing table without a
    /// `-- lint: allow access-exclusive-lock` (or `table-rewrite`) header saying why it is safe
    #[arg(long)]
    fail_on_locks: bool,
    /// Verify the history in N segments at once, each on a database of its own
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
    /// Verify only segment K of N (for CI matrices); `--merge` combines the shards' JSON reports
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    shard: Option<Shard>,
    /// Merge the JSON reports of every shard of a run into one report; runs nothing else
    #[arg(long, value_name = "REPORT", num_args = 1.., conflicts_with_all = ["shard", "from", "keep_going"])]
    merge: Vec<PathBuf>,
    /// Write a machine-readable report to FILE
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// The disposable PostgreSQL: container, local or server (default: chosen automatically)
    #[arg(long, value_enum)]
    backend: Option<BackendArg>,
    /// The PostgreSQL major version to verify on, e.g. 18 (default: DISPOSABLE_PG_VERSION, else
    /// whichever is installed); `bash ci/install-postgres.sh N` installs 15, 16 or 18
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(10..))]
    pg_version: Option<u32>,
    /// Whether column order counts: a column re-added at the end differs under `exact`
    #[arg(long, value_enum, default_value = "exact")]
    column_order: ColumnOrderArg,
    /// The history table the revisions use
    #[arg(long, default_value = migrations_core::history::DEFAULT_HISTORY_TABLE)]
    history_table: String,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum BackendArg {
    Container,
    Local,
    Server,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColumnOrderArg {
    Exact,
    Ignore,
}

/// Runs verify (or merges shards' reports) and prints the report: success when it passed.
pub fn run_verify(args: VerifyArgs) -> ExitCode {
    match run(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            print(&error);
            ExitCode::FAILURE
        }
    }
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    let parsed = text
        .split_once('/')
        .and_then(|(k, n)| Some((k.parse::<usize>().ok()?, n.parse::<usize>().ok()?)));
    match parsed {
        Some((index, count)) if index >= 1 && index <= count => Ok(Shard { index, count }),
        _ => Err(format!(
            "`{text}` is not a shard: give K/N with 1 <= K <= N, e.g. 2/4"
        )),
    }
}

/// Prints the report, writes its JSON when asked, and says whether it passed.
fn finish(report: &VerifyReport, json: Option<&PathBuf>) -> Result<bool, CommandError> {
    println!("{report}");
    if let Some(path) = json {
        let json = serde_json::to_string_pretty(report)
            .map_err(|error| CommandError::RenderJson { error })?;
        std::fs::write(path, json + "\n").map_err(|error| CommandError::Write {
            path: path.clone(),
            error,
        })?;
    }
    Ok(report.ok())
}

fn merge_reports(paths: &[PathBuf], json: Option<&PathBuf>) -> Result<bool, CommandError> {
    let mut reports = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path).map_err(|error| CommandError::Read {
            path: path.clone(),
            error,
        })?;
        let report: VerifyReport =
            serde_json::from_str(&text).map_err(|error| CommandError::NotAReport {
                path: path.clone(),
                error,
            })?;
        reports.push((path.display().to_string(), report));
    }
    finish(&merge(reports)?, json)
}

fn run(cli: VerifyArgs) -> Result<bool, CommandError> {
    if !cli.merge.is_empty() {
        return merge_reports(&cli.merge, cli.json.as_ref());
    }
    let display = cli.migrations.display().to_string();
    let set = match migrations_core::load_dir_as(&cli.migrations, &display) {
        Ok(set) => set,
        Err(error) => {
            eprintln!("{error}");
            eprintln!("verify: the folder does not pass `check`; nothing was run");
            return Ok(false);
        }
    };
    eprintln!(
        "verify: check ok: {} revisions, {} repeatable migrations in {display}",
        set.revisions().len(),
        set.repeatables().len()
    );
    let lint = migrations_lint::lint_folder(&cli.migrations, &display, &set);
    eprintln!("verify: {}", lint.summary());
    let options = VerifyOptions {
        from: cli.from,
        keep_going: cli.keep_going,
        fail_on_unstable: cli.fail_on_unstable,
        fail_on_locks: cli.fail_on_locks,
        jobs: usize::from(cli.jobs),
        shard: cli.shard,
        column_order: match cli.column_order {
            ColumnOrderArg::Exact => ColumnOrder::Exact,
            ColumnOrderArg::Ignore => ColumnOrder::Ignore,
        },
        history: HistoryTable::new(&cli.history_table)?,
        lint: Some(lint),
        schema_files: CommittedSchemaFiles::read(&cli.migrations, &display),
    };
    let backend = cli.backend.map(|b| match b {
        BackendArg::Container => Backend::Container,
        BackendArg::Local => Backend::Local,
        BackendArg::Server => Backend::Server,
    });
    let server = DisposableServer::start(ServerOptions {
        backend,
        pg_version: cli.pg_version,
        ..ServerOptions::default()
    })?;
    let report = verify(&set, &server, &options, &mut progress::Stderr::new())?;
    finish(&report, cli.json.as_ref())
}
