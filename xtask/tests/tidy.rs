//! House rules that hold for every file of the repository, checked as a test.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is in the workspace")
        .to_path_buf()
}

/// The files git tracks, with `git ls-files` patterns.
fn tracked(patterns: &[&str]) -> Vec<PathBuf> {
    let output = Command::new("git")
        .arg("ls-files")
        .args(patterns)
        .current_dir(root())
        .output()
        .expect("git is needed for the tidy test: install git");
    assert!(
        output.status.success(),
        "git ls-files failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| root().join(line))
        .collect()
}

#[test]
fn every_rust_file_says_what_it_is_for() {
    let missing: Vec<String> = tracked(&["*.rs"])
        .into_iter()
        .filter(|path| path.exists())
        .filter(|path| {
            !std::fs::read_to_string(path)
                .unwrap_or_default()
                .starts_with("//!")
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a `//!` line saying what they are for:\n{}",
        missing.join("\n")
    );
}

#[test]
fn sql_files_have_lf_line_endings() {
    // Checksums are defined over LF text, and `.gitattributes` keeps checkouts LF: a CR here would
    // mean a file committed around that rule.
    let crlf: Vec<String> = tracked(&["*.sql"])
        .into_iter()
        .filter(|path| std::fs::read(path).unwrap_or_default().contains(&b'\r'))
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        crlf.is_empty(),
        "SQL files with CR bytes:\n{}",
        crlf.join("\n")
    );
}

#[test]
fn no_file_has_trailing_whitespace() {
    let mut offenders = Vec::new();
    for path in tracked(&["*.rs", "*.sql", "*.md", "*.toml", "*.sh"]) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for (number, line) in text.lines().enumerate() {
            if line.ends_with([' ', '\t']) {
                offenders.push(format!("{}:{}", path.display(), number + 1));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "trailing whitespace:\n{}",
        offenders.join("\n")
    );
}
