//! Finding the installed PostgreSQL server binaries (`initdb`, `postgres`) and their version.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::settings::BINDIR_VAR;

#[derive(Debug, Clone)]
pub(crate) struct Binaries {
    pub bindir: PathBuf,
    /// `postgres --version`, e.g. "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)".
    pub version: String,
}

impl Binaries {
    pub(crate) fn initdb(&self) -> PathBuf {
        self.bindir.join("initdb")
    }

    pub(crate) fn postgres(&self) -> PathBuf {
        self.bindir.join("postgres")
    }

    /// "15.18" out of the version line.
    pub(crate) fn short_version(&self) -> &str {
        self.version
            .split_whitespace()
            .nth(2)
            .unwrap_or(self.version.as_str())
    }
}

/// `DISPOSABLE_PG_BINDIR`, else `pg_config --bindir`, else the highest `/usr/lib/postgresql/*/bin`,
/// else `PATH`. An explicit directory that lacks the binaries is an error, not a reason to look
/// elsewhere.
pub(crate) fn locate(explicit: Option<&Path>) -> Result<Binaries, String> {
    let bindir = match explicit {
        Some(dir) => {
            if has_server_binaries(dir) {
                dir.to_path_buf()
            } else {
                return Err(format!(
                    "{BINDIR_VAR}={} does not contain executable initdb and postgres",
                    dir.display()
                ));
            }
        }
        None => from_pg_config()
            .or_else(highest_debian_bindir)
            .or_else(from_path)
            .ok_or_else(|| {
                "no PostgreSQL server binaries were found (initdb and postgres: not in pg_config --bindir, \
                 /usr/lib/postgresql/*/bin or PATH)"
                    .to_owned()
            })?,
    };
    let output = Command::new(bindir.join("postgres"))
        .arg("--version")
        .output()
        .map_err(|error| {
            format!(
                "{} --version failed: {error}",
                bindir.join("postgres").display()
            )
        })?;
    if !output.status.success() {
        return Err(format!(
            "{} --version failed ({})",
            bindir.join("postgres").display(),
            output.status
        ));
    }
    Ok(Binaries {
        bindir,
        version: String::from_utf8_lossy(&output.stdout).trim().to_owned(),
    })
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

fn has_server_binaries(dir: &Path) -> bool {
    is_executable(&dir.join("initdb")) && is_executable(&dir.join("postgres"))
}

fn from_pg_config() -> Option<PathBuf> {
    let output = Command::new("pg_config").arg("--bindir").output().ok()?;
    let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    (output.status.success() && has_server_binaries(&dir)).then_some(dir)
}

fn highest_debian_bindir() -> Option<PathBuf> {
    let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry
                .file_name()
                .to_str()?
                .split('.')
                .map(|part| part.parse::<u32>().ok())
                .collect::<Option<Vec<u32>>>()?;
            let bin = entry.path().join("bin");
            has_server_binaries(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// The directory of `initdb` on PATH, following a symlink to the real installation.
fn from_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| {
        if !has_server_binaries(&dir) {
            return None;
        }
        let real = std::fs::canonicalize(dir.join("initdb")).ok()?;
        let real_dir = real.parent()?.to_path_buf();
        Some(if has_server_binaries(&real_dir) {
            real_dir
        } else {
            dir
        })
    })
}
