//! `migrations-schema`: a folder's schema files, rendered on a disposable PostgreSQL (`write`).
//! `cargo xtask schema` runs it on this project's folder; `cargo migrations schema` is the same.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use migrations_verify::command_line::{SchemaArgs, write_schema};

#[derive(Debug, Parser)]
#[command(
    name = "migrations-schema",
    about = "The schema at head as SQL and as a snapshot, rendered on a disposable PostgreSQL (chosen as DISPOSABLE_PG says)"
)]
struct Cli {
    #[command(flatten)]
    args: SchemaArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write schema.sql and schema.snapshot.json next to the folder's versions/
    Write,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Write => write_schema(cli.args),
    }
}
