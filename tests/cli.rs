//! The `migrate` command line as a process: its output, its exit codes, the dry-run script that
//! `psql` runs to the same result, and a password that never shows.

use std::path::Path;
use std::process::{Command, Output};

use migrations_disposable::{DisposableServer, ServerOptions};
use migrations_tests::{
    connect, database, fixture_dir, history, psql, schema_snapshot, workspace_root,
};

/// A run of a binary: exit code and output.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(binary: &str, fixture: Option<&Path>, url: Option<&str>, args: &[&str]) -> Run {
    let mut command = Command::new(binary);
    command.args(args).env_remove("DATABASE_URL");
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    if let Some(dir) = fixture {
        command.env("MIGRATE_FIXTURE_DIR", dir);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("run the binary");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// The project's own `migrate` binary (the same source as `migrations`' binary).
fn migrate(url: Option<&str>, args: &[&str]) -> Run {
    run(env!("CARGO_BIN_EXE_project-migrate"), None, url, args)
}

fn fixture_migrate(fixture: &str, url: Option<&str>, args: &[&str]) -> Run {
    run(
        env!("CARGO_BIN_EXE_fixture-migrate"),
        Some(&fixture_dir(fixture)),
        url,
        args,
    )
}

fn assert_dry_run_equals_upgrade(render: impl Fn(&str) -> Run, apply: impl Fn(&str) -> Run) {
    let (scripted, migrated) = (database(), database());
    let script = render(scripted.url().expose());
    assert_eq!(script.code, 0, "{}", script.stderr);
    psql(scripted.url().expose(), &script.stdout);
    let applied = apply(migrated.url().expose());
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let (mut a, mut b) = (connect(&scripted), connect(&migrated));
    assert_eq!(history(&mut a), history(&mut b), "the same history rows");
    assert!(!history(&mut a).is_empty());
    let diff = schema_snapshot(&mut a).diff(&schema_snapshot(&mut b));
    assert!(
        diff.is_empty(),
        "the script and the runner built different schemas:\n{diff}"
    );
}

#[test]
fn the_dry_run_script_run_by_psql_equals_upgrade() {
    assert_dry_run_equals_upgrade(
        |_| migrate(None, &["upgrade", "--sql", "base:head"]),
        |url| migrate(Some(url), &["upgrade"]),
    );
    for fixture in ["basic", "concurrently"] {
        assert_dry_run_equals_upgrade(
            |_| fixture_migrate(fixture, None, &["upgrade", "--sql", "base:head"]),
            |url| fixture_migrate(fixture, Some(url), &["upgrade"]),
        );
    }
}

#[test]
fn the_dry_run_of_a_database_starts_where_it_stands() {
    let db = database();
    let url = db.url().expose();
    assert_eq!(
        fixture_migrate("basic", Some(url), &["upgrade", "+2"]).code,
        0
    );
    let script = fixture_migrate("basic", Some(url), &["upgrade", "--sql"]);
    assert_eq!(script.code, 0, "{}", script.stderr);
    assert!(
        script.stdout.starts_with(
            "-- migrate upgrade 202511121400_create_counter:202511121420_add_events\n"
        )
    );
    assert!(!script.stdout.contains("Running upgrade base"));
    let down = fixture_migrate("basic", Some(url), &["downgrade", "--sql", "base"]);
    // The whole script, as an operator reviews it: each unit inside its envelope.
    expect_test::expect![[r#"
        -- migrate downgrade 202511121400_create_counter:base
        -- The SQL `migrate` would execute, unit by unit. With psql: psql "$DATABASE_URL" -f <this file>.
        -- Each revision's statements wait for a lock at most its lock_timeout; psql does not retry.
        \set ON_ERROR_STOP on

        -- The runner holds this lock for its whole run (it polls pg_try_advisory_lock, bounded by
        -- --lock-timeout), so that concurrent runs wait for each other.
        SELECT pg_catalog.pg_advisory_lock(-324209984690458005);

        CREATE TABLE IF NOT EXISTS "public"."refinery_schema_history"(
                     version int8 PRIMARY KEY,
                     name VARCHAR(255),
                     applied_on VARCHAR(255),
                     checksum VARCHAR(255));
        CREATE TABLE IF NOT EXISTS "public"."refinery_schema_history_dirty" (
            version int8 PRIMARY KEY,
            name text NOT NULL,
            direction text NOT NULL,
            statement integer,
            line integer,
            error text,
            started_at timestamptz NOT NULL DEFAULT pg_catalog.now()
        );
        CREATE TABLE IF NOT EXISTS "public"."refinery_schema_history_repeatable" (
            name text PRIMARY KEY,
            checksum VARCHAR(255) NOT NULL,
            applied_on VARCHAR(255) NOT NULL
        );

        -- Running downgrade 202511121400_create_counter -> 202511121302_baseline
        BEGIN;
        SET LOCAL lock_timeout = '5s';
        DROP TABLE applications;
        RESET ALL;
        RESET ROLE;
        DELETE FROM "public"."refinery_schema_history" WHERE version = 202511121400;
        COMMIT;

        -- Running downgrade 202511121302_baseline -> base
        BEGIN;
        SET LOCAL lock_timeout = '5s';
        RESET ALL;
        RESET ROLE;
        DELETE FROM "public"."refinery_schema_history" WHERE version = 202511121302;
        COMMIT;

        SELECT pg_catalog.pg_advisory_unlock(-324209984690458005);
    "#]].assert_eq(&down.stdout);
    // Rendering changed nothing.
    assert_eq!(history(&mut connect(&db)).len(), 2);
}

#[test]
fn commands_print_what_they_did() {
    let db = database();
    let url = db.url().expose();
    let upgrade = fixture_migrate("basic", Some(url), &["upgrade"]);
    assert_eq!(upgrade.code, 0, "{}", upgrade.stderr);
    let lines: Vec<&str> = upgrade.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", upgrade.stdout);
    assert!(lines[0].starts_with("Running upgrade base -> 202511121302_baseline ("));
    assert!(lines[4].starts_with("upgrade base -> 202511121420_add_events in "));
    let current = fixture_migrate("basic", Some(url), &["current"]);
    assert!(
        current
            .stdout
            .starts_with("202511121420_add_events (head)\nlock "),
        "{}",
        current.stdout
    );
    let history = fixture_migrate("basic", Some(url), &["history"]);
    assert_eq!(history.stdout.lines().count(), 4);
    assert!(
        history
            .stdout
            .contains("202511121410_add_tenants     applied 20"),
        "{}",
        history.stdout
    );
    let pending = fixture_migrate("basic", Some(url), &["pending"]);
    assert_eq!((pending.code, pending.stdout.as_str()), (0, ""));
    let stamp = fixture_migrate("basic", Some(url), &["stamp", "-2"]);
    assert_eq!(stamp.code, 0);
    let pending = fixture_migrate("basic", Some(url), &["pending"]);
    assert_eq!(
        pending.stdout,
        "202511121410_add_tenants\n202511121420_add_events\n"
    );
}

#[test]
fn bad_targets_and_bad_databases_give_one_line_and_a_failure() {
    let db = database();
    let url = db.url().expose();
    let missing_database = db.url().with_database("no_such_database");
    for (args, url, expected) in [
        (
            vec!["upgrade", "nope"],
            Some(url),
            "error: unknown revision `nope`",
        ),
        (
            vec!["downgrade", "-5"],
            Some(url),
            "error: `-5` goes below base: only 0 revisions are applied",
        ),
        (
            vec!["upgrade", "+9"],
            Some(url),
            "error: `+9` goes past head: only 4 revisions are pending",
        ),
        (
            vec!["upgrade"],
            None,
            "error: no database URL: set DATABASE_URL",
        ),
        (
            vec!["current"],
            Some("postgres://nobody@127.0.0.1:1/db"),
            "error: cannot connect to postgres://nobody@127.0.0.1:1/db: error connecting to server",
        ),
        (
            vec!["current"],
            Some(missing_database.expose()),
            "error: cannot connect to ",
        ),
        (
            vec!["current"],
            Some("postgres://u@h/db?sslmode=allow"),
            "error: unsupported sslmode `allow`",
        ),
        (
            vec!["current"],
            Some("postgres://u@h:port/db"),
            "error: bad database URL postgres://u@h:port/db: ",
        ),
    ] {
        let outcome = fixture_migrate("basic", url, &args);
        assert_eq!(outcome.code, 1, "{args:?}: {}", outcome.stderr);
        assert!(
            outcome.stderr.starts_with(expected),
            "{args:?}: {}",
            outcome.stderr
        );
        assert_eq!(
            outcome.stderr.lines().count(),
            1,
            "{args:?}: {}",
            outcome.stderr
        );
    }
    let missing = fixture_migrate("basic", Some(missing_database.expose()), &["current"]);
    assert!(
        missing
            .stderr
            .contains("database \"no_such_database\" does not exist (3D000)"),
        "{}",
        missing.stderr
    );
    let usage = fixture_migrate("basic", Some(url), &["downgrade"]);
    assert_eq!(usage.code, 2, "a usage error: {}", usage.stderr);
}

#[test]
fn the_password_is_never_printed() {
    const PASSWORD: &str = "Pw-7f3a-never-shown";
    const WRONG: &str = "Wrong-pw-also-secret";
    let server = DisposableServer::start(ServerOptions {
        tcp: true,
        ..ServerOptions::default()
    })
    .expect("TCP server");
    let db = server.create_db().expect("database");
    server.create_role("app_owner", PASSWORD).expect("role");
    // What the project's revisions need from the role that runs them, as docs/MIGRATIONS.md says:
    // the database (CREATE EXTENSION citext), the schema, and CREATEROLE for repeatable/app_roles.
    connect(&db)
        .batch_execute(&format!(
            "ALTER DATABASE {} OWNER TO app_owner; ALTER SCHEMA public OWNER TO app_owner; \
             ALTER ROLE app_owner CREATEROLE",
            db.name()
        ))
        .expect("grant");
    let url = server
        .tcp_url(db.name(), "app_owner", PASSWORD)
        .expect("URL");
    let url = url.expose();
    let wrong = server.tcp_url(db.name(), "app_owner", WRONG).expect("URL");

    let mut outputs = Vec::new();
    for args in [
        vec!["current"],
        vec!["history"],
        vec!["pending"],
        vec!["upgrade", "--sql"],
        vec!["upgrade"],
        vec!["downgrade", "--sql", "-1"],
        vec!["downgrade", "-1"],
        vec!["stamp", "head"],
        vec!["resolve", "--finished"],
        vec!["upgrade", "nope"],
        vec!["--help"],
        vec!["upgrade", "--help"],
    ] {
        let outcome = migrate(Some(url), &args);
        outputs.push((args.join(" "), outcome));
        let mut with_flag = vec!["--database-url", url];
        with_flag.extend(args);
        outputs.push((
            format!("--database-url {}", with_flag[2..].join(" ")),
            migrate(None, &with_flag),
        ));
    }
    let wrong_password = migrate(Some(wrong.expose()), &["current"]);
    assert_eq!(wrong_password.code, 1);
    assert!(
        wrong_password
            .stderr
            .contains("password authentication failed for user \"app_owner\""),
        "{}",
        wrong_password.stderr
    );
    assert!(
        wrong_password.stderr.contains("app_owner:***@127.0.0.1"),
        "{}",
        wrong_password.stderr
    );
    outputs.push(("wrong password".to_owned(), wrong_password));

    for (what, outcome) in &outputs {
        for secret in [PASSWORD, WRONG] {
            assert!(
                !outcome.stdout.contains(secret) && !outcome.stderr.contains(secret),
                "{what} printed a password"
            );
        }
    }
    let statuses: Vec<(&str, i32)> = outputs
        .iter()
        .map(|(what, o)| (what.as_str(), o.code))
        .collect();
    assert!(
        statuses
            .iter()
            .filter(|(what, _)| what.contains("resolve")
                || what.contains("nope")
                || what.contains("wrong"))
            .all(|(_, code)| *code == 1),
        "{statuses:?}"
    );
    assert!(
        outputs.iter().any(|(what, o)| what == "upgrade"
            && o.code == 0
            && o.stdout.contains("Running upgrade")),
        "the commands ran"
    );
}

#[test]
fn the_project_binary_embeds_its_sql() {
    // Run from a directory without the sources: nothing is read from disk.
    let db = database();
    let outcome = Command::new(env!("CARGO_BIN_EXE_project-migrate"))
        .arg("upgrade")
        .env("DATABASE_URL", db.url().expose())
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run");
    assert!(
        outcome.status.success(),
        "{}",
        String::from_utf8_lossy(&outcome.stderr)
    );
    assert_eq!(
        history(&mut connect(&db)).len(),
        migrations::REVISIONS.revisions().len()
    );
    assert!(workspace_root().join("migrations/versions").exists());
}
