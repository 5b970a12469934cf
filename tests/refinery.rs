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
