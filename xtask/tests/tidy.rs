//! House rules that hold for every file of the repository, checked as a test.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "tidy/module_graph.rs"]
mod module_graph;

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

/// The workspace's crates with a `src/` folder.
fn crate_sources() -> Vec<PathBuf> {
    let mut sources: Vec<PathBuf> = std::fs::read_dir(root())
        .expect("the workspace root is readable")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.join("Cargo.toml").is_file() && path.join("src").is_dir())
        .map(|path| path.join("src"))
        .collect();
    sources.sort();
    sources
}

#[test]
fn no_module_of_a_crate_imports_one_that_imports_it() {
    let mut found = Vec::new();
    for src in crate_sources() {
        for circle in module_graph::ModuleGraph::read(&src).circles() {
            let names: Vec<String> = circle.iter().map(|m| m.join("::")).collect();
            found.push(format!("{}: {}", src.display(), names.join(" <-> ")));
        }
    }
    assert!(
        found.is_empty(),
        "modules that import each other (move what both need into a module of its own):\n{}",
        found.join("\n")
    );
}

#[test]
fn no_source_file_outside_tests_is_over_500_lines() {
    let long: Vec<String> = crate_sources()
        .into_iter()
        .flat_map(|src| tracked(&[&format!("{}/*.rs", src.display())]))
        .filter(|path| {
            !path.components().any(|c| c.as_os_str() == "tests")
                && path.file_name().is_some_and(|name| name != "tests.rs")
        })
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            // A file's own `mod tests` block is tests too.
            let code = text
                .split("\n#[cfg(test)]\nmod tests")
                .next()
                .unwrap_or(&text);
            let lines = code.lines().count();
            (lines > 500).then(|| format!("{} ({lines} lines)", path.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "source files over 500 lines (split them by concept):\n{}",
        long.join("\n")
    );
}
