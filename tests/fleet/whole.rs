//! A whole fleet: counted by revision, migrated with two jobs, a rerun with nothing left to do,
//! and a part of it listed by a query and moved back.

use expect_test::expect;
use serde_json::Value;

use crate::support::{REVISIONS, TestFleet, sorted_lines};

/// The JSON objects of a run, sorted by database, without the figures that vary.
fn objects(fleet: &TestFleet, stdout: &str) -> String {
    let mut objects: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    for object in &mut objects {
        for figure in ["elapsed_ms", "lock_wait_ms"] {
            if object[figure].is_number() {
                object[figure] = Value::from(0);
            }
        }
    }
    let mut lines: Vec<String> = objects
        .iter()
        .map(|object| fleet.normalise(&object.to_string()))
        .collect();
    lines.sort();
    lines.join("\n")
}

#[test]
fn a_fleet_on_three_servers_migrates_with_two_jobs_and_a_rerun_finds_it_at_head() {
    let fleet = TestFleet::start(3, 3);

    let before = fleet.migrate(&["current"]);
    assert_eq!(before.code, 0, "{}", before.output());
    expect![[r#"
        behind       s1/tenant_1  base, 5 pending
        behind       s1/tenant_2  base, 5 pending
        behind       s1/tenant_3  base, 5 pending
        behind       s2/tenant_1  base, 5 pending
        behind       s2/tenant_2  base, 5 pending
        behind       s2/tenant_3  base, 5 pending
        behind       s3/tenant_1  base, 5 pending
        behind       s3/tenant_2  base, 5 pending
        behind       s3/tenant_3  base, 5 pending

        9 databases by revision, newest first:
        base  9 databases
    "#]]
    .assert_eq(&sorted_lines(&fleet.normalise(&before.stdout)));

    let upgrade = fleet.migrate(&["upgrade", "--jobs", "2", "--json"]);
    assert_eq!(upgrade.code, 0, "{}", upgrade.output());
    expect![[r#"
        {"database":"s1/tenant_1","elapsed_ms":0,"error":null,"from":"base","lock_wait_ms":0,"position":"202601010400_add_invoices","repeatables":0,"revisions":5,"status":"migrated","to":"202601010400_add_invoices","waited_for_lock":false}
        {"database":"s1/tenant_2","elapsed_ms":0,"error":null,"from":"base","lock_wait_ms":0,"position":"202601010400_add_invoices","repeatables":0,"revisions":5,"status":"migrated","to":"202601010400_add_invoices","waited_for_lock":false}
        {"database":"s1/tenant_3","elapsed_ms":0,"error":null,"from":"base","lock_wait_ms":0,"position":"202601010400_add_invoices","repeatables":0,"revisions":5,"status":"migrated","to":"202601010400_add_invoices","waited_for_lock":false}
        {"database":"s2/tenant_1","elapsed_ms":0,"error":null,"from":"base","lock_wait_ms":0,"position":"202601010400_add_invoices","repeatables":0,"revisions":5,"status":"migrated","to":"202601010400_add_invoices","waited_for_lock":false}
        {"database":"s2/tenant_2","elapsed_ms":0,"error":null,"from":"base","lock_wait_ms":0,"position":"202601010400_add_invoices","repeatables":0,"revisions":5,"status":"migrated","to":"202601010400_add_invoices","waited_for_lock":false}
        {"database":"s2/tenant_3","elapsed_ms":0,"error":null,"from":"base","lock_wait_ms":0,"position":"202601010400_add_invoices","repeatables":0,"revisions":5,"status":"migrated","to":"202601010400_add_invoices","waited_for_lock":false}
        {"database":"s3/tenant_1","elapsed_ms":0,"error":null,"from":"base","lock_wait_ms":0,"position":"202601010400_add_invoices","repeatables":0,"revisions":5,"status":"migrated","to":"202601010400_add_invoices","waited_for_lock":false}
        {"database":"s3/tenant_2","elapsed_ms":0,"error":null,"from":"base","lock_wait_ms":0,"position":"202601010400_add_invoices","repeatables":0,"revisions":5,"status":"migrated","to":"202601010400_add_invoices","waited_for_lock":false}
        {"database":"s3/tenant_3","elapsed_ms":0,"error":null,"from":"base","lock_wait_ms":0,"position":"202601010400_add_invoices","repeatables":0,"revisions":5,"status":"migrated","to":"202601010400_add_invoices","waited_for_lock":false}"#]]
    .assert_eq(&objects(&fleet, &upgrade.stdout));
    expect![[r#"

        9 databases:
          at head           0
          migrated          9
          failed            0
          unreachable       0
          busy              0
          skipped           0
    "#]]
    .assert_eq(&upgrade.stderr);
    for member in &fleet.members {
        assert_eq!(fleet.assert_whole_revisions(member), REVISIONS.len());
    }

    let rerun = fleet.migrate(&["upgrade", "--jobs", "2"]);
    assert_eq!(rerun.code, 0, "{}", rerun.output());
    expect![[r#"
        at head      s1/tenant_1  202601010400_add_invoices  (<t>)
        at head      s1/tenant_2  202601010400_add_invoices  (<t>)
        at head      s1/tenant_3  202601010400_add_invoices  (<t>)
        at head      s2/tenant_1  202601010400_add_invoices  (<t>)
        at head      s2/tenant_2  202601010400_add_invoices  (<t>)
        at head      s2/tenant_3  202601010400_add_invoices  (<t>)
        at head      s3/tenant_1  202601010400_add_invoices  (<t>)
        at head      s3/tenant_2  202601010400_add_invoices  (<t>)
        at head      s3/tenant_3  202601010400_add_invoices  (<t>)

        9 databases:
          at head           9
          migrated          0
          failed            0
          unreachable       0
          busy              0
          skipped           0
    "#]]
    .assert_eq(&sorted_lines(&fleet.normalise(&rerun.stdout)));
    for member in &fleet.members {
        assert_eq!(fleet.assert_whole_revisions(member), REVISIONS.len());
    }
}

#[test]
fn a_query_lists_the_tenants_of_a_server_and_current_shows_the_fleet_half_moved_back() {
    let fleet = TestFleet::start(3, 3);
    let upgrade = fleet.migrate(&["upgrade"]);
    assert_eq!(upgrade.code, 0, "{}", upgrade.output());

    // The tenants of s2, listed by the server itself, each row combined with its URL.
    let s2 = &fleet.servers.servers[1];
    let query =
        "SELECT 'dbname=' || datname FROM pg_database WHERE datname LIKE 'tenant_%' ORDER BY 1";
    let mut downgrade = migrations_tests::migrate_command(
        crate::support::FIXTURE_MIGRATE,
        Some(&migrations_tests::fixture_dir("fleet")),
        Some(&s2.url("postgres")),
        &[
            "downgrade",
            "202601010200_add_plan",
            "--databases-query",
            query,
            "--jobs",
            "1",
        ],
    );
    let downgrade = migrations_tests::run(&mut downgrade);
    assert_eq!(downgrade.code, 0, "{}", downgrade.output());
    expect![[r#"
        migrated     s2/tenant_1  202601010400_add_invoices → 202601010200_add_plan  (2 revisions, <t>)
        migrated     s2/tenant_2  202601010400_add_invoices → 202601010200_add_plan  (2 revisions, <t>)
        migrated     s2/tenant_3  202601010400_add_invoices → 202601010200_add_plan  (2 revisions, <t>)

        3 databases:
          at target         0
          migrated          3
          failed            0
          unreachable       0
          busy              0
          skipped           0
    "#]]
    .assert_eq(&fleet.normalise(&downgrade.stdout));
    assert!(!downgrade.output().contains(crate::servers::PASSWORD));

    let current = fleet.migrate(&["current", "--jobs", "3"]);
    assert_eq!(current.code, 0, "{}", current.output());
    expect![[r#"
        at head      s1/tenant_1  202601010400_add_invoices
        at head      s1/tenant_2  202601010400_add_invoices
        at head      s1/tenant_3  202601010400_add_invoices
        at head      s3/tenant_1  202601010400_add_invoices
        at head      s3/tenant_2  202601010400_add_invoices
        at head      s3/tenant_3  202601010400_add_invoices
        behind       s2/tenant_1  202601010200_add_plan, 2 pending
        behind       s2/tenant_2  202601010200_add_plan, 2 pending
        behind       s2/tenant_3  202601010200_add_plan, 2 pending

        9 databases by revision, newest first:
        202601010400_add_invoices (head)  6 databases
        202601010200_add_plan             3 databases
    "#]]
    .assert_eq(&sorted_lines(&fleet.normalise(&current.stdout)));
}
