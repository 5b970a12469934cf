//! Fleet runs at once: the databases' advisory locks let each revision be applied once, and a
//! run says which databases another run held.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use expect_test::expect;
use migrations_core::HistoryTable;
use migrations_tests::{finished, wait_until};
use serde_json::Value;

use crate::support::{REVISIONS, TestFleet, sorted_lines};

#[test]
fn two_fleet_runs_started_together_apply_each_revision_once_per_database() {
    let fleet = TestFleet::start(3, 3);
    let runs: Vec<_> = (0..2)
        .map(|_| {
            fleet
                .command(&["upgrade", "--jobs", "2", "--json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start a fleet run")
        })
        .collect();
    let mut statuses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for child in runs {
        let run = finished(child.wait_with_output().expect("the run ends"));
        assert_eq!(run.code, 0, "{}", run.output());
        for line in run.stdout.lines() {
            let object: Value = serde_json::from_str(line).expect("a JSON object");
            let status = object["status"].as_str().expect("a status").to_owned();
            let database = fleet.normalise(object["database"].as_str().expect("a name"));
            statuses.entry(database).or_default().push(status);
        }
    }
    // Each database was migrated by one run; the other found it at head, after waiting for
    // the lock if it came while the first was at work.
    for (database, mut statuses) in statuses.clone() {
        statuses.sort();
        assert_eq!(statuses, ["at_head", "migrated"], "{database}");
    }
    assert_eq!(statuses.len(), fleet.members.len());
    for member in &fleet.members {
        assert_eq!(fleet.assert_whole_revisions(member), REVISIONS.len());
    }
}

#[test]
fn a_database_whose_lock_another_run_holds_is_reported_busy_and_the_others_go_on() {
    let fleet = TestFleet::start(3, 2);
    let held = &fleet.members[2];
    let mut holder = fleet.server(held).connect(&held.database);
    let key = HistoryTable::default().lock_key();
    holder
        .batch_execute(&format!(
            "SET application_name = 'another run'; SELECT pg_advisory_lock({key})"
        ))
        .expect("take the lock");

    let run = fleet.migrate(&["upgrade", "--jobs", "2", "--lock-timeout", "1s"]);
    assert_eq!(run.code, 1, "{}", run.output());
    expect![[r#"
        busy         s2/tenant_1  gave up after <t> waiting for advisory lock -324209984690458005 (held by pid <n>, application `another run`, client <where>): another migration run holds it; wait for it to finish, or raise --lock-timeout
        migrated     s1/tenant_1  base → 202601010400_add_invoices  (5 revisions, <t>)
        migrated     s1/tenant_2  base → 202601010400_add_invoices  (5 revisions, <t>)
        migrated     s2/tenant_2  base → 202601010400_add_invoices  (5 revisions, <t>)
        migrated     s3/tenant_1  base → 202601010400_add_invoices  (5 revisions, <t>)
        migrated     s3/tenant_2  base → 202601010400_add_invoices  (5 revisions, <t>)

        6 databases:
          at head           0
          migrated          5
          failed            0
          unreachable       0
          busy              1
          skipped           0
        error: 1 of 6 databases did not finish: 1 busy; running the same command again does what is left
    "#]]
    .assert_eq(&sorted_lines(&fleet.normalise(&run.output())));
    assert_eq!(fleet.history(held), Vec::<String>::new());

    // Released while a run waits for it: the database is migrated, and the run says it waited.
    let waiting = fleet
        .command(&["upgrade", "--jobs", "2", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the fleet run");
    let mut watch = fleet.server(held).connect("postgres");
    let trying = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'migrate' AND datname = '{}' AND query LIKE '%pg_try_advisory_lock%'",
        held.database
    );
    wait_until(
        "the run tries the held lock",
        Duration::from_secs(120),
        || {
            watch
                .query_one(&trying, &[])
                .expect("watch")
                .get::<_, i64>(0)
                > 0
        },
    );
    holder
        .batch_execute(&format!("SELECT pg_advisory_unlock({key})"))
        .expect("release the lock");
    let run = finished(waiting.wait_with_output().expect("the run ends"));
    assert_eq!(run.code, 0, "{}", run.output());
    let waited: Vec<String> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a JSON object"))
        .filter(|object| object["waited_for_lock"] == Value::Bool(true))
        .map(|object| fleet.normalise(&format!("{} {}", object["database"], object["status"])))
        .collect();
    assert_eq!(waited, [r#""s2/tenant_1" "migrated""#]);
    for member in &fleet.members {
        assert_eq!(fleet.assert_whole_revisions(member), REVISIONS.len());
    }
}
