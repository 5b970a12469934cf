//! `--pg-version N` of `test` and `bench`: the PostgreSQL major version every disposable server of
//! the run uses, passed on as `DISPOSABLE_PG_VERSION` (child processes included), and checked
//! before the run so that a missing installation is one error rather than a failure per test.
//! (`verify` takes the option itself.)

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use xshell::{Shell, cmd};

/// The variable the disposable PostgreSQL reads the version from.
const VERSION_VAR: &str = "DISPOSABLE_PG_VERSION";

/// Takes `--pg-version N` (or `--pg-version=N`) out of `args`, before a `--` (what follows it is
/// for the test binaries).
pub fn take(args: &mut Vec<String>) -> anyhow::Result<Option<u32>> {
    let end = args.iter().position(|a| a == "--").unwrap_or(args.len());
    let Some(index) = args[..end]
        .iter()
        .position(|a| a == "--pg-version" || a.starts_with("--pg-version="))
    else {
        return Ok(None);
    };
    let arg = args.remove(index);
    let value = match arg.strip_prefix("--pg-version=") {
        Some(value) => value.to_owned(),
        None if index < args.len() => args.remove(index),
        None => bail!("`--pg-version` needs a major version, e.g. --pg-version 18"),
    };
    match value.parse::<u32>() {
        Ok(major) if major >= 10 => Ok(Some(major)),
        _ => bail!("`--pg-version {value}`: give a PostgreSQL major version such as 15, 16 or 18"),
    }
}

/// Makes `major` the version of the run, and fails unless a disposable server of it starts, as
/// the `server_version` example of migrations-disposable (at `example`, built by the caller with
/// its own profile and features) reports: the disposable PostgreSQL's own error names what was
/// searched and `ci/install-postgres.sh`.
pub fn select(sh: &Shell, major: Option<u32>, example: Option<&Path>) -> anyhow::Result<()> {
    let Some(major) = major else {
        return Ok(());
    };
    sh.set_var(VERSION_VAR, major.to_string());
    let example = example.context("the server_version example was not built")?;
    let output = cmd!(sh, "{example}")
        .quiet()
        .ignore_status()
        .output()
        .with_context(|| format!("cannot run {}", example.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = stderr
            .lines()
            .filter(|line| !line.starts_with("migrations-disposable:"))
            .collect::<Vec<_>>()
            .join("\n");
        let reason = reason.trim();
        if reason.contains("ci/install-postgres.sh") {
            bail!("no disposable PostgreSQL {major} can be started: {reason}");
        }
        bail!(
            "no disposable PostgreSQL {major} can be started: {reason}\n(install it with `bash ci/install-postgres.sh {major}`)"
        );
    }
    for line in stdout.lines().filter(|line| line.starts_with("version()")) {
        eprintln!("xtask: --pg-version {major}: {line}");
    }
    Ok(())
}

/// Cargo's target directory: `CARGO_TARGET_DIR`, else the workspace's `target`.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn the_version_is_taken_out_of_the_arguments() {
        let mut given = args(&["-p", "migrations-verify", "--pg-version", "18", "--", "x"]);
        assert_eq!(take(&mut given).unwrap(), Some(18));
        assert_eq!(given, args(&["-p", "migrations-verify", "--", "x"]));
        let mut given = args(&["--pg-version=16"]);
        assert_eq!(take(&mut given).unwrap(), Some(16));
        assert!(given.is_empty());
        assert_eq!(take(&mut args(&["--quick"])).unwrap(), None);
        assert_eq!(
            take(&mut args(&["--", "--pg-version", "18"])).unwrap(),
            None
        );
        for bad in [
            &["--pg-version"][..],
            &["--pg-version", "18.6"],
            &["--pg-version=9"],
        ] {
            let error = take(&mut args(bad)).unwrap_err().to_string();
            assert!(error.starts_with("`--pg-version"), "{error}");
        }
    }
}
