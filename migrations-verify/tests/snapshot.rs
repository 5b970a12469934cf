//! What a snapshot captures and leaves out, on a real PostgreSQL: equal snapshots for databases built
//! the same way, the empty database, the history tables, column order and the session left alone.

mod support;

use expect_test::{expect, expect_file};
use migrations_verify::{ColumnOrder, ObjectKind, SchemaSnapshot, SnapshotOptions};
use support::{
    fresh_database, history_excluded, redact_current_user, rich_schema, server_message,
    server_version,
};

fn capture(client: &mut postgres::Client, options: &SnapshotOptions) -> SchemaSnapshot {
    SchemaSnapshot::capture(client, options).expect("capture the schema snapshot")
}

fn run(client: &mut postgres::Client, sql: &str) {
    client
        .batch_execute(sql)
        .unwrap_or_else(|error| panic!("{}\nin:\n{sql}", server_message(&error)));
}

#[test]
fn databases_built_with_the_same_ddl_snapshot_equal() {
    let first_database = fresh_database();
    let mut first = first_database.connect();
    let (schema, _) = rich_schema(&mut first);
    run(&mut first, &schema);

    // Other OIDs, other session settings, and objects that come and go before the same DDL.
    let second_database = fresh_database();
    let mut second = second_database.connect();
    run(
        &mut second,
        "CREATE TABLE public.gone (id serial PRIMARY KEY, x text);
         CREATE TYPE public.gone_type AS ENUM ('a');
         DROP TABLE public.gone;
         DROP TYPE public.gone_type;",
    );
    run(&mut second, &schema);
    run(
        &mut second,
        "SET search_path = app, public;
         SET \"DateStyle\" = 'German, DMY';
         SET \"TimeZone\" = 'Asia/Tokyo';
         SET extra_float_digits = -3;",
    );

    let options = history_excluded();
    let before = capture(&mut first, &options);
    let after = capture(&mut second, &options);
    let diff = before.diff(&after);
    assert!(diff.is_empty(), "snapshots differ:\n{diff}");
    assert_eq!(before, after);
}

#[test]
fn a_snapshot_reads_every_kind_of_object() {
    let database = fresh_database();
    let mut client = database.connect();
    let options = history_excluded();
    let fresh = capture(&mut client, &options);
    let (schema, left_out) = rich_schema(&mut client);
    run(&mut client, &schema);
    let rich = capture(&mut client, &options);
    let mut report = String::new();
    for part in left_out {
        report.push_str(&format!("left out: {part}\n"));
    }
    report.push_str(&fresh.diff(&rich).to_string());
    // What a snapshot prints differs between versions (privileges, view definitions, the NOT NULL
    // constraints of PostgreSQL 18): one expectation per major, beside this file.
    let (major, _) = server_version(&mut client);
    expect_file![format!("expected/every_kind.pg{major}.txt")]
        .assert_eq(&redact_current_user(&mut client, &report));
}

#[test]
fn a_fresh_database_is_empty_until_something_is_created() {
    let database = fresh_database();
    let mut client = database.connect();
    let options = SnapshotOptions::default();
    let fresh = capture(&mut client, &options);
    assert!(
        fresh.is_empty(),
        "a fresh database is not empty:\n{fresh:#?}"
    );

    run(&mut client, "CREATE TABLE public.t (id integer)");
    assert!(!capture(&mut client, &options).is_empty());

    run(&mut client, "DROP TABLE public.t");
    let emptied = capture(&mut client, &options);
    assert!(emptied.is_empty());
    assert_eq!(fresh, emptied);
}

#[test]
fn history_tables_are_left_out_with_what_belongs_to_them() {
    let database = fresh_database();
    let mut client = database.connect();
    let fresh = capture(&mut client, &history_excluded());
    run(
        &mut client,
        "CREATE TABLE public.refinery_schema_history (
             version bigserial PRIMARY KEY,
             name text UNIQUE,
             applied_on text CHECK (applied_on <> ''),
             checksum text
         );
         COMMENT ON TABLE public.refinery_schema_history IS 'applied revisions';
         CREATE INDEX refinery_schema_history_applied_on_idx ON public.refinery_schema_history (applied_on);
         CREATE SCHEMA migrations;
         CREATE TABLE migrations.repeatable_history (name text PRIMARY KEY, id integer GENERATED ALWAYS AS IDENTITY);",
    );

    let options = SnapshotOptions {
        excluded_tables: vec![
            "refinery_schema_history".to_owned(),
            "migrations.repeatable_history".to_owned(),
        ],
        ..Default::default()
    };
    let diff = fresh.diff(&capture(&mut client, &options));
    assert!(diff.is_empty(), "history tables left a trace:\n{diff}");

    // The schema of a history table shows once something else lives in it.
    run(
        &mut client,
        "CREATE VIEW migrations.applied AS SELECT 1 AS one;",
    );
    let diff = fresh.diff(&capture(&mut client, &options));
    expect![[r#"
        + schema migrations: owner: <me>
        + view migrations.applied:
             SELECT 1 AS one;
            owner: <me>
    "#]]
    .assert_eq(&redact_current_user(&mut client, &diff.to_string()));

    let included = capture(&mut client, &SnapshotOptions::default());
    assert!(
        included
            .get(ObjectKind::Table, "public.refinery_schema_history")
            .is_some()
    );
    assert!(
        included
            .get(
                ObjectKind::Sequence,
                "public.refinery_schema_history_version_seq"
            )
            .is_some()
    );
}

#[test]
fn a_column_re_added_at_the_end_differs_unless_column_order_is_ignored() {
    let database = fresh_database();
    let mut client = database.connect();
    run(
        &mut client,
        "CREATE TABLE public.tenants (id integer, slug text, name text)",
    );
    let exact = SnapshotOptions::default();
    let ignore = SnapshotOptions {
        column_order: ColumnOrder::Ignore,
        ..Default::default()
    };
    let before_exact = capture(&mut client, &exact);
    let before_ignore = capture(&mut client, &ignore);

    // An up that drops a column, and a down that adds it back.
    run(
        &mut client,
        "ALTER TABLE public.tenants DROP COLUMN slug;
         ALTER TABLE public.tenants ADD COLUMN slug text;",
    );

    let diff = before_exact.diff(&capture(&mut client, &exact));
    expect![[r#"
        ~ table public.tenants:
            - columns: id, slug, name
            + columns: id, name, slug
    "#]]
    .assert_eq(&diff.to_string());
    let diff = before_ignore.diff(&capture(&mut client, &ignore));
    assert!(
        diff.is_empty(),
        "column order counted although ignored:\n{diff}"
    );
}

#[test]
fn a_capture_leaves_the_session_as_it_found_it() {
    let database = fresh_database();
    let mut client = database.connect();
    run(
        &mut client,
        "CREATE SCHEMA app;
         SET search_path = app, public;
         SET \"TimeZone\" = 'Asia/Tokyo';",
    );
    capture(&mut client, &SnapshotOptions::default());
    let row = client
        .query_one(
            "SELECT current_setting('search_path'), current_setting('TimeZone')",
            &[],
        )
        .expect("read the session settings");
    assert_eq!(row.get::<_, String>(0), "app, public");
    assert_eq!(row.get::<_, String>(1), "Asia/Tokyo");
    assert!(client.is_valid(std::time::Duration::from_secs(10)).is_ok());
}

#[test]
fn a_snapshot_and_a_diff_serialise_to_json_for_reports() {
    let database = fresh_database();
    let mut client = database.connect();
    let before = capture(&mut client, &SnapshotOptions::default());
    run(
        &mut client,
        "CREATE TYPE public.mood AS ENUM ('sad', 'happy');
         COMMENT ON SCHEMA public IS 'changed';",
    );
    let after = capture(&mut client, &SnapshotOptions::default());
    let json = serde_json::to_string_pretty(&before.diff(&after)).expect("serialise the diff");
    expect![[r#"
        {
          "changes": [
            {
              "change": "changed",
              "kind": "schema",
              "name": "public",
              "before": "owner: pg_database_owner\nprivileges: PUBLIC=U/pg_database_owner, pg_database_owner=UC/pg_database_owner\ncomment: \"standard public schema\"",
              "after": "owner: pg_database_owner\nprivileges: PUBLIC=U/pg_database_owner, pg_database_owner=UC/pg_database_owner\ncomment: \"changed\""
            },
            {
              "change": "added",
              "kind": "type",
              "name": "public.mood",
              "definition": "ENUM ('sad', 'happy')\nowner: <me>"
            }
          ]
        }"#]].assert_eq(&redact_current_user(&mut client, &json));

    let json = serde_json::to_value(&after).expect("serialise the snapshot");
    let kinds: Vec<&str> = json["objects"]
        .as_array()
        .expect("a list of objects")
        .iter()
        .filter_map(|object| object["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["extension", "schema", "type"]);
}

#[test]
fn a_capture_on_a_failed_transaction_says_what_to_do() {
    let database = fresh_database();
    let mut client = database.connect();
    let failure = client.batch_execute("BEGIN; SELECT 1 / 0;");
    assert!(failure.is_err(), "the division by zero should fail");

    let error = SchemaSnapshot::capture(&mut client, &SnapshotOptions::default())
        .expect_err("a capture inside a failed transaction");
    expect!["cannot start the read-only transaction for the schema snapshot: current transaction is aborted, commands ignored until end of transaction block; check that the connection is open and not inside a failed transaction"].assert_eq(&error.to_string());
}
