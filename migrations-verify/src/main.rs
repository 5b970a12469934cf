//! `migrations-verify`: the stairway over a folder of revisions, on a disposable PostgreSQL.
//! `cargo xtask verify` runs it on this project's folder.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use migrations_core::history::HistoryTable;
use migrations_disposable::{Backend, DisposableServer, ServerOptions};
use migrations_verify::{ColumnOrder, VerifyOptions, progress, verify};

#[derive(Debug, Parser)]
#[command(
    name = "migrations-verify",
    about = "Roll every revision down and up again on a disposable PostgreSQL and compare the schemas"
)]
struct Cli {
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
    /// Write a machine-readable report to FILE
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// The disposable PostgreSQL: container, local or server (default: chosen automatically)
    #[arg(long, value_enum)]
    backend: Option<BackendArg>,
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

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<bool> {
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
    let options = VerifyOptions {
        from: cli.from,
        keep_going: cli.keep_going,
        fail_on_unstable: cli.fail_on_unstable,
        column_order: match cli.column_order {
            ColumnOrderArg::Exact => ColumnOrder::Exact,
            ColumnOrderArg::Ignore => ColumnOrder::Ignore,
        },
        history: HistoryTable::new(&cli.history_table)?,
    };
    let backend = cli.backend.map(|b| match b {
        BackendArg::Container => Backend::Container,
        BackendArg::Local => Backend::Local,
        BackendArg::Server => Backend::Server,
    });
    let server = DisposableServer::start(ServerOptions {
        backend,
        ..ServerOptions::default()
    })?;
    let report = verify(&set, &server, &options, &mut progress::Stderr::new())?;
    println!("{report}");
    if let Some(path) = &cli.json {
        let json =
            serde_json::to_string_pretty(&report).context("cannot render the JSON report")?;
        std::fs::write(path, json + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(report.ok())
}
