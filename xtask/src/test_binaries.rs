//! The workspace's test build as a list of executables, and running the test binaries a
//! `--test NAME` selection names, as `cargo test` would (in the package's folder, with the
//! arguments after `--`), without asking Cargo to resolve a filtered build.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use xshell::{Shell, cmd};

/// The test binaries named with `--test NAME` (or `--test=NAME`) before a `--`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Selection {
    names: Vec<String>,
}

impl Selection {
    /// Takes every `--test NAME` out of `args`; what follows a `--` is left alone.
    pub fn take(args: &mut Vec<String>) -> Selection {
        let mut names = Vec::new();
        let mut index = 0;
        while index < args.len() && args[index] != "--" {
            if let Some(name) = args[index].strip_prefix("--test=") {
                names.push(name.to_owned());
                args.remove(index);
            } else if args[index] == "--test" && index + 1 < args.len() {
                args.remove(index);
                names.push(args.remove(index));
            } else {
                index += 1;
            }
        }
        Selection { names }
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Gives the selection back to `args`, for a run that `cargo test` makes itself.
    pub fn put_back(self, args: &mut Vec<String>) {
        let end = args.iter().position(|a| a == "--").unwrap_or(args.len());
        let flags = self
            .names
            .into_iter()
            .flat_map(|name| ["--test".to_owned(), name]);
        args.splice(end..end, flags);
    }
}

/// One executable of the build: a test binary or an example.
#[derive(Debug)]
struct Artifact {
    kind: String,
    name: String,
    executable: PathBuf,
    /// The package's folder: `cargo test` runs a test binary there.
    package_dir: PathBuf,
}

/// What `cargo test --workspace --no-run` built.
#[derive(Debug)]
pub struct Built {
    artifacts: Vec<Artifact>,
}

impl Built {
    /// The executable of the example `name`.
    pub fn example(&self, name: &str) -> Option<&Path> {
        self.artifacts
            .iter()
            .find(|a| a.kind == "example" && a.name == name)
            .map(|a| a.executable.as_path())
    }
}

/// Builds the whole test suite, exactly as `cargo test --workspace` does, and lists what it built.
pub fn build_workspace(sh: &Shell) -> anyhow::Result<Built> {
    let mut command: std::process::Command = cmd!(
        sh,
        "cargo test --workspace --no-run --message-format=json-render-diagnostics"
    )
    .into();
    // Cargo's progress and compiler errors stay on the terminal; the messages come on stdout.
    let output = command
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("cannot run cargo")?;
    if !output.status.success() {
        bail!("the test suite does not build (cargo test --workspace --no-run)");
    }
    parse_build(&String::from_utf8_lossy(&output.stdout))
}

fn parse_build(messages: &str) -> anyhow::Result<Built> {
    let mut artifacts = Vec::new();
    for line in messages.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        let (Some(executable), Some(kind), Some(name), Some(manifest)) = (
            message["executable"].as_str(),
            message["target"]["kind"][0].as_str(),
            message["target"]["name"].as_str(),
            message["manifest_path"].as_str(),
        ) else {
            continue;
        };
        let is_test_binary = kind == "test" && message["profile"]["test"] == true;
        if !(is_test_binary || kind == "example") {
            continue;
        }
        artifacts.push(Artifact {
            kind: kind.to_owned(),
            name: name.to_owned(),
            executable: PathBuf::from(executable),
            package_dir: Path::new(manifest)
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        });
    }
    Ok(Built { artifacts })
}

/// Runs every test binary the selection names (a name several packages use runs in each), with
/// the arguments after `--`; all of them, then says which failed. Arguments for Cargo other than
/// the selection are refused: they would need a build of their own.
pub fn run_selected(
    sh: &Shell,
    built: &Built,
    selection: &Selection,
    args: &[String],
) -> anyhow::Result<bool> {
    let end = args.iter().position(|a| a == "--").unwrap_or(args.len());
    if let Some(other) = args[..end].first() {
        bail!(
            "`{other}` cannot be combined with `--test`: run `cargo test --workspace {}` for it",
            args.join(" ")
        );
    }
    let binary_args = args.get(end + 1..).unwrap_or_default();
    let unknown: Vec<&str> = selection
        .names
        .iter()
        .filter(|name| {
            !built
                .artifacts
                .iter()
                .any(|a| a.kind == "test" && &a.name == *name)
        })
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        bail!(
            "no test binary named {} in the workspace: `cargo test --workspace --no-run` lists them",
            unknown.join(", ")
        );
    }
    let mut failed = Vec::new();
    for name in &selection.names {
        for artifact in built
            .artifacts
            .iter()
            .filter(|a| a.kind == "test" && &a.name == name)
        {
            let package = artifact.package_dir.display().to_string();
            eprintln!("     Running {name} ({package})");
            let _dir = sh.push_dir(&artifact.package_dir);
            let executable = &artifact.executable;
            let mut command: std::process::Command = cmd!(sh, "{executable} {binary_args...}")
                .env("CARGO_MANIFEST_DIR", &artifact.package_dir)
                .into();
            let status = command
                .status()
                .with_context(|| format!("cannot run {}", executable.display()))?;
            if !status.success() {
                failed.push(format!("{name} ({package})"));
            }
        }
    }
    if !failed.is_empty() {
        eprintln!("error: test binaries failed: {}", failed.join(", "));
    }
    Ok(failed.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn test_names_are_taken_before_a_double_dash_and_can_be_put_back() {
        let mut given = args(&["--test", "runner", "--test=cli", "--", "--test", "x"]);
        let selection = Selection::take(&mut given);
        assert_eq!(selection.names, ["runner", "cli"]);
        assert_eq!(given, args(&["--", "--test", "x"]));
        selection.put_back(&mut given);
        assert_eq!(
            given,
            args(&["--test", "runner", "--test", "cli", "--", "--test", "x"])
        );
        assert!(Selection::take(&mut args(&["-p", "xtask"])).is_empty());
    }

    #[test]
    fn the_build_lists_test_binaries_and_examples_with_their_package() {
        let messages = [
            r#"{"reason":"compiler-artifact","manifest_path":"/w/tests/Cargo.toml","target":{"kind":["test"],"name":"runner"},"profile":{"test":true},"executable":"/w/target/debug/deps/runner-1"}"#,
            r#"{"reason":"compiler-artifact","manifest_path":"/w/d/Cargo.toml","target":{"kind":["example"],"name":"server_version"},"profile":{"test":false},"executable":"/w/target/debug/examples/server_version"}"#,
            r#"{"reason":"compiler-artifact","manifest_path":"/w/d/Cargo.toml","target":{"kind":["lib"],"name":"d"},"profile":{"test":false},"executable":null}"#,
            r#"{"reason":"build-finished","success":true}"#,
            "not json",
        ]
        .join("\n");
        let built = parse_build(&messages).unwrap();
        assert_eq!(built.artifacts.len(), 2);
        assert_eq!(built.artifacts[0].package_dir, Path::new("/w/tests"));
        assert_eq!(
            built.example("server_version"),
            Some(Path::new("/w/target/debug/examples/server_version"))
        );
        assert_eq!(built.example("runner"), None);
    }
}
