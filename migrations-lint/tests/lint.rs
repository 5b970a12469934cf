//! The linter on small folders: each case a folder written as text, linted from disk as
//! `cargo xtask lint` does, and the exact report a person reads.
//!
//! A fixture is `=== <path>` lines, each followed by the file's contents; `versions/` gets the
//! baseline by itself.

use expect_test::{Expect, expect};
use migrations_core::load_dir_as;
use migrations_lint::lint_folder;

const BASELINE: &str = "=== versions/202511121302_baseline.sql\n-- migrate:up\n-- migrate:down\n";

/// A revision file revising `revises`, with optional extra header lines.
fn revision(revises: &str, header: &str, up: &str, down: &str) -> String {
    format!("-- revises: {revises}\n{header}-- migrate:up\n{up}\n-- migrate:down\n{down}\n")
}

/// Two tables made by the first revision, so that later revisions change existing tables.
fn tables() -> String {
    format!(
        "=== versions/202511121400_add_tables.sql\n{}",
        revision(
            "202511121302_baseline",
            "",
            "CREATE TABLE tenants (id bigint PRIMARY KEY);\nCREATE TABLE events (id bigint PRIMARY KEY, tenant_id bigint);",
            "DROP TABLE events;\nDROP TABLE tenants;"
        )
    )
}

/// Writes the fixture to a temporary folder, loads it as `migrations` and lints it.
fn lint_fixture(fixture: &str) -> migrations_lint::LintReport {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for file in format!("{BASELINE}{fixture}")
        .split("=== ")
        .filter(|f| !f.is_empty())
    {
        let (path, contents) = file.split_once('\n').unwrap_or((file, ""));
        let path = dir.path().join(path.trim());
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("create the folder");
        std::fs::write(&path, contents).expect("write the fixture");
    }
    let set = load_dir_as(dir.path(), "migrations").expect("the fixture passes check");
    lint_folder(dir.path(), "migrations", &set)
}

fn check(fixture: &str, expect: Expect) {
    expect.assert_eq(&lint_fixture(fixture).to_string());
}

#[test]
fn a_foreign_key_without_not_valid_on_an_existing_table_is_an_error() {
    check(
        &format!(
            "{}=== versions/202511121500_add_fk.sql\n{}",
            tables(),
            revision(
                "202511121400_add_tables",
                "",
                "ALTER TABLE events\n    ADD CONSTRAINT events_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id);",
                "ALTER TABLE events DROP CONSTRAINT events_tenant_fk;"
            )
        ),
        expect![[r#"
            migrations/versions/202511121500_add_fk.sql:4:5: error[constraint-missing-not-valid]: By default new constraints require a table scan and block writes to the table while that scan occurs.
              help: Use `NOT VALID` with a later `VALIDATE CONSTRAINT` call.
            migrations/versions/202511121500_add_fk.sql:4:9: error[adding-foreign-key-constraint]: Adding a foreign key constraint requires a table scan and a `SHARE ROW EXCLUSIVE` lock on both tables, which blocks writes to each table.
              help: Add `NOT VALID` to the constraint in one transaction and then VALIDATE the constraint in a separate transaction.
            a finding that is safe where it is (a new or small table, a column no code reads) is allowed with `-- lint: allow <rule> -- <reason>` in the file's header; each rule is explained at https://squawkhq.com/docs/<rule>
            lint FAILED: 2 errors in 3 files, for PostgreSQL 15"#]],
    );
}

#[test]
fn what_a_revision_creates_itself_is_not_flagged() {
    check(
        &format!(
            "=== versions/202511121400_add_tables.sql\n{}",
            revision(
                "202511121302_baseline",
                "",
                "CREATE TABLE tenants (id bigint PRIMARY KEY);\nCREATE TABLE events (id bigint PRIMARY KEY, tenant_id bigint);\nALTER TABLE events ADD CONSTRAINT events_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id);\nCREATE INDEX events_tenant_idx ON events (tenant_id);",
                "DROP TABLE events;\nDROP TABLE tenants;"
            )
        ),
        expect!["lint ok: no findings in 2 files, for PostgreSQL 15"],
    );
}

#[test]
fn indexes_are_linted_with_the_revisions_transaction() {
    check(
        &format!(
            "{}=== versions/202511121500_index.sql\n{}=== versions/202511121510_index_concurrently.sql\n{}=== versions/202511121520_index_outside.sql\n{}",
            tables(),
            revision(
                "202511121400_add_tables",
                "",
                "CREATE INDEX events_tenant_idx ON events (tenant_id);",
                "DROP INDEX events_tenant_idx;"
            ),
            revision(
                "202511121500_index",
                "",
                "CREATE INDEX CONCURRENTLY events_id_tenant_idx ON events (id, tenant_id);",
                "DROP INDEX events_id_tenant_idx;"
            ),
            revision(
                "202511121510_index_concurrently",
                "",
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS events_tenant_id_idx ON events (tenant_id, id);",
                "DROP INDEX CONCURRENTLY IF EXISTS events_tenant_id_idx;"
            )
            .replace("-- migrate:up\n", "-- migrate:up transaction:false\n"),
        ),
        expect![[r#"
            migrations/versions/202511121500_index.sql:3:1: error[require-concurrent-index-creation]: During normal index creation, table updates are blocked, but reads are still allowed.
              help: Use `concurrently` to avoid blocking writes.
            migrations/versions/202511121510_index_concurrently.sql:3:1: warning[prefer-robust-stmts]: Missing `IF NOT EXISTS`, the migration can't be rerun if it fails part way through.
              help: Use an explicit name for a concurrently created index
            migrations/versions/202511121510_index_concurrently.sql:3:14: error[ban-concurrent-index-creation-in-transaction]: While regular index creation can happen inside a transaction, this is not allowed when the `CONCURRENTLY` option is used.
              help: Build the index outside any transactions.
            a finding that is safe where it is (a new or small table, a column no code reads) is allowed with `-- lint: allow <rule> -- <reason>` in the file's header; each rule is explained at https://squawkhq.com/docs/<rule>
            lint FAILED: 2 errors and 1 warning in 5 files, for PostgreSQL 15"#]],
    );
}

#[test]
fn allow_headers_let_a_rule_through_and_name_unknown_or_unused_rules() {
    check(
        &format!(
            "{}=== versions/202511121500_widen.sql\n{}",
            tables(),
            revision(
                "202511121400_add_tables",
                "-- lint: allow changing-column-type -- events is empty until the next release\n-- lint: allow renaming-column, no-such-rule -- kept from an earlier draft\n",
                "ALTER TABLE events ALTER COLUMN tenant_id TYPE numeric;",
                "ALTER TABLE events ALTER COLUMN tenant_id TYPE bigint;"
            )
        ),
        expect![[r#"
            migrations/versions/202511121500_widen.sql:3: no lint rule is named `no-such-rule`
              help: name a rule as squawk does (https://squawkhq.com/docs/rules), e.g. `changing-column-type`; `syntax-error` and `unused-allow` are the linter's own
            migrations/versions/202511121500_widen.sql:3:1: warning[unused-allow]: `renaming-column` is allowed, but nothing in the file breaks it
              help: remove `renaming-column` from the `-- lint: allow` header
            lint FAILED: 1 problem and 1 warning in 3 files, for PostgreSQL 15; 1 allowed by `-- lint: allow` headers"#]],
    );
}

#[test]
fn the_baseline_turns_old_findings_into_notes_and_settings_change_severities() {
    let fixture = format!(
        "{}=== versions/202511121500_drop.sql\n{}=== versions/202511121510_rename.sql\n{}=== lint.toml\nbaseline = \"202511121500\"\n\n[rules]\nrenaming-column = \"warning\"\nprefer-bigint-over-int = \"off\"\n",
        tables(),
        revision(
            "202511121400_add_tables",
            "",
            "ALTER TABLE events DROP COLUMN tenant_id;",
            "ALTER TABLE events ADD COLUMN tenant_id bigint;"
        ),
        revision(
            "202511121500_drop",
            "",
            "ALTER TABLE events RENAME COLUMN id TO event_id;\nALTER TABLE events ADD COLUMN n int;",
            "ALTER TABLE events DROP COLUMN n;\nALTER TABLE events RENAME COLUMN event_id TO id;"
        ),
    );
    check(
        &fixture,
        expect![[r#"
            migrations/versions/202511121500_drop.sql:3:20: note[ban-drop-column]: Dropping a column may break existing clients.
              help: see https://squawkhq.com/docs/ban-drop-column for the safe way, or allow it in the header when it is safe here
            migrations/versions/202511121510_rename.sql:3:20: warning[renaming-column]: Renaming a column may break existing clients.
              help: see https://squawkhq.com/docs/renaming-column for the safe way, or allow it in the header when it is safe here
            lint ok: 1 warning and 1 note in 4 files, for PostgreSQL 15"#]],
    );
}

#[test]
fn the_postgresql_version_decides_what_rewrites() {
    let add_column = |lint_toml: &str| {
        format!(
            "{}=== versions/202511121500_add_flag.sql\n{}{lint_toml}",
            tables(),
            revision(
                "202511121400_add_tables",
                "",
                "ALTER TABLE events ADD COLUMN flag boolean NOT NULL DEFAULT false;",
                "ALTER TABLE events DROP COLUMN flag;"
            )
        )
    };
    check(
        &add_column(""),
        expect!["lint ok: no findings in 3 files, for PostgreSQL 15"],
    );
    check(
        &add_column("=== lint.toml\npostgres-version = 10\n"),
        expect![[r#"
            migrations/versions/202511121500_add_flag.sql:3:61: error[adding-field-with-default]: Adding a generated column requires a table rewrite with an `ACCESS EXCLUSIVE` lock. In Postgres versions 11+, non-VOLATILE DEFAULTs can be added without a rewrite.
              help: Add the column as nullable, backfill existing rows, and add a trigger to update the column on write instead.
            a finding that is safe where it is (a new or small table, a column no code reads) is allowed with `-- lint: allow <rule> -- <reason>` in the file's header; each rule is explained at https://squawkhq.com/docs/<rule>
            lint FAILED: 1 error in 3 files, for PostgreSQL 10"#]],
    );
}

#[test]
fn repeatables_are_linted_and_inline_ignores_are_refused() {
    check(
        &format!(
            "{}=== repeatable/views.sql\n-- requires: 202511121400_add_tables\n-- Recreated on every change.\nDROP VIEW IF EXISTS tenant_events;\n  -- squawk-ignore ban-drop-column\nCREATE VIEW tenant_events AS SELECT tenant_id, count(*) FROM events GROUP BY tenant_id;\n",
            tables()
        ),
        expect![[r#"
            migrations/repeatable/views.sql:4: `-- squawk-ignore` opts out of a rule without a reason
              help: remove the comment and add `-- lint: allow <rule> -- <reason>` to the file's header instead, so that the reason is reviewed
            migrations/repeatable/views.sql:3:1: error[ban-drop-view]: Dropping a view may break existing clients.
              help: see https://squawkhq.com/docs/ban-drop-view for the safe way, or allow it in the header when it is safe here
            a finding that is safe where it is (a new or small table, a column no code reads) is allowed with `-- lint: allow <rule> -- <reason>` in the file's header; each rule is explained at https://squawkhq.com/docs/<rule>
            lint FAILED: 1 problem and 1 error in 3 files, for PostgreSQL 15"#]],
    );
}

#[test]
fn bad_settings_are_the_only_thing_reported() {
    check(
        &format!(
            "{}=== lint.toml\nbaseline = \"202611260209_no_such_revision\"\npostgres = 15\n",
            tables()
        ),
        expect![[r#"
            migrations/lint.toml:2: unknown field `postgres`, expected one of `postgres-version`, `baseline`, `rules`
              help: the settings are `postgres-version = 15`, `baseline = "<revision>"` and a `[rules]` table of `<rule> = "error" | "warning" | "off"` (README.md, "Lint")
            lint FAILED: 1 problem; nothing was linted: the settings come first"#]],
    );
    check(
        &format!(
            "{}=== lint.toml\nbaseline = \"202611260209_no_such_revision\"\n",
            tables()
        ),
        expect![[r#"
            migrations/lint.toml:1: the baseline `202611260209_no_such_revision` is not a revision of this folder
              help: name the newest revision whose findings are only notes, by file stem, id or slug
            lint FAILED: 1 problem in 2 files, for PostgreSQL 15"#]],
    );
}

#[test]
fn the_json_report() {
    let report = lint_fixture(&format!(
        "{}=== versions/202511121500_add_fk.sql\n{}",
        tables(),
        revision(
            "202511121400_add_tables",
            "-- lint: allow constraint-missing-not-valid -- reported once, as the foreign key\n",
            "ALTER TABLE events ADD CONSTRAINT events_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id);",
            "ALTER TABLE events DROP CONSTRAINT events_tenant_fk;"
        )
    ));
    let json = serde_json::to_string_pretty(&report).expect("the report serialises");
    expect![[r#"
        {
          "postgres_version": 15,
          "findings": [
            {
              "file": "migrations/versions/202511121500_add_fk.sql",
              "line": 4,
              "column": 24,
              "migration": "202511121500_add_fk",
              "rule": "adding-foreign-key-constraint",
              "level": "error",
              "message": "Adding a foreign key constraint requires a table scan and a `SHARE ROW EXCLUSIVE` lock on both tables, which blocks writes to each table.",
              "help": "Add `NOT VALID` to the constraint in one transaction and then VALIDATE the constraint in a separate transaction."
            }
          ],
          "problems": [],
          "totals": {
            "files": 3,
            "errors": 1,
            "warnings": 0,
            "notes": 0,
            "allowed": 1,
            "problems": 0
          }
        }"#]]
    .assert_eq(&json);
    let back: migrations_lint::LintReport = serde_json::from_str(&json).expect("and reads back");
    assert_eq!(back, report);
}
