//! `cargo migrations`: the commands for a folder of revisions in any project, installed with
//! `cargo install --path cargo-migrations` (or `--git`): the offline ones of `migrations-tool`,
//! and verify and the schema files of `migrations-verify`, the same code as this workspace's
//! `cargo xtask` runs.

use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use migrations_tool::command_line::{
    CheckCommand, FolderArg, LintCommand, NewRevisionCommand, RebaseCommand,
};
use migrations_verify::command_line::{SchemaArgs, VerifyArgs, run_verify, write_schema};

#[derive(Debug, Parser)]
#[command(
    name = "cargo migrations",
    bin_name = "cargo migrations",
    about = "Write, check, lint and verify a folder of PostgreSQL revisions (default: migrations/ in the current directory)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a new revision revising the head (`baseline` first), or a repeatable migration
    #[command(visible_alias = "new-migration")]
    New(NewRevisionCommand),
    /// Check every file and the graph, the schema files against the revisions, then lint
    Check(CheckCommand),
    /// squawk's rules on every revision and repeatable, with the folder's lint.toml
    Lint(LintCommand),
    /// One line per revision: id, slug, parent, flags, message
    History(FolderArg),
    /// The head(s) of the graph
    Heads(FolderArg),
    /// Move a revision after all others (the fix for two heads)
    Rebase(RebaseCommand),
    /// Roll every revision down and up again on a disposable PostgreSQL and compare the schemas
    Verify(VerifyArgs),
    /// Write schema.sql and schema.snapshot.json, the schema at head, from a disposable PostgreSQL
    Schema(SchemaArgs),
}

fn main() -> ExitCode {
    // Cargo runs `cargo-migrations migrations <command>`; run by hand it gets `<command>`.
    let mut args: Vec<_> = std::env::args_os().collect();
    if args.get(1).is_some_and(|arg| arg == "migrations") {
        args.remove(1);
    }
    match run(Cli::parse_from(args).command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    let folder = Path::new("migrations");
    let passed = match command {
        Command::Verify(args) => return Ok(run_verify(args)),
        Command::Schema(args) => return Ok(write_schema(args)),
        Command::New(command) => command.run(folder)?,
        Command::Check(command) => command.run(folder)?,
        Command::Lint(command) => command.run(folder)?,
        Command::History(arg) => migrations_tool::history(&arg.open(folder)?)?,
        Command::Heads(arg) => migrations_tool::heads(&arg.open(folder)?)?,
        Command::Rebase(command) => command.run(folder)?,
    };
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
