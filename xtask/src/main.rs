//! `cargo xtask`: contributor and CI commands.
//!
//! Offline commands (`new-migration`, `check`, `lint`, `history`, `heads`, `rebase`) run the core's loader
//! on the folder directly, so they work without compiling `migrations` and without a database.
//! Database commands run the workspace's own `migrate` binary: the code staging and production run;
//! `verify` and `schema` run the disposable-PostgreSQL tools of `migrations-verify`, and `drift`
//! both: `migrate drift`, after building the reference on a disposable PostgreSQL where needed.

mod bench;
mod drift;
mod flags;
mod folder;
mod lint;
mod migrate;
mod new_migration;
mod pg_version;
mod schema_file;
mod test;
mod test_binaries;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use flags::{Args, Command};

fn main() -> ExitCode {
    forget_cargo_run_variables();
    match run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::from_env()?;
    let root = project_root();
    match args.command {
        Command::Help => {
            print!("{}", flags::HELP);
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate(args) => migrate::migrate(&root, &args),
        Command::Verify(args) => migrate::verify(&root, &args),
        Command::Schema(args) => migrate::schema(&root, &args),
        Command::Drift(args) => drift::drift(&root, &args),
        Command::Test(args) => test::run(&root, &args),
        Command::Bench(args) => bench::run(&root, &args),
        Command::NewMigration(cmd) => cmd.run(&root),
        Command::Check(cmd) => cmd.run(&root),
        Command::Lint(cmd) => cmd.run(&root),
        Command::History(cmd) => cmd.run(&root),
        Command::Heads(cmd) => cmd.run(&root),
        Command::Rebase(cmd) => cmd.run(&root),
    }
}

/// A shell in the workspace root for the Cargo and tool commands xtask runs.
fn shell(root: &Path) -> anyhow::Result<xshell::Shell> {
    let sh = xshell::Shell::new()?;
    sh.change_dir(root);
    Ok(sh)
}

/// `cargo xtask` is `cargo run`, which gives xtask its own package's variables; a build started
/// with them differs from one started by hand (ring's build script reruns on
/// `CARGO_MANIFEST_DIR`), so each would compile what the other built again. xtask's commands
/// start neither with them.
fn forget_cargo_run_variables() {
    let names: Vec<_> = std::env::vars_os()
        .map(|(name, _)| name)
        .filter(|name| {
            let name = name.to_string_lossy();
            name.starts_with("CARGO_PKG_")
                || [
                    "CARGO_MANIFEST_DIR",
                    "CARGO_MANIFEST_PATH",
                    "CARGO_CRATE_NAME",
                    "CARGO_BIN_NAME",
                    "CARGO_PRIMARY_PACKAGE",
                ]
                .contains(&name.as_ref())
        })
        .collect();
    for name in names {
        // SAFETY: called first thing in `main`, before any other thread exists.
        unsafe { std::env::remove_var(name) };
    }
}

/// The workspace root: xtask lives one level below it.
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}
