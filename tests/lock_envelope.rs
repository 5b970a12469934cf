//! The lock_timeout envelope on a real server: a revision that waits behind another session's
//! lock gives up, is rolled back and retried, and succeeds once the lock is free; held for longer
//! than every attempt, the run fails cleanly and names the table and who holds it.

use std::io::{BufRead, BufReader};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use migrations_core::Target;
use migrations_runtime::{Error, Outcome, Runner};
use migrations_tests::{
    connect, database, expected_history, fixture_dir, history, migrate_command, runner, wait_until,
    with_async_client,
};

const MIGRATE: &str = env!("CARGO_BIN_EXE_fixture-migrate");
const ADD_FLAG: &str = "202601010200_add_flag";

/// A database at `create_accounts`, and a second session holding a lock on `accounts` the way a
/// long report would: an open transaction that read the table.
fn database_with_a_reader(
    fixture: &str,
) -> (migrations_disposable::DisposableDb, postgres::Client) {
    let db = database();
    runner(fixture)
        .upgrade(
            &mut connect(&db),
            "202601010100_create_accounts".parse().expect("target"),
        )
        .expect("upgrade to create_accounts");
    let mut reader = connect(&db);
    reader
        .batch_execute("BEGIN; SELECT count(*) FROM accounts")
        .expect("hold the lock");
    (db, reader)
}

fn has_flag(client: &mut postgres::Client) -> bool {
    client
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'flag'",
            &[],
        )
        .map(|row| row.get::<_, i64>(0) == 1)
        .expect("look for the column")
}

fn advisory_locks(client: &mut postgres::Client) -> i64 {
    client
        .query_one(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()",
            &[],
        )
        .map(|row| row.get(0))
        .expect("count advisory locks")
}

fn patient(runner: Runner) -> Runner {
    runner
        .with_statement_lock_timeout(Duration::from_millis(200))
        .with_lock_retries(10)
}

/// `migrate upgrade ARGS` behind a reader's lock, released once the run said it retries: its
/// stdout and stderr, after checking it succeeded.
fn upgrade_behind_a_released_lock(args: &[&str]) -> (String, String) {
    let (db, mut reader) = database_with_a_reader("lock_retry");
    let url = db.url().expose().to_owned();
    let folder = fixture_dir("lock_retry");
    let mut args = args.to_vec();
    args.extend(["--statement-lock-timeout", "200ms", "--lock-retries", "10"]);
    let mut child = migrate_command(MIGRATE, Some(&folder), Some(&url), &args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start migrate");
    let stderr = Arc::new(Mutex::new(String::new()));
    let collector = {
        let stderr = Arc::clone(&stderr);
        let pipe = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut text = stderr.lock().expect("stderr");
                text.push_str(&line);
                text.push('\n');
            }
        })
    };
    wait_until("migrate retried", Duration::from_secs(30), || {
        stderr.lock().expect("stderr").contains("retrying")
    });
    reader.batch_execute("COMMIT").expect("release the lock");
    let output = child.wait_with_output().expect("migrate ends");
    let _ = collector.join();
    let stderr = stderr.lock().expect("stderr").clone();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{stdout}{stderr}");
    let mut client = connect(&db);
    assert!(has_flag(&mut client));
    assert_eq!(history(&mut client).len(), 3);
    (stdout, stderr)
}

/// The first retry's warning, as the runner words it.
fn is_first_retry(warning: &str) -> bool {
    warning.starts_with(&format!(
        "retrying {ADD_FLAG} (attempt 2 of 10): lock timeout on public.accounts (AccessShareLock held by pid "
    )) && warning.ends_with(", whose query is `BEGIN; SELECT count(*) FROM accounts`)")
}

#[test]
fn migrate_upgrade_retries_behind_a_held_lock_and_succeeds_once_it_is_released() {
    let (stdout, stderr) = upgrade_behind_a_released_lock(&["upgrade"]);
    let first = stderr.lines().next().unwrap_or_default();
    assert!(is_first_retry(first), "{stderr}");
    assert!(
        stdout.contains(" attempts)"),
        "the report counts the attempts: {stdout}"
    );
}

#[test]
fn with_json_each_retry_is_a_json_warning_and_the_step_counts_the_attempts() {
    let (stdout, stderr) = upgrade_behind_a_released_lock(&["upgrade", "--json"]);
    let warnings: Vec<serde_json::Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let first = warnings[0]["warning"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(is_first_retry(first), "{stderr}");
    let flag = stdout
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("JSON"))
        .find(|line| line["revision"]["name"] == ADD_FLAG)
        .unwrap_or_else(|| panic!("no line for {ADD_FLAG}: {stdout}"));
    assert!(flag["attempts"].as_u64() > Some(1), "{flag}");
}

#[test]
fn both_drivers_retry_and_report_the_attempts() {
    for driver in ["blocking", "async"] {
        let (db, mut reader) = database_with_a_reader("lock_retry");
        let url = db.url().expose().to_owned();
        let upgrade = std::thread::spawn(move || {
            let runner = patient(runner("lock_retry"));
            if driver == "blocking" {
                runner.upgrade(&mut connect_url(&url), Target::Head)
            } else {
                with_async_client(&url, async |client| {
                    runner.upgrade_async(client, Target::Head).await
                })
            }
        });
        // The runner's session waits for the lock, gives up (no session waits any more), and the
        // lock is released only then: the revision needed a second attempt.
        let mut watcher = connect(&db);
        let mut waiting = move || {
            watcher
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%ADD COLUMN flag%'",
                    &[],
                )
                .map(|row| row.get::<_, i64>(0) > 0)
                .expect("read pg_stat_activity")
        };
        wait_until(
            "the runner waits for the lock",
            Duration::from_secs(30),
            &mut waiting,
        );
        wait_until(
            "the runner's attempt timed out",
            Duration::from_secs(30),
            || !waiting(),
        );
        reader.batch_execute("COMMIT").expect("release the lock");
        let report = upgrade.join().expect("no panic").expect("upgrade");
        let step = report.steps.last().expect("a step");
        assert_eq!(step.name, ADD_FLAG, "{driver}");
        assert!(step.attempts >= 2, "{driver}: {} attempts", step.attempts);
        assert!(has_flag(&mut connect(&db)), "{driver}");
    }
}

fn connect_url(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).expect("connect")
}

#[test]
fn a_lock_held_past_every_attempt_fails_cleanly_and_names_the_table() {
    for driver in ["blocking", "async"] {
        let (db, mut reader) = database_with_a_reader("lock_retry");
        let url = db.url().expose().to_owned();
        let runner = runner("lock_retry")
            .with_statement_lock_timeout(Duration::from_millis(100))
            .with_lock_retries(2);
        let result = if driver == "blocking" {
            runner.upgrade(&mut connect(&db), Target::Head)
        } else {
            with_async_client(&url, async |client| {
                runner.upgrade_async(client, Target::Head).await
            })
        };
        let error = result.expect_err("the lock is held throughout");
        assert!(
            matches!(&error, Error::LockRetriesExhausted { attempts: 2, blockers, .. } if blockers.iter().any(|b| b.relation == "public.accounts" && b.mode == "AccessShareLock")),
            "{driver}: {error}"
        );
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("{ADD_FLAG} gave up after 2 attempts, each timed out waiting for a lock on public.accounts (AccessShareLock held by pid ")),
            "{driver}: {message}"
        );
        assert!(
            message.contains("fixtures/lock_retry/versions/202601010200_add_flag.sql:4"),
            "{driver}: {message}"
        );
        reader.batch_execute("COMMIT").expect("release the lock");
        let mut client = connect(&db);
        assert!(!has_flag(&mut client), "{driver}: nothing applied");
        assert_eq!(
            history(&mut client),
            expected_history(runner.revisions(), 2),
            "{driver}"
        );
        assert_eq!(
            advisory_locks(&mut client),
            0,
            "{driver}: the advisory lock is released"
        );
    }
}

#[test]
fn a_non_transactional_revision_is_not_retried_and_stays_dirty_saying_why() {
    let (db, mut reader) = database_with_a_reader("lock_retry_outside");
    let runner = runner("lock_retry_outside")
        .with_statement_lock_timeout(Duration::from_millis(100))
        .with_lock_retries(5);
    let error = runner
        .upgrade(&mut connect(&db), Target::Head)
        .expect_err("the lock is held");
    assert!(
        matches!(
            &error,
            Error::Statement {
                outcome: Outcome::Dirty,
                ..
            }
        ),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains("55P03"), "{message}");
    assert!(
        message.contains("waited longer than its lock_timeout for a lock another session holds"),
        "{message}"
    );
    reader.batch_execute("COMMIT").expect("release the lock");
    let current = runner.current(&mut connect(&db)).expect("current");
    let dirty = current.dirty.expect("the database is dirty");
    assert!(dirty.error.unwrap_or_default().contains("lock_timeout"));
}

#[test]
fn a_revision_header_sets_its_own_timeouts_in_the_runner_and_the_dry_run() {
    let db = database();
    let mut client = connect(&db);
    runner("lock_headers")
        .upgrade(&mut client, Target::Head)
        .expect("upgrade");
    let seen = |table: &str| -> (String, String) {
        let row = connect(&db)
            .query_one(
                &format!("SELECT lock_timeout, statement_timeout FROM {table}"),
                &[],
            )
            .expect("read what the revision saw");
        (row.get(0), row.get(1))
    };
    assert_eq!(seen("seen_default"), ("5s".to_owned(), "0".to_owned()));
    assert_eq!(seen("seen_own"), ("30s".to_owned(), "2min".to_owned()));
    // The session's own settings are back after the run.
    let after = client
        .query_one("SELECT current_setting('lock_timeout')", &[])
        .map(|row| row.get::<_, String>(0))
        .expect("lock_timeout");
    assert_eq!(after, "0");

    let folder = fixture_dir("lock_headers");
    let script = migrations_tests::run(&mut migrate_command(
        MIGRATE,
        Some(&folder),
        None,
        &["upgrade", "--sql", "base:head", "--statement-timeout", "1h"],
    ));
    assert_eq!(script.code, 0, "{}", script.stderr);
    let units: Vec<&str> = script
        .stdout
        .split("\n-- Running upgrade ")
        .skip(1)
        .map(|unit| unit.split("\nCREATE").next().unwrap_or_default())
        .collect();
    expect_test::expect![[r#"
        [
            "base -> 202601010000_baseline\nBEGIN;\nSET LOCAL lock_timeout = '5s';\nSET LOCAL statement_timeout = '1h';\nRESET ALL;\nRESET ROLE;\nINSERT INTO :\"migrate_history_schema\".\"refinery_schema_history\" (version, name, applied_on, checksum) VALUES (202601010000, 'baseline', pg_catalog.to_char(pg_catalog.clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '15634797673121429619');\nCOMMIT;\n",
            "202601010000_baseline -> 202601010100_default_envelope\nBEGIN;\nSET LOCAL lock_timeout = '5s';\nSET LOCAL statement_timeout = '1h';",
            "202601010100_default_envelope -> 202601010200_own_envelope\nBEGIN;\nSET LOCAL lock_timeout = '30s';\nSET LOCAL statement_timeout = '2min';",
        ]
    "#]].assert_debug_eq(&units);
}
