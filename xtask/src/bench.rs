//! `cargo xtask bench [--pg-version N]`: the `migrations-bench` binary, built in release mode, with
//! the arguments as given (`--quick` for N = 100 only; `cargo xtask bench --help` lists the
//! others), on the default PostgreSQL or on major version N, with the container image prepared as
//! for the tests.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use xshell::{Shell, cmd};

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<ExitCode> {
    let mut args = args.to_vec();
    let major = crate::pg_version::take(&mut args)?;
    let sh = Shell::new()?;
    sh.change_dir(root);
    crate::pg_version::select(&sh, root, major)?;
    // Without an image the container rows say why they were skipped; the rest is measured.
    if let Err(error) = crate::test::prepare_container_image(&sh, root, major) {
        eprintln!("xtask: the container backend will be skipped: {error:#}");
    }
    // `cargo run --bin` builds one binary; the bench also runs `bench-migrate`, found beside it.
    cmd!(
        sh,
        "cargo build --release --quiet --package migrations-bench --bins"
    )
    .run()?;
    let mut command: std::process::Command = cmd!(
        sh,
        "cargo run --release --quiet --package migrations-bench --bin migrations-bench -- {args...}"
    )
    .into();
    let status = command.status().context("cannot run cargo")?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
