//! On the PostgreSQL version in use (`DISPOSABLE_PG_VERSION`): a revision with a statement that
//! PostgreSQL 16 introduced fails verify on an older server with the server's error and the
//! version it ran on, and passes from 16 on; the dry-run script is the same text on every version.

use expect_test::expect_file;
use migrations_disposable::DisposableServer;
use migrations_runtime::{Command, Target};
use migrations_tests::{database, fixture, runner};
use migrations_verify::progress::Silent;
use migrations_verify::{FailureClass, StepStatus, VerifyOptions, verify};

/// One expectation for every version: the script says nothing of the server it was rendered on,
/// so the suite on 15 and on 18 compare it with the same file.
#[test]
fn the_dry_run_script_is_the_same_on_every_version() {
    let db = database();
    let mut client = db.connect().unwrap_or_else(|e| panic!("{e}"));
    let runner = runner("basic");
    runner
        .upgrade(&mut client, Target::Relative(2))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut scripts = String::new();
    for (command, target) in [
        (Command::Upgrade, Target::Head),
        (Command::Downgrade, Target::Base),
    ] {
        scripts.push_str(
            &runner
                .render_sql(&mut client, command, &target)
                .unwrap_or_else(|e| panic!("{e}")),
        );
    }
    expect_file!["expected/dry_run_basic.sql"].assert_eq(&scripts);
}

#[test]
fn a_revision_needing_postgresql_16_fails_before_it_naming_the_version_in_use() {
    let server = DisposableServer::shared().unwrap_or_else(|e| panic!("{e}"));
    let report = verify(
        &fixture("verify_postgresql_16"),
        server,
        &VerifyOptions::default(),
        &mut Silent,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let version = server.server_version();
    assert_eq!(report.server_version, version);
    assert!(
        report
            .to_string()
            .ends_with(&format!(", PostgreSQL {version}")),
        "{report}"
    );
    if server.server_version_num() >= 160_000 {
        assert!(report.ok(), "on PostgreSQL {version}:\n{report}");
        return;
    }
    let failed = &report.revisions[2];
    assert_eq!(failed.revision, "202511121401_payload_is_a_json_object");
    assert_eq!(failed.up, StepStatus::Error);
    assert_eq!(failed.classes, [FailureClass::UpFails]);
    let error = failed.error.as_deref().unwrap_or_default();
    assert_eq!(
        error,
        format!(
            "upgrade of `202511121401_payload_is_a_json_object` failed at \
             fixtures/verify_postgresql_16/versions/202511121401_payload_is_a_json_object.sql:5: \
             ERROR 42601: syntax error at or near \"JSON\"\n  \
             the revision was rolled back; the database is as it was before it\n\
             on PostgreSQL {version}; a statement that a newer PostgreSQL introduced fails like \
             this on an older one: check the version it needs, and verify on the version \
             production runs (--pg-version N)"
        )
    );
}
