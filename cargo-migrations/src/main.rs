//! `cargo migrations`: the commands for a folder of revisions in any project, installed with
//! `cargo install --path cargo-migrations` (or `--git`): the offline ones of `migrations-tool`,
//! and verify and the schema files of `migrations-verify`, the same code as this workspace's
//! `cargo xtask` runs.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use migrations_tool::{MigrationsFolder, NewRevisionArgs, Template};
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

/// The folder the offline commands work on.
#[derive(Debug, clap::Args)]
struct Folder {
    /// The folder of revisions (holding versions/ and optionally repeatable/)
    #[arg(long, default_value = "migrations")]
    migrations: PathBuf,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a new revision revising the head (`baseline` first), or a repeatable migration
    New {
        /// Lower-case words joined by `_`, e.g. `add_user_flags`
        slug: String,
        #[arg(long, value_enum, default_value = "versioned")]
        template: TemplateArg,
        /// The revision's `-- message:` header
        #[arg(long)]
        message: Option<String>,
        /// The extension an `enable-extension` revision enables
        #[arg(long)]
        extension: Option<String>,
        #[command(flatten)]
        folder: Folder,
    },
    /// Check every file and the graph, the schema files against the revisions, then lint
    Check {
        /// Print one JSON document instead of text
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        folder: Folder,
    },
    /// squawk's rules on every revision and repeatable, with the folder's lint.toml
    Lint {
        /// Write the report as JSON to FILE (`-` or no FILE: standard output)
        #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
        json: Option<String>,
        #[command(flatten)]
        folder: Folder,
    },
    /// One line per revision: id, slug, parent, flags, message
    History {
        #[command(flatten)]
        folder: Folder,
    },
    /// The head(s) of the graph
    Heads {
        #[command(flatten)]
        folder: Folder,
    },
    /// Move a revision after all others (the fix for two heads)
    Rebase {
        /// The revision to move (file stem or id)
        revision: String,
        #[command(flatten)]
        folder: Folder,
    },
    /// Roll every revision down and up again on a disposable PostgreSQL and compare the schemas
    Verify(VerifyArgs),
    /// Write schema.sql and schema.snapshot.json, the schema at head, from a disposable PostgreSQL
    Schema(SchemaArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum TemplateArg {
    Versioned,
    EnableExtension,
    Repeatable,
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
    let passed = match command {
        Command::Verify(args) => return Ok(run_verify(args)),
        Command::Schema(args) => return Ok(write_schema(args)),
        Command::New {
            slug,
            template,
            message,
            extension,
            folder,
        } => {
            let args = NewRevisionArgs {
                slug: &slug,
                template: match template {
                    TemplateArg::Versioned => Template::Versioned,
                    TemplateArg::EnableExtension => Template::EnableExtension,
                    TemplateArg::Repeatable => Template::Repeatable,
                },
                message: message.as_deref(),
                extension: extension.as_deref(),
            };
            // The first revision of a project creates its folder.
            std::fs::create_dir_all(&folder.migrations)?;
            migrations_tool::new_revision(&folder.open()?, &args)?;
            true
        }
        Command::Check { json, folder } => migrations_tool::check(&folder.open()?, json)?,
        Command::Lint { json, folder } => migrations_tool::lint(&folder.open()?, json.as_deref())?,
        Command::History { folder } => migrations_tool::history(&folder.open()?)?,
        Command::Heads { folder } => migrations_tool::heads(&folder.open()?)?,
        Command::Rebase { revision, folder } => {
            migrations_tool::rebase(&folder.open()?, &revision)?;
            true
        }
    };
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

impl Folder {
    fn open(&self) -> Result<MigrationsFolder, migrations_tool::ToolError> {
        MigrationsFolder::new(&self.migrations, &self.migrations.display().to_string())
    }
}
