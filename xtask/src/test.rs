//! `cargo xtask test [--pg-version N] [ARGS]`: the whole test suite (or the packages or test
//! binaries ARGS name), after making sure every backend it tests can start, on the default
//! PostgreSQL or on major version N.
//!
//! Test binaries named with `--test NAME` are run from the workspace's own build rather than by
//! `cargo test --test NAME`: Cargo resolves a filtered run to other feature sets and would compile
//! most dependencies a second time (minutes, and gigabytes of disk in CI).
//!
//! The container backend is tested wherever a Docker engine answers. Where the engine cannot reach
//! a registry, the official `postgres` image cannot be pulled, so the suite uses an image built
//! locally (`ci/postgres-image/build.sh`, cached after the first build) through
//! `DISPOSABLE_PG_IMAGE`: from the operating system's packages for 15, from the installation
//! `ci/install-postgres.sh` made for another major.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use xshell::{Shell, cmd};

/// The major version of the images when none is asked for: the one Debian 12 packages.
const DEFAULT_MAJOR: u32 = 15;

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<ExitCode> {
    let mut args = args.to_vec();
    let major = crate::pg_version::take(&mut args)?;
    let sh = crate::shell(root)?;
    check_postgres_binaries(&sh)?;
    let names_packages = names_packages(&args);
    let selection = crate::test_binaries::Selection::take(&mut args);
    // The workspace's build serves the version check and the named binaries alike.
    let built = if major.is_some() || !selection.is_empty() && !names_packages {
        Some(crate::test_binaries::build_workspace(&sh)?)
    } else {
        None
    };
    let example = built
        .as_ref()
        .and_then(|built| built.example("server_version"));
    crate::pg_version::select(&sh, major, example)?;
    prepare_container_image(&sh, root, major)?;
    let success = match built {
        Some(built) if !selection.is_empty() && !names_packages => {
            crate::test_binaries::run_selected(&sh, &built, &selection, &args)?
        }
        _ => {
            selection.put_back(&mut args);
            // `--workspace` would win over the packages named, e.g. `-p migrations-verify`.
            let scope = (!names_packages).then_some("--workspace");
            let mut command: std::process::Command =
                cmd!(sh, "cargo test {scope...} {args...}").into();
            command.status().context("cannot run cargo")?.success()
        }
    };
    Ok(if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Where a Docker engine answers and `DISPOSABLE_PG_IMAGE` is not set, points it at an image of
/// `major` (default 15) that is present, pulled or built, so that the container backend starts
/// without a registry.
pub fn prepare_container_image(sh: &Shell, root: &Path, major: Option<u32>) -> anyhow::Result<()> {
    if sh.var_os("DISPOSABLE_PG_IMAGE").is_none() && docker_answers(sh) {
        let image = container_image(sh, root, major.unwrap_or(DEFAULT_MAJOR))?;
        sh.set_var("DISPOSABLE_PG_IMAGE", image);
    }
    Ok(())
}

/// Whether the arguments for `cargo test` (before a `--`) name packages.
fn names_packages(args: &[String]) -> bool {
    args.iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "-p" || a.starts_with("--package") || (a.starts_with("-p") && a.len() > 2))
}

/// The local backend and the dry-run checks need the server binaries and psql.
fn check_postgres_binaries(sh: &Shell) -> anyhow::Result<()> {
    let on_path = |name: &str| {
        std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()))
    };
    let packaged_server = std::fs::read_dir("/usr/lib/postgresql")
        .map(|versions| {
            versions
                .flatten()
                .any(|v| v.path().join("bin/initdb").is_file())
        })
        .unwrap_or(false);
    let psql = cmd!(sh, "psql --version")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_ok();
    if !psql || !(on_path("initdb") || packaged_server) {
        bail!(
            "the tests need PostgreSQL's server binaries (initdb, postgres) and psql: install them (Debian/Ubuntu: apt-get install postgresql postgresql-client; macOS: brew install postgresql)"
        );
    }
    Ok(())
}

fn docker_answers(sh: &Shell) -> bool {
    cmd!(sh, "docker info")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_ok()
}

fn image_present(sh: &Shell, image: &str) -> bool {
    cmd!(sh, "docker image inspect {image}")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_ok()
}

/// The official image of `major` when present or pullable; otherwise the one built locally.
fn container_image(sh: &Shell, root: &Path, major: u32) -> anyhow::Result<String> {
    let official = format!("postgres:{major}-alpine");
    let local = format!("local/postgres:{major}");
    for image in [&official, &local] {
        if image_present(sh, image) {
            return Ok(image.clone());
        }
    }
    eprintln!("xtask: pulling {official} for the container backend");
    if cmd!(sh, "timeout 120 docker pull --quiet {official}")
        .quiet()
        .ignore_stdout()
        .run()
        .is_ok()
    {
        return Ok(official);
    }
    eprintln!("xtask: no registry answers; building {local} (a few minutes, once)");
    let script = root.join("ci/postgres-image/build.sh");
    cmd!(sh, "bash {script} {local}")
        .run()
        .context("could not build the local PostgreSQL image; build it by hand with ci/postgres-image/build.sh (as root), or stop Docker to test without the container backend")?;
    Ok(local)
}

#[cfg(test)]
mod tests {
    use super::names_packages;

    #[test]
    fn packages_named_before_a_double_dash_narrow_the_run() {
        let args = |list: &[&str]| list.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
        assert!(names_packages(&args(&["-p", "migrations-verify"])));
        assert!(names_packages(&args(&["--package=xtask", "--test", "x"])));
        assert!(names_packages(&args(&["-pxtask"])));
        assert!(!names_packages(&args(&["--test", "runner"])));
        assert!(!names_packages(&args(&["--", "-p"])));
    }
}
