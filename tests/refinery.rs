//! refinery and this tool share one history table: each reads and continues what the other wrote.

use migrations_core::{RevisionSet, Target};
use migrations_tests::{connect, database, expected_history, fixture, history, runner};
use refinery_core::{Migration, Runner};

/// refinery's migrations of a set: each revision's up SQL under the name `V<id>__<slug>`.
fn migrations(set: &RevisionSet) -> Vec<Migration> {
    set.revisions()
        .iter()
        .map(|r| {
            Migration::unapplied(&format!("V{}__{}", r.id(), r.slug()), r.up().sql())
                .expect("a name refinery accepts")
        })
        .collect()
}

#[test]
fn refinery_reads_and_accepts_the_history_this_tool_writes() {
    // A transactional revision (refinery applied it through the engine), a non-transactional
    // one (the engine recorded it), and a stamp on a second database.
    let runner = runner("concurrently");
    let db = database();
    let mut client = connect(&db);
    runner.upgrade(&mut client, Target::Head).expect("upgrade");
    let stamped_db = database();
    let mut stamped = connect(&stamped_db);
    runner.stamp(&mut stamped, Target::Head).expect("stamp");

    let all = migrations(runner.revisions());
    for client in [&mut client, &mut stamped] {
        // refinery's driver panics on a time or checksum in another format than its own.
        let applied = Runner::new(&all)
            .get_applied_migrations(client)
            .expect("refinery reads the history");
        assert_eq!(applied, all, "refinery's view of the history");
        assert!(applied.iter().all(|m| m.applied_on().is_some()));
        let report = Runner::new(&all).run(client).expect("refinery's own run");
        assert!(
            report.applied_migrations().is_empty(),
            "refinery finds nothing to apply: {:?}",
            report.applied_migrations()
        );
    }
}

#[test]
fn this_tool_continues_a_database_refinery_migrated() {
    let set = fixture("basic");
    let db = database();
    let mut client = connect(&db);
    let all = migrations(&set);
    let report = Runner::new(&all[..2])
        .run(&mut client)
        .expect("refinery applies the first two");
    assert_eq!(report.applied_migrations().len(), 2);

    let runner = runner("basic");
    let report = runner.upgrade(&mut client, Target::Head).expect("upgrade");
    assert_eq!(report.from, "202511121400_create_counter");
    assert_eq!(report.steps.len(), 2);
    assert_eq!(history(&mut client), expected_history(&set, 4));
}

#[test]
fn the_runner_applies_an_upgrade_through_refinerys_own_runner() {
    // The process's subscriber: a scoped one can miss events of callsites that other tests of
    // this binary registered first.
    static EVENTS: std::sync::OnceLock<std::sync::Arc<std::sync::Mutex<Vec<u8>>>> =
        std::sync::OnceLock::new();
    let events = EVENTS.get_or_init(|| {
        let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let writer = {
            let events = std::sync::Arc::clone(&events);
            move || Capture(std::sync::Arc::clone(&events))
        };
        let subscriber = tracing_subscriber::fmt()
            .with_writer(writer)
            .with_max_level(tracing::Level::DEBUG)
            .without_time()
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        events
    });
    let db = database();
    runner("concurrently")
        .upgrade(&mut connect(&db), Target::Head)
        .expect("upgrade");
    let text = String::from_utf8_lossy(&events.lock().expect("events")).into_owned();
    // refinery's report names what its runner applied, in its own `V<version>__<name>` form;
    // the non-transactional revision is the engine's.
    assert!(
        text.contains(
            "refinery's runner applied V202511121302__baseline, V202511121400__add_events"
        ),
        "{text}"
    );
}

/// A writer into a shared buffer, for the events of one test.
struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("events").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
