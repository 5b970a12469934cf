//! The runner on a real PostgreSQL, each test on a database of its own: upgrade, downgrade,
//! stamp, atomic failures, non-transactional revisions, the lock, and the history checks.

use std::time::Duration;

use migrations_core::{Command, Target};
use migrations_runtime::{Error, Outcome, Resolution, Runner, StepKind};
use migrations_tests::{
    applications, connect, database, expected_history, fixture, history, runner, tables,
    with_async_client,
};

fn target(text: &str) -> Target {
    text.parse().expect("a valid target")
}

#[test]
fn upgrade_applies_every_revision_once_with_its_history_row() {
    let db = database();
    let mut client = connect(&db);
    let runner = runner("basic");
    let report = runner.upgrade(&mut client, Target::Head).expect("upgrade");
    assert_eq!(report.steps.len(), 4);
    assert!(report.steps.iter().all(|s| s.kind == StepKind::Upgrade));
    assert_eq!(
        (report.from.as_str(), report.to.as_str()),
        ("base", "202511121420_add_events")
    );
    assert_eq!(
        tables(&mut client),
        [
            "applications",
            "events",
            "refinery_schema_history",
            "refinery_schema_history_dirty",
            "refinery_schema_history_repeatable",
            "tenants"
        ]
    );
    assert_eq!(
        history(&mut client),
        expected_history(runner.revisions(), 4)
    );
    assert_eq!(
        applications(&mut client),
        ["create_counter", "add_tenants", "add_events"]
    );

    let again = runner
        .upgrade(&mut client, Target::Head)
        .expect("second upgrade");
    assert!(again.steps.is_empty());
    assert_eq!(
        again.to_string(),
        "nothing to do: the database is at 202511121420_add_events"
    );
    assert_eq!(applications(&mut client).len(), 3);
}

#[test]
fn upgrade_stops_at_a_target_and_goes_on_by_steps() {
    let db = database();
    let mut client = connect(&db);
    let runner = runner("basic");
    runner
        .upgrade(&mut client, target("202511121400_create_counter"))
        .expect("upgrade to a revision");
    assert_eq!(
        history(&mut client),
        expected_history(runner.revisions(), 2)
    );
    runner.upgrade(&mut client, target("+1")).expect("one more");
    assert_eq!(
        history(&mut client),
        expected_history(runner.revisions(), 3)
    );
    let error = runner
        .upgrade(&mut client, target("+2"))
        .expect_err("past head");
    assert_eq!(
        error.to_string(),
        "`+2` goes past head: only 1 revisions are pending; `head` applies them all"
    );
    let error = runner
        .upgrade(&mut client, target("create_counter"))
        .expect_err("below current");
    assert_eq!(
        error.to_string(),
        "cannot upgrade to `create_counter`: it is below the current revision `202511121410_add_tenants`; use `downgrade create_counter`"
    );
    let error = runner
        .upgrade(&mut client, target("nope"))
        .expect_err("unknown");
    assert_eq!(
        error.to_string(),
        "unknown revision `nope`: name a revision by file stem, id or slug (`migrate history` lists them)"
    );
}

#[test]
fn a_failing_revision_leaves_the_database_as_before_it_and_names_its_line() {
    let db = database();
    let mut client = connect(&db);
    let runner = runner("failing");
    let error = runner
        .upgrade(&mut client, Target::Head)
        .expect_err("the third revision fails");
    assert_eq!(
        error.to_string(),
        "upgrade of `202511121410_add_broken` failed at fixtures/failing/versions/202511121410_add_broken.sql:6: ERROR 22012: division by zero\n  the revision was rolled back; the database is as it was before it"
    );
    assert!(matches!(
        error,
        Error::Statement {
            outcome: Outcome::RolledBack,
            ..
        }
    ));
    assert_eq!(error.db_error().map(|e| e.code.as_str()), Some("22012"));
    // The table its first statement created is gone with it; the revisions before it stay.
    assert!(!tables(&mut client).contains(&"broken".to_owned()));
    assert_eq!(
        history(&mut client),
        expected_history(runner.revisions(), 2)
    );
    // The lock is free: the next run gets it at once and fails the same way.
    let again = runner
        .with_lock_timeout(Duration::from_millis(50))
        .upgrade(&mut client, Target::Head);
    assert!(matches!(again, Err(Error::Statement { .. })), "{again:?}");
}

#[test]
fn syntax_errors_point_at_their_line_inside_the_statement() {
    let db = database();
    let mut client = connect(&db);
    let set = migrations_core::Folder::parse(&migrations_core::Sources {
        display_root: "inline".to_owned(),
        versions: Some(vec![
            migrations_core::load::Entry::File {
                name: "202511121302_baseline.sql".to_owned(),
                contents: b"-- migrate:up\n-- migrate:down\n".to_vec(),
            },
            migrations_core::load::Entry::File {
                name: "202511121400_typo.sql".to_owned(),
                contents: b"-- revises: 202511121302_baseline\n-- migrate:up\nCREATE TABLE t (\n    id int,\n    name txet\n);\n-- migrate:down\nDROP TABLE t;\n".to_vec(),
            },
        ]),
        ..Default::default()
    })
    .into_set()
    .expect("valid folder");
    let error = Runner::new(set)
        .upgrade(&mut client, Target::Head)
        .expect_err("unknown type");
    assert!(
        error.to_string().starts_with("upgrade of `202511121400_typo` failed at inline/versions/202511121400_typo.sql:5: ERROR 42704: type \"txet\" does not exist"),
        "{error}"
    );
}

/// A folder of a baseline and one revision with this up section.
fn one_revision(up: &str) -> migrations_core::RevisionSet {
    migrations_core::Folder::parse(&migrations_core::Sources {
        display_root: "inline".to_owned(),
        versions: Some(vec![
            migrations_core::load::Entry::File {
                name: "202511121302_baseline.sql".to_owned(),
                contents: b"-- migrate:up\n-- migrate:down\n".to_vec(),
            },
            migrations_core::load::Entry::File {
                name: "202511121400_late_failure.sql".to_owned(),
                contents: format!("-- revises: 202511121302_baseline\n-- migrate:up\n{up}\n-- migrate:down\nDROP TABLE child;\nDROP TABLE parent;\n").into_bytes(),
            },
        ]),
        ..Default::default()
    })
    .into_set()
    .expect("valid folder")
}

/// Upgrades a fresh database to head with the blocking driver and another with the async one,
/// which sends each transaction as one query string; both must fail the same way, leave the
/// database as before the revision, and free the lock.
fn both_drivers_fail_alike(set: migrations_core::RevisionSet, expected: &str) {
    let runner = Runner::new(set);
    let check = |client: &mut postgres::Client, error: Error, driver: &str| {
        assert!(
            error.to_string().starts_with(expected),
            "{driver}: {error}\nexpected: {expected}"
        );
        assert!(!tables(client).contains(&"parent".to_owned()), "{driver}");
        assert_eq!(
            history(client),
            expected_history(runner.revisions(), 1),
            "{driver}"
        );
    };
    let db = database();
    let mut client = connect(&db);
    let error = runner
        .upgrade(&mut client, Target::Head)
        .expect_err("the revision fails");
    check(&mut client, error, "postgres");
    // Nothing of the transaction is left open: the next run gets the lock and fails alike.
    let again = runner
        .upgrade(&mut client, Target::Head)
        .expect_err("fails again");
    assert!(again.to_string().starts_with(expected), "{again}");

    let db = database();
    let error = with_async_client(db.url().expose(), async |client| {
        let error = runner
            .upgrade_async(client, Target::Head)
            .await
            .expect_err("the revision fails");
        let again = runner
            .upgrade_async(client, Target::Head)
            .await
            .expect_err("fails again");
        assert!(again.to_string().starts_with(expected), "{again}");
        error
    });
    check(&mut connect(&db), error, "tokio-postgres");
}

/// Where a failure is reported, whichever statement of the transaction fails and however the
/// driver sends it: the revision's line (inside the statement when the server gives a position),
/// the history change, or the `COMMIT`.
#[test]
fn every_failure_in_a_transaction_is_located() {
    let cases = [
        (
            "CREATE TABLE parent (id int PRIMARY KEY);\nCREATE TABLE child (\n    parent_id int,\n    x int DEFAULT 1 / 0\n);\nINSERT INTO child DEFAULT VALUES;",
            "upgrade of `202511121400_late_failure` failed at inline/versions/202511121400_late_failure.sql:8: ERROR 22012: division by zero",
        ),
        (
            "CREATE TABLE parent (id int PRIMARY KEY);\nCREATE TABLE child (\n    parent_id int,\n    name txet\n);",
            "upgrade of `202511121400_late_failure` failed at inline/versions/202511121400_late_failure.sql:6: ERROR 42704: type \"txet\" does not exist",
        ),
        (
            "CREATE TABLE parent (id int PRIMARY KEY);\nCREATE TABLE child (parent_id int);\nSELEC 1;",
            "upgrade of `202511121400_late_failure` failed at inline/versions/202511121400_late_failure.sql:5: ERROR 42601: syntax error at or near \"SELEC\"",
        ),
        (
            "CREATE TABLE parent (id int PRIMARY KEY);\nCREATE TABLE parent (id int);",
            "upgrade of `202511121400_late_failure` failed at inline/versions/202511121400_late_failure.sql:4: ERROR 42P07: relation \"parent\" already exists",
        ),
        (
            "CREATE TABLE parent (id int PRIMARY KEY);\nCREATE TABLE child (parent_id int REFERENCES parent DEFERRABLE INITIALLY DEFERRED);\nINSERT INTO child VALUES (1);",
            "upgrade of `202511121400_late_failure` failed at commit: ERROR 23503",
        ),
        (
            "CREATE TABLE parent (id int PRIMARY KEY);\nCREATE TABLE child (parent_id int);\nALTER TABLE refinery_schema_history ADD CONSTRAINT no_later_versions CHECK (version < 202511121400) NOT VALID;",
            "recording the history failed: ERROR 23514",
        ),
    ];
    for (up, expected) in cases {
        both_drivers_fail_alike(one_revision(up), expected);
    }
}

#[test]
fn downgrade_runs_down_sections_newest_first() {
    let db = database();
    let mut client = connect(&db);
    let runner = runner("basic");
    runner.upgrade(&mut client, Target::Head).expect("upgrade");
    let report = runner
        .downgrade(&mut client, target("-1"))
        .expect("downgrade -1");
    assert_eq!(report.steps.len(), 1);
    assert_eq!(
        report.steps[0].label,
        "Running downgrade 202511121420_add_events -> 202511121410_add_tenants"
    );
    assert_eq!(
        history(&mut client),
        expected_history(runner.revisions(), 3)
    );
    assert!(!tables(&mut client).contains(&"events".to_owned()));

    runner
        .upgrade(&mut client, Target::Head)
        .expect("upgrade again");
    let report = runner
        .downgrade(&mut client, target("202511121400_create_counter"))
        .expect("downgrade to a revision");
    assert_eq!(report.to, "202511121400_create_counter");
    assert_eq!(
        history(&mut client),
        expected_history(runner.revisions(), 2)
    );
    assert_eq!(
        applications(&mut client),
        [
            "create_counter",
            "add_tenants",
            "add_events",
            "add_events down",
            "add_events",
            "add_events down",
            "add_tenants down"
        ]
    );

    let error = runner
        .downgrade(&mut client, target("-3"))
        .expect_err("below base");
    assert_eq!(
        error.to_string(),
        "`-3` goes below base: only 2 revisions are applied; `base` removes them all"
    );
    runner
        .downgrade(&mut client, Target::Base)
        .expect("downgrade base");
    assert!(history(&mut client).is_empty());
    assert_eq!(
        tables(&mut client),
        [
            "refinery_schema_history",
            "refinery_schema_history_dirty",
            "refinery_schema_history_repeatable"
        ]
    );
}

#[test]
fn stamp_moves_the_history_without_running_sql() {
    let db = database();
    let mut client = connect(&db);
    let runner = runner("basic");
    // Adopting a database that already has the schema: stamp forwards, nothing runs.
    client.batch_execute("CREATE TABLE applications (revision text NOT NULL, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())").expect("existing schema");
    let report = runner
        .stamp(&mut client, target("create_counter"))
        .expect("stamp forwards");
    assert_eq!(report.steps[0].kind, StepKind::Stamp);
    assert_eq!(
        history(&mut client),
        expected_history(runner.revisions(), 2)
    );
    assert!(applications(&mut client).is_empty(), "stamp runs no SQL");
    runner
        .upgrade(&mut client, Target::Head)
        .expect("upgrade the rest");
    assert_eq!(applications(&mut client), ["add_tenants", "add_events"]);

    let report = runner
        .stamp(&mut client, target("202511121302_baseline"))
        .expect("stamp backwards");
    assert_eq!(report.steps[0].kind, StepKind::Unstamp);
    assert_eq!(
        history(&mut client),
        expected_history(runner.revisions(), 1)
    );
    assert!(
        tables(&mut client).contains(&"events".to_owned()),
        "stamp drops nothing"
    );
    runner.stamp(&mut client, Target::Base).expect("stamp base");
    assert!(history(&mut client).is_empty());
    runner.stamp(&mut client, Target::Head).expect("stamp head");
    assert_eq!(
        history(&mut client),
        expected_history(runner.revisions(), 4)
    );
    assert_eq!(applications(&mut client), ["add_tenants", "add_events"]);
}

#[test]
fn non_transactional_revisions_run_create_index_concurrently() {
    let db = database();
    let mut client = connect(&db);
    let runner = runner("concurrently");
    runner
        .upgrade(&mut client, Target::Head)
        .expect("upgrade with CREATE INDEX CONCURRENTLY");
    let indexes: Vec<String> = client
        .query(
            "SELECT indexname::text FROM pg_indexes WHERE tablename = 'events' ORDER BY 1",
            &[],
        )
        .expect("indexes")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(indexes, ["events_id_idx", "events_tenant_idx"]);
    assert_eq!(
        history(&mut client),
        expected_history(runner.revisions(), 3)
    );
    runner
        .downgrade(&mut client, target("-1"))
        .expect("DROP INDEX CONCURRENTLY");
    assert_eq!(
        history(&mut client),
        expected_history(runner.revisions(), 2)
    );
    let count: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'events'",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(count, 0);
}

#[test]
fn a_non_transactional_revision_that_fails_part_way_marks_the_database_dirty_until_resolved() {
    let db = database();
    let mut client = connect(&db);
    let runner = runner("broken_concurrently");
    let error = runner
        .upgrade(&mut client, Target::Head)
        .expect_err("second statement fails");
    assert!(
        matches!(
            error,
            Error::Statement {
                outcome: Outcome::Dirty,
                line: 5,
                ..
            }
        ),
        "{error}"
    );
    assert!(
        error.to_string().contains("the database is marked dirty"),
        "{error}"
    );
    // The first index was created and stays; the revision is not recorded.
    assert_eq!(
        history(&mut client),
        expected_history(runner.revisions(), 2)
    );

    let refused = runner
        .upgrade(&mut client, Target::Head)
        .expect_err("dirty");
    assert!(
        refused.to_string().starts_with(
            "the database is dirty: upgrade of `202511121410_index_events` stopped at statement 2 (line 5) at "
        ),
        "{refused}"
    );
    assert!(matches!(
        runner.downgrade(&mut client, Target::Base),
        Err(Error::Dirty { .. })
    ));
    assert!(matches!(
        runner.stamp(&mut client, Target::Head),
        Err(Error::Dirty { .. })
    ));
    let current = runner
        .current(&mut client)
        .expect("current works on a dirty database");
    assert!(current.dirty.is_some());

    // The operator finishes the revision by hand, then records it as finished.
    client
        .batch_execute("CREATE INDEX events_missing_idx ON events (tenant_id)")
        .expect("by hand");
    let report = runner
        .resolve(&mut client, Resolution::Finished)
        .expect("resolve");
    assert_eq!(
        report.steps[0].label,
        "Resolved: upgrade of 202511121410_index_events recorded as finished"
    );
    assert_eq!(
        history(&mut client),
        expected_history(runner.revisions(), 3)
    );
    assert!(matches!(
        runner.resolve(&mut client, Resolution::RolledBack),
        Err(Error::NotDirty)
    ));
    runner
        .upgrade(&mut client, Target::Head)
        .expect("the rest runs");
    assert_eq!(
        history(&mut client),
        expected_history(runner.revisions(), 4)
    );
}

#[test]
fn resolve_rolled_back_leaves_the_history_as_before() {
    let db = database();
    let mut client = connect(&db);
    let runner = runner("broken_concurrently");
    runner
        .upgrade(&mut client, Target::Head)
        .expect_err("fails part-way");
    client
        .batch_execute("DROP INDEX events_tenant_idx")
        .expect("undo by hand");
    runner
        .resolve(&mut client, Resolution::RolledBack)
        .expect("resolve");
    assert_eq!(
        history(&mut client),
        expected_history(runner.revisions(), 2)
    );
    assert!(matches!(
        runner.upgrade(&mut client, Target::Head),
        Err(Error::Statement {
            outcome: Outcome::Dirty,
            ..
        })
    ));
}

#[test]
fn changed_unknown_and_late_revisions_are_refused_without_change() {
    let db = database();
    let mut client = connect(&db);
    let runner = runner("basic");
    runner
        .upgrade(&mut client, target("202511121410_add_tenants"))
        .expect("upgrade");
    let before = history(&mut client);

    client
        .batch_execute(
            "UPDATE refinery_schema_history SET checksum = '42' WHERE version = 202511121400",
        )
        .expect("tamper");
    let error = runner
        .upgrade(&mut client, Target::Head)
        .expect_err("divergent");
    assert!(
        error.to_string().starts_with("revision `202511121400_create_counter` was applied with checksum 42 but its up section now has checksum "),
        "{error}"
    );
    client
        .batch_execute(&format!(
            "UPDATE refinery_schema_history SET checksum = '{}' WHERE version = 202511121400",
            before[1].2
        ))
        .expect("restore");

    client
        .batch_execute("INSERT INTO refinery_schema_history VALUES (202612010000, 'from_the_future', '2026-12-01T00:00:00Z', '1')")
        .expect("a newer binary's revision");
    let error = runner
        .upgrade(&mut client, Target::Head)
        .expect_err("unknown applied");
    assert_eq!(
        error.to_string(),
        "the database has revision `202612010000_from_the_future` applied, which this code does not know: it was applied by a newer version; deploy that version, or downgrade with it first; nothing was changed"
    );
    client
        .batch_execute("DELETE FROM refinery_schema_history WHERE version = 202612010000")
        .expect("cleanup");

    client
        .batch_execute("DELETE FROM refinery_schema_history WHERE version = 202511121400")
        .expect("make a gap");
    let error = runner
        .upgrade(&mut client, Target::Head)
        .expect_err("late branch");
    assert!(error.to_string().starts_with("revision `202511121400_create_counter` is pending but older than `202511121410_add_tenants`"), "{error}");
    assert_eq!(history(&mut client).len(), 2);
    assert!(
        !tables(&mut client).contains(&"events".to_owned()),
        "nothing ran"
    );
}

#[test]
fn a_malformed_history_row_is_an_error_not_a_panic() {
    let db = database();
    let mut client = connect(&db);
    let runner = runner("basic");
    runner
        .upgrade(&mut client, target("202511121302_baseline"))
        .expect("upgrade");
    client
        .batch_execute("UPDATE refinery_schema_history SET checksum = 'abc'")
        .expect("tamper");
    let error = runner
        .upgrade(&mut client, Target::Head)
        .expect_err("bad row");
    assert_eq!(
        error.to_string(),
        "the history table refinery_schema_history has a bad row (version 202511121302): the checksum is not a decimal 64-bit number; it was not written by refinery or by this tool: fix or remove the row"
    );
}

#[test]
fn a_held_lock_makes_others_wait_then_time_out() {
    let db = database();
    let mut holder = connect(&db);
    let mut client = connect(&db);
    let runner = runner("basic");
    let key = runner.history_table().lock_key();
    holder
        .batch_execute(&format!("SELECT pg_advisory_lock({key})"))
        .expect("hold the lock");
    let error = runner
        .clone()
        .with_lock_timeout(Duration::from_millis(300))
        .upgrade(&mut client, Target::Head)
        .expect_err("times out");
    let text = error.to_string();
    assert!(text.starts_with("gave up after "), "{text}");
    assert!(
        text.contains(&format!("waiting for advisory lock {key} (held by pid ")),
        "{text}"
    );
    assert!(history_is_missing(&mut client), "nothing ran while waiting");
    holder
        .batch_execute(&format!("SELECT pg_advisory_unlock({key})"))
        .expect("release");
    runner
        .upgrade(&mut client, Target::Head)
        .expect("now it runs");
}

fn history_is_missing(client: &mut postgres::Client) -> bool {
    client
        .query_one("SELECT to_regclass('refinery_schema_history') IS NULL", &[])
        .expect("query")
        .get(0)
}

#[test]
fn concurrent_runners_apply_each_revision_exactly_once() {
    let db = database();
    let url = db.url().expose().to_owned();
    let runner = runner("basic");
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (url, runner) = (url.clone(), runner.clone());
            std::thread::spawn(move || {
                let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
                runner
                    .upgrade(&mut client, Target::Head)
                    .map(|report| report.steps.len())
            })
        })
        .collect();
    let applied: Vec<usize> = threads
        .into_iter()
        .map(|t| t.join().expect("no panic").expect("no error"))
        .collect();
    assert_eq!(applied.iter().sum::<usize>(), 4, "{applied:?}");
    let mut client = connect(&db);
    assert_eq!(
        applications(&mut client),
        ["create_counter", "add_tenants", "add_events"]
    );
    assert_eq!(
        history(&mut client),
        expected_history(runner.revisions(), 4)
    );
}

#[test]
fn current_and_history_describe_the_database() {
    let db = database();
    let mut client = connect(&db);
    let runner = runner("basic");
    let current = runner
        .current(&mut client)
        .expect("current before anything");
    assert_eq!(
        (
            current.revision.as_deref(),
            current.applied,
            current.pending
        ),
        (None, 0, 4)
    );
    assert!(history_is_missing(&mut client), "reading creates nothing");
    runner.upgrade(&mut client, target("+2")).expect("upgrade");
    let current = runner.current(&mut client).expect("current");
    assert_eq!(
        current.revision.as_deref(),
        Some("202511121400_create_counter")
    );
    assert_eq!((current.applied, current.pending), (2, 2));
    assert_eq!(current.lock_holder, None);
    let listing = runner.history(&mut client).expect("history");
    let states: Vec<(String, bool)> = listing
        .entries
        .iter()
        .map(|e| (e.name.clone(), e.applied_on.is_some()))
        .collect();
    assert_eq!(
        states,
        [
            ("202511121302_baseline".to_owned(), true),
            ("202511121400_create_counter".to_owned(), true),
            ("202511121410_add_tenants".to_owned(), false),
            ("202511121420_add_events".to_owned(), false),
        ]
    );
    let pending: Vec<String> = runner
        .pending(&mut client)
        .expect("pending")
        .iter()
        .map(|r| r.name().to_owned())
        .collect();
    assert_eq!(
        pending,
        ["202511121410_add_tenants", "202511121420_add_events"]
    );
}

#[test]
fn the_async_runner_has_the_same_behaviour() {
    let db = database();
    with_async_client(db.url().expose(), async |client| {
        let runner = runner("failing");
        let error = runner
            .upgrade_async(client, Target::Head)
            .await
            .expect_err("fails");
        assert!(
            matches!(
                error,
                Error::Statement {
                    outcome: Outcome::RolledBack,
                    line: 6,
                    ..
                }
            ),
            "{error}"
        );
        let current = runner.current_async(client).await.expect("current");
        assert_eq!(current.applied, 2);
        runner
            .downgrade_async(client, Target::Base)
            .await
            .expect("downgrade");
        runner
            .stamp_async(client, target("202511121400_add_tenants"))
            .await
            .expect("stamp");
        assert_eq!(
            runner.current_async(client).await.expect("current").applied,
            2
        );
        let script = runner
            .render_sql_async(client, Command::Upgrade, &Target::Head)
            .await
            .expect("render");
        assert!(
            script
                .contains("-- Running upgrade 202511121400_add_tenants -> 202511121410_add_broken"),
            "{script}"
        );
    });
}

#[test]
fn the_same_set_in_another_history_table_is_independent() {
    let db = database();
    let mut client = connect(&db);
    let runner = runner("concurrently")
        .with_history_table("meta_history")
        .expect("valid name");
    runner.upgrade(&mut client, Target::Head).expect("upgrade");
    let rows: i64 = client
        .query_one("SELECT count(*) FROM meta_history", &[])
        .expect("count")
        .get(0);
    assert_eq!(rows, 3);
    assert!(history_is_missing(&mut client));
    assert!(fixture("concurrently").revisions().len() == 3);
}
