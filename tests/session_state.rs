//! A revision's session changes (`SET search_path`, `SET ROLE`, `SET statement_timeout`,
//! `SET TIME ZONE`) reach neither the runner's own statements nor the next revision: through the
//! blocking and the async library, the `migrate` command line, the dry-run script run by psql,
//! and verify. Every revision of the `session_state` fixture first fails if a setting leaked into
//! it, then changes one; one of them runs outside a transaction.

use migrations_core::Target;
use migrations_runtime::{Error, Runner};
use migrations_tests::{
    connect, database, fixture, fixture_dir, history, migrate_command, psql, run, runner,
    schema_snapshot, with_async_client,
};
use migrations_verify::progress::Silent;
use migrations_verify::{VerifyOptions, verify};

const FIXTURE: &str = "session_state";

/// What a session's settings are, as a revision sees them.
fn settings(client: &mut postgres::Client) -> Vec<String> {
    client
        .query(
            "SELECT name || ' = ' || setting FROM pg_settings \
             WHERE name IN ('search_path', 'statement_timeout', 'TimeZone', 'work_mem') \
             UNION ALL SELECT 'role = ' || current_user ORDER BY 1",
            &[],
        )
        .expect("read settings")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

#[test]
fn each_revision_starts_from_the_connections_settings_in_the_blocking_runner() {
    let db = database();
    let mut client = connect(&db);
    // The application's own session setting survives the run; the revisions' do not.
    client
        .batch_execute("SET work_mem = '7MB'")
        .expect("set work_mem");
    let before = settings(&mut client);
    let runner = runner(FIXTURE);
    let report = runner
        .upgrade(&mut client, Target::Head)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.steps.len(), 6);
    assert_eq!(settings(&mut client), before, "after upgrade");
    assert_eq!(history(&mut client).len(), 6);
    runner
        .downgrade(&mut client, Target::Base)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(settings(&mut client), before, "after downgrade");
    assert!(history(&mut client).is_empty());
    // Up again, one revision at a time: each starts where the previous one left the session.
    for _ in 0..6 {
        runner
            .upgrade(&mut client, "+1".parse().expect("target"))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(settings(&mut client), before);
}

#[test]
fn each_revision_starts_from_the_connections_settings_in_the_async_runner() {
    let db = database();
    let runner = runner(FIXTURE);
    with_async_client(db.url().expose(), async |client| {
        runner
            .upgrade_async(client, Target::Head)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        runner
            .downgrade_async(client, Target::Base)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        runner
            .upgrade_async(client, Target::Head)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let row = client
            .query_one(
                "SELECT current_setting('search_path'), current_user::text = session_user::text",
                &[],
            )
            .await
            .expect("read settings");
        assert_eq!(row.get::<_, String>(0), "\"$user\", public");
        assert!(row.get::<_, bool>(1), "the role was reset");
    });
    assert_eq!(history(&mut connect(&db)).len(), 6);
}

#[test]
fn the_command_line_and_the_dry_run_script_reset_between_revisions() {
    let folder = fixture_dir(FIXTURE);
    let migrate = |url: Option<&str>, args: &[&str]| {
        run(&mut migrate_command(
            env!("CARGO_BIN_EXE_fixture-migrate"),
            Some(&folder),
            url,
            args,
        ))
    };
    let (migrated, scripted) = (database(), database());
    for args in [&["upgrade"][..], &["downgrade", "base"], &["upgrade"]] {
        let done = migrate(Some(migrated.url().expose()), args);
        assert_eq!(done.code, 0, "{args:?}: {}", done.output());
    }

    // The script resolves the history table's schema itself and resets after each revision.
    let script = migrate(None, &["upgrade", "--sql", "base:head"]);
    assert_eq!(script.code, 0, "{}", script.stderr);
    assert!(
        script.stdout.contains(
            "AS migrate_history_schema \\gset\nCREATE TABLE IF NOT EXISTS :\"migrate_history_schema\".\"refinery_schema_history\"("
        ),
        "{}",
        script.stdout
    );
    assert!(
        script
            .stdout
            .contains("CREATE TABLE things (id int PRIMARY KEY);\nRESET ALL;\nRESET ROLE;\nINSERT INTO :\"migrate_history_schema\".\"refinery_schema_history\""),
        "{}",
        script.stdout
    );
    psql(scripted.url().expose(), &script.stdout);
    let (mut a, mut b) = (connect(&migrated), connect(&scripted));
    assert_eq!(history(&mut a), history(&mut b));
    let diff = schema_snapshot(&mut a).diff(&schema_snapshot(&mut b));
    assert!(diff.is_empty(), "{diff}");

    // Rendered from the database, the script names the schema it found.
    let down = migrate(
        Some(migrated.url().expose()),
        &["downgrade", "--sql", "base"],
    );
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert!(
        down.stdout
            .contains("RESET ROLE;\nDELETE FROM \"public\".\"refinery_schema_history\" WHERE version = 202601010200;"),
        "{}",
        down.stdout
    );
    psql(migrated.url().expose(), &down.stdout);
    assert!(history(&mut a).is_empty());
}

#[test]
fn verify_passes_revisions_that_change_session_settings() {
    let server =
        migrations_disposable::DisposableServer::shared().unwrap_or_else(|e| panic!("{e}"));
    let report = verify(
        &fixture(FIXTURE),
        server,
        &VerifyOptions::default(),
        &mut Silent,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.ok(), "{report}");
    assert_eq!(report.revisions.len(), 6);
}

#[test]
fn the_history_table_lives_in_the_schema_the_connection_starts_in() {
    let db = database();
    let mut client = connect(&db);
    client
        .batch_execute("CREATE SCHEMA app; SET search_path TO app")
        .expect("schema");
    let runner = Runner::new(fixture("basic"));
    runner
        .upgrade(&mut client, "+2".parse().expect("target"))
        .unwrap_or_else(|e| panic!("{e}"));
    let schemas = |client: &mut postgres::Client| -> Vec<String> {
        client
            .query(
                "SELECT schemaname || '.' || tablename FROM pg_tables WHERE tablename LIKE 'refinery%' ORDER BY 1",
                &[],
            )
            .expect("tables")
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    assert_eq!(
        schemas(&mut client),
        [
            "app.refinery_schema_history",
            "app.refinery_schema_history_dirty",
            "app.refinery_schema_history_repeatable"
        ]
    );
    // Found there on the next run, whatever else is first on the path by then.
    client
        .batch_execute("SET search_path TO app, public")
        .expect("path");
    runner
        .upgrade(&mut client, Target::Head)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(schemas(&mut client).len(), 3);
    assert_eq!(runner.current(&mut client).expect("current").pending, 0);

    // A path that names no schema is a clear error, and nothing is created.
    let other = database();
    let mut client = connect(&other);
    client
        .batch_execute("SET search_path TO nowhere")
        .expect("path");
    let error = runner
        .upgrade(&mut client, Target::Head)
        .expect_err("no schema");
    assert!(matches!(error, Error::NoHistorySchema { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("--history-table <schema>.refinery_schema_history")
    );
    assert!(schemas(&mut client).is_empty());
}
