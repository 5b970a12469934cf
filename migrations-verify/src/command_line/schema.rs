//! `schema`: a folder's schema files, `schema.sql` and `schema.snapshot.json`, rendered at head on
//! a disposable PostgreSQL and written where they differ; and the schema at an older revision, the
//! reference `migrate drift --reference` compares a database at that revision with.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use migrations_core::RevisionSet;
use migrations_core::history::HistoryTable;
use migrations_core::schema_file::{SCHEMA_SNAPSHOT, SCHEMA_SQL};
use migrations_disposable::{DisposableServer, ServerOptions};

use super::error::{CommandError, print};
use crate::schema_files::{reference_at, render_at_head};

/// The schema command's arguments (the disposable PostgreSQL is chosen as `DISPOSABLE_PG` says).
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The folder of revisions (holding versions/ and optionally repeatable/)
    #[arg(long, default_value = "migrations", global = true)]
    migrations: PathBuf,
    /// The history table the revisions use
    #[arg(long, default_value = migrations_core::history::DEFAULT_HISTORY_TABLE, global = true)]
    history_table: String,
}

/// Writes the folder's schema files and says which changed; exit code 2 when it could not.
pub fn write_schema(args: SchemaArgs) -> ExitCode {
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            print(&error);
            ExitCode::from(2)
        }
    }
}

/// Writes the schema at revision `at` as a snapshot file to `out`; exit code 2 when it could not.
pub fn write_reference(args: SchemaArgs, at: &str, out: &Path) -> ExitCode {
    let reference = || -> Result<(), CommandError> {
        let (set, history) = load(&args)?;
        let Some(revision) = set.find(at) else {
            return Err(CommandError::UnknownRevision { at: at.to_owned() });
        };
        let server = DisposableServer::start(ServerOptions::default())?;
        let schema = reference_at(&set, &server, &history, revision)?;
        std::fs::write(out, schema.to_json()).map_err(|error| CommandError::Write {
            path: out.to_path_buf(),
            error,
        })?;
        eprintln!(
            "wrote {}: the schema at {} on {}",
            out.display(),
            revision.name(),
            schema.server
        );
        Ok(())
    };
    match reference() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            print(&error);
            ExitCode::from(2)
        }
    }
}

fn run(args: &SchemaArgs) -> Result<(), CommandError> {
    let (set, history) = load(args)?;
    let display = args.migrations.display().to_string();
    write(&args.migrations, &display, &set, &history)
}

/// The folder's revisions, when it passes `check`, and its history table.
fn load(args: &SchemaArgs) -> Result<(RevisionSet, HistoryTable), CommandError> {
    let display = args.migrations.display().to_string();
    let set = match migrations_core::load_dir_as(&args.migrations, &display) {
        Ok(set) => set,
        Err(error) => {
            eprintln!("{error}");
            return Err(CommandError::FolderFailsCheck);
        }
    };
    let history = HistoryTable::new(&args.history_table)?;
    Ok((set, history))
}

fn write(
    dir: &Path,
    display: &str,
    set: &RevisionSet,
    history: &HistoryTable,
) -> Result<(), CommandError> {
    let server = DisposableServer::start(ServerOptions::default())?;
    let files = render_at_head(set, &server, history)?;
    let mut written = Vec::new();
    for (name, text) in [
        (SCHEMA_SQL, &files.sql),
        (SCHEMA_SNAPSHOT, &files.snapshot_json),
    ] {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_ref() != Some(text) {
            std::fs::write(&path, text).map_err(|error| CommandError::Write {
                path: path.clone(),
                error,
            })?;
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
    Ok(())
}
