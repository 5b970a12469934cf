//! `verify` on fixture folders: the bad ones fail with a diff naming the leftover object, the good
//! ones pass, on every backend; and the `migrations-verify` binary's options.

use std::process::Command;

use expect_test::{Expect, expect};
use migrations_disposable::{Backend, DisposableServer, ServerOptions};
use migrations_tests::{fixture, fixture_dir, workspace_root};
use migrations_verify::progress::Silent;
use migrations_verify::{
    FailureClass, Shard, StepStatus, VerifyOptions, VerifyReport, merge, verify,
};

fn run(name: &str, options: &VerifyOptions) -> VerifyReport {
    let server = DisposableServer::shared().unwrap_or_else(|e| panic!("{e}"));
    verify(&fixture(name), server, options, &mut Silent).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The report as text, with times and the server's version taken out.
fn text(report: &VerifyReport) -> String {
    let mut out = report.to_string().replace(
        &format!("on PostgreSQL {}", report.server_version),
        "on PostgreSQL <version>",
    );
    for revision in &report.revisions {
        out = out.replace(
            &format!("  {} ms\n", revision.duration.as_millis()),
            "  <time>\n",
        );
        out = out.replace(
            &format!("  {:.1} s\n", revision.duration.as_secs_f64()),
            "  <time>\n",
        );
    }
    match out.rfind(" in ") {
        Some(at) => format!("{}{}", &out[..at], " in <time>"),
        None => out,
    }
}

fn check_fails(name: &str, expect: Expect) {
    let report = run(name, &VerifyOptions::default());
    assert!(!report.ok(), "{name} must fail verify");
    expect.assert_eq(&text(&report));
}

#[test]
fn a_down_that_forgets_an_index_fails_naming_it() {
    check_fails(
        "verify_forgotten_index",
        expect![[r#"
            REVISION                   UP        DOWN      UP AGAIN  TIME
            202511121302_baseline      ok        ok        ok        <time>
            202511121400_add_events    ok        ok        ok        <time>
            202511121401_index_events  ok        differs   error     <time>
            repeatable migrations at head are idempotent: skipped
            the dry-run script run by psql builds what upgrade builds: skipped
            downgrade to base leaves an empty schema: skipped

            Revisions that block existing relations (ACCESS EXCLUSIVE or a rewrite):
              202511121401_index_events  down ACCESS EXCLUSIVE on public.events

            FAILED 202511121401_index_events
              class: leftover object, up again fails
              upgrade of `202511121401_index_events` failed at fixtures/verify_forgotten_index/versions/202511121401_index_events.sql:4: ERROR 42P07: relation "events_tenant_idx" already exists
                the revision was rolled back; the database is as it was before it
              on PostgreSQL <version>
              after down, the schema differs from the schema before up:
                + index public.events_tenant_idx: CREATE INDEX events_tenant_idx ON public.events USING btree (tenant_id)

            flagged revisions by class: 1 leftover object, 1 up again fails

            FAILED: 2 of 3 revisions verified, 1 failed in <time>"#]],
    );
}

#[test]
fn a_down_that_forgets_a_column_default_fails_naming_it() {
    let report = run("verify_forgotten_default", &VerifyOptions::default());
    let failed = &report.revisions[2];
    assert_eq!(
        (failed.up, failed.down, failed.reup),
        (StepStatus::Ok, StepStatus::Differs, StepStatus::Ok)
    );
    let text = text(&report);
    assert!(text.contains("~ column public.events.kind:"), "{text}");
    assert!(
        text.contains("+ text DEFAULT 'click'::text NOT NULL"),
        "{text}"
    );
}

#[test]
fn a_down_that_leaves_a_sequence_and_a_type_fails_naming_them() {
    let report = run(
        "verify_leftover_sequence_and_type",
        &VerifyOptions::default(),
    );
    let text = text(&report);
    assert_eq!(report.revisions[1].down, StepStatus::Differs, "{text}");
    assert!(text.contains("+ sequence public.events_seq:"), "{text}");
    assert!(
        text.contains(
            "+ type public.event_kind:\n        ENUM ('impression', 'click', 'conversion')"
        ),
        "{text}"
    );
}

#[test]
fn an_up_that_fails_half_way_stops_the_stairway() {
    let report = run("verify_up_fails", &VerifyOptions::default());
    let statuses: Vec<(StepStatus, StepStatus, StepStatus)> = report
        .revisions
        .iter()
        .map(|r| (r.up, r.down, r.reup))
        .collect();
    use StepStatus::{Error, Ok, Skipped};
    assert_eq!(
        statuses,
        [
            (Ok, Ok, Ok),
            (Ok, Ok, Ok),
            (Error, Skipped, Skipped),
            (Skipped, Skipped, Skipped)
        ]
    );
    let error = report.revisions[2].error.as_deref().unwrap_or_default();
    assert!(
        error.contains("202511121401_broken.sql:5: ERROR 22012: division by zero"),
        "{error}"
    );
}

#[test]
fn a_down_that_fails_is_reported_with_its_error() {
    let report = run("verify_down_fails", &VerifyOptions::default());
    assert_eq!(report.revisions[2].down, StepStatus::Error);
    let error = report.revisions[2].error.as_deref().unwrap_or_default();
    assert!(
        error.starts_with("downgrade of `202511121401_add_kinds` failed at "),
        "{error}"
    );
    assert!(
        error.contains("ERROR 42P01: table \"kind\" does not exist"),
        "{error}"
    );
}

#[test]
fn column_order_counts_unless_relaxed() {
    let report = run("verify_column_order", &VerifyOptions::default());
    assert_eq!(
        report.revisions[2].down,
        StepStatus::Differs,
        "{}",
        text(&report)
    );
    assert!(
        text(&report).contains("~ table public.events:"),
        "{}",
        text(&report)
    );
    let relaxed = VerifyOptions {
        column_order: migrations_verify::ColumnOrder::Ignore,
        ..VerifyOptions::default()
    };
    assert!(run("verify_column_order", &relaxed).ok());
}

#[test]
fn a_repeatable_that_is_not_idempotent_fails_naming_it() {
    let report = run("verify_bad_repeatable", &VerifyOptions::default());
    let failed: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| !c.ok())
        .map(|c| c.check.as_str())
        .collect();
    assert_eq!(
        failed,
        [
            "repeatable policies is idempotent after 202511121400_add_events",
            "repeatable migrations at head are idempotent"
        ]
    );
    let error = report.checks[0].error.as_deref().unwrap_or_default();
    assert!(
        error.contains("repeatable migration `policies` failed at fixtures/verify_bad_repeatable/repeatable/policies.sql:3: 42710 policy \"events_by_tenant\" for table \"events\" already exists"),
        "{error}"
    );
}

#[test]
fn keep_going_reports_every_bad_revision() {
    let options = VerifyOptions {
        keep_going: true,
        ..VerifyOptions::default()
    };
    let report = run("verify_two_bad", &options);
    let failed: Vec<&str> = report
        .revisions
        .iter()
        .filter(|r| !r.ok())
        .map(|r| r.revision.as_str())
        .collect();
    assert_eq!(
        failed,
        ["202511121401_index_events", "202511121403_comment_kinds"]
    );
    assert_eq!(report.totals.ok, 3);
    let stopped = run("verify_two_bad", &VerifyOptions::default());
    assert_eq!(
        stopped.totals.skipped, 2,
        "without --keep-going the stairway stops at the first"
    );
}

#[test]
fn after_a_failure_keep_going_compares_with_the_database_it_goes_on_from() {
    let options = VerifyOptions {
        keep_going: true,
        ..VerifyOptions::default()
    };
    let report = run("verify_keep_going_now", &options);
    let statuses: Vec<String> = report
        .revisions
        .iter()
        .map(|r| format!("{} {} {} {}", r.revision, r.up, r.down, r.reup))
        .collect();
    assert_eq!(
        statuses,
        [
            "202601020000_baseline ok ok ok",
            "202601020100_started_view ok ok unstable",
            "202601020200_items ok differs error",
            "202601020300_tags ok ok ok",
            "202601020400_item_tags ok ok ok",
        ],
        "{}",
        text(&report)
    );
    let failed: Vec<&str> = report
        .revisions
        .iter()
        .filter(|r| !r.ok())
        .map(|r| r.revision.as_str())
        .collect();
    assert_eq!(failed, ["202601020200_items"]);
    assert_eq!((report.totals.ok, report.totals.unstable), (4, 1));
    assert_eq!(
        report.revisions[2].classes,
        [FailureClass::LeftoverObject, FailureClass::UpAgainFails]
    );
    assert_eq!(report.revisions[1].classes, [FailureClass::NotReproducible]);
    let unstable = &report.revisions[1];
    let note = unstable.note.as_deref().unwrap_or_default();
    assert!(
        note.contains("view public.started embeds the time it was created"),
        "{note}"
    );
    // The dry-run script builds the view at another moment: that is not the script's fault.
    let dry_run = report
        .checks
        .iter()
        .find(|c| c.check.starts_with("the dry-run script"))
        .expect("the dry-run check ran");
    assert!(dry_run.ok(), "{}", text(&report));
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["revisions"][1]["reup"], "unstable");

    // Unstable is reported, and fails the run only when asked to.
    let clean = VerifyOptions {
        keep_going: true,
        fail_on_unstable: true,
        ..VerifyOptions::default()
    };
    let strict = run("verify_keep_going_now", &clean);
    assert!(!strict.ok());
    assert!(text(&strict).contains("UNSTABLE 202601020100_started_view"));
}

/// What a report decided, without times: each revision's steps and classes, each check's status.
fn verdicts(report: &VerifyReport) -> Vec<String> {
    let revisions = report.revisions.iter().map(|r| {
        format!(
            "{} {} {} {} {:?}",
            r.revision, r.up, r.down, r.reup, r.classes
        )
    });
    let checks = report
        .checks
        .iter()
        .map(|c| format!("{}: {}", c.check, c.status));
    revisions.chain(checks).collect()
}

#[test]
fn jobs_and_merged_shards_give_the_verdicts_of_a_single_run() {
    for fixture in [
        "verify_two_bad",
        "verify_keep_going_now",
        "verify_up_fails",
        "verify_rich",
    ] {
        for keep_going in [false, true] {
            let options = VerifyOptions {
                keep_going,
                ..VerifyOptions::default()
            };
            let single = verdicts(&run(fixture, &options));
            let parallel = run(
                fixture,
                &VerifyOptions {
                    jobs: 3,
                    ..options.clone()
                },
            );
            assert_eq!(
                verdicts(&parallel),
                single,
                "{fixture} --jobs 3, keep going {keep_going}"
            );
            let shards: Vec<(String, VerifyReport)> = (1..=3)
                .map(|index| {
                    let shard = Some(Shard { index, count: 3 });
                    let report = run(
                        fixture,
                        &VerifyOptions {
                            shard,
                            ..options.clone()
                        },
                    );
                    // Through JSON, as shards on several machines hand them over.
                    let json = serde_json::to_string(&report).expect("json");
                    (
                        format!("shard{index}.json"),
                        serde_json::from_str(&json).expect("read back"),
                    )
                })
                .rev()
                .collect();
            let merged = merge(shards).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                verdicts(&merged),
                single,
                "{fixture} merged shards, keep going {keep_going}"
            );
            assert_eq!(merged.ok(), parallel.ok());
        }
    }
    let lone = run(
        "verify_two_bad",
        &VerifyOptions {
            shard: Some(Shard { index: 1, count: 2 }),
            ..VerifyOptions::default()
        },
    );
    let error = merge(vec![("a.json".to_owned(), lone)]).expect_err("a shard is missing");
    assert_eq!(
        error.to_string(),
        "shard 2 of 2 is missing: give all 2 reports"
    );
}

#[test]
fn from_verifies_only_the_revisions_after_it() {
    let options = VerifyOptions {
        from: Some("202511121402_add_kinds".to_owned()),
        ..VerifyOptions::default()
    };
    let report = run("verify_two_bad", &options);
    let verified: Vec<&str> = report
        .revisions
        .iter()
        .map(|r| r.revision.as_str())
        .collect();
    assert_eq!(verified, ["202511121403_comment_kinds"]);
    assert!(!report.ok());
    let bad = VerifyOptions {
        from: Some("nope".to_owned()),
        ..VerifyOptions::default()
    };
    let server = DisposableServer::shared().expect("server");
    let error = verify(&fixture("verify_two_bad"), server, &bad, &mut Silent)
        .expect_err("unknown revision");
    assert!(
        error
            .to_string()
            .starts_with("--from nope: unknown revision `nope`"),
        "{error}"
    );
}

#[test]
fn good_revisions_pass_with_functions_triggers_enums_policies_views_and_concurrent_indexes() {
    let report = run("verify_rich", &VerifyOptions::default());
    assert!(report.ok(), "{}", text(&report));
    assert_eq!(report.totals.ok, 8);
    assert_eq!(report.checks.len(), 3);
}

#[test]
fn the_project_revisions_pass_on_every_backend() {
    let set = migrations::REVISIONS;
    let local = DisposableServer::start(ServerOptions {
        backend: Some(Backend::Local),
        ..ServerOptions::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let report = verify(&set, &local, &VerifyOptions::default(), &mut Silent).expect("verify");
    assert!(report.ok(), "{report}");
    assert_eq!(report.backend, "local");

    // An existing server, given explicitly: here a TCP cluster standing in for one.
    let existing = DisposableServer::start(ServerOptions {
        tcp: true,
        ..ServerOptions::default()
    })
    .expect("server");
    let url = existing.admin_url().clone();
    let server = DisposableServer::start(ServerOptions {
        backend: Some(Backend::Server),
        server_url: Some(url),
        ..ServerOptions::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let report = verify(&set, &server, &VerifyOptions::default(), &mut Silent).expect("verify");
    assert!(report.ok(), "{report}");

    // Wherever a Docker engine answers, the container backend must work too: with the official
    // image, or with the one `ci/postgres-image/build.sh` builds (DISPOSABLE_PG_IMAGE).
    if migrations_disposable::check_backend(Backend::Container).is_ok()
        || std::path::Path::new("/var/run/docker.sock").exists()
        || std::env::var_os("DOCKER_HOST").is_some()
    {
        let container = DisposableServer::start(ServerOptions {
            backend: Some(Backend::Container),
            ..ServerOptions::default()
        })
        .unwrap_or_else(|e| panic!("Docker answers, so the container backend is tested: {e}"));
        let report =
            verify(&set, &container, &VerifyOptions::default(), &mut Silent).expect("verify");
        assert!(report.ok(), "{report}");
        assert_eq!(report.backend, "container");
    }
}

#[test]
fn the_binary_writes_a_json_report_and_fails_on_bad_revisions() {
    let json = std::env::temp_dir().join(format!("verify-{}.json", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_verify"))
        .args(["--keep-going", "--backend", "local", "--json"])
        .arg(&json)
        .arg("--migrations")
        .arg(fixture_dir("verify_two_bad"))
        .output()
        .expect("run migrations-verify");
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("FAILED 202511121401_index_events"),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr
            .contains("verify 3/5 202511121401_index_events: up ok, down differs, up again error"),
        "{stderr}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the report")).expect("JSON");
    let _ = std::fs::remove_file(&json);
    let bad = &report["revisions"][2];
    assert_eq!(bad["revision"], "202511121401_index_events");
    assert_eq!(
        (
            bad["up"].as_str(),
            bad["down"].as_str(),
            bad["reup"].as_str()
        ),
        (Some("ok"), Some("differs"), Some("error"))
    );
    assert_eq!(bad["diff"][0]["step"], "down");
    assert_eq!(bad["diff"][0]["change"], "added");
    assert_eq!(bad["diff"][0]["kind"], "index");
    assert_eq!(bad["diff"][0]["name"], "public.events_tenant_idx");
    assert!(
        bad["error"]
            .as_str()
            .is_some_and(|e| e.contains("already exists"))
    );
    assert_eq!(report["totals"]["failed"], 2);
    assert_eq!(report["totals"]["revisions"], 5);
    // The lint comes first, before any database work, and fails the run like the other checks.
    let lint = &report["checks"][0];
    assert_eq!(
        (lint["check"].as_str(), lint["status"].as_str()),
        (Some("lint"), Some("error"))
    );
    let finding = &lint["findings"][0];
    assert_eq!(finding["rule"], "require-concurrent-index-creation");
    assert_eq!(
        (
            finding["file"]
                .as_str()
                .map(|f| f.ends_with("202511121401_index_events.sql")),
            finding["line"].as_u64()
        ),
        (Some(true), Some(4))
    );
    assert!(stdout.contains("FAILED lint"), "{stdout}");
    assert!(stderr.contains("verify: lint FAILED: 1 error"), "{stderr}");

    let good = Command::new(env!("CARGO_BIN_EXE_verify"))
        .arg("--migrations")
        .arg(workspace_root().join("migrations"))
        .output()
        .expect("run migrations-verify");
    let good_stdout = String::from_utf8_lossy(&good.stdout);
    assert!(good.status.success(), "{good_stdout}");
    // The committed schema files are PostgreSQL 15's rendering: on another major they are said
    // not to be compared, rather than failing or passing silently.
    let on_another_major = !good_stdout.contains(", PostgreSQL 15.");
    assert_eq!(
        good_stdout.contains("(not compared: they are PostgreSQL 15's rendering"),
        on_another_major,
        "{good_stdout}"
    );
    let broken = Command::new(env!("CARGO_BIN_EXE_verify"))
        .arg("--migrations")
        .arg(workspace_root().join("migrations-macros/tests/fixtures/two_heads"))
        .output()
        .expect("run migrations-verify");
    assert_eq!(broken.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(
        stderr.contains("two heads") && stderr.contains("nothing was run"),
        "{stderr}"
    );
}

/// Starts `verify` on the slow fixture with the local backend; returns it and its cluster
/// directory once the cluster is up and the stairway is in the slow revision.
fn start_slow_verify() -> (std::process::Child, std::path::PathBuf) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_verify"))
        .args(["--backend", "local", "--migrations"])
        .arg(fixture_dir("verify_slow"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start verify");
    let stderr = child.stderr.take().expect("stderr is piped");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut cluster = None;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while cluster.is_none() {
        let line = receiver
            .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
            .expect("verify reports its cluster within a minute");
        if let Some(at) = line.find("cluster in ") {
            let rest = &line[at + "cluster in ".len()..];
            cluster = Some(std::path::PathBuf::from(
                rest.split(' ').next().unwrap_or_default(),
            ));
        }
    }
    // The slow revision sleeps for two seconds: be in the middle of it.
    std::thread::sleep(std::time::Duration::from_millis(800));
    (child, cluster.unwrap_or_default())
}

#[test]
fn verify_interrupted_removes_its_cluster() {
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        let (mut child, cluster) = start_slow_verify();
        assert!(cluster.exists(), "{}", cluster.display());
        let status = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let exit = child.wait().expect("verify ends");
        assert_eq!(exit.code(), Some(code), "SIG{signal}");
        assert!(!cluster.exists(), "SIG{signal} left {}", cluster.display());
    }
}

#[test]
fn a_killed_verify_leaves_debris_that_the_next_run_removes() {
    let (mut child, cluster) = start_slow_verify();
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    assert!(
        cluster.exists(),
        "SIGKILL runs no clean-up: {} stays until the next run",
        cluster.display()
    );
    let next = Command::new(env!("CARGO_BIN_EXE_verify"))
        .args(["--backend", "local", "--migrations"])
        .arg(workspace_root().join("migrations"))
        .output()
        .expect("run verify again");
    assert!(
        next.status.success(),
        "{}",
        String::from_utf8_lossy(&next.stdout)
    );
    assert!(
        !cluster.exists(),
        "the next run removes {}",
        cluster.display()
    );
}
