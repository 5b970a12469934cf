//! The schema rendered as SQL builds what it was rendered from: the rich schema (an object of every
//! kind a snapshot reads) rendered, applied by psql to an empty database, and captured again, gives
//! the same snapshot. The rendering itself is kept in `support/rich_schema_rendered.sql`.

mod support;

use expect_test::expect_file;
use migrations_core::schema_file::Source;
use migrations_snapshot::{Roles, SchemaSnapshot, schema_files, server_major};
use support::{fresh_database, history_excluded, rich_schema, server_message};

fn psql(url: &str, sql: &str) -> Result<(), String> {
    let path = std::env::temp_dir().join(format!("render-{}.sql", std::process::id()));
    std::fs::write(&path, sql).expect("write the rendered schema");
    let output = std::process::Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f"])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| {
            panic!("psql is needed for this test ({e}): install postgresql-client")
        });
    let _ = std::fs::remove_file(&path);
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn the_rendered_rich_schema_builds_the_same_snapshot() {
    let options = history_excluded();
    let built = fresh_database();
    let mut client = built.connect();
    let fresh = SchemaSnapshot::capture(&mut client, &options).expect("capture");
    // The parts this installation cannot build (no contrib modules) are left out of both sides.
    let (schema, _left_out) = rich_schema(&mut client);
    client
        .batch_execute(&schema)
        .unwrap_or_else(|e| panic!("{}", server_message(&e)));
    let head = SchemaSnapshot::capture(&mut client, &options).expect("capture");
    let roles = Roles::read(&mut client, "refinery_schema_history").expect("roles");
    let source = Source {
        head: "202511121400_rich_schema".to_owned(),
        revisions: 2,
        repeatables: 0,
        checksum: "0000000000000000".to_owned(),
    };
    let major = server_major(&mut client).expect("server version");
    let files = schema_files(&head, &fresh, &roles, &source, major);

    let rebuilt = fresh_database();
    if let Err(error) = psql(rebuilt.url(), &files.sql) {
        panic!(
            "psql could not apply the rendered schema:\n{error}\n{}",
            files.sql
        );
    }
    let again = SchemaSnapshot::capture(&mut rebuilt.connect(), &options).expect("capture");
    let diff = head.diff(&again);
    assert!(
        diff.is_empty(),
        "the rendered schema built another schema (after = built from the file):\n{diff}\n{}",
        files.sql
    );
    expect_file!["support/rich_schema_rendered.sql"].assert_eq(
        &files
            .sql
            .replace(&format!("PostgreSQL {major}"), "PostgreSQL <major>"),
    );
}
