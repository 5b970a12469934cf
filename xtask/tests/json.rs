//! `cargo xtask check --json` and `lint --json` as a process: one JSON document on stdout, fixed
//! by the snapshots below, and errors as JSON on stderr with the exit codes of the text mode.

mod support;

use expect_test::expect;
use serde_json::Value;
use support::{Scratch, root, run};

fn document(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{text}"))
}

/// A folder whose last revision adds a foreign key without `NOT VALID`: it checks, the lint fails.
fn foreign_key_folder(name: &str) -> Scratch {
    let scratch = Scratch::new(name, None);
    let versions = scratch.0.join("m/versions");
    for (name, text) in [
        (
            "202511121302_baseline.sql",
            "-- migrate:up\n-- migrate:down\n",
        ),
        (
            "202511121400_add_tables.sql",
            "-- revises: 202511121302_baseline\n-- migrate:up\nCREATE TABLE tenants (id bigint PRIMARY KEY);\nCREATE TABLE users (id bigint PRIMARY KEY, tenant_id bigint NOT NULL);\n-- migrate:down\nDROP TABLE users, tenants;\n",
        ),
        (
            "202511121500_users_tenant_fk.sql",
            "-- revises: 202511121400_add_tables\n-- migrate:up\nALTER TABLE users ADD CONSTRAINT users_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id);\n-- migrate:down\nALTER TABLE users DROP CONSTRAINT users_tenant_fk;\n",
        ),
    ] {
        std::fs::write(versions.join(name), text).expect("write the revision");
    }
    scratch
}

#[test]
fn check_prints_the_folder_and_the_lint_as_one_document() {
    let scratch = foreign_key_folder("json-fk");
    let check = run(&scratch.0, &["check", "--json", "--migrations", "m"]);
    assert_eq!((check.code, check.stderr.as_str()), (1, ""));
    let parsed = document(&check.stdout);
    expect![[r#"
        {
          "ok": false,
          "revisions": 3,
          "repeatables": 0,
          "head": {
            "id": "202511121500",
            "name": "202511121500_users_tenant_fk"
          },
          "problems": [],
          "lint": {
            "postgres_version": 15,
            "findings": [
              {
                "file": "m/versions/202511121500_users_tenant_fk.sql",
                "line": 3,
                "column": 19,
                "migration": "202511121500_users_tenant_fk",
                "rule": "constraint-missing-not-valid",
                "level": "error",
                "message": "By default new constraints require a table scan and block writes to the table while that scan occurs.",
                "help": "Use `NOT VALID` with a later `VALIDATE CONSTRAINT` call."
              },
              {
                "file": "m/versions/202511121500_users_tenant_fk.sql",
                "line": 3,
                "column": 23,
                "migration": "202511121500_users_tenant_fk",
                "rule": "adding-foreign-key-constraint",
                "level": "error",
                "message": "Adding a foreign key constraint requires a table scan and a `SHARE ROW EXCLUSIVE` lock on both tables, which blocks writes to each table.",
                "help": "Add `NOT VALID` to the constraint in one transaction and then VALIDATE the constraint in a separate transaction."
              }
            ],
            "problems": [],
            "totals": {
              "files": 3,
              "errors": 2,
              "warnings": 0,
              "notes": 0,
              "allowed": 0,
              "problems": 0
            }
          }
        }
    "#]]
    .assert_eq(&check.stdout);

    // `lint --json` alone is `--json -`: the lint report, the document `check` holds under `lint`.
    let lint = run(&scratch.0, &["lint", "--json", "--migrations", "m"]);
    let dash = run(&scratch.0, &["lint", "--migrations", "m", "--json", "-"]);
    assert_eq!(lint.code, 1);
    assert_eq!(lint.stdout, dash.stdout);
    assert_eq!(document(&lint.stdout), parsed["lint"]);
    assert_eq!(
        lint.stderr,
        "lint FAILED: 2 errors in 3 files, for PostgreSQL 15\n"
    );
}

#[test]
fn check_lists_every_problem_of_the_files_and_the_schema_files_by_file_and_line() {
    let heads = Scratch::new("json-heads", Some("two_heads"));
    let check = run(&heads.0, &["check", "--migrations", "m", "--json"]);
    assert_eq!(check.code, 1);
    let parsed = document(&check.stdout);
    expect![[r#"
        [
          {
            "file": "m/versions/202511121500_add_flag.sql",
            "help": "rename `202511121500_add_flag` to a timestamp after `202511121400_add_tenants` and point its `-- revises:` at `202511121400_add_tenants`; `cargo xtask rebase 202511121500_add_flag` does exactly that",
            "line": 1,
            "message": "two heads: `m/versions/202511121400_add_tenants.sql` and `m/versions/202511121500_add_flag.sql` both revise `202511121302_baseline`"
          }
        ]
    "#]]
    .assert_eq(&format!(
        "{}\n",
        serde_json::to_string_pretty(&parsed["problems"]).expect("JSON")
    ));
    assert_eq!(
        (&parsed["ok"], &parsed["head"], &parsed["revisions"]),
        (&Value::Bool(false), &Value::Null, &Value::from(3))
    );

    let stale = foreign_key_folder("json-stale");
    std::fs::write(stale.0.join("m/schema.sql"), "-- not rendered\n").expect("write");
    let check = run(&stale.0, &["check", "--migrations", "m", "--json"]);
    assert_eq!(check.code, 1);
    expect![[r#"
        [
          {
            "file": "m/schema.sql",
            "help": "run `cargo xtask schema` and commit the result",
            "line": null,
            "message": "m/schema.sql has no source header (`-- head:` and `-- source:` lines): it was not written by `cargo xtask schema`; run it and commit the result"
          },
          {
            "file": "m/schema.snapshot.json",
            "help": "run `cargo xtask schema` and commit the result",
            "line": null,
            "message": "m/schema.snapshot.json is missing: run `cargo xtask schema` and commit the result"
          }
        ]
    "#]]
    .assert_eq(&format!(
        "{}\n",
        serde_json::to_string_pretty(&document(&check.stdout)["problems"]).expect("JSON")
    ));
}

#[test]
fn the_project_folder_checks() {
    let check = run(&root(), &["check", "--json"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    let parsed = document(&check.stdout);
    assert_eq!(parsed["ok"], true);
    let id = parsed["head"]["id"].as_str().unwrap_or_default();
    assert!(
        id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()),
        "{parsed}"
    );
}

#[test]
fn errors_are_json_on_stderr_with_the_exit_codes_of_the_text_mode() {
    let scratch = Scratch::new("json-errors", None);
    for (args, expected) in [
        (
            &["check", "--json", "--migrations", "nope"][..],
            expect![[r#"
                {"error":{"kind":"migrations_folder","message":"migrations folder `nope` does not exist: pass an existing folder with --migrations: No such file or directory (os error 2)"}}
            "#]],
        ),
        (
            &["lint", "--json", "--migrations", "nope"],
            expect![[r#"
                {"error":{"kind":"migrations_folder","message":"migrations folder `nope` does not exist: pass an existing folder with --migrations: No such file or directory (os error 2)"}}
            "#]],
        ),
        (
            &["check", "--json", "--frobnicate"],
            expect![[r#"
                {"error":{"kind":"usage","message":"unexpected argument '--frobnicate' found"}}
            "#]],
        ),
        (
            &[
                "lint",
                "--json",
                "$DIR/no/such/dir/report.json",
                "--migrations",
                "m",
            ],
            expect![[r#"
                {"error":{"kind":"write_report","message":"cannot write $DIR/no/such/dir/report.json: No such file or directory (os error 2)"}}
            "#]],
        ),
    ] {
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("$DIR", &scratch.0.display().to_string()))
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let json = run(&scratch.0, &args);
        // A command line clap refuses exits 2, as clap's own errors do; a failed command 1.
        let usage = args.contains(&"--frobnicate");
        assert_eq!(json.code, if usage { 2 } else { 1 }, "{args:?}");
        // The text mode of the same failure, where there is one: a report file is JSON only.
        if !args.iter().any(|a| a.ends_with(".json")) {
            let text_args: Vec<&str> = args.iter().copied().filter(|a| *a != "--json").collect();
            let text = run(&scratch.0, &text_args);
            assert_eq!(json.code, text.code, "{args:?}: the text mode's exit code");
            assert!(text.stderr.starts_with("error: "), "{}", text.stderr);
        }
        document(&json.stderr);
        expected.assert_eq(&json.stderr);
    }
}
