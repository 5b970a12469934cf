//! Lists and flags a fleet run refuses before it connects anywhere, each with its message.

use std::io::Write;
use std::process::Stdio;

use expect_test::{Expect, expect};
use migrations_tests::{finished, fixture_dir, migrate_command};

use crate::support::FIXTURE_MIGRATE;

/// A case: the list file's text (none: no file is written), what stdin holds, the arguments
/// (`LIST` stands for the list file), and the expected exit code and output.
struct Case {
    list: Option<&'static str>,
    stdin: &'static str,
    args: &'static [&'static str],
    expect: Expect,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            list: Some(
                "# tenants\npostgres://app:hunter2@db1/tenant_a\nhost=db1 dbname=tenant_b sslmode=sometimes\npostgres://app:hunter2@db1:5432/tenant_a?sslmode=require\npostgres://app:hunter2@db1:port/tenant_c\n",
            ),
            stdin: "",
            args: &["upgrade", "--databases", "LIST"],
            expect: expect![[r#"
                exit 1
                error: LIST has 3 bad entries; nothing was run:
                  LIST:3: unsupported sslmode `sometimes`: use disable, prefer, require, verify-ca or verify-full
                  LIST:4: db1:5432/tenant_a is listed already at LIST:2; list each database once
                  LIST:5: bad database URL postgres://app:***@db1:port/tenant_c: invalid connection string: invalid value for option `port`
            "#]],
        },
        Case {
            list: None,
            stdin: "# tenants\nhost=db1 dbname=t user=app\nhost=db1 dbname=t user=other\n",
            args: &["current", "--databases", "-"],
            expect: expect![[r#"
                exit 1
                error: stdin has 1 bad entry; nothing was run:
                  stdin:3: db1:5432/t is listed already at stdin:2; list each database once
            "#]],
        },
        Case {
            list: Some("# no tenant yet\n\n"),
            stdin: "",
            args: &["upgrade", "--databases", "LIST"],
            expect: expect![[r#"
                exit 1
                error: LIST names no database: write one connection string per line (a postgres:// URL or key=value pairs)
            "#]],
        },
        Case {
            list: None,
            stdin: "",
            args: &["upgrade", "--databases", "LIST"],
            expect: expect![[r#"
                exit 1
                error: cannot read the list of databases LIST: No such file or directory (os error 2)
            "#]],
        },
        Case {
            list: Some("postgres://app@db1/t\n"),
            stdin: "",
            args: &["history", "--databases", "LIST"],
            expect: expect![[r#"
                exit 1
                error: `history` runs on one database: --databases and --databases-query go with upgrade, downgrade, current (without --sql) and drift
            "#]],
        },
        Case {
            list: Some("postgres://app@db1/t\n"),
            stdin: "",
            args: &["upgrade", "--sql", "--databases", "LIST"],
            expect: expect![[r#"
                exit 1
                error: `upgrade --sql` runs on one database: --databases and --databases-query go with upgrade, downgrade, current (without --sql) and drift
            "#]],
        },
        Case {
            list: None,
            stdin: "",
            args: &["upgrade", "--keep-going"],
            expect: expect![[r#"
                exit 2
                error: the following required arguments were not provided:
                  <--databases <FILE>|--databases-query <SQL>>

                Usage: fixture-migrate upgrade --keep-going <--databases <FILE>|--databases-query <SQL>> [TARGET]

                For more information, try '--help'.
            "#]],
        },
        Case {
            list: Some("postgres://app@db1/t\n"),
            stdin: "",
            args: &["upgrade", "--databases", "LIST", "--jobs", "0"],
            expect: expect![[r#"
                exit 2
                error: invalid value '0' for '--jobs <N>': 0 is not in 1..=65535

                For more information, try '--help'.
            "#]],
        },
        Case {
            list: Some("postgres://app@db1/t\n"),
            stdin: "",
            args: &[
                "upgrade",
                "--databases",
                "LIST",
                "--databases-query",
                "SELECT 1",
            ],
            expect: expect![[r#"
                exit 2
                error: the argument '--databases <FILE>' cannot be used with '--databases-query <SQL>'

                Usage: fixture-migrate upgrade --databases <FILE> [TARGET]

                For more information, try '--help'.
            "#]],
        },
        Case {
            list: None,
            stdin: "",
            args: &["upgrade", "--databases-query", "SELECT 'dbname=t'"],
            expect: expect![[r#"
                exit 1
                error: no database URL: set DATABASE_URL (e.g. postgres://user@host:5432/db) or pass --database-url
            "#]],
        },
    ]
}

#[test]
fn bad_lists_and_flags_are_refused_before_any_connection() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let list = dir.path().join("tenants.txt");
    let shown = list.display().to_string();
    for case in cases() {
        if let Some(text) = case.list {
            std::fs::write(&list, text).expect("write the list");
        }
        let args: Vec<&str> = case
            .args
            .iter()
            .map(|arg| if *arg == "LIST" { shown.as_str() } else { arg })
            .collect();
        let mut child = migrate_command(FIXTURE_MIGRATE, Some(&fixture_dir("fleet")), None, &args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start migrate");
        let mut stdin = child.stdin.take().expect("its stdin");
        stdin
            .write_all(case.stdin.as_bytes())
            .expect("write its stdin");
        drop(stdin);
        let run = finished(child.wait_with_output().expect("migrate ends"));
        assert!(!run.output().contains("hunter2"), "{}", run.output());
        let output = format!("exit {}\n{}", run.code, run.output()).replace(&shown, "LIST");
        case.expect.assert_eq(&output);
        let _ = std::fs::remove_file(&list);
    }
}
