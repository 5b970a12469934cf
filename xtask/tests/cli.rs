//! `cargo xtask`'s offline commands, run as a process on small folders.

mod support;

use expect_test::expect;
use support::{Scratch, check, root, xtask};

#[test]
fn check_accepts_the_project_folder() {
    let output = xtask(&root(), &["check"]);
    assert!(output.starts_with("exit: 0\nok: "), "{output}");
    assert!(
        output.contains("the graph is a single line; head: "),
        "{output}"
    );
}

#[test]
fn two_heads_fail_check_with_both_files_and_the_fix() {
    let scratch = Scratch::new("two-heads", Some("two_heads"));
    check(
        &scratch.0,
        &["check", "--migrations", "m"],
        expect![[r#"
            exit: 1
            m/versions/202511121500_add_flag.sql:1: two heads: `m/versions/202511121400_add_tenants.sql` and `m/versions/202511121500_add_flag.sql` both revise `202511121302_baseline`
              help: rename `202511121500_add_flag` to a timestamp after `202511121400_add_tenants` and point its `-- revises:` at `202511121400_add_tenants`; `cargo xtask rebase 202511121500_add_flag` does exactly that
            1 problem
            lint ok: no findings in 3 files, for PostgreSQL 15
        "#]],
    );
    check(
        &scratch.0,
        &["heads", "--migrations", "m"],
        expect![[r#"
            exit: 1
            202511121400_add_tenants (head)
            202511121500_add_flag (head)
            2 heads: the graph must be a single line; move the newer one after the other with `cargo xtask rebase <revision>`
        "#]],
    );
    let output = xtask(
        &scratch.0,
        &["rebase", "202511121500_add_flag", "--migrations", "m"],
    );
    assert!(
        output.starts_with("exit: 0\nmoved versions/202511121500_add_flag.sql to versions/"),
        "{output}"
    );
    let output = xtask(&scratch.0, &["check", "--migrations", "m"]);
    assert!(output.starts_with("exit: 0\nok: 3 revisions"), "{output}");
    let files = scratch.files();
    assert_eq!(
        files[..2],
        ["202511121302_baseline.sql", "202511121400_add_tenants.sql"]
    );
    assert!(
        files[2].ends_with("_add_flag.sql") && files[2].as_str() > "202511121400",
        "{files:?}"
    );
}

#[test]
fn a_foreign_key_without_not_valid_fails_check_and_lint_with_the_rule_and_the_fix() {
    let scratch = Scratch::new("lint-fk", None);
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
            "-- revises: 202511121400_add_tables\n\n-- migrate:up\nALTER TABLE users\n    ADD CONSTRAINT users_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id);\n\n-- migrate:down\nALTER TABLE users DROP CONSTRAINT users_tenant_fk;\n",
        ),
    ] {
        std::fs::write(versions.join(name), text).expect("write the revision");
    }
    check(
        &scratch.0,
        &["check", "--migrations", "m"],
        expect![[r#"
            exit: 1
            ok: 3 revisions and 0 repeatable migrations; the graph is a single line; head: 202511121500_users_tenant_fk
            m/versions/202511121500_users_tenant_fk.sql:5:5: error[constraint-missing-not-valid]: By default new constraints require a table scan and block writes to the table while that scan occurs.
              help: Use `NOT VALID` with a later `VALIDATE CONSTRAINT` call.
            m/versions/202511121500_users_tenant_fk.sql:5:9: error[adding-foreign-key-constraint]: Adding a foreign key constraint requires a table scan and a `SHARE ROW EXCLUSIVE` lock on both tables, which blocks writes to each table.
              help: Add `NOT VALID` to the constraint in one transaction and then VALIDATE the constraint in a separate transaction.
            a finding that is safe where it is (a new or small table, a column no code reads) is allowed with `-- lint: allow <rule> -- <reason>` in the file's header; each rule is explained at https://squawkhq.com/docs/<rule>
            lint FAILED: 2 errors in 3 files, for PostgreSQL 15
        "#]],
    );
    let json = xtask(&scratch.0, &["lint", "--migrations", "m", "--json", "-"]);
    expect![[r#"
        exit: 1
        {
          "postgres_version": 15,
          "findings": [
            {
              "file": "m/versions/202511121500_users_tenant_fk.sql",
              "line": 5,
              "column": 5,
              "migration": "202511121500_users_tenant_fk",
              "rule": "constraint-missing-not-valid",
              "level": "error",
              "message": "By default new constraints require a table scan and block writes to the table while that scan occurs.",
              "help": "Use `NOT VALID` with a later `VALIDATE CONSTRAINT` call."
            },
            {
              "file": "m/versions/202511121500_users_tenant_fk.sql",
              "line": 5,
              "column": 9,
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
        lint FAILED: 2 errors in 3 files, for PostgreSQL 15
    "#]]
    .assert_eq(&json);
}

#[test]
fn new_migration_writes_a_revision_that_check_accepts() {
    let scratch = Scratch::new("new", None);
    let output = xtask(
        &scratch.0,
        &["new-migration", "add_flag", "--migrations", "m"],
    );
    assert_eq!(
        output,
        "exit: 1\nerror: the folder has no baseline yet: create it first with `cargo xtask new-migration baseline`\n"
    );
    let output = xtask(
        &scratch.0,
        &["new-migration", "baseline", "--migrations", "m"],
    );
    assert!(
        output.starts_with("exit: 0\nm/versions/") && output.ends_with("_baseline.sql\n"),
        "{output}"
    );
    let output = xtask(
        &scratch.0,
        &[
            "new-migration",
            "add_flag",
            "--message",
            "a flag",
            "--migrations",
            "m",
        ],
    );
    assert!(
        output.starts_with("exit: 0\nm/versions/") && output.ends_with("_add_flag.sql\n"),
        "{output}"
    );
    let output = xtask(
        &scratch.0,
        &[
            "new-migration",
            "enable_trgm",
            "--template",
            "enable-extension",
            "--extension",
            "pg_trgm",
            "--migrations",
            "m",
        ],
    );
    assert!(output.ends_with("_enable_trgm.sql\n"), "{output}");
    let output = xtask(&scratch.0, &["check", "--migrations", "m"]);
    assert!(output.starts_with("exit: 0\nok: 3 revisions"), "{output}");
    let files = scratch.files();
    let flag = std::fs::read_to_string(scratch.0.join("m/versions").join(&files[1])).expect("read");
    assert!(flag.starts_with(&format!(
        "-- revises: {}\n-- message: a flag\n",
        files[0].trim_end_matches(".sql")
    )));
}

#[test]
fn new_migration_writes_a_repeatable_that_check_accepts() {
    let scratch = Scratch::new("repeatable", None);
    for slug in ["baseline", "add_flag"] {
        let output = xtask(&scratch.0, &["new-migration", slug, "--migrations", "m"]);
        assert!(output.starts_with("exit: 0\n"), "{output}");
    }
    let new_repeatable = [
        "new-migration",
        "reporting_views",
        "--template",
        "repeatable",
        "--message",
        "views for reports",
        "--migrations",
        "m",
    ];
    check(
        &scratch.0,
        &new_repeatable,
        expect![[r#"
            exit: 0
            m/repeatable/reporting_views.sql
        "#]],
    );
    let head = scratch.files()[1].trim_end_matches(".sql").to_owned();
    let text = std::fs::read_to_string(scratch.0.join("m/repeatable/reporting_views.sql"))
        .expect("read the repeatable");
    assert!(
        text.starts_with(&format!(
            "-- requires: {head}\n-- message: views for reports\n"
        )),
        "{text}"
    );
    assert!(!text.contains("{{"), "a placeholder is left: {text}");
    let output = xtask(&scratch.0, &["check", "--migrations", "m"]);
    assert!(
        output.starts_with("exit: 0\nok: 2 revisions and 1 repeatable migrations"),
        "{output}"
    );
    let output = xtask(&scratch.0, &["history", "--migrations", "m"]);
    let last = output.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("repeatable    reporting_views") && last.contains(&head),
        "{output}"
    );
    check(
        &scratch.0,
        &new_repeatable,
        expect![[r#"
            exit: 1
            error: repeatable migration `reporting_views` already exists: edit `m/repeatable/reporting_views.sql` instead
        "#]],
    );
}

#[test]
fn new_migration_refuses_bad_input() {
    let scratch = Scratch::new("refuse", Some("two_heads"));
    check(
        &scratch.0,
        &["new-migration", "Add-Flag", "--migrations", "m"],
        expect![[r#"
            exit: 1
            error: bad slug `Add-Flag`: the slug has an upper-case letter `A`; slugs are lower case; use lower-case words joined by `_`, e.g. `add_user_flags`
        "#]],
    );
    check(
        &scratch.0,
        &["new-migration", "add_x", "--migrations", "m"],
        expect![[r#"
            exit: 1
            error: the folder has 2 heads (202511121400_add_tenants, 202511121500_add_flag): fix them first (`cargo xtask rebase <revision>`)
        "#]],
    );
    check(
        &scratch.0,
        &[
            "new-migration",
            "add_x",
            "--template",
            "fancy",
            "--migrations",
            "m",
        ],
        expect![[r#"
            exit: 2
            error: invalid value 'fancy' for '--template <TEMPLATE>'
              [possible values: versioned, enable-extension, repeatable]

            For more information, try '--help'.
        "#]],
    );
    check(
        &scratch.0,
        &[
            "new-migration",
            "enable_x",
            "--template",
            "enable-extension",
            "--migrations",
            "m",
        ],
        expect![[r#"
            exit: 1
            error: template `templates/enable_extension.sql` needs `--extension NAME`
        "#]],
    );
}

#[test]
fn history_lists_every_revision() {
    let scratch = Scratch::new("history", Some("not_previous_revision"));
    check(
        &scratch.0,
        &["history", "--migrations", "m"],
        expect![[r#"
            exit: 0
            ID            SLUG      REVISES       FLAGS             MESSAGE
            202511121302  baseline  -             base
            202511121400  a         202511121302  -
            202511121500  b         202511121600  head
            202511121600  c         202511121400  -
        "#]],
    );
}

#[test]
fn history_stays_offline_with_database_url_set_and_goes_to_the_database_only_when_asked() {
    let scratch = Scratch::new("history-offline", Some("not_previous_revision"));
    // An address nothing listens on: reaching for it would fail the command.
    let unreachable = "postgres://nobody@127.0.0.1:9/none?connect_timeout=1";
    let offline = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["history", "--migrations", "m"])
        .env("DATABASE_URL", unreachable)
        .current_dir(&scratch.0)
        .output()
        .expect("run xtask");
    assert!(offline.status.success(), "{offline:?}");
    assert!(String::from_utf8_lossy(&offline.stdout).contains("202511121600  c"));
    check(
        &scratch.0,
        &["history", "--json"],
        expect![[r#"
            exit: 2
            error: the following required arguments were not provided:
              --database

            Usage: cargo xtask history --database <ARGS>...

            For more information, try '--help'.
        "#]],
    );
}

#[test]
fn check_fails_on_schema_files_rendered_from_other_revisions() {
    let scratch = Scratch::new("schema-file", None);
    let versions = scratch.0.join("m/versions");
    let write = |name: &str, text: &str| std::fs::write(versions.join(name), text).expect("write");
    write(
        "202511121302_baseline.sql",
        "-- migrate:up\n\n-- migrate:down\n",
    );
    write(
        "202511121400_add_t.sql",
        "-- revises: 202511121302_baseline\n\n-- migrate:up\nCREATE TABLE t ();\n\n-- migrate:down\nDROP TABLE t;\n",
    );
    let set = migrations_core::load_dir_as(&scratch.0.join("m"), "m").expect("a valid folder");
    let source = migrations_core::schema_file::Source::of(&set);
    let json = format!(
        "{{\n  \"head\": \"{}\",\n  \"source\": \"{source}\",\n  \"objects\": []\n}}\n",
        source.head
    );
    std::fs::write(scratch.0.join("m/schema.snapshot.json"), json).expect("write");
    let output = xtask(&scratch.0, &["check", "--migrations", "m"]);
    assert_eq!(
        output,
        // Every problem at once: the stale files, then the lint, which still ran.
        "exit: 1\nm/schema.sql is missing: run `cargo xtask schema` and commit the result\nlint ok: no findings in 2 files, for PostgreSQL 15\n"
    );
    let sql = format!("-- the schema\n{}\nBEGIN;\nCOMMIT;\n", source.sql_header());
    std::fs::write(scratch.0.join("m/schema.sql"), sql).expect("write");
    let output = xtask(&scratch.0, &["check", "--migrations", "m"]);
    assert!(output.starts_with("exit: 0\nok: 2 revisions"), "{output}");

    write(
        "202511121400_add_t.sql",
        "-- revises: 202511121302_baseline\n\n-- migrate:up\nCREATE TABLE t (id int);\n\n-- migrate:down\nDROP TABLE t;\n",
    );
    check(
        &scratch.0,
        &["check", "--migrations", "m"],
        expect![[r#"
            exit: 1
            m/schema.sql is stale: it was rendered at 202511121400_add_t (2 revisions, 0 repeatable migrations, checksum 72162a2b63296679), the folder is at 202511121400_add_t (2 revisions, 0 repeatable migrations, checksum 83018939a73171eb); run `cargo xtask schema` and commit the result
            m/schema.snapshot.json is stale: it was rendered at 202511121400_add_t (2 revisions, 0 repeatable migrations, checksum 72162a2b63296679), the folder is at 202511121400_add_t (2 revisions, 0 repeatable migrations, checksum 83018939a73171eb); run `cargo xtask schema` and commit the result
            m/versions/202511121400_add_t.sql:4:20: warning[prefer-bigint-over-int]: Using 32-bit integer fields can result in hitting the max `int` limit.
              help: Use 64-bit integer values instead to prevent hitting this limit.
            lint ok: 1 warning in 2 files, for PostgreSQL 15
        "#]],
    );
}
