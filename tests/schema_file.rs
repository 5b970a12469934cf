//! `schema.sql` builds what the revisions build: rendered at head, applied by psql to an empty
//! database, it gives the snapshot of a database upgraded to head; for this project's revisions and
//! for a fixture with a function, a trigger, a view, an enum and row-level security.

use migrations_core::RevisionSet;
use migrations_core::history::HistoryTable;
use migrations_core::schema_file::Source;
use migrations_disposable::DisposableServer;
use migrations_runtime::{Runner, Target};
use migrations_snapshot::{HeadSchema, SchemaSnapshot};
use migrations_tests::{connect, database, fixture, psql, workspace_root};
use migrations_verify::schema_files::{render_at_head, snapshot_options};

fn project() -> RevisionSet {
    migrations_core::load_dir_as(&workspace_root().join("migrations"), "migrations")
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Renders the set's files, applies schema.sql, and compares with a database upgraded to head.
fn round_trip(set: &RevisionSet) {
    let server = DisposableServer::shared().unwrap_or_else(|e| panic!("{e}"));
    let history = HistoryTable::default();
    let files = render_at_head(set, server, &history).unwrap_or_else(|e| panic!("{e}"));
    let options = snapshot_options(&history);

    let upgraded = database();
    let mut client = connect(&upgraded);
    Runner::new(set.clone())
        .upgrade(&mut client, Target::Head)
        .unwrap_or_else(|e| panic!("{e}"));
    let expected = SchemaSnapshot::capture(&mut client, &options).expect("snapshot");

    let applied = database();
    psql(applied.url().expose(), &files.sql);
    let actual = SchemaSnapshot::capture(&mut connect(&applied), &options).expect("snapshot");
    let diff = expected.diff(&actual);
    assert!(
        diff.is_empty(),
        "schema.sql built another schema (after: built from the file):\n{diff}\n{}",
        files.sql
    );
    assert_eq!(
        Source::from_sql(&files.sql).as_ref(),
        Some(&Source::of(set))
    );
    let snapshot = HeadSchema::from_json(&files.snapshot_json).expect("the snapshot file parses");
    assert_eq!(snapshot.head, Source::of(set).head);
}

#[test]
fn the_project_schema_file_builds_the_schema_at_head() {
    round_trip(&project());
}

#[test]
fn the_rich_fixture_schema_file_builds_the_schema_at_head() {
    round_trip(&fixture("verify_rich"));
}

#[test]
fn the_committed_schema_files_are_those_of_the_project_revisions() {
    let dir = workspace_root().join("migrations");
    let read =
        |name| std::fs::read_to_string(dir.join(name)).expect("the schema files are committed");
    let source = Source::of(&project());
    let stale = |file: &str, found: Option<Source>| source.staleness(file, found.as_ref());
    let sql = read(migrations_core::schema_file::SCHEMA_SQL);
    let json = read(migrations_core::schema_file::SCHEMA_SNAPSHOT);
    assert_eq!(stale("migrations/schema.sql", Source::from_sql(&sql)), None);
    assert_eq!(
        stale(
            "migrations/schema.snapshot.json",
            Source::from_snapshot_json(&json)
        ),
        None
    );
    HeadSchema::from_json(&json).expect("the snapshot file parses");
}

/// The rich fixture without its last revision (an index), as a folder of its own.
fn rich_without_last_revision() -> (tempfile::TempDir, RevisionSet) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let from = migrations_tests::fixture_dir("verify_rich");
    for sub in ["versions", "repeatable"] {
        std::fs::create_dir_all(dir.path().join(sub)).expect("create");
        let mut files: Vec<_> = std::fs::read_dir(from.join(sub))
            .expect("fixture")
            .map(|entry| entry.expect("entry").path())
            .collect();
        files.sort();
        if sub == "versions" {
            files.pop();
        }
        for file in files {
            let name = file.file_name().expect("a file name").to_owned();
            std::fs::copy(&file, dir.path().join(sub).join(name)).expect("copy");
        }
    }
    let set = migrations_core::load_dir_as(dir.path(), "rich").unwrap_or_else(|e| panic!("{e}"));
    (dir, set)
}

#[test]
fn verify_fails_schema_files_of_other_revisions_naming_the_objects() {
    let server = DisposableServer::shared().unwrap_or_else(|e| panic!("{e}"));
    let (_dir, older) = rich_without_last_revision();
    let stale =
        render_at_head(&older, server, &HistoryTable::default()).unwrap_or_else(|e| panic!("{e}"));
    let options = migrations_verify::VerifyOptions {
        schema_files: Some(migrations_verify::schema_files::CommittedSchemaFiles {
            folder: "rich".to_owned(),
            sql: Some(stale.sql),
            snapshot_json: Some(stale.snapshot_json),
        }),
        ..migrations_verify::VerifyOptions::default()
    };
    let report = migrations_verify::verify(
        &fixture("verify_rich"),
        server,
        &options,
        &mut migrations_verify::progress::Silent,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(!report.ok());
    let check = report
        .checks
        .iter()
        .find(|check| check.check.contains("schema.sql"))
        .expect("the schema files are checked");
    let json = serde_json::to_string_pretty(check).expect("json");
    expect_test::expect![[r#"
        {
          "check": "rich/schema.sql and rich/schema.snapshot.json are the schema at head",
          "status": "differs",
          "diff": [
            {
              "change": "added",
              "kind": "index",
              "name": "public.events_tenant_idx",
              "definition": "CREATE INDEX events_tenant_idx ON public.events USING btree (tenant_id)"
            }
          ],
          "error": "rich/schema.snapshot.json is stale (before: the file, after: the schema the revisions build at head): run `cargo migrations schema` and commit the result"
        }"#]]
    .assert_eq(&json);
}
