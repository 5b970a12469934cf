//! One `initdb` per machine boot and installation, copied for every cluster.
//!
//! `initdb` takes 0.4–1 s; copying its result takes a tenth of that. The cache lives next to the
//! clusters (on tmpfs when there is room), is built under a file lock so that parallel test processes
//! build it once, and is published by an atomic rename so that nobody copies a half-built one.

use std::fs::{self, File};
use std::hash::Hasher;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::binaries::Binaries;
use super::os_user::{OsUser, give_to};
use crate::identity::ProcessIdentity;
use crate::{Backend, DisposableError};

/// Bump when the initdb arguments change, so that old caches are not reused.
const CACHE_FORMAT: &str = "1";
pub(crate) const CACHE_PREFIX: &str = "dpg-initdb-";

/// Returns a data directory made by `initdb`, building it on first use.
pub(crate) fn cached_data_dir(
    base: &Path,
    binaries: &Binaries,
    user: Option<&OsUser>,
) -> Result<PathBuf, DisposableError> {
    let key = cache_key(binaries, user);
    let cache = base.join(format!("{CACHE_PREFIX}{key}"));
    if is_complete(&cache) {
        return Ok(cache);
    }
    let lock_path = base.join(format!("{CACHE_PREFIX}{key}.lock"));
    let lock = File::create(&lock_path).map_err(|source| DisposableError::LocalIo {
        action: "create the initdb cache lock",
        path: lock_path.clone(),
        source,
    })?;
    // SAFETY: flock on a file descriptor we own; released when `lock` is closed.
    if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(DisposableError::LocalIo {
            action: "lock",
            path: lock_path,
            source: std::io::Error::last_os_error(),
        });
    }
    if is_complete(&cache) {
        return Ok(cache);
    }
    if cache.exists() {
        // Incomplete, e.g. files removed by a tmp cleaner: rebuild.
        let _ = fs::remove_dir_all(&cache);
    }
    let me = ProcessIdentity::current();
    let building = base.join(format!(
        "{CACHE_PREFIX}{key}.tmp-{}-{}",
        me.pid, me.start_ticks
    ));
    let _ = fs::remove_dir_all(&building);
    let result = run_initdb(&building, binaries, user).and_then(|()| {
        fs::rename(&building, &cache).map_err(|source| DisposableError::LocalIo {
            action: "publish the initdb cache",
            path: cache.clone(),
            source,
        })
    });
    if result.is_err() {
        let _ = fs::remove_dir_all(&building);
    }
    result.map(|()| cache)
}

fn is_complete(cache: &Path) -> bool {
    cache.join("global/pg_control").is_file() && cache.join("PG_VERSION").is_file()
}

fn cache_key(binaries: &Binaries, user: Option<&OsUser>) -> String {
    let mut hasher = siphasher::sip::SipHasher13::new();
    hasher.write(CACHE_FORMAT.as_bytes());
    hasher.write(binaries.bindir.as_os_str().as_encoded_bytes());
    hasher.write(binaries.version.as_bytes());
    let modified = fs::metadata(binaries.postgres()).map_or(0, |m| m.mtime());
    hasher.write_i64(modified);
    hasher.write_u32(user.map_or(u32::MAX, |u| u.uid));
    format!("{:016x}", hasher.finish())
}

fn run_initdb(
    data: &Path,
    binaries: &Binaries,
    user: Option<&OsUser>,
) -> Result<(), DisposableError> {
    fs::DirBuilder::new()
        .mode(0o700)
        .create(data)
        .and_then(|()| give_to(user, data))
        .map_err(|source| DisposableError::LocalIo {
            action: "create the initdb directory",
            path: data.to_path_buf(),
            source,
        })?;
    // C.UTF-8 gives Unicode-aware case mapping like the official image's en_US.UTF-8; plain C is the
    // fallback for systems without it.
    let mut last_failure = None;
    for locale in ["C.UTF-8", "C"] {
        let mut command = Command::new(binaries.initdb());
        command
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "-N"])
            .arg(format!("--locale={locale}"))
            .arg("-D")
            .arg(data)
            .current_dir(data.parent().unwrap_or(Path::new("/")))
            .env_remove("PGDATA");
        if let Some(user) = user {
            command.uid(user.uid).gid(user.gid);
        }
        let output = command
            .output()
            .map_err(|source| DisposableError::LocalIo {
                action: "run initdb for",
                path: data.to_path_buf(),
                source,
            })?;
        if output.status.success() {
            return Ok(());
        }
        last_failure = Some(DisposableError::Command {
            backend: Backend::Local,
            program: binaries.initdb().display().to_string(),
            status: output.status.to_string(),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
            fix: "see initdb's output below; DISPOSABLE_PG_BINDIR picks other binaries",
        });
        // initdb leaves the directory it was given; empty it for the next attempt.
        if let Ok(entries) = fs::read_dir(data) {
            for entry in entries.flatten() {
                let _ = fs::remove_dir_all(entry.path()).or_else(|_| fs::remove_file(entry.path()));
            }
        }
    }
    Err(last_failure.unwrap_or(DisposableError::Command {
        backend: Backend::Local,
        program: "initdb".into(),
        status: "not run".into(),
        output: String::new(),
        fix: "check the PostgreSQL installation",
    }))
}

/// Copies a data directory, keeping permissions and handing every entry to the server user.
pub(crate) fn copy_data_dir(
    from: &Path,
    to: &Path,
    user: Option<&OsUser>,
) -> Result<(), DisposableError> {
    copy_tree(from, to, user).map_err(|source| DisposableError::LocalIo {
        action: "copy the cached initdb into",
        path: to.to_path_buf(),
        source,
    })
}

fn copy_tree(from: &Path, to: &Path, user: Option<&OsUser>) -> std::io::Result<()> {
    let mode = fs::metadata(from)?.permissions().mode() & 0o7777;
    fs::DirBuilder::new().mode(mode).create(to)?;
    fs::set_permissions(to, fs::Permissions::from_mode(mode))?;
    give_to(user, to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&entry.path(), &target, user)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(entry.path())?, &target)?;
            give_to(user, &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
            give_to(user, &target)?;
        }
    }
    Ok(())
}
