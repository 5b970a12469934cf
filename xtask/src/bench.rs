//! `cargo xtask bench [--pg-version N]`: the `migrations-bench` binary, built in release mode, with
//! the arguments as given (`--quick` for N = 100 only; `cargo xtask bench --help` lists the
//! others), on the default PostgreSQL or on major version N, with the container image prepared as
//! for the tests.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use xshell::cmd;

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<ExitCode> {
    let mut args = args.to_vec();
    let major = crate::pg_version::take(&mut args)?;
    let sh = crate::shell(root)?;
    // One build for the bench's binaries (it also runs `bench-migrate`, found beside it) and the
    // version check, so that neither resolves other features and compiles the other again.
    cmd!(
        sh,
        "cargo build --release --quiet --package migrations-bench --package migrations-disposable --bins --example server_version"
    )
    .run()?;
    let release = crate::pg_version::target_dir(root).join("release");
    let example = release.join("examples/server_version");
    crate::pg_version::select(&sh, major, Some(&example))?;
    // Without an image the container rows say why they were skipped; the rest is measured.
    if let Err(error) = crate::test::prepare_container_image(&sh, root, major) {
        eprintln!("xtask: the container backend will be skipped: {error:#}");
    }
    let bench = release.join("migrations-bench");
    let mut command: std::process::Command = cmd!(sh, "{bench} {args...}").into();
    let status = command
        .status()
        .with_context(|| format!("cannot run {}", bench.display()))?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
