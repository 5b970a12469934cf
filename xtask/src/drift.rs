//! `cargo xtask drift`: `migrate drift` on `DATABASE_URL`. The binary carries the schema at head;
//! for a database below head, or on another PostgreSQL major version than that schema was
//! captured on, the reference is built first on a disposable PostgreSQL of the database's major,
//! at the database's revision (`migrations-schema reference`), and `migrate drift --reference`
//! compares with it. With `--databases`, `--databases-query` or `--reference` the arguments go to
//! `migrate drift` as they are.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use xshell::cmd;

use crate::migrate;

/// The error kinds of `migrate drift --json` that a reference built for the database answers.
const NEEDS_REFERENCE: &[&str] = &["not_at_head", "other_server"];

/// What the database needs a reference for: its revision (12-digit id) and PostgreSQL major.
#[derive(Debug, PartialEq, Eq)]
struct Wanted {
    revision: String,
    server_major: u64,
}

pub fn drift(root: &Path, args: &[String]) -> anyhow::Result<ExitCode> {
    let passed_on = ["--databases", "--databases-query", "--reference"];
    if args.iter().any(|arg| {
        passed_on
            .iter()
            .any(|name| arg == name || arg.starts_with(&format!("{name}=")))
    }) {
        return migrate::migrate(root, &with_command(args));
    }
    let json = args.iter().any(|arg| arg == "--json");
    let mut probe_args = with_command(args);
    if !json {
        probe_args.push("--json".to_owned());
    }
    let probe = capture_migrate(root, &probe_args)?;
    let wanted = match probe.status.code() {
        Some(2) => wanted(&String::from_utf8_lossy(&probe.stderr)),
        _ => None,
    };
    let Some(wanted) = wanted else {
        if json {
            print!("{}", String::from_utf8_lossy(&probe.stdout));
            eprint!("{}", String::from_utf8_lossy(&probe.stderr));
            return Ok(exit_code(probe.status.code()));
        }
        // The text of the same comparison: it reads only the catalogs, and is quick.
        return migrate::migrate(root, &with_command(args));
    };
    let file = build_reference(root, args, &wanted, json)?;
    let mut compare = with_command(args);
    compare.push("--reference".to_owned());
    compare.push(file.display().to_string());
    migrate::migrate(root, &compare)
}

/// `drift` and the arguments.
fn with_command(args: &[String]) -> Vec<String> {
    let mut all = vec!["drift".to_owned()];
    all.extend_from_slice(args);
    all
}

/// Runs the workspace's `migrate` with its output captured.
fn capture_migrate(root: &Path, args: &[String]) -> anyhow::Result<std::process::Output> {
    let sh = crate::shell(root)?;
    cmd!(
        sh,
        "cargo run --quiet --package migrations --bin migrate -- {args...}"
    )
    .quiet()
    .ignore_status()
    .output()
    .context("cannot run cargo")
}

/// The reference a JSON error asks for, if it is one a built reference answers.
fn wanted(stderr: &str) -> Option<Wanted> {
    stderr.lines().rev().find_map(|line| {
        let document: serde_json::Value = serde_json::from_str(line).ok()?;
        let error = document.get("error")?;
        let kind = error.get("kind")?.as_str()?;
        if !NEEDS_REFERENCE.contains(&kind) {
            return None;
        }
        Some(Wanted {
            revision: error.get("revision")?.as_str()?.to_owned(),
            server_major: error.get("server_major")?.as_u64()?,
        })
    })
}

/// Builds the reference on a disposable PostgreSQL of the database's major version, under the
/// target directory, and returns its path.
fn build_reference(
    root: &Path,
    args: &[String],
    wanted: &Wanted,
    json: bool,
) -> anyhow::Result<std::path::PathBuf> {
    let dir = crate::pg_version::target_dir(root).join("drift");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let file = dir.join(format!(
        "{}.pg{}.json",
        wanted.revision, wanted.server_major
    ));
    if !json {
        eprintln!(
            "xtask: building the schema at {} on a disposable PostgreSQL {}",
            wanted.revision, wanted.server_major
        );
    }
    let mut tool_args = Vec::new();
    if let Some(table) = option_value(args, "--history-table") {
        tool_args.extend(["--history-table".to_owned(), table]);
    }
    tool_args.extend([
        "--migrations".to_owned(),
        root.join("migrations").display().to_string(),
        "reference".to_owned(),
        "--at".to_owned(),
        wanted.revision.clone(),
        "--out".to_owned(),
        file.display().to_string(),
    ]);
    let sh = crate::shell(root)?;
    sh.set_var("DISPOSABLE_PG_VERSION", wanted.server_major.to_string());
    let status = std::process::Command::from(cmd!(
        sh,
        "cargo run --quiet --profile verify --package migrations-verify --bin migrations-schema -- {tool_args...}"
    ))
    .status()
    .context("cannot run cargo")?;
    anyhow::ensure!(
        status.success(),
        "the reference for {} could not be built (above)",
        wanted.revision
    );
    Ok(file)
}

/// The value of `--name VALUE` or `--name=VALUE`.
fn option_value(args: &[String], name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    args.iter().enumerate().find_map(|(i, arg)| match arg {
        arg if arg == name => args.get(i + 1).cloned(),
        arg => arg.strip_prefix(&prefix).map(str::to_owned),
    })
}

fn exit_code(code: Option<i32>) -> ExitCode {
    match code {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_below_head_or_on_another_major_asks_for_a_reference() {
        let stderr = "migrations-disposable: a note\n{\"error\":{\"kind\":\"not_at_head\",\"message\":\"...\",\"revision\":\"202611260208\",\"server_major\":18}}\n";
        assert_eq!(
            wanted(stderr),
            Some(Wanted {
                revision: "202611260208".to_owned(),
                server_major: 18
            })
        );
        let other = "{\"error\":{\"kind\":\"other_server\",\"message\":\"...\",\"revision\":\"202611260209\",\"server_major\":16}}";
        assert_eq!(
            wanted(other).map(|w| w.server_major),
            Some(16),
            "another major"
        );
        for stderr in [
            "{\"error\":{\"kind\":\"connection\",\"message\":\"...\"}}",
            "{\"error\":{\"kind\":\"not_at_head\",\"message\":\"at base\",\"server_major\":15}}",
            "error: not JSON",
        ] {
            assert_eq!(wanted(stderr), None, "{stderr}");
        }
    }

    #[test]
    fn option_values_are_read_in_both_forms() {
        let args = |list: &[&str]| list.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            option_value(&args(&["--history-table", "ops.h"]), "--history-table"),
            Some("ops.h".to_owned())
        );
        assert_eq!(
            option_value(&args(&["--history-table=ops.h"]), "--history-table"),
            Some("ops.h".to_owned())
        );
        assert_eq!(option_value(&args(&["--json"]), "--history-table"), None);
    }
}
