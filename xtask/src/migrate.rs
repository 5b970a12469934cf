//! Commands that run a binary of this workspace: `migrate` for database commands,
//! `migrations-verify` for `verify` and `migrations-schema` for `schema`. Each is built and run
//! with the arguments as given.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use xshell::cmd;

/// Runs the workspace's `migrate` binary: the code staging and production run.
pub fn migrate(root: &Path, args: &[String]) -> anyhow::Result<ExitCode> {
    run(root, "migrations", "migrate", &["--quiet"], args)
}

/// Runs `migrations-verify` on the project's folder, unless `--migrations` names another.
pub fn verify(root: &Path, args: &[String]) -> anyhow::Result<ExitCode> {
    // Optimised, and not quiet: a first build takes minutes, and cargo's progress says so.
    run(
        root,
        "migrations-verify",
        "migrations-verify",
        &["--profile", "verify"],
        &on_project_folder(root, args),
    )
}

/// `schema`: `migrations-schema write` on the project's folder, unless `--migrations` names
/// another.
pub fn schema(root: &Path, args: &[String]) -> anyhow::Result<ExitCode> {
    let mut args = on_project_folder(root, args);
    args.insert(0, "write".to_owned());
    run(
        root,
        "migrations-verify",
        "migrations-schema",
        &["--profile", "verify"],
        &args,
    )
}

/// The arguments with `--migrations <project>/migrations` added when they name no folder.
fn on_project_folder(root: &Path, args: &[String]) -> Vec<String> {
    let mut args = args.to_vec();
    if !args
        .iter()
        .any(|a| a == "--migrations" || a.starts_with("--migrations="))
    {
        args.push("--migrations".to_owned());
        args.push(root.join("migrations").display().to_string());
    }
    args
}

fn run(
    root: &Path,
    package: &str,
    bin: &str,
    cargo_flags: &[&str],
    args: &[String],
) -> anyhow::Result<ExitCode> {
    let sh = crate::shell(root)?;
    // The binary prints its own output and errors; its exit status is passed on as it is.
    let mut command: std::process::Command = cmd!(
        sh,
        "cargo run {cargo_flags...} --package {package} --bin {bin} -- {args...}"
    )
    .into();
    // Its messages name this workspace's commands, as xtask's own do.
    command.env(
        migrations_core::hint::COMMANDS_VARIABLE,
        crate::COMMANDS.to_variable(),
    );
    let status = command.status().context("cannot run cargo")?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}
