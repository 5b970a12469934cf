//! What the tests of `cargo xtask`'s commands share: running it, and scratch folders.

// Each test binary uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use expect_test::Expect;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is in the workspace")
        .to_path_buf()
}

/// A finished run of xtask: the exit code and both streams, with `dir` shown as `$DIR`.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs xtask in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run xtask");
    let text =
        |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(&dir.display().to_string(), "$DIR");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: text(&output.stdout),
        stderr: text(&output.stderr),
    }
}

/// Runs xtask in `dir` and returns its exit code and output, with `dir` shown as `$DIR`.
pub fn xtask(dir: &Path, args: &[&str]) -> String {
    let run = run(dir, args);
    format!("exit: {}\n{}{}", run.code, run.stdout, run.stderr)
}

pub fn check(dir: &Path, args: &[&str], expect: Expect) {
    expect.assert_eq(&xtask(dir, args));
}

/// A scratch copy of a fixture folder (or an empty folder), removed at the end of the test.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str, fixture: Option<&str>) -> Scratch {
        let dir = std::env::temp_dir().join(format!("xtask-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("m/versions")).expect("create scratch dir");
        if let Some(fixture) = fixture {
            let from = root()
                .join("migrations-macros/tests/fixtures")
                .join(fixture)
                .join("versions");
            for entry in std::fs::read_dir(from).expect("fixture exists") {
                let entry = entry.expect("fixture entry");
                std::fs::copy(entry.path(), dir.join("m/versions").join(entry.file_name()))
                    .expect("copy fixture");
            }
        }
        Scratch(dir)
    }

    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.0.join("m/versions"))
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
