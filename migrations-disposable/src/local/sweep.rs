//! The start-up sweep of the local backend: cluster directories whose owner process died (SIGKILL,
//! abort, power loss) are stopped and removed; half-built initdb caches of dead processes too.

use std::fs::{self, File};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use super::initdb_cache::CACHE_PREFIX;
use super::{CLUSTER_PREFIX, OWNER_FILE};
use crate::identity::{Marker, ProcessIdentity};

const SWEEP_LOCK: &str = "dpg-sweep.lock";

/// Best effort: a failure to sweep must not fail the run that found the debris.
pub(crate) fn remove_debris(base: &Path) {
    let lock_path = base.join(SWEEP_LOCK);
    let Ok(lock) = File::create(&lock_path) else {
        return;
    };
    // Another process sweeping right now does the same job: skip rather than wait.
    // SAFETY: flock on a descriptor we own; released when `lock` is closed.
    if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        return;
    }
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if let Some(rest) = name.strip_prefix(CACHE_PREFIX) {
            if let Some(builder) = rest
                .split_once(".tmp-")
                .and_then(|(_, id)| parse_builder(id))
                && !builder.is_alive()
            {
                let _ = fs::remove_dir_all(&path);
            }
        } else if name.starts_with(CLUSTER_PREFIX) && path.is_dir() {
            let Ok(owner) = fs::read_to_string(path.join(OWNER_FILE)) else {
                continue;
            };
            if Marker::parse(owner.trim()).is_some_and(|marker| marker.owner_is_gone()) {
                stop_orphaned_postmaster(&path.join("data"));
                let _ = fs::remove_dir_all(&path);
            }
        }
    }
}

/// `<pid>-<start ticks>` of a cache builder.
fn parse_builder(id: &str) -> Option<ProcessIdentity> {
    let (pid, start) = id.split_once('-')?;
    Some(ProcessIdentity {
        pid: pid.parse().ok()?,
        start_ticks: start.parse().ok()?,
    })
}

/// SIGQUITs the postmaster named in the pid file, after checking that the process really is a
/// `postgres -D <this data directory>`: the pid may have been reused by anything since.
fn stop_orphaned_postmaster(data: &Path) {
    let Some(pid) = fs::read_to_string(data.join("postmaster.pid"))
        .ok()
        .and_then(|text| text.lines().next()?.trim().parse::<i32>().ok())
    else {
        return;
    };
    let Ok(cmdline) = fs::read(format!("/proc/{pid}/cmdline")) else {
        return;
    };
    let arguments: Vec<&[u8]> = cmdline.split(|&byte| byte == 0).collect();
    let data_bytes = data.as_os_str().as_encoded_bytes();
    let serves_this_dir = arguments
        .windows(2)
        .any(|pair| pair[0] == b"-D" && pair[1] == data_bytes);
    let is_postgres = arguments
        .first()
        .is_some_and(|program| program.ends_with(b"postgres"));
    if !(serves_this_dir && is_postgres) {
        return;
    }
    // SAFETY: kill has no memory-safety preconditions.
    unsafe { libc::kill(pid, libc::SIGQUIT) };
    let deadline = Instant::now() + Duration::from_secs(5);
    while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
}
