//! The command line of `cargo xtask`, parsed by clap, with the offline commands' arguments shared
//! with `cargo migrations`. Commands that run another program of the workspace take their
//! arguments as they are: that program parses them and prints its own `--help`.

use clap::{Parser, Subcommand};
use migrations_tool::command_line::{
    CheckCommand, FolderArg, LintCommand, NewRevisionCommand, RebaseCommand,
};

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Contributor and CI commands: write, check and verify the revisions; run them on DATABASE_URL",
    after_help = "\
The commands that run another program of the workspace (verify, schema, drift, test, bench and the \
database commands) take that program's options: `cargo xtask verify --help` shows verify's.
--pg-version N (verify, schema, test, bench) runs every disposable PostgreSQL at major version N \
(15, 16 or 18; install one with `bash ci/install-postgres.sh N`).",
    arg_required_else_help = true
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

/// The arguments of a command that another program parses.
#[derive(Debug, clap::Args)]
pub struct PassedOn {
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    pub args: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check, then roll every revision down and up again on a disposable PostgreSQL and compare
    /// the schemas (optimised; `--from REV`, `--keep-going`, `--jobs N`, `--json FILE`, ...)
    #[command(disable_help_flag = true)]
    Verify(PassedOn),
    /// Write migrations/schema.sql and migrations/schema.snapshot.json, the schema at head
    /// rendered on a disposable PostgreSQL; commit them with the revision
    #[command(disable_help_flag = true)]
    Schema(PassedOn),
    /// Compare DATABASE_URL's schema with the one its revisions give (`--ignore KIND:NAME`,
    /// `--json`); below head the reference is built on a disposable PostgreSQL
    #[command(disable_help_flag = true)]
    Drift(PassedOn),
    /// The whole test suite (`cargo test --workspace ARGS`), after preparing the PostgreSQL image
    /// where Docker has no registry; `--test NAME` runs one test binary
    #[command(disable_help_flag = true)]
    Test(PassedOn),
    /// Measure upgrade, downgrade, dry-run, verify, the disposable PostgreSQL, the build and the
    /// fleet against their floors (`--quick`, `--only PART`); the table goes to target/bench/report.md
    #[command(disable_help_flag = true)]
    Bench(PassedOn),

    /// Write a new revision revising the head (`baseline` first), or a repeatable migration
    NewMigration(NewRevisionCommand),
    /// Check every revision file and the graph, that the schema files are those of the
    /// revisions, then lint; print all problems
    Check(CheckCommand),
    /// squawk's rules on every revision and repeatable, with migrations/lint.toml
    Lint(LintCommand),
    /// One line per revision: id, slug, parent, flags, message; with `--database`, applied or
    /// pending on DATABASE_URL, and when
    History(History),
    /// The head(s) of the graph
    Heads(FolderArg),
    /// Move a revision after all others (the fix for two heads)
    Rebase(RebaseCommand),

    /// Upgrade DATABASE_URL to a target (default: head); `--sql` prints the script instead
    #[command(disable_help_flag = true)]
    Upgrade(PassedOn),
    /// Downgrade DATABASE_URL to a target (`-1`, a revision, `base`)
    #[command(disable_help_flag = true)]
    Downgrade(PassedOn),
    /// Record a revision as applied without running it
    #[command(disable_help_flag = true)]
    Stamp(PassedOn),
    /// The revision DATABASE_URL is at
    #[command(disable_help_flag = true)]
    Current(PassedOn),
    /// The revisions not yet applied to DATABASE_URL
    #[command(disable_help_flag = true)]
    Pending(PassedOn),
    /// Clear the marker a non-transactional revision left (`--finished` or `--rolled-back`)
    #[command(disable_help_flag = true)]
    Resolve(PassedOn),
}

/// `history`: the folder offline, or with `--database` the database's history.
#[derive(Debug, clap::Args)]
pub struct History {
    /// Read the history of DATABASE_URL through `migrate history` instead of listing the folder
    #[arg(long)]
    pub database: bool,
    #[command(flatten)]
    pub folder: FolderArg,
    /// With `--database`: `migrate history`'s options (e.g. `--json`)
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        requires = "database",
        value_name = "ARGS"
    )]
    pub migrate: Vec<String>,
}

impl Args {
    /// Parses a command line (the program's name first). A command that another program parses
    /// gets its arguments exactly as given: clap would drop a first `--`, which `cargo test`
    /// needs to tell its options from the test binary's.
    pub fn parse_line(line: &[String]) -> Result<Args, clap::Error> {
        let mut args = Args::try_parse_from(line)?;
        if let Some(passed) = args.command.passed_on_mut() {
            // No option comes before the command's name: the command is the first argument.
            passed.args = line[2..].to_vec();
        }
        Ok(args)
    }
}

impl Command {
    fn passed_on_mut(&mut self) -> Option<&mut PassedOn> {
        match self {
            Command::Verify(passed)
            | Command::Schema(passed)
            | Command::Drift(passed)
            | Command::Test(passed)
            | Command::Bench(passed)
            | Command::Upgrade(passed)
            | Command::Downgrade(passed)
            | Command::Stamp(passed)
            | Command::Current(passed)
            | Command::Pending(passed)
            | Command::Resolve(passed) => Some(passed),
            _ => None,
        }
    }

    /// The `migrate` command line of a database command, if this is one.
    pub fn migrate_args(&self) -> Option<Vec<String>> {
        let (name, passed) = match self {
            Command::Upgrade(passed) => ("upgrade", &passed.args),
            Command::Downgrade(passed) => ("downgrade", &passed.args),
            Command::Stamp(passed) => ("stamp", &passed.args),
            Command::Current(passed) => ("current", &passed.args),
            Command::Pending(passed) => ("pending", &passed.args),
            Command::Resolve(passed) => ("resolve", &passed.args),
            Command::History(history) if history.database => ("history", &history.migrate),
            _ => return None,
        };
        let mut args = vec![name.to_owned()];
        args.extend(passed.iter().cloned());
        Some(args)
    }
}

#[cfg(test)]
mod tests {
    use super::{Args, Command};

    fn passed_on(line: &[&str]) -> Vec<String> {
        let line: Vec<String> = std::iter::once("xtask")
            .chain(line.iter().copied())
            .map(str::to_owned)
            .collect();
        let args = Args::parse_line(&line).expect("parses");
        match args.command {
            Command::Test(passed) | Command::Verify(passed) => passed.args,
            other => panic!("{other:?}"),
        }
    }

    /// `cargo test`'s `--` separates its own options from the test binary's: it must reach it.
    #[test]
    fn passed_on_arguments_keep_their_order_and_every_separator() {
        for line in [
            &["test", "--test", "runner", "--", "--exact", "x"][..],
            &["test", "--", "--nocapture"],
            &["verify", "--help"],
            &["verify", "--keep-going", "--json", "report.json"],
        ] {
            assert_eq!(passed_on(line), line[1..], "{line:?}");
        }
    }
}
