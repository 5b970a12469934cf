//! `migrations-schema`: a folder's schema files, rendered on a disposable PostgreSQL (`write`),
//! and the schema at an older revision as a reference for `migrate drift --reference`
//! (`reference`). `cargo xtask schema` and `cargo xtask drift` run it on this project's folder.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use migrations_core::history::HistoryTable;
use migrations_core::schema_file::{SCHEMA_SNAPSHOT, SCHEMA_SQL};
use migrations_disposable::{DisposableServer, ServerOptions};
use migrations_verify::schema_files::{reference_at, render_at_head};

#[derive(Debug, Parser)]
#[command(
    name = "migrations-schema",
    about = "The schema at head as SQL and as a snapshot, rendered on a disposable PostgreSQL (chosen as DISPOSABLE_PG says)"
)]
struct Cli {
    /// The folder of revisions (holding versions/ and optionally repeatable/)
    #[arg(long, default_value = "migrations", global = true)]
    migrations: PathBuf,
    /// The history table the revisions use
    #[arg(long, default_value = migrations_core::history::DEFAULT_HISTORY_TABLE, global = true)]
    history_table: String,
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
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let display = cli.migrations.display().to_string();
    let set = match migrations_core::load_dir_as(&cli.migrations, &display) {
        Ok(set) => set,
        Err(error) => {
            eprintln!("{error}");
            anyhow::bail!("the folder does not pass `check`; nothing was written");
        }
    };
    let history = HistoryTable::new(&cli.history_table)?;
    match cli.command {
        Command::Write => write(&cli.migrations, &display, &set, &history),
        Command::Reference { at, out } => reference(&set, &history, &at, &out),
    }
}

fn write(
    dir: &std::path::Path,
    display: &str,
    set: &migrations_core::RevisionSet,
    history: &HistoryTable,
) -> anyhow::Result<ExitCode> {
    let server = DisposableServer::start(ServerOptions::default())?;
    let files = render_at_head(set, &server, history)?;
    let mut written = Vec::new();
    for (name, text) in [
        (SCHEMA_SQL, &files.sql),
        (SCHEMA_SNAPSHOT, &files.snapshot_json),
    ] {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_ref() != Some(text) {
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            written.push(format!("{display}/{name}"));
        }
    }
    let head = set.head().map_or("none", |h| h.name());
    if written.is_empty() {
        println!(
            "{display}/{SCHEMA_SQL} and {display}/{SCHEMA_SNAPSHOT} are the schema at {head} already"
        );
    } else {
        println!("wrote {}: the schema at {head}", written.join(" and "));
    }
    Ok(ExitCode::SUCCESS)
}

fn reference(
    set: &migrations_core::RevisionSet,
    history: &HistoryTable,
    at: &str,
    out: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let Some(revision) = set.find(at) else {
        anyhow::bail!(
            "unknown revision `{at}`: name a revision of the folder by file stem, id or slug"
        );
    };
    let server = DisposableServer::start(ServerOptions::default())?;
    let schema = reference_at(set, &server, history, revision)?;
    std::fs::write(out, schema.to_json())
        .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!(
        "wrote {}: the schema at {} on {}",
        out.display(),
        revision.name(),
        schema.server
    );
    Ok(ExitCode::SUCCESS)
}
