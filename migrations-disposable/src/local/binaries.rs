//! Finding the installed PostgreSQL server binaries (`initdb`, `postgres`) and their version, or the
//! installation of one major version when `DISPOSABLE_PG_VERSION` asks for it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::LocalProblem;
use crate::settings::BINDIR_VAR;

/// Where an installation of major N is looked for, in this order, as `<root>/<N>/bin`: Debian's
/// packages, then where `ci/install-postgres.sh` puts the majors Debian does not package.
const VERSION_ROOTS: [&str; 2] = ["/usr/lib/postgresql", "/opt/postgresql"];

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

/// With a major version asked for, the installation of that version (see [`locate_version`]);
/// without one, any installation (see [`locate_any`]).
pub(crate) fn locate(
    explicit: Option<&Path>,
    version: Option<u32>,
) -> Result<Binaries, LocalProblem> {
    match version {
        Some(version) => locate_version(
            &version_candidates(explicit, version, &VERSION_ROOTS),
            version,
        ),
        None => locate_any(explicit).map_err(LocalProblem::Missing),
    }
}

/// The major version of a `--version` line: 18 of "postgres (PostgreSQL) 18.6", 15 of
/// "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)", 19 of "postgres (PostgreSQL) 19beta1".
/// Before 10 a major had two numbers (9.6); only the first is read, which no supported major equals.
pub(crate) fn parse_major(version_line: &str) -> Option<u32> {
    let number = version_line
        .split_once("(PostgreSQL)")?
        .1
        .split_whitespace()
        .next()?;
    let digits = number
        .find(|c: char| !c.is_ascii_digit())
        .map_or(number, |end| &number[..end]);
    digits.parse().ok()
}

/// A directory that may hold an installation, and how to name it in an error.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Candidate {
    label: String,
    dir: PathBuf,
}

/// The explicit directory alone when there is one: an override is checked, never searched around.
/// Otherwise `<root>/<version>/bin` under each root, in order.
fn version_candidates(explicit: Option<&Path>, version: u32, roots: &[&str]) -> Vec<Candidate> {
    match explicit {
        Some(dir) => vec![Candidate {
            label: format!("{BINDIR_VAR}={}", dir.display()),
            dir: dir.to_path_buf(),
        }],
        None => roots
            .iter()
            .map(|root| {
                let dir = Path::new(root).join(version.to_string()).join("bin");
                Candidate {
                    label: dir.display().to_string(),
                    dir,
                }
            })
            .collect(),
    }
}

/// The first candidate whose `postgres --version` has the major asked for. The version is read from
/// the binary, not trusted from the path: a directory named 18 may hold anything.
fn locate_version(candidates: &[Candidate], version: u32) -> Result<Binaries, LocalProblem> {
    let mut searched = Vec::new();
    for candidate in candidates {
        match read_version(&candidate.dir) {
            Ok(binaries) if parse_major(&binaries.version) == Some(version) => return Ok(binaries),
            Ok(binaries) => {
                searched.push(format!("{}: holds {}", candidate.label, binaries.version))
            }
            Err(reason) => searched.push(format!("{}: {reason}", candidate.label)),
        }
    }
    Err(LocalProblem::Version {
        version,
        searched: searched.join("; "),
    })
}

/// `DISPOSABLE_PG_BINDIR`, else `pg_config --bindir`, else the highest `/usr/lib/postgresql/*/bin`,
/// else `PATH`. An explicit directory that lacks the binaries is an error, not a reason to look
/// elsewhere.
fn locate_any(explicit: Option<&Path>) -> Result<Binaries, String> {
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
    read_version(&bindir)
}

/// The installation in `bindir`, with the version its `postgres` reports.
fn read_version(bindir: &Path) -> Result<Binaries, String> {
    if !has_server_binaries(bindir) {
        return Err("no executable initdb and postgres".to_owned());
    }
    let postgres = bindir.join("postgres");
    let output = Command::new(&postgres)
        .arg("--version")
        .output()
        .map_err(|error| format!("{} --version failed: {error}", postgres.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} --version failed ({})",
            postgres.display(),
            output.status
        ));
    }
    Ok(Binaries {
        bindir: bindir.to_path_buf(),
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

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;

    #[test]
    fn majors_are_read_from_version_lines() {
        let cases: [(&str, Option<u32>); 11] = [
            ("postgres (PostgreSQL) 18.6", Some(18)),
            ("postgres (PostgreSQL) 16.2", Some(16)),
            (
                "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)",
                Some(15),
            ),
            ("initdb (PostgreSQL) 18.6", Some(18)),
            ("postgres (PostgreSQL) 19beta1", Some(19)),
            ("postgres (PostgreSQL) 17devel", Some(17)),
            ("postgres (PostgreSQL) 9.6.24", Some(9)),
            ("postgres (PostgreSQL) beta", None),
            ("postgres (PostgreSQL)", None),
            ("postgres 18.6", None),
            ("", None),
        ];
        for (line, expected) in cases {
            assert_eq!(parse_major(line), expected, "{line:?}");
        }
    }

    /// What a fake installation directory holds.
    #[derive(Clone, Copy)]
    enum Fake {
        /// initdb and postgres that print this version line.
        Version(&'static str),
        /// postgres alone.
        NoInitdb,
        /// initdb and postgres whose `--version` fails.
        Failing,
    }

    struct SearchCase {
        name: &'static str,
        /// Directories under the scratch directory; the roots are `debian` and `opt`.
        installs: &'static [(&'static str, Fake)],
        /// `DISPOSABLE_PG_BINDIR`, under the scratch directory.
        explicit: Option<&'static str>,
        version: u32,
        /// The directory chosen, or the `searched` text; `{base}` is the scratch directory.
        expected: Result<&'static str, &'static str>,
    }

    const V18: Fake = Fake::Version("postgres (PostgreSQL) 18.6");
    const V16: Fake = Fake::Version("postgres (PostgreSQL) 16.2");
    const V15: Fake = Fake::Version("postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)");

    const SEARCH_CASES: &[SearchCase] = &[
        SearchCase {
            name: "debian's packages come first",
            installs: &[("debian/18/bin", V18), ("opt/18/bin", V18)],
            explicit: None,
            version: 18,
            expected: Ok("debian/18/bin"),
        },
        SearchCase {
            name: "the script's place when debian has none",
            installs: &[("debian/15/bin", V15), ("opt/18/bin", V18)],
            explicit: None,
            version: 18,
            expected: Ok("opt/18/bin"),
        },
        SearchCase {
            name: "the version is read from the binary, not the path",
            installs: &[("debian/18/bin", V16), ("opt/18/bin", V18)],
            explicit: None,
            version: 18,
            expected: Ok("opt/18/bin"),
        },
        SearchCase {
            name: "incomplete and broken installations are passed over",
            installs: &[("debian/16/bin", Fake::NoInitdb), ("opt/16/bin", V16)],
            explicit: None,
            version: 16,
            expected: Ok("opt/16/bin"),
        },
        SearchCase {
            name: "nothing found names every place and what it held",
            installs: &[("debian/18/bin", Fake::Failing), ("opt/18/bin", V16)],
            explicit: None,
            version: 18,
            expected: Err(
                "{base}/debian/18/bin: {base}/debian/18/bin/postgres --version failed \
                 (exit status: 1); {base}/opt/18/bin: holds postgres (PostgreSQL) 16.2",
            ),
        },
        SearchCase {
            name: "absent directories are named too",
            installs: &[],
            explicit: None,
            version: 18,
            expected: Err("{base}/debian/18/bin: no executable initdb and postgres; \
                 {base}/opt/18/bin: no executable initdb and postgres"),
        },
        SearchCase {
            name: "an explicit directory of the right version wins over the roots",
            installs: &[("debian/18/bin", V18), ("mine/bin", V18)],
            explicit: Some("mine/bin"),
            version: 18,
            expected: Ok("mine/bin"),
        },
        SearchCase {
            name: "an explicit directory of another version is not searched around",
            installs: &[("debian/18/bin", V18), ("mine/bin", V15)],
            explicit: Some("mine/bin"),
            version: 18,
            expected: Err(
                "DISPOSABLE_PG_BINDIR={base}/mine/bin: holds postgres (PostgreSQL) \
                 15.18 (Debian 15.18-0+deb12u1)",
            ),
        },
    ];

    /// One script stands in for initdb and postgres everywhere, printing the `version` file beside
    /// the link it was run through. Written once: an executable written while other test threads
    /// fork can be briefly busy (ETXTBSY), so no test writes one right before running it.
    fn fake_program() -> &'static Path {
        static SCRIPT: OnceLock<PathBuf> = OnceLock::new();
        SCRIPT.get_or_init(|| {
            let dir = std::env::temp_dir().join(format!("dpg-fake-pg-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let script = dir.join("fake-pg");
            std::fs::write(
                &script,
                "#!/bin/sh\nexec cat \"$(dirname \"$0\")/version\"\n",
            )
            .unwrap();
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
            script
        })
    }

    fn install(dir: &Path, fake: Fake) {
        std::fs::create_dir_all(dir).unwrap();
        std::os::unix::fs::symlink(fake_program(), dir.join("postgres")).unwrap();
        match fake {
            Fake::Version(line) => {
                std::os::unix::fs::symlink(fake_program(), dir.join("initdb")).unwrap();
                std::fs::write(dir.join("version"), format!("{line}\n")).unwrap();
            }
            Fake::Failing => {
                std::os::unix::fs::symlink(fake_program(), dir.join("initdb")).unwrap();
            }
            Fake::NoInitdb => {}
        }
    }

    #[test]
    fn installations_of_a_version_are_searched_in_order() {
        let scratch = std::env::temp_dir().join(format!("dpg-search-{}", std::process::id()));
        for (index, case) in SEARCH_CASES.iter().enumerate() {
            let base = scratch.join(index.to_string());
            let _ = std::fs::remove_dir_all(&base);
            for (dir, fake) in case.installs {
                install(&base.join(dir), *fake);
            }
            let roots = [base.join("debian"), base.join("opt")];
            let roots: Vec<&str> = roots.iter().map(|root| root.to_str().unwrap()).collect();
            let explicit = case.explicit.map(|dir| base.join(dir));
            let candidates = version_candidates(explicit.as_deref(), case.version, &roots);
            let found = match locate_version(&candidates, case.version) {
                Ok(binaries) => Ok(binaries.bindir),
                Err(LocalProblem::Version { version, searched }) => {
                    assert_eq!(version, case.version, "{}", case.name);
                    Err(searched)
                }
                Err(other) => panic!("{}: {other:?}", case.name),
            };
            let base_text = base.to_str().unwrap();
            let expected = case
                .expected
                .map(|dir| base.join(dir))
                .map_err(|text| text.replace("{base}", base_text));
            assert_eq!(found, expected, "{}", case.name);
        }
        let _ = std::fs::remove_dir_all(&scratch);
        let _ = std::fs::remove_dir_all(fake_program().parent().unwrap());
    }
}
