//! `cargo migrations` in a project that is not this workspace: a new folder's first revisions
//! written, checked, listed and verified on a disposable PostgreSQL, and the fixes it names are
//! its own commands.

use std::path::Path;
use std::process::Command;

use expect_test::expect;

/// Runs `cargo migrations ARGS` as cargo runs it, in `dir`; the exit code and the output.
fn cargo_migrations(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-migrations"))
        .arg("migrations")
        .args(args)
        .current_dir(dir)
        .env_remove(migrations_hint_variable())
        .output()
        .expect("run cargo-migrations");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

/// Set by `cargo xtask` for the programs it runs; this test is about the tool on its own.
fn migrations_hint_variable() -> &'static str {
    "MIGRATIONS_HINT_COMMANDS"
}

/// The file names of `migrations/versions/`, with the timestamps (the minute of the run) masked.
fn revision_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("migrations/versions"))
        .expect("the folder exists")
        .map(|entry| {
            let name = entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            format!("YYYYMMDDHHMM{}", &name[12..])
        })
        .collect();
    names.sort();
    names
}

#[test]
fn a_new_project_writes_checks_and_verifies_its_revisions() {
    let project = tempfile::tempdir().expect("create a project directory");
    let dir = project.path();

    let (code, output) = cargo_migrations(dir, &["new", "add_notes"]);
    assert_eq!(code, 1, "{output}");
    expect![[r#"
        error: the folder has no baseline yet: create it first with `cargo migrations new baseline`
    "#]]
    .assert_eq(&output);

    let (code, output) = cargo_migrations(dir, &["new", "baseline"]);
    assert_eq!(code, 0, "{output}");
    let (code, output) = cargo_migrations(dir, &["new", "add_notes", "--message", "notes"]);
    assert_eq!(code, 0, "{output}");
    assert_eq!(
        revision_files(dir),
        ["YYYYMMDDHHMM_add_notes.sql", "YYYYMMDDHHMM_baseline.sql"]
    );
    let written = std::fs::read_dir(dir.join("migrations/versions"))
        .expect("the folder exists")
        .map(|entry| entry.expect("an entry").path())
        .find(|path| path.to_string_lossy().ends_with("_add_notes.sql"))
        .expect("the new revision");
    let text = std::fs::read_to_string(&written).expect("read the new revision");
    assert!(
        text.contains("by `cargo migrations new`") && !text.contains("xtask"),
        "the template names this tool's commands:\n{text}"
    );

    let (code, output) = cargo_migrations(dir, &["check"]);
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("ok: 2 revisions and 0 repeatable migrations"),
        "{output}"
    );
    let (code, output) = cargo_migrations(dir, &["heads"]);
    assert_eq!(code, 0, "{output}");
    assert!(output.ends_with("_add_notes (head)\n"), "{output}");

    let (code, output) = cargo_migrations(dir, &["verify"]);
    assert_eq!(
        code, 0,
        "verify needs a disposable PostgreSQL (Docker, or initdb and postgres on the PATH, or DISPOSABLE_PG_SERVER_URL):\n{output}"
    );
    assert!(output.contains("verify: check ok: 2 revisions"), "{output}");
}

#[test]
fn two_heads_name_this_tools_rebase_and_rebase_fixes_them() {
    let project = tempfile::tempdir().expect("create a project directory");
    let versions = project.path().join("migrations/versions");
    std::fs::create_dir_all(&versions).expect("create the folder");
    for (name, text) in [
        (
            "202601010000_baseline.sql",
            "-- migrate:up\n-- migrate:down\n",
        ),
        (
            "202601010100_add_a.sql",
            "-- revises: 202601010000_baseline\n-- migrate:up\nCREATE TABLE a ();\n-- migrate:down\nDROP TABLE a;\n",
        ),
        (
            "202601010200_add_b.sql",
            "-- revises: 202601010000_baseline\n-- migrate:up\nCREATE TABLE b ();\n-- migrate:down\nDROP TABLE b;\n",
        ),
    ] {
        std::fs::write(versions.join(name), text).expect("write a revision");
    }
    let (code, output) = cargo_migrations(project.path(), &["check"]);
    assert_eq!(code, 1, "{output}");
    assert!(
        output.contains("`cargo migrations rebase 202601010200_add_b` does exactly that"),
        "{output}"
    );
    let (code, output) = cargo_migrations(project.path(), &["rebase", "202601010200_add_b"]);
    assert_eq!(code, 0, "{output}");
    let (code, output) = cargo_migrations(project.path(), &["check"]);
    assert_eq!(code, 0, "{output}");
}
