//! The build cost of embedding revisions: a crate like `migrations` (a library with `embed!()`
//! and a `migrate` binary) built with 1,000 revisions and with the baseline alone.
//!
//! The two crates are generated outside the workspace (each its own one-package workspace, with a
//! copy of the workspace's `Cargo.lock`) and built into the workspace's target directory, so that
//! the dependencies compiled there are shared and not rebuilt: what is timed is the crate itself,
//! as a contributor's `cargo build` rebuilds it. Incremental: after touching one revision file
//! (the build script reruns, the macro reloads the folder, the crate and its binary recompile and
//! relink). Clean: after `cargo clean -p` of the crate alone. Builds of the two crates alternate,
//! and the overhead is the difference within each round.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, bail};

use crate::report::{Goal, Report, Row, Value};
use crate::sample::{Repeat, Samples};
use crate::{embedded, generate};

/// How many revisions the larger crate embeds.
pub const REVISIONS: usize = 1000;

/// The rows, in the order they are reported.
pub const ROWS: [&str; 6] = [
    "build: incremental, baseline only (touch a revision)",
    "build: incremental, with the revisions (touch a revision)",
    "build overhead of the revisions, incremental",
    "build: clean crate, baseline only",
    "build: clean crate, with the revisions",
    "build overhead of the revisions, clean crate",
];

/// One generated crate.
struct Crate {
    package: String,
    dir: PathBuf,
    /// The file touched before an incremental build: the baseline, which both crates have.
    touched: PathBuf,
}

/// Where the builds run.
pub struct Builds<'a> {
    pub repeat: Repeat,
    pub workspace: &'a Path,
    pub target_dir: &'a Path,
}

pub fn build(builds: &Builds<'_>, report: &mut Report) -> anyhow::Result<()> {
    let root = builds.target_dir.join("bench/embedding-crates");
    let empty = generate_crate(builds, &root, 0)?;
    let large = generate_crate(builds, &root, REVISIONS)?;
    eprintln!(
        "bench: building the generated crates once (the first time, this compiles their dependencies into {})",
        builds.target_dir.display()
    );
    for krate in [&empty, &large] {
        cargo(builds, krate, "build")?;
    }

    let n = Some(REVISIONS);
    let (baseline, revisions, overhead) = paired(builds, &empty, &large, |krate| {
        touch(&krate.touched)?;
        timed_build(builds, krate)
    })?;
    report.push(Row::new(ROWS[0], None, Value::Time(baseline)));
    report.push(Row::new(ROWS[1], n, Value::Time(revisions)));
    report.push(Row::new(ROWS[2], n, Value::Time(overhead)).with_goal(Goal::MillisAtMost(1000.0)));

    let (baseline, revisions, overhead) = paired(builds, &empty, &large, |krate| {
        cargo(builds, krate, "clean")?;
        timed_build(builds, krate)
    })?;
    report.push(Row::new(ROWS[3], None, Value::Time(baseline)));
    report.push(Row::new(ROWS[4], n, Value::Time(revisions)));
    report.push(Row::new(ROWS[5], n, Value::Time(overhead)));
    Ok(())
}

/// Times `build` on both crates in alternating order each round; the third figure is the
/// difference within each round (negative differences count as zero).
fn paired(
    builds: &Builds<'_>,
    empty: &Crate,
    large: &Crate,
    mut build: impl FnMut(&Crate) -> anyhow::Result<Duration>,
) -> anyhow::Result<(Samples, Samples, Samples)> {
    let (mut small, mut big, mut difference) =
        (Samples::default(), Samples::default(), Samples::default());
    for round in 0..builds.repeat.total() {
        let (a, b) = if round % 2 == 0 {
            let a = build(empty)?;
            (a, build(large)?)
        } else {
            let b = build(large)?;
            (build(empty)?, b)
        };
        if round >= builds.repeat.warmup {
            small.push(a);
            big.push(b);
            difference.push(b.saturating_sub(a));
        }
    }
    Ok((small, big, difference))
}

fn generate_crate(builds: &Builds<'_>, root: &Path, revisions: usize) -> anyhow::Result<Crate> {
    let package = if revisions == 0 {
        "bench-embed-baseline".to_owned()
    } else {
        format!("bench-embed-{revisions}")
    };
    let dir = root.join(&package);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    embedded::write_crate(builds.workspace, &dir, &package, revisions)?;
    let touched = dir
        .join("versions")
        .join(format!("{}.sql", generate::name(0)));
    Ok(Crate {
        package,
        dir,
        touched,
    })
}

fn touch(path: &Path) -> anyhow::Result<()> {
    std::fs::File::options()
        .append(true)
        .open(path)
        .and_then(|file| file.set_modified(SystemTime::now()))
        .with_context(|| format!("cannot touch {}", path.display()))
}

fn timed_build(builds: &Builds<'_>, krate: &Crate) -> anyhow::Result<Duration> {
    let started = Instant::now();
    cargo(builds, krate, "build")?;
    Ok(started.elapsed())
}

/// Runs `cargo build` or `cargo clean -p` on a generated crate.
fn cargo(builds: &Builds<'_>, krate: &Crate, action: &str) -> anyhow::Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.arg(action);
    if action == "clean" {
        command.args(["--package", &krate.package]);
    }
    command
        .arg("--manifest-path")
        .arg(krate.dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(builds.target_dir)
        .arg("--quiet")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    let output = command
        .output()
        .with_context(|| format!("cannot run cargo {action}"))?;
    if !output.status.success() {
        bail!(
            "cargo {action} of {} failed: {}",
            krate.dir.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}
