//! Faults during a run: a runner killed in the middle of a revision, the server restarted under it,
//! and the errors an operator meets (no server, wrong password, no database, a held lock, a
//! statement timeout): each leaves the database as the guarantees say and says so in one line.
//!
//! The `sleeping` fixture's revisions sleep for the session setting `reliability.sleep_seconds`
//! (passed in the URL's `options`), so a run can be caught in the middle of one, and the next run,
//! without the setting, goes straight through.

use std::path::PathBuf;
use std::time::Duration;

use expect_test::{Expect, expect};
use migrations_disposable::{Backend, DisposableDb, DisposableServer, ServerOptions};
use migrations_tests::{
    Run, connect, database, expected_history, fixture, fixture_dir, history, migrate_command, run,
    tables, wait_until,
};

const FIXTURE_MIGRATE: &str = env!("CARGO_BIN_EXE_fixture-migrate");

/// Every wait here is bounded: a fault that hangs the runner fails the test instead.
const LIMIT: Duration = Duration::from_secs(20);

fn sleeping() -> PathBuf {
    fixture_dir("sleeping")
}

/// `url` with libpq `-c` options for the session, e.g. `reliability.sleep_seconds=30`.
fn with_options(url: &str, options: &[&str]) -> String {
    let value: Vec<String> = options
        .iter()
        .map(|o| format!("-c%20{}", o.replace('=', "%3D")))
        .collect();
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options={}", value.join("%20"))
}

fn migrate(url: &str, args: &[&str]) -> Run {
    run(&mut migrate_command(
        FIXTURE_MIGRATE,
        Some(&sleeping()),
        Some(url),
        args,
    ))
}

/// Waits until a `migrate` session of the database is inside `pg_sleep`.
fn wait_until_sleeping(observer: &mut postgres::Client) {
    wait_until("the revision is running", LIMIT, || {
        let sleeping: i64 = observer
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND application_name = 'migrate' AND state = 'active' AND query LIKE '%pg_sleep%'",
                &[],
            )
            .expect("read pg_stat_activity")
            .get(0);
        sleeping == 1
    });
}

/// Whether anyone holds the runner's advisory lock on this database.
fn lock_is_held(observer: &mut postgres::Client) -> bool {
    let key = migrations_core::HistoryTable::default().lock_key();
    observer
        .query_one(
            "SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             AND ((classid::bigint << 32) | objid::bigint) = $1",
            &[&key],
        )
        .expect("read pg_locks")
        .get(0)
}

/// Starts `migrate upgrade` with the revisions sleeping 30 s, and waits until it is inside one.
fn start_a_long_upgrade(url: &str, observer: &mut postgres::Client) -> std::process::Child {
    let child = migrate_command(
        FIXTURE_MIGRATE,
        Some(&sleeping()),
        Some(&with_options(url, &["reliability.sleep_seconds=30"])),
        &["upgrade"],
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .expect("start migrate");
    wait_until_sleeping(observer);
    child
}

fn kill(mut child: std::process::Child) {
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
}

#[test]
fn a_runner_killed_in_a_transactional_revision_leaves_nothing_and_the_next_run_applies_it() {
    let db = database();
    let url = db.url().expose();
    let mut observer = connect(&db);
    let set = fixture("sleeping");

    let child = start_a_long_upgrade(url, &mut observer);
    assert!(lock_is_held(&mut observer), "the runner holds the lock");
    kill(child);

    // The server notices the vanished runner within about a second, rolls its revision back and
    // frees the lock: no need to wait for the 30 s statement to end.
    wait_until("the lock is free", Duration::from_secs(10), || {
        !lock_is_held(&mut observer)
    });
    assert!(!tables(&mut observer).contains(&"slow".to_owned()));
    assert_eq!(
        history(&mut observer),
        expected_history(&set, 1),
        "only the baseline, committed before the kill"
    );
    let current = migrate(url, &["current"]);
    assert!(
        current.stdout.starts_with(
            "202511121302_baseline (2 pending, head is 202511121410_index_slow)\nlock "
        ),
        "not dirty: {}",
        current.stdout
    );

    let next = migrate(url, &["upgrade"]);
    assert_eq!(next.code, 0, "{}", next.stderr);
    assert_eq!(history(&mut observer), expected_history(&set, 3));
    assert!(tables(&mut observer).contains(&"slow".to_owned()));
}

#[test]
fn a_runner_killed_in_a_non_transactional_revision_leaves_it_dirty_until_resolved() {
    let db = database();
    let url = db.url().expose();
    let mut observer = connect(&db);
    let set = fixture("sleeping");
    assert_eq!(migrate(url, &["upgrade", "create_slow"]).code, 0);

    // Killed between the revision's first index and its second.
    kill(start_a_long_upgrade(url, &mut observer));
    wait_until("the lock is free", Duration::from_secs(10), || {
        !lock_is_held(&mut observer)
    });
    let indexes = |client: &mut postgres::Client| -> Vec<String> {
        client
            .query(
                "SELECT indexname::text FROM pg_indexes WHERE tablename = 'slow' ORDER BY 1",
                &[],
            )
            .expect("indexes")
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    assert_eq!(indexes(&mut observer), ["slow_id_idx"]);
    assert_eq!(history(&mut observer), expected_history(&set, 2));

    // The marker outlives the process: every later changing run refuses and changes nothing.
    for args in [
        &["upgrade"][..],
        &["downgrade", "base"],
        &["stamp", "head"],
        &["upgrade", "--lock-timeout", "1s"],
    ] {
        let refused = migrate(url, args);
        assert_eq!(refused.code, 1, "{args:?}");
        assert!(
            refused.stderr.starts_with(
                "error: the database is dirty: upgrade of `202511121410_index_slow` was interrupted at "
            ),
            "{args:?}: {}",
            refused.stderr
        );
        assert!(
            refused.stderr.ends_with("; nothing was run. Inspect the schema, finish or undo that revision's statements by hand, then run `migrate resolve --finished` (it completed) or `migrate resolve --rolled-back` (it left no trace)\n"),
            "{}",
            refused.stderr
        );
        assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);
        assert_eq!(history(&mut observer), expected_history(&set, 2));
        assert_eq!(indexes(&mut observer), ["slow_id_idx"]);
    }
    let current = migrate(url, &["current"]);
    assert_eq!(current.code, 0);
    assert!(
        current
            .stdout
            .contains("\ndirty: upgrade of `202511121410_index_slow` was interrupted at "),
        "{}",
        current.stdout
    );

    // The operator undoes the half-done revision, records that, and the next run applies it whole.
    observer
        .batch_execute("DROP INDEX slow_id_idx")
        .expect("undo by hand");
    let resolved = migrate(url, &["resolve", "--rolled-back"]);
    assert_eq!(resolved.code, 0, "{}", resolved.stderr);
    assert!(
        resolved
            .stdout
            .starts_with("Resolved: upgrade of 202511121410_index_slow recorded as rolled back")
    );
    let next = migrate(url, &["upgrade"]);
    assert_eq!(next.code, 0, "{}", next.stderr);
    assert_eq!(history(&mut observer), expected_history(&set, 3));
    assert_eq!(indexes(&mut observer), ["slow_id_desc_idx", "slow_id_idx"]);
}

#[test]
fn a_server_restarted_mid_run_is_a_clear_error_and_the_next_run_completes() {
    let server = DisposableServer::start(ServerOptions {
        backend: Some(Backend::Local),
        ..ServerOptions::default()
    })
    .expect("a local server of this test's own, to restart (needs the PostgreSQL binaries)");
    let db = server.create_db().expect("database");
    let url = db.url().expose();
    let set = fixture("sleeping");
    let child = start_a_long_upgrade(url, &mut connect(&db));

    server.restart().expect("restart");
    let interrupted = migrations_tests::finished(child.wait_with_output().expect("wait"));
    assert_eq!(interrupted.code, 1);
    // The runner reads either the server's goodbye or, when the socket closed first, the end of
    // the connection: both name the revision, its line and what became of it.
    let (error, outcome) = interrupted.stderr.split_once('\n').expect("two lines");
    let reason = error
        .strip_prefix("error: upgrade of `202511121400_create_slow` failed at fixtures/sleeping/versions/202511121400_create_slow.sql:7: ")
        .unwrap_or_else(|| panic!("{}", interrupted.stderr));
    assert!(
        [
            "FATAL 57P01: terminating connection due to administrator command",
            "connection lost: connection closed"
        ]
        .contains(&reason),
        "{reason}"
    );
    assert_eq!(
        outcome,
        "  the revision was rolled back; the database is as it was before it\n"
    );

    let mut client = connect(&db);
    assert!(!tables(&mut client).contains(&"slow".to_owned()));
    assert_eq!(history(&mut client), expected_history(&set, 1));
    let next = migrate(url, &["upgrade"]);
    assert_eq!(next.code, 0, "{}", next.stderr);
    assert_eq!(history(&mut client), expected_history(&set, 3));
}

/// Replaces what changes from run to run (ports, pids, timings, database names, where the lock
/// holder connects from: `local` on a socket, an address in a container) by placeholders.
fn normalise(text: &str, db: &DisposableDb) -> String {
    let mut text = text.replace(db.name(), "<db>");
    for prefix in ["pid ", "after ", "127.0.0.1:"] {
        text = mask_number_after(&text, prefix);
    }
    match text.split_once(", client ") {
        Some((before, after)) => {
            let rest = after.find(')').map_or("", |end| &after[end..]);
            format!("{before}, client <where>{rest}")
        }
        None => text,
    }
}

/// `… pid 1234 …` → `… pid <n> …`, `after 312 ms` → `after <n> ms`.
fn mask_number_after(text: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let start = at + prefix.len();
        out.push_str(&rest[..start]);
        let digits = rest[start..]
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len() - start);
        if digits > 0 {
            out.push_str("<n>");
        }
        rest = &rest[start + digits..];
    }
    out.push_str(rest);
    out
}

/// A port on 127.0.0.1 where nothing listens.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

#[test]
fn connection_lock_and_timeout_failures_are_one_line_and_never_show_the_password() {
    const PASSWORD: &str = "Pw-4d1e-faults-never-shown";
    const WRONG: &str = "Wrong-8b2c-also-never-shown";
    let server = DisposableServer::start(ServerOptions {
        tcp: true,
        ..ServerOptions::default()
    })
    .expect("a server with TCP and passwords");
    let db = server.create_db().expect("database");
    server.create_role("app_owner", PASSWORD).expect("role");
    let mut admin = connect(&db);
    admin
        .batch_execute("ALTER SCHEMA public OWNER TO app_owner")
        .expect("grant");
    let port = server.tcp_port().expect("a TCP port");
    let url = server
        .tcp_url(db.name(), "app_owner", PASSWORD)
        .expect("URL");
    let url = url.expose();
    let wrong = server.tcp_url(db.name(), "app_owner", WRONG).expect("URL");
    let missing = server
        .tcp_url("no_such_database", "app_owner", PASSWORD)
        .expect("URL");
    let unreachable = url.replace(&format!(":{port}/"), &format!(":{}/", closed_port()));

    let check = |what: &str, outcome: Run, one_line: bool, expected: Expect| {
        for secret in [PASSWORD, WRONG] {
            assert!(
                !outcome.output().contains(secret),
                "{what} printed a password"
            );
        }
        assert_eq!(outcome.code, 1, "{what}: {}", outcome.stderr);
        assert_eq!(outcome.stdout, "", "{what}");
        let lines: Vec<&str> = outcome.stderr.lines().collect();
        assert!(
            lines[0].starts_with("error: "),
            "{what}: {}",
            outcome.stderr
        );
        if one_line {
            assert_eq!(lines.len(), 1, "{what}: {}", outcome.stderr);
        } else {
            // A failed statement: the error on the first line, then indented lines saying what
            // the failure left behind (and the server's detail and hint, when it gave them).
            assert!(
                lines[1..].iter().all(|l| l.starts_with("  ")),
                "{what}: {}",
                outcome.stderr
            );
        }
        expected.assert_eq(&normalise(&outcome.stderr, &db));
    };

    check(
        "server unreachable",
        migrate(&unreachable, &["upgrade"]),
        true,
        expect![[r#"
            error: cannot connect to postgresql://app_owner:***@127.0.0.1:<n>/<db>: error connecting to server: Connection refused (os error 111)
        "#]],
    );
    check(
        "wrong password",
        migrate(wrong.expose(), &["upgrade"]),
        true,
        expect![[r#"
            error: cannot connect to postgresql://app_owner:***@127.0.0.1:<n>/<db>: password authentication failed for user "app_owner" (28P01)
        "#]],
    );
    check(
        "database missing",
        migrate(missing.expose(), &["upgrade"]),
        true,
        expect![[r#"
            error: cannot connect to postgresql://app_owner:***@127.0.0.1:<n>/no_such_database: database "no_such_database" does not exist (3D000)
        "#]],
    );

    let key = migrations_core::HistoryTable::default().lock_key();
    admin
        .batch_execute(&format!("SELECT pg_advisory_lock({key})"))
        .expect("hold the lock");
    check(
        "lock timeout",
        migrate(url, &["upgrade", "--lock-timeout", "300ms"]),
        true,
        expect![[r#"
            error: gave up after <n> ms waiting for advisory lock -324209984690458005 (held by pid <n>, client <where>): another migration run holds it; wait for it to finish, or raise --lock-timeout
        "#]],
    );
    admin
        .batch_execute(&format!("SELECT pg_advisory_unlock({key})"))
        .expect("release the lock");
    assert!(tables(&mut admin).is_empty(), "nothing ran while waiting");

    check(
        "statement timeout",
        migrate(
            &with_options(
                url,
                &["statement_timeout=300", "reliability.sleep_seconds=10"],
            ),
            &["upgrade"],
        ),
        false,
        expect![[r#"
            error: upgrade of `202511121400_create_slow` failed at fixtures/sleeping/versions/202511121400_create_slow.sql:7: ERROR 57014: canceling statement due to statement timeout
              the revision was rolled back; the database is as it was before it
        "#]],
    );
    assert!(!tables(&mut admin).contains(&"slow".to_owned()));
    assert_eq!(
        history(&mut admin),
        expected_history(&fixture("sleeping"), 1)
    );
}
