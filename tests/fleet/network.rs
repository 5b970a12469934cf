//! Servers that do not answer: one stopped before the run, one cut off from the network in the
//! middle of a revision.

use std::process::Stdio;
use std::time::Duration;

use expect_test::expect;
use migrations_tests::{finished, wait_until};

use crate::support::{REVISIONS, TestFleet, sorted_lines};

/// The reason of each `unreachable` line as `<reason>`: refused, timed out or no route, as the
/// network of the moment says.
fn reasons_hidden(text: &str) -> String {
    text.lines()
        .map(|line| {
            match (
                line.starts_with("unreachable"),
                line.find("?sslmode=disable: "),
            ) {
                (true, Some(at)) => format!("{}<reason>", &line[..at + "?sslmode=disable: ".len()]),
                _ => line.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn a_stopped_server_is_unreachable_within_the_connect_timeout_while_the_others_complete() {
    let fleet = TestFleet::start(3, 3);
    fleet.servers.servers[2].stop();
    let run = fleet.migrate(&["upgrade", "--jobs", "2", "--connect-timeout", "2s"]);
    assert_eq!(run.code, 1, "{}", run.output());
    for line in run.stdout.lines().filter(|l| l.starts_with("unreachable")) {
        assert!(
            [
                "connection timed out",
                "no connection within 2.0 s",
                "No route to host"
            ]
            .iter()
            .any(|reason| line.contains(reason)),
            "not a connection that timed out: {line}"
        );
    }
    expect![[r#"
        migrated     s1/tenant_1  base → 202601010400_add_invoices  (5 revisions, <t>)
        migrated     s1/tenant_2  base → 202601010400_add_invoices  (5 revisions, <t>)
        migrated     s1/tenant_3  base → 202601010400_add_invoices  (5 revisions, <t>)
        migrated     s2/tenant_1  base → 202601010400_add_invoices  (5 revisions, <t>)
        migrated     s2/tenant_2  base → 202601010400_add_invoices  (5 revisions, <t>)
        migrated     s2/tenant_3  base → 202601010400_add_invoices  (5 revisions, <t>)
        unreachable  s3/tenant_1  cannot connect to postgres://postgres:***@s3/tenant_1?sslmode=disable: <reason>
        unreachable  s3/tenant_2  cannot connect to postgres://postgres:***@s3/tenant_2?sslmode=disable: <reason>
        unreachable  s3/tenant_3  cannot connect to postgres://postgres:***@s3/tenant_3?sslmode=disable: <reason>

        9 databases:
          at head           0
          migrated          6
          failed            0
          unreachable       3
          busy              0
          skipped           0
        error: 3 of 9 databases did not finish: 3 unreachable; running the same command again does what is left
    "#]]
    .assert_eq(&reasons_hidden(&sorted_lines(&fleet.normalise(&run.output()))));
    for member in fleet.members.iter().filter(|m| m.server < 2) {
        assert_eq!(fleet.assert_whole_revisions(member), REVISIONS.len());
    }
}

#[test]
fn a_server_cut_off_mid_revision_keeps_whole_revisions_and_a_rerun_after_reconnecting_finishes_it()
{
    let fleet = TestFleet::start(3, 3);
    let cut = &fleet.servers.servers[2];
    // On the server to cut off, two revisions sleep: the cut comes in the middle of one.
    let mut admin = cut.connect("postgres");
    for member in fleet.members.iter().filter(|m| m.server == 2) {
        admin
            .batch_execute(&format!(
                "ALTER DATABASE {} SET fleet.sleep_seconds = '3'",
                member.database
            ))
            .expect("make its revisions sleep");
    }
    let child = fleet
        .command(&["upgrade", "--jobs", "2", "--connect-timeout", "2s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the fleet run");
    let sleeping = "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(coalesce%' AND pid <> pg_backend_pid()";
    wait_until("a revision sleeps on s3", Duration::from_secs(120), || {
        admin
            .query_one(sleeping, &[])
            .expect("watch s3")
            .get::<_, i64>(0)
            > 0
    });
    drop(admin);
    fleet.servers.disconnect(cut);
    let run = finished(child.wait_with_output().expect("the fleet run ends"));
    assert_eq!(run.code, 1, "{}", run.output());
    let text = fleet.normalise(&run.stdout);
    let lines: Vec<&str> = text
        .lines()
        .take_while(|l| !l.is_empty())
        .filter(|l| !l.starts_with(' '))
        .collect();
    assert_eq!(lines.len(), fleet.members.len(), "{text}");
    for line in &lines {
        let on_cut = line.contains(" s3/");
        let fine = match on_cut {
            false => line.starts_with("migrated"),
            true => line.starts_with("unreachable"),
        };
        assert!(fine, "{text}");
    }
    assert!(
        text.contains("the connection was lost: the server finishes or undoes the revision it was sending on its own"),
        "no database was cut off mid-run:\n{text}"
    );

    fleet.servers.reconnect(cut);
    fleet.write_list();
    // The server ends the sessions of the cut-off run once it notices they are gone.
    let mut admin = cut.connect("postgres");
    let left = "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'tenant_%'";
    wait_until(
        "s3 has ended the cut-off sessions",
        Duration::from_secs(120),
        || {
            admin
                .query_one(left, &[])
                .expect("watch s3")
                .get::<_, i64>(0)
                == 0
        },
    );
    let mut behind = 0;
    for member in &fleet.members {
        let applied = fleet.assert_whole_revisions(member);
        behind += usize::from(applied < REVISIONS.len());
    }
    assert!(behind > 0, "the cut-off run migrated every database");

    let rerun = fleet.migrate(&["upgrade", "--jobs", "2"]);
    assert_eq!(rerun.code, 0, "{}", rerun.output());
    let rerun = fleet.normalise(&rerun.stdout);
    assert_eq!(
        rerun.lines().filter(|l| l.starts_with("migrated")).count(),
        behind,
        "{rerun}"
    );
    for member in &fleet.members {
        assert_eq!(fleet.assert_whole_revisions(member), REVISIONS.len());
    }
}
