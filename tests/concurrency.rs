//! Many runners at once on one database: processes of the `migrate` command line, threads through
//! the library with both drivers, applications starting together, and upgrades, downgrades and
//! stamps racing each other. Every run starts behind a held lock, so that all runners are waiting
//! when it is released and race at the same moment.

use std::path::Path;
use std::process::Child;
use std::time::Duration;

use migrations_core::{RevisionSet, Target};
use migrations_disposable::DisposableDb;
use migrations_runtime::Report;
use migrations_tests::{
    applications, connect, database, expected_history, finished, fixture, fixture_dir, history,
    migrate_command, runner, schema_snapshot, wait_until, with_async_client,
};

const FIXTURE_MIGRATE: &str = env!("CARGO_BIN_EXE_fixture-migrate");
const PROJECT_MIGRATE: &str = env!("CARGO_BIN_EXE_project-migrate");

/// How many runners race in each test.
const RUNNERS: usize = 16;

/// How long any wait in these tests may take before the test fails instead of hanging.
const LIMIT: Duration = Duration::from_secs(60);

/// The advisory lock of the default history table, held by the test while its runners start.
struct StartingGate {
    client: postgres::Client,
    key: i64,
}

impl StartingGate {
    fn close(db: &DisposableDb) -> StartingGate {
        let key = migrations_core::HistoryTable::default().lock_key();
        let mut client = connect(db);
        client
            .batch_execute(&format!("SELECT pg_advisory_lock({key})"))
            .expect("take the lock");
        StartingGate { client, key }
    }

    /// Releases the lock once `runners` other sessions are connected, all of them waiting for it.
    fn open_when_connected(mut self, runners: usize) {
        wait_until(&format!("{runners} runners are connected"), LIMIT, || {
            let connected: i64 = self
                .client
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity \
                         WHERE datname = current_database() AND pid <> pg_backend_pid()",
                    &[],
                )
                .expect("count sessions")
                .get(0);
            connected as usize >= runners
        });
        self.client
            .batch_execute(&format!("SELECT pg_advisory_unlock({})", self.key))
            .expect("release the lock");
    }
}

/// One runner: a `migrate` process, or a thread through the library.
enum Racer {
    Process(Child),
    Thread(std::thread::JoinHandle<Result<Report, migrations_runtime::Error>>),
}

/// What a runner did: the positions (applied revisions) before and after, and its steps.
#[derive(Debug)]
struct Moved {
    from: usize,
    to: usize,
    steps: usize,
}

impl Racer {
    fn process(binary: &str, folder: Option<&Path>, db: &DisposableDb, args: &[&str]) -> Racer {
        let child = migrate_command(binary, folder, Some(db.url().expose()), args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start migrate");
        Racer::Process(child)
    }

    fn thread(
        db: &DisposableDb,
        work: impl FnOnce(&mut postgres::Client) -> Result<Report, migrations_runtime::Error>
        + Send
        + 'static,
    ) -> Racer {
        let url = db.url().expose().to_owned();
        Racer::Thread(std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
            work(&mut client)
        }))
    }

    /// An async application: its own Tokio runtime and a `tokio-postgres` connection.
    fn async_thread(db: &DisposableDb, runner: migrations_runtime::Runner) -> Racer {
        let url = db.url().expose().to_owned();
        Racer::Thread(std::thread::spawn(move || {
            with_async_client(&url, async |client| {
                runner.upgrade_async(client, Target::Head).await
            })
        }))
    }

    /// Waits for the runner; every runner of these tests must succeed.
    fn finish(self, set: &RevisionSet) -> Moved {
        match self {
            Racer::Process(child) => {
                let run = finished(child.wait_with_output().expect("wait for migrate"));
                assert_eq!(run.code, 0, "migrate failed: {}", run.stderr);
                let last = run.stdout.lines().last().unwrap_or_default().to_owned();
                let steps = run.stdout.lines().count() - 1;
                if let Some(at) = last.strip_prefix("nothing to do: the database is at ") {
                    let at = position(set, at);
                    return Moved {
                        from: at,
                        to: at,
                        steps,
                    };
                }
                // `upgrade <from> -> <to> in <time>`
                let words: Vec<&str> = last.split(' ').collect();
                assert!(
                    words.len() >= 4 && words[2] == "->",
                    "unexpected report: {}",
                    run.stdout
                );
                Moved {
                    from: position(set, words[1]),
                    to: position(set, words[3]),
                    steps,
                }
            }
            Racer::Thread(handle) => {
                let report = handle
                    .join()
                    .expect("no panic")
                    .unwrap_or_else(|e| panic!("runner failed: {e}"));
                Moved {
                    from: position(set, &report.from),
                    to: position(set, &report.to),
                    steps: report.steps.len(),
                }
            }
        }
    }
}

/// How many revisions are applied when `name` (a file stem, or `base`) is the newest.
fn position(set: &RevisionSet, name: &str) -> usize {
    if name == "base" {
        return 0;
    }
    set.revisions()
        .iter()
        .position(|r| r.name() == name)
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("unknown revision {name}"))
}

/// Starts the runners behind the gate, opens it, and waits for them all.
fn race(db: &DisposableDb, set: &RevisionSet, start: impl FnOnce() -> Vec<Racer>) -> Vec<Moved> {
    let gate = StartingGate::close(db);
    let racers = start();
    gate.open_when_connected(racers.len());
    racers.into_iter().map(|r| r.finish(set)).collect()
}

/// Runners that serialise under the lock form a chain: each starts where the one before it left
/// the database. Whatever their order, the net movement is then the sum of theirs.
fn assert_chained(moves: &[Moved], start: usize, end: usize) {
    let net: i64 = moves.iter().map(|m| m.to as i64 - m.from as i64).sum();
    assert_eq!(
        start as i64 + net,
        end as i64,
        "the runners did not each start where the previous one stopped: {moves:?}"
    );
}

/// The schema of the database equals that of a fresh one upgraded straight to the revision its
/// history names.
fn assert_schema_matches_history(db: &DisposableDb, set: &RevisionSet) {
    let mut client = connect(db);
    let rows = history(&mut client);
    let newest = rows.last().expect("a revision is applied");
    let name = format!("{}_{}", newest.0, newest.1);
    let reference = database();
    let mut reference_client = connect(&reference);
    migrations_runtime::Runner::new(set.clone())
        .upgrade(&mut reference_client, Target::Name(name.clone()))
        .expect("build the reference");
    let diff = schema_snapshot(&mut reference_client).diff(&schema_snapshot(&mut client));
    assert!(
        diff.is_empty(),
        "the history says {name}, but the schema differs from that revision's:\n{diff}"
    );
    assert_eq!(
        rows,
        expected_history(set, position(set, &name)),
        "the history is a prefix of the code"
    );
}

/// The `basic` fixture's three revisions after the baseline, each applied by exactly one racer.
fn assert_basic_applied_once(db: &DisposableDb, set: &RevisionSet, moves: &[Moved]) {
    assert_eq!(moves.iter().map(|m| m.steps).sum::<usize>(), 4, "{moves:?}");
    assert_chained(moves, 0, 4);
    let mut client = connect(db);
    assert_eq!(
        applications(&mut client),
        ["create_counter", "add_tenants", "add_events"]
    );
    assert_eq!(history(&mut client), expected_history(set, 4));
}

#[test]
fn sixteen_migrate_processes_apply_each_revision_exactly_once() {
    let db = database();
    let set = fixture("basic");
    let folder = fixture_dir("basic");
    let moves = race(&db, &set, || {
        (0..RUNNERS)
            .map(|_| Racer::process(FIXTURE_MIGRATE, Some(&folder), &db, &["upgrade"]))
            .collect()
    });
    assert_basic_applied_once(&db, &set, &moves);
}

#[test]
fn sixteen_library_runners_on_both_drivers_apply_each_revision_exactly_once() {
    let db = database();
    let runner = runner("basic");
    let set = runner.revisions().clone();
    let moves = race(&db, &set, || {
        (0..RUNNERS)
            .map(|i| {
                let runner = runner.clone();
                if i % 2 == 0 {
                    Racer::thread(&db, move |client| runner.upgrade(client, Target::Head))
                } else {
                    Racer::async_thread(&db, runner)
                }
            })
            .collect()
    });
    assert_basic_applied_once(&db, &set, &moves);
}

#[test]
fn applications_starting_together_migrate_once_with_the_embedded_runner() {
    let db = database();
    let set = migrations::REVISIONS;
    let count = set.revisions().len();
    let moves = race(&db, &set, || {
        let mut racers: Vec<Racer> = (0..RUNNERS / 2)
            .map(|_| {
                Racer::thread(&db, |client| {
                    migrations::runner().upgrade(client, Target::Head)
                })
            })
            .collect();
        racers.extend(
            (0..RUNNERS / 2).map(|_| Racer::process(PROJECT_MIGRATE, None, &db, &["upgrade"])),
        );
        racers
    });
    let repeatables = set.repeatables().len();
    assert_eq!(
        moves.iter().map(|m| m.steps).sum::<usize>(),
        count + repeatables,
        "{moves:?}"
    );
    assert_chained(&moves, 0, count);
    assert_eq!(history(&mut connect(&db)), expected_history(&set, count));
}

#[test]
fn racing_upgrades_and_downgrades_leave_the_schema_the_history_names() {
    let db = database();
    let runner = runner("ladder");
    let set = runner.revisions().clone();
    // From step_08, eight `downgrade -1` can at worst reach create_counter: the counter stays.
    let start = position(&set, "202511121508_step_08");
    runner
        .upgrade(&mut connect(&db), Target::Name("step_08".to_owned()))
        .expect("start at step_08");
    let folder = fixture_dir("ladder");
    let moves = race(&db, &set, || {
        (0..RUNNERS)
            .map(|i| {
                let runner = runner.clone();
                match i % 4 {
                    0 => {
                        Racer::process(FIXTURE_MIGRATE, Some(&folder), &db, &["upgrade", "step_08"])
                    }
                    1 => Racer::process(FIXTURE_MIGRATE, Some(&folder), &db, &["downgrade", "-1"]),
                    2 => Racer::thread(&db, move |client| {
                        runner.upgrade(client, Target::Name("step_08".to_owned()))
                    }),
                    _ => Racer::thread(&db, move |client| {
                        runner.downgrade(client, Target::Relative(-1))
                    }),
                }
            })
            .collect()
    });
    let mut client = connect(&db);
    let end = history(&mut client).len();
    assert_chained(&moves, start, end);
    assert_eq!(
        moves.iter().filter(|m| m.to < m.from).count(),
        RUNNERS / 2,
        "every downgrade removed one revision: {moves:?}"
    );
    // Each up and down section adds a row: the rows are exactly the steps that ran.
    let rows = applications(&mut client);
    let steps: usize = moves.iter().map(|m| m.steps).sum();
    assert_eq!(rows.len(), start - 2 + steps, "{rows:?}");
    for (i, revision) in set.revisions()[2..start].iter().enumerate() {
        let slug = revision.slug();
        let ups = rows.iter().filter(|r| *r == slug).count() as i64;
        let downs = rows
            .iter()
            .filter(|r| **r == format!("{slug} down"))
            .count() as i64;
        let applied = i64::from(i + 2 < end);
        assert_eq!(ups - downs, applied, "{slug}: {rows:?}");
    }
    assert_schema_matches_history(&db, &set);
}

#[test]
fn racing_upgrades_downgrades_and_stamps_leave_the_schema_the_history_names() {
    // A stamp moves the history without running SQL, so the schema can follow the history only
    // across revisions that change no schema: the ladder's eight notes. Starting at head, the
    // five downgrades and three `stamp -1` below reach at most eight revisions down, to step_08.
    let db = database();
    let runner = runner("ladder");
    let set = runner.revisions().clone();
    let head = set.revisions().len();
    runner
        .upgrade(&mut connect(&db), Target::Head)
        .expect("start at head");
    let folder = fixture_dir("ladder");
    let commands: [&[&str]; 4] = [
        &["upgrade"],
        &["downgrade", "-1"],
        &["stamp", "head"],
        &["stamp", "-1"],
    ];
    let plan = [0, 1, 2, 3, 0, 1, 0, 1, 2, 3, 0, 1, 0, 1, 2, 3];
    assert_eq!(plan.len(), RUNNERS);
    let moves = race(&db, &set, || {
        plan.iter()
            .enumerate()
            .map(|(i, &command)| {
                if i % 2 == 0 {
                    return Racer::process(FIXTURE_MIGRATE, Some(&folder), &db, commands[command]);
                }
                let runner = runner.clone();
                Racer::thread(&db, move |client| match command {
                    0 => runner.upgrade(client, Target::Head),
                    1 => runner.downgrade(client, Target::Relative(-1)),
                    2 => runner.stamp(client, Target::Head),
                    _ => runner.stamp(client, Target::Relative(-1)),
                })
            })
            .collect()
    });
    let mut client = connect(&db);
    let end = history(&mut client).len();
    assert!(end >= head - 8, "{end}");
    assert_chained(&moves, head, end);
    let current = runner.current(&mut client).expect("current");
    assert!(
        current.problems.is_empty() && current.dirty.is_none(),
        "{current}"
    );
    assert_schema_matches_history(&db, &set);
}
