//! `migrations-schema`: a folder's schema files, rendered on a disposable PostgreSQL (`write`),
//! and the schema at an older revision as a reference for `migrate drift --reference`
//! (`reference`). `cargo xtask schema` and `cargo xtask drift` run it on this project's folder;
//! `cargo migrations schema` is the same.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use migrations_verify::command_line::{SchemaArgs, write_reference, write_schema};

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
    /// Write the schema at a revision as a snapshot file, the reference `migrate drift --reference` compares a database at that revision with
    Reference {
        /// The revision: file stem, id or slug
        #[arg(long, value_name = "REVISION")]
        at: String,
        /// Where to write it
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Write => write_schema(cli.args),
        Command::Reference { at, out } => write_reference(cli.args, &at, &out),
    }
}
