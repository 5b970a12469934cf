//! The build script an embedding crate needs so that cargo notices a revision file being added.
//!
//! The expansion `include_str!`s every file it embeds, so cargo rebuilds the crate when one is
//! edited or removed. A file added to the folder is named by nothing cargo knows, and stable Rust
//! gives a proc-macro no way to make cargo watch a directory; a build script printing
//! `cargo::rerun-if-changed=<folder>` does. Without it a new revision would be left out of the
//! build silently, so its absence, or a build script that watches other paths, is a compile error
//! that gives the build script to write.
//!
//! What the build script printed is read back from cargo's record of its last run, the file
//! `output` beside `OUT_DIR`. Where that record is not found (another build tool), the check
//! trusts the build script.

use std::path::{Path, PathBuf};

use migrations_core::load::{REPEATABLE_DIR, VERSIONS_DIR};

/// What the build script must watch, and how to say so.
pub struct Folder<'a> {
    /// The crate's directory.
    pub manifest_dir: &'a Path,
    /// The folder as `embed!` was given it, relative to the crate's directory.
    pub relative: &'a str,
}

impl Folder<'_> {
    /// Checks that cargo reruns the build script, and so rebuilds the crate, when a file is added
    /// to the folder; the error is the message to show.
    pub fn check_watched(&self) -> Result<(), String> {
        let Some(out_dir) = std::env::var_os("OUT_DIR") else {
            return Err(format!(
                "this crate has no build script: cargo rebuilds it when an embedded file is \
                 edited or removed, but not when a revision file is added to `{folder}`, which \
                 would then be left out silently; add `build.rs` next to Cargo.toml:\n\n{script}",
                folder = self.relative,
                script = self.build_script(),
            ));
        };
        let Some(printed) = printed_watch_paths(Path::new(&out_dir)) else {
            return Ok(());
        };
        if printed.is_empty() {
            // Without `rerun-if-changed` lines cargo reruns the build script when any file of
            // the package changes or is added, which covers a folder inside the package.
            return if self.inside_package() {
                Ok(())
            } else {
                Err(self.unwatched_error(&printed))
            };
        }
        let watched: Vec<PathBuf> = printed
            .iter()
            .filter_map(|path| self.manifest_dir.join(path).canonicalize().ok())
            .collect();
        let unwatched = self
            .subfolders_read()
            .into_iter()
            .any(|subfolder| !watched.iter().any(|path| subfolder.starts_with(path)));
        if unwatched {
            return Err(self.unwatched_error(&printed));
        }
        Ok(())
    }

    /// The subfolders the loader reads, canonical: `versions/` always, `repeatable/` once it
    /// exists. (A `repeatable/` created later is checked at the next build of the crate.)
    fn subfolders_read(&self) -> Vec<PathBuf> {
        let dir = self.manifest_dir.join(self.relative);
        let Ok(dir) = dir.canonicalize() else {
            // The loader reports a missing folder itself.
            return Vec::new();
        };
        let mut subfolders = vec![dir.join(VERSIONS_DIR)];
        if dir.join(REPEATABLE_DIR).is_dir() {
            subfolders.push(dir.join(REPEATABLE_DIR));
        }
        subfolders
    }

    fn inside_package(&self) -> bool {
        match (
            self.manifest_dir.canonicalize(),
            self.manifest_dir.join(self.relative).canonicalize(),
        ) {
            (Ok(package), Ok(folder)) => folder.starts_with(package),
            _ => true,
        }
    }

    fn unwatched_error(&self, printed: &[String]) -> String {
        let printed_text = if printed.is_empty() {
            "prints no `rerun-if-changed`".to_owned()
        } else {
            let list: Vec<String> = printed.iter().map(|p| format!("`{p}`")).collect();
            format!("watches only {}", list.join(", "))
        };
        let missing: Vec<String> = printed
            .iter()
            .filter(|path| !self.manifest_dir.join(path).exists())
            .map(|path| format!("`{path}`"))
            .collect();
        let missing = if missing.is_empty() {
            String::new()
        } else {
            format!(
                ", and {} does not exist, which makes every build rerun it and rebuild the crate",
                missing.join(", ")
            )
        };
        format!(
            "the build script {printed_text}{missing}: a revision file added to `{folder}` would \
             not rebuild this crate and would be left out silently; make build.rs this:\n\n{script}",
            folder = self.relative,
            script = self.build_script(),
        )
    }

    /// The whole build script to write: the folder, or for a folder that is the crate's own
    /// directory its subfolders (watching the crate's directory would watch its target directory
    /// too, and rebuild every time).
    pub fn build_script(&self) -> String {
        let paths: Vec<&str> = if Path::new(self.relative) == Path::new(".") {
            let mut paths = vec![VERSIONS_DIR];
            if self.manifest_dir.join(REPEATABLE_DIR).is_dir() {
                paths.push(REPEATABLE_DIR);
            }
            paths
        } else {
            vec![self.relative]
        };
        let lines: String = paths
            .iter()
            .map(|path| format!("    println!(\"cargo::rerun-if-changed={path}\");\n"))
            .collect();
        format!("fn main() {{\n{lines}}}")
    }
}

/// The paths the build script's last run printed with `rerun-if-changed`, or `None` when cargo's
/// record of the run is not where cargo keeps it.
fn printed_watch_paths(out_dir: &Path) -> Option<Vec<String>> {
    let output = std::fs::read_to_string(out_dir.parent()?.join("output")).ok()?;
    Some(
        output
            .lines()
            .filter_map(|line| {
                line.strip_prefix("cargo::rerun-if-changed=")
                    .or_else(|| line.strip_prefix("cargo:rerun-if-changed="))
            })
            .map(str::to_owned)
            .collect(),
    )
}
