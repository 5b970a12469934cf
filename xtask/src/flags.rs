//! The command line of `cargo xtask`, parsed by hand to keep the crate quick to build.

use std::path::{Path, PathBuf};

use anyhow::bail;
use migrations_tool::{MigrationsFolder, Template};

pub const HELP: &str = "\
cargo xtask <command>

The main job:
  verify [--from REV] [--keep-going] [--json FILE] [--backend container|local|server] [--pg-version N] [--migrations DIR]
                        check, then roll every revision down and up again on a disposable PostgreSQL
                        and compare the schemas (`cargo xtask verify --help` for all options)
  schema [--migrations DIR]
                        write migrations/schema.sql and migrations/schema.snapshot.json, the schema at
                        head rendered on a disposable PostgreSQL; commit them with the revision
  test [--pg-version N] [ARGS]
                        the whole test suite (`cargo test --workspace ARGS`), after preparing the
                        PostgreSQL image where Docker has no registry; on PostgreSQL N if given
  bench [--quick] [--pg-version N] [ARGS]
                        measure upgrade, downgrade, dry-run, verify, the disposable PostgreSQL and the
                        build against their floors; the table goes to target/bench/report.md

  --pg-version N runs every disposable PostgreSQL at major version N (15, 16 or 18; install one
  with `bash ci/install-postgres.sh N`).

Revisions (offline: no database, no compilation of `migrations`):
  new-migration <slug> [--template versioned|enable-extension|repeatable] [--message TEXT] [--extension NAME]
                        write a new revision revising the head (or a repeatable migration)
  check [--json]        check every revision file and the graph, that the schema files are those of
                        the revisions, then lint; print all problems (as one JSON document)
  lint [--json [FILE|-]]
                        squawk's rules on every revision and repeatable, with migrations/lint.toml;
                        every finding at once, as JSON too (to FILE, or to standard output)
  history               one line per revision: id, slug, parent, flags, message
  heads                 the head(s) of the graph
  rebase <revision>     move a revision after all others (the fix for two heads)

These take --migrations DIR (default: migrations).

Database (the `migrate` binary of this workspace, on DATABASE_URL):
  upgrade [TARGET] [--sql [FROM:]TO]   downgrade TARGET [--sql]   stamp TARGET
  current   pending   resolve --finished|--rolled-back
  history               with DATABASE_URL set: applied or pending, and when
  drift [--ignore KIND:NAME]... [--json]
                        compare the database's schema with the one its revisions give; below head
                        (or on another PostgreSQL major) the reference is built on a disposable
                        PostgreSQL at the database's revision; exit 0 equal, 1 drifted, 2 error
  (`cargo xtask upgrade --help` shows the options)
";

/// The commands that run on a database, through the `migrate` binary.
const MIGRATE_COMMANDS: &[&str] = &[
    "upgrade",
    "downgrade",
    "stamp",
    "current",
    "pending",
    "resolve",
];

/// A parsed command line.
pub struct Args {
    pub command: Command,
}

pub enum Command {
    Help,
    /// A database command, passed to the `migrate` binary as it is.
    Migrate(Vec<String>),
    /// `verify`, passed to `migrations-verify` as it is.
    Verify(Vec<String>),
    /// `schema`, passed to `migrations-schema write` as it is.
    Schema(Vec<String>),
    /// `drift`: `migrate drift`, with a reference built for a database below head.
    Drift(Vec<String>),
    /// `test`: the suite, with arguments passed to `cargo test --workspace`.
    Test(Vec<String>),
    /// `bench`, passed to `migrations-bench` as it is.
    Bench(Vec<String>),
    NewMigration(NewMigration),
    Check(Check),
    Lint(Lint),
    History(History),
    Heads(Heads),
    Rebase(Rebase),
}

pub struct NewMigration {
    pub slug: String,
    pub template: Template,
    pub message: Option<String>,
    pub extension: Option<String>,
    pub migrations: MigrationsDir,
}

pub struct Check {
    /// Print one JSON document instead of text.
    pub json: bool,
    pub migrations: MigrationsDir,
}

pub struct Lint {
    /// Where the JSON report goes: a file, or `-` for standard output (`--json` alone).
    pub json: Option<String>,
    pub migrations: MigrationsDir,
}

pub struct History {
    pub migrations: MigrationsDir,
}

pub struct Heads {
    pub migrations: MigrationsDir,
}

pub struct Rebase {
    pub revision: String,
    pub migrations: MigrationsDir,
}

/// The arguments after the command name, consumed one option at a time.
struct Rest {
    args: Vec<String>,
}

impl Rest {
    /// Takes `--name VALUE` (or `--name=VALUE`) if present.
    fn value(&mut self, name: &str) -> anyhow::Result<Option<String>> {
        let prefix = format!("{name}=");
        let Some(i) = self
            .args
            .iter()
            .position(|a| a == name || a.starts_with(&prefix))
        else {
            return Ok(None);
        };
        let arg = self.args.remove(i);
        if let Some(value) = arg.strip_prefix(&prefix) {
            return Ok(Some(value.to_owned()));
        }
        if i >= self.args.len() || self.args[i].starts_with("--") {
            bail!("`{name}` needs a value");
        }
        Ok(Some(self.args.remove(i)))
    }

    /// Takes `--name` if present.
    fn flag(&mut self, name: &str) -> bool {
        let found = self.args.iter().position(|a| a == name);
        found.map(|i| self.args.remove(i)).is_some()
    }

    /// Takes `--name [VALUE]` (or `--name=VALUE`) if present; alone, it is `alone`.
    fn optional_value(&mut self, name: &str, alone: &str) -> anyhow::Result<Option<String>> {
        let i = self.args.iter().position(|a| a == name);
        let has_value =
            i.is_some_and(|i| self.args.get(i + 1).is_some_and(|v| !v.starts_with("--")));
        match i {
            Some(i) if !has_value => {
                self.args.remove(i);
                Ok(Some(alone.to_owned()))
            }
            _ => self.value(name),
        }
    }

    fn migrations(&mut self) -> anyhow::Result<MigrationsDir> {
        Ok(MigrationsDir(
            self.value("--migrations")?.map(PathBuf::from),
        ))
    }

    /// Takes the one positional argument, after the options were taken.
    fn positional(&mut self, what: &str) -> anyhow::Result<String> {
        self.finish_options()?;
        match self.args.len() {
            0 => bail!("missing {what}; see `cargo xtask help`"),
            1 => Ok(self.args.remove(0)),
            _ => bail!(
                "unexpected argument `{}`; see `cargo xtask help`",
                self.args[1]
            ),
        }
    }

    fn finish_options(&self) -> anyhow::Result<()> {
        if let Some(unknown) = self.args.iter().find(|a| a.starts_with("--")) {
            bail!("unknown option `{unknown}`; see `cargo xtask help`");
        }
        Ok(())
    }

    fn finish(&self) -> anyhow::Result<()> {
        self.finish_options()?;
        if let Some(extra) = self.args.first() {
            bail!("unexpected argument `{extra}`; see `cargo xtask help`");
        }
        Ok(())
    }
}

impl Args {
    pub fn from_env() -> anyhow::Result<Args> {
        Args::parse(std::env::args().skip(1).collect())
    }

    pub fn parse(mut args: Vec<String>) -> anyhow::Result<Args> {
        if args.is_empty() {
            return Ok(Args {
                command: Command::Help,
            });
        }
        let name = args.remove(0);
        let database_history = name == "history"
            && (std::env::var_os("DATABASE_URL").is_some()
                || args.iter().any(|a| a.starts_with("--database-url")));
        if name == "verify" {
            return Ok(Args {
                command: Command::Verify(args),
            });
        }
        if name == "schema" {
            return Ok(Args {
                command: Command::Schema(args),
            });
        }
        if name == "drift" {
            return Ok(Args {
                command: Command::Drift(args),
            });
        }
        if name == "bench" {
            return Ok(Args {
                command: Command::Bench(args),
            });
        }
        if name == "test" {
            return Ok(Args {
                command: Command::Test(args),
            });
        }
        if database_history || MIGRATE_COMMANDS.contains(&name.as_str()) {
            args.insert(0, name);
            return Ok(Args {
                command: Command::Migrate(args),
            });
        }
        let mut rest = Rest { args };
        if rest.args.iter().any(|a| a == "--help" || a == "-h") {
            return Ok(Args {
                command: Command::Help,
            });
        }
        let command = match name.as_str() {
            "help" | "--help" | "-h" => Command::Help,
            "new-migration" => {
                let template = match rest.value("--template")?.as_deref() {
                    None | Some("versioned") => Template::Versioned,
                    Some("enable-extension") => Template::EnableExtension,
                    Some("repeatable") => Template::Repeatable,
                    Some(other) => {
                        bail!(
                            "unknown template `{other}`: use versioned, enable-extension or repeatable"
                        )
                    }
                };
                let message = rest.value("--message")?;
                let extension = rest.value("--extension")?;
                let migrations = rest.migrations()?;
                let slug = rest.positional("the slug (e.g. `add_user_flags`)")?;
                Command::NewMigration(NewMigration {
                    slug,
                    template,
                    message,
                    extension,
                    migrations,
                })
            }
            "check" => {
                let json = rest.flag("--json");
                let migrations = rest.migrations()?;
                rest.finish()?;
                Command::Check(Check { json, migrations })
            }
            "lint" => {
                let json = rest.optional_value("--json", "-")?;
                let migrations = rest.migrations()?;
                rest.finish()?;
                Command::Lint(Lint { json, migrations })
            }
            "history" => {
                let migrations = rest.migrations()?;
                rest.finish()?;
                Command::History(History { migrations })
            }
            "heads" => {
                let migrations = rest.migrations()?;
                rest.finish()?;
                Command::Heads(Heads { migrations })
            }
            "rebase" => {
                let migrations = rest.migrations()?;
                let revision = rest.positional("the revision to move (file stem or id)")?;
                Command::Rebase(Rebase {
                    revision,
                    migrations,
                })
            }
            other => bail!("unknown command `{other}`; see `cargo xtask help`"),
        };
        Ok(Args { command })
    }
}

/// The folder given with `--migrations`, or the project's own.
pub struct MigrationsDir(Option<PathBuf>);

impl MigrationsDir {
    /// The folder: a given path is taken from the current directory, the default is the
    /// project's `migrations/`.
    pub fn resolve(&self, root: &Path) -> anyhow::Result<MigrationsFolder> {
        Ok(match &self.0 {
            Some(dir) => MigrationsFolder::new(dir, &dir.display().to_string())?,
            None => MigrationsFolder::new(&root.join("migrations"), "migrations")?,
        })
    }
}
