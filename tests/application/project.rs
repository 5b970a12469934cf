//! A copy of `examples/app` in a scratch directory, built by cargo the way its developer builds it.
//!
//! The copies share one target directory, `extern/` inside the tests' own, so that the
//! dependencies are compiled once. Every copy is the package `app`, whose binaries cargo puts at
//! the same place: builds and runs take turns ([`Project::lock`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};

use migrations_tests::workspace_root;

/// The example, in the repository.
pub fn example_dir() -> PathBuf {
    workspace_root().join("examples/app")
}

/// Where the copies are built: beside the workspace's own builds, apart from them.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
        .join("extern")
}

static TURN: Mutex<()> = Mutex::new(());

pub struct Project {
    dir: tempfile::TempDir,
}

/// What `cargo build -v` did.
pub struct Build {
    pub success: bool,
    /// Cargo's and rustc's messages.
    pub log: String,
}

impl Build {
    /// Whether the application's crate was compiled, as opposed to found fresh.
    pub fn compiled_app(&self) -> bool {
        self.log
            .lines()
            .any(|l| l.trim_start().starts_with("Compiling app v"))
    }

    pub fn fresh_app(&self) -> bool {
        self.log
            .lines()
            .any(|l| l.trim_start().starts_with("Fresh app v"))
    }

    /// The first error's message, without rustc's indentation of its continuation lines and
    /// without the location that follows it.
    pub fn first_error(&self) -> String {
        let mut lines = self.log.lines().skip_while(|l| !l.starts_with("error"));
        let mut message = Vec::new();
        for line in lines.by_ref() {
            if line.trim_start().starts_with("-->") {
                break;
            }
            message.push(line.strip_prefix("       ").unwrap_or(line).trim_end());
        }
        message.join("\n")
    }
}

impl Project {
    /// Takes a turn at building and running: copies share their binaries' paths.
    pub fn lock() -> MutexGuard<'static, ()> {
        TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A copy of the example, its dependencies on this workspace's crates by absolute path.
    pub fn copy_example() -> Project {
        let dir = tempfile::Builder::new()
            .prefix("example-app-")
            .tempdir()
            .expect("create a scratch directory");
        copy_tree(&example_dir(), dir.path());
        let manifest = dir.path().join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).expect("read the example's Cargo.toml");
        let absolute = format!("path = \"{}/", workspace_root().display());
        std::fs::write(&manifest, text.replace("path = \"../../", &absolute))
            .expect("write the copy's Cargo.toml");
        Project { dir }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn write(&self, relative: &str, text: &str) {
        std::fs::write(self.path(relative), text)
            .unwrap_or_else(|e| panic!("write {relative}: {e}"));
    }

    pub fn remove(&self, relative: &str) {
        std::fs::remove_file(self.path(relative))
            .unwrap_or_else(|e| panic!("remove {relative}: {e}"));
    }

    /// `cargo build -v`, offline: the lockfile's packages are those the workspace already
    /// downloaded.
    pub fn build(&self) -> Build {
        let output = self
            .cargo()
            .args(["build", "--offline", "-v"])
            .output()
            .expect("run cargo");
        Build {
            success: output.status.success(),
            log: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Builds, and fails the test with cargo's messages when the build fails.
    pub fn build_ok(&self) -> Build {
        let build = self.build();
        assert!(build.success, "the example does not build:\n{}", build.log);
        build
    }

    /// Runs one of the application's binaries on a database, as it starts in production.
    pub fn run(&self, binary: &str, args: &[&str], database_url: &str) -> Output {
        Command::new(target_dir().join("debug").join(binary))
            .args(args)
            .env("DATABASE_URL", database_url)
            .env_remove("RUST_LOG")
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|e| panic!("run {binary}: {e}"))
    }

    /// Runs one of the application's binaries with no `DATABASE_URL`.
    pub fn run_without_database(&self, binary: &str) -> Output {
        Command::new(target_dir().join("debug").join(binary))
            .env_remove("DATABASE_URL")
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|e| panic!("run {binary}: {e}"))
    }

    fn cargo(&self) -> Command {
        let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        command
            .current_dir(self.dir.path())
            .env("CARGO_TARGET_DIR", target_dir())
            // Less debug information: the binaries link faster, and nothing reads it.
            .env("CARGO_PROFILE_DEV_DEBUG", "line-tables-only")
            .env("CARGO_TERM_COLOR", "never");
        // The variables cargo gives this test's own package would describe the wrong one.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("CARGO_PKG_")
                || name.starts_with("CARGO_MANIFEST_")
                || [
                    "CARGO_CRATE_NAME",
                    "CARGO_BIN_NAME",
                    "CARGO_PRIMARY_PACKAGE",
                ]
                .contains(&name.as_ref())
            {
                command.env_remove(name.as_ref());
            }
        }
        command
    }
}

/// Copies a directory's files and subdirectories, leaving out build output.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a directory of the copy");
    for entry in std::fs::read_dir(from).expect("read the example") {
        let entry = entry.expect("read an entry of the example");
        let name = entry.file_name();
        let (source, destination) = (entry.path(), to.join(&name));
        if source.is_dir() {
            if name != "target" {
                copy_tree(&source, &destination);
            }
        } else {
            std::fs::copy(&source, &destination).expect("copy a file of the example");
        }
    }
}
