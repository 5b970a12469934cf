//! `cargo xtask`: contributor and CI commands.
//!
//! Offline commands (`new-migration`, `check`, `lint`, `history`, `heads`, `rebase`) are those of
//! `migrations-tool`, which `cargo migrations` runs in any project: the core's loader on the
//! folder directly, so they work without compiling `migrations` and without a database.
//! Database commands run the workspace's own `migrate` binary: the code staging and production run;
//! `verify` and `schema` run the disposable-PostgreSQL tools of `migrations-verify`, and `drift`
//! both: `migrate drift`, after building the reference on a disposable PostgreSQL where needed.

mod bench;
mod drift;
mod flags;
mod folder_commands;
mod json;
mod migrate;
mod pg_version;
mod test;
mod test_binaries;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use flags::{Args, Command};

/// The commands this workspace's messages name as fixes.
const COMMANDS: migrations_core::hint::Commands = migrations_core::hint::Commands {
    new_revision: "cargo xtask new-migration",
    rebase: "cargo xtask rebase",
    check: "cargo xtask check",
    schema: "cargo xtask schema",
    verify: "cargo xtask verify",
};

fn main() -> ExitCode {
    forget_cargo_run_variables();
    migrations_core::hint::use_commands(COMMANDS);
    let line: Vec<String> = std::env::args().collect();
    let args = match Args::parse_line(&line) {
        Ok(args) => args,
        Err(error) if json_requested() && error.use_stderr() => {
            let document = json::ErrorDocument::usage(&error);
            eprintln!("{}", serde_json::to_string(&document).unwrap_or_default());
            return ExitCode::from(2);
        }
        // Help, or a usage error with clap's own message and exit code.
        Err(error) => error.exit(),
    };
    match run(args.command) {
        Ok(code) => code,
        Err(error) if json_requested() => {
            let document = json::ErrorDocument::of(&error);
            eprintln!("{}", serde_json::to_string(&document).unwrap_or_default());
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    let root = project_root();
    if let Some(args) = command.migrate_args() {
        return migrate::migrate(&root, &args);
    }
    if let Some(result) = folder_commands::run(&command, &root) {
        return result;
    }
    match command {
        Command::Verify(passed) => migrate::verify(&root, &passed.args),
        Command::Schema(passed) => migrate::schema(&root, &passed.args),
        Command::Drift(passed) => drift::drift(&root, &passed.args),
        Command::Test(passed) => test::run(&root, &passed.args),
        Command::Bench(passed) => bench::run(&root, &passed.args),
        _ => unreachable!("the database and offline commands returned above"),
    }
}

/// Whether an offline command was asked for JSON (`check --json`, `lint --json`), which its
/// errors are printed as; database commands leave their errors to `migrate`.
fn json_requested() -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    matches!(args.first().map(String::as_str), Some("check" | "lint"))
        && args
            .iter()
            .any(|arg| arg == "--json" || arg.starts_with("--json="))
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
