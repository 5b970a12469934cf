//! Runs `migrate` as a whole process: its wall time from spawn to exit, and its peak memory as
//! the kernel counted it (`wait4`'s resource usage of that one child).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// The environment variable naming the folder `bench-migrate` loads at start-up.
pub const FOLDER_VARIABLE: &str = "BENCH_MIGRATIONS_DIR";

/// One finished run.
#[derive(Clone, Copy, Debug)]
pub struct Finished {
    pub elapsed: Duration,
    /// Peak resident set size in bytes.
    pub peak_rss: u64,
}

/// The `bench-migrate` binary: built next to this one by `cargo run -p migrations-bench`.
pub fn migrate_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find the bench's own executable")?;
    let dir = exe
        .parent()
        .context("the bench's executable has no directory")?;
    let candidates = [dir.join("bench-migrate"), dir.join("../bench-migrate")];
    candidates
        .into_iter()
        .find(|path| path.is_file())
        .with_context(|| {
            format!(
                "bench-migrate is not built next to {}: run the bench with `cargo xtask bench` (or `cargo build --release -p migrations-bench --bins` first)",
                exe.display()
            )
        })
}

/// Runs `bench-migrate ARGS` over `folder` on `database_url`; its standard output is discarded.
pub fn run_migrate(
    binary: &Path,
    folder: &Path,
    database_url: &str,
    args: &[&str],
) -> anyhow::Result<Finished> {
    let stderr = tempfile::tempfile().context("cannot create a file for the child's errors")?;
    let started = Instant::now();
    let child = Command::new(binary)
        .args(args)
        .env(FOLDER_VARIABLE, folder)
        .env("DATABASE_URL", database_url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr.try_clone()?)
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    let (status, peak_rss) = wait_with_usage(child.id())?;
    let elapsed = started.elapsed();
    if status != 0 {
        let errors = read_all(stderr);
        bail!(
            "`migrate {}` failed (status {status}): {}",
            args.join(" "),
            errors.trim()
        );
    }
    Ok(Finished { elapsed, peak_rss })
}

fn read_all(mut file: std::fs::File) -> String {
    use std::io::{Read, Seek};
    let mut text = String::new();
    let _ = file.rewind();
    let _ = file.read_to_string(&mut text);
    text
}

/// Waits for the child and returns its exit status and peak RSS; the child is reaped here, so
/// its `std::process::Child` must not be waited for again.
fn wait_with_usage(pid: u32) -> anyhow::Result<(i32, u64)> {
    let pid = libc::pid_t::try_from(pid).context("a process id out of range")?;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers are to live locals of the right types.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error).context("cannot wait for the migrate process");
        }
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    // Linux reports ru_maxrss in kilobytes.
    let peak = u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024;
    Ok((code, peak))
}
