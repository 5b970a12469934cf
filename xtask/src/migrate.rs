//! Database commands: the workspace's `migrate` binary, built and run with the arguments as given.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use xshell::{Shell, cmd};

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<ExitCode> {
    let sh = Shell::new()?;
    sh.change_dir(root);
    // `migrate` prints its own output and errors; its exit status is passed on as it is.
    let mut command: std::process::Command = cmd!(
        sh,
        "cargo run --quiet --package migrations --bin migrate -- {args...}"
    )
    .into();
    let status = command.status().context("cannot run cargo")?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}
