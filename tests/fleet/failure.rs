//! A revision that fails on one database: the canaries stop the fleet, a failure stops new
//! databases from starting, `--keep-going` goes past it, and a run after the fix does only it.

use expect_test::expect;

use crate::support::{REVISIONS, TestFleet, sorted_lines};

#[test]
fn a_revision_failing_on_one_database_stops_the_fleet_unless_it_keeps_going() {
    let fleet = TestFleet::start(3, 3);
    let first = fleet.migrate(&["upgrade", "202601010100_create_accounts", "--jobs", "3"]);
    assert_eq!(first.code, 0, "{}", first.output());
    // Two accounts of s1/tenant_2 share an email: its unique index cannot be built.
    let duplicated = &fleet.members[1];
    let mut tenant = fleet.server(duplicated).connect(&duplicated.database);
    tenant
        .batch_execute("INSERT INTO accounts (id, email) VALUES (1, 'ops@example.com'), (2, 'ops@example.com')")
        .expect("insert the duplicates");

    let canary = fleet.migrate(&["upgrade", "--canary", "3", "--keep-going", "--jobs", "3"]);
    assert_eq!(canary.code, 1, "{}", canary.output());
    expect![[r#"
        failed       s1/tenant_2  upgrade of `202601010300_unique_email` failed at fixtures/fleet/versions/202601010300_unique_email.sql:5: ERROR 23505: could not create unique index "accounts_email_key"
              detail: Key (email)=(ops@example.com) is duplicated.
              the revision was rolled back; the database is as it was before it
            the database is at 202601010200_add_plan
        migrated     s1/tenant_1  202601010100_create_accounts → 202601010400_add_invoices  (3 revisions, <t>)
        migrated     s1/tenant_3  202601010100_create_accounts → 202601010400_add_invoices  (3 revisions, <t>)
        skipped      s2/tenant_1  not started: 1 of the 3 canaries did not succeed
        skipped      s2/tenant_2  not started: 1 of the 3 canaries did not succeed
        skipped      s2/tenant_3  not started: 1 of the 3 canaries did not succeed
        skipped      s3/tenant_1  not started: 1 of the 3 canaries did not succeed
        skipped      s3/tenant_2  not started: 1 of the 3 canaries did not succeed
        skipped      s3/tenant_3  not started: 1 of the 3 canaries did not succeed

        9 databases:
          at head           0
          migrated          2
          failed            1
          unreachable       0
          busy              0
          skipped           6
        stopped: 1 of the 3 canaries did not succeed
    "#]]
    .assert_eq(&sorted_lines(&fleet.normalise(&canary.stdout)));

    let stopped = fleet.migrate(&["upgrade", "--jobs", "1"]);
    assert_eq!(stopped.code, 1, "{}", stopped.output());
    expect![[r#"
        at head      s1/tenant_1  202601010400_add_invoices  (<t>)
        failed       s1/tenant_2  upgrade of `202601010300_unique_email` failed at fixtures/fleet/versions/202601010300_unique_email.sql:5: ERROR 23505: could not create unique index "accounts_email_key"
              detail: Key (email)=(ops@example.com) is duplicated.
              the revision was rolled back; the database is as it was before it
            the database is at 202601010200_add_plan
        skipped      s1/tenant_3  not started: s1/tenant_2 failed and a failure stops the run (--keep-going goes on)
        skipped      s2/tenant_1  not started: s1/tenant_2 failed and a failure stops the run (--keep-going goes on)
        skipped      s2/tenant_2  not started: s1/tenant_2 failed and a failure stops the run (--keep-going goes on)
        skipped      s2/tenant_3  not started: s1/tenant_2 failed and a failure stops the run (--keep-going goes on)
        skipped      s3/tenant_1  not started: s1/tenant_2 failed and a failure stops the run (--keep-going goes on)
        skipped      s3/tenant_2  not started: s1/tenant_2 failed and a failure stops the run (--keep-going goes on)
        skipped      s3/tenant_3  not started: s1/tenant_2 failed and a failure stops the run (--keep-going goes on)

        9 databases:
          at head           1
          migrated          0
          failed            1
          unreachable       0
          busy              0
          skipped           7
        stopped: s1/tenant_2 failed and a failure stops the run (--keep-going goes on)
        error: 8 of 9 databases did not finish: 1 failed, 7 skipped; running the same command again does what is left
    "#]]
    .assert_eq(&fleet.normalise(&stopped.output()));

    let kept_going = fleet.migrate(&["upgrade", "--jobs", "1", "--keep-going"]);
    assert_eq!(kept_going.code, 1, "{}", kept_going.output());
    expect![[r#"
        at head      s1/tenant_1  202601010400_add_invoices  (<t>)
        failed       s1/tenant_2  upgrade of `202601010300_unique_email` failed at fixtures/fleet/versions/202601010300_unique_email.sql:5: ERROR 23505: could not create unique index "accounts_email_key"
              detail: Key (email)=(ops@example.com) is duplicated.
              the revision was rolled back; the database is as it was before it
            the database is at 202601010200_add_plan
        at head      s1/tenant_3  202601010400_add_invoices  (<t>)
        migrated     s2/tenant_1  202601010100_create_accounts → 202601010400_add_invoices  (3 revisions, <t>)
        migrated     s2/tenant_2  202601010100_create_accounts → 202601010400_add_invoices  (3 revisions, <t>)
        migrated     s2/tenant_3  202601010100_create_accounts → 202601010400_add_invoices  (3 revisions, <t>)
        migrated     s3/tenant_1  202601010100_create_accounts → 202601010400_add_invoices  (3 revisions, <t>)
        migrated     s3/tenant_2  202601010100_create_accounts → 202601010400_add_invoices  (3 revisions, <t>)
        migrated     s3/tenant_3  202601010100_create_accounts → 202601010400_add_invoices  (3 revisions, <t>)

        9 databases:
          at head           2
          migrated          6
          failed            1
          unreachable       0
          busy              0
          skipped           0
        error: 1 of 9 databases did not finish: 1 failed; running the same command again does what is left
    "#]]
    .assert_eq(&fleet.normalise(&kept_going.output()));
    for (i, member) in fleet.members.iter().enumerate() {
        let applied = fleet.assert_whole_revisions(member);
        assert_eq!(applied, if i == 1 { 2 } else { REVISIONS.len() });
    }

    tenant
        .batch_execute("UPDATE accounts SET email = 'billing@example.com' WHERE id = 2")
        .expect("fix the duplicate");
    let fixed = fleet.migrate(&["upgrade", "--jobs", "1"]);
    assert_eq!(fixed.code, 0, "{}", fixed.output());
    expect![[r#"
        at head      s1/tenant_1  202601010400_add_invoices  (<t>)
        migrated     s1/tenant_2  202601010200_add_plan → 202601010400_add_invoices  (2 revisions, <t>)
        at head      s1/tenant_3  202601010400_add_invoices  (<t>)
        at head      s2/tenant_1  202601010400_add_invoices  (<t>)
        at head      s2/tenant_2  202601010400_add_invoices  (<t>)
        at head      s2/tenant_3  202601010400_add_invoices  (<t>)
        at head      s3/tenant_1  202601010400_add_invoices  (<t>)
        at head      s3/tenant_2  202601010400_add_invoices  (<t>)
        at head      s3/tenant_3  202601010400_add_invoices  (<t>)

        9 databases:
          at head           8
          migrated          1
          failed            0
          unreachable       0
          busy              0
          skipped           0
    "#]]
    .assert_eq(&fleet.normalise(&fixed.output()));
    for member in &fleet.members {
        assert_eq!(fleet.assert_whole_revisions(member), REVISIONS.len());
    }
}
