//! The locks and rewrites verify reports for real DDL, against what the PostgreSQL documentation
//! gives for each statement ("Explicit Locking", and each command's page): one revision per
//! statement, each on tables of its own that an earlier revision created.

use migrations_disposable::DisposableServer;
use migrations_verify::progress::Silent;
use migrations_verify::{VerifyOptions, verify};

/// A statement under test: the tables it needs (created, with rows, before it), its up and down,
/// the strongest lock it must hold on existing relations, and the tables and indexes it rewrites.
struct Case {
    slug: &'static str,
    setup: &'static str,
    up: &'static str,
    down: &'static str,
    /// Runs outside a transaction (`transaction:false`).
    outside: bool,
    locks: &'static [(&'static str, &'static str)],
    rewrites: &'static [&'static str],
}

const fn case(
    slug: &'static str,
    setup: &'static str,
    up: &'static str,
    down: &'static str,
    locks: &'static [(&'static str, &'static str)],
    rewrites: &'static [&'static str],
) -> Case {
    Case {
        slug,
        setup,
        up,
        down,
        outside: false,
        locks,
        rewrites,
    }
}

const AX: &str = "AccessExclusiveLock";
const SUX: &str = "ShareUpdateExclusiveLock";
const SRX: &str = "ShareRowExclusiveLock";

const CASES: &[Case] = &[
    case(
        "add_column",
        "CREATE TABLE t01 (id int PRIMARY KEY);",
        "ALTER TABLE t01 ADD COLUMN note text;",
        "ALTER TABLE t01 DROP COLUMN note;",
        &[("t01", AX)],
        &[],
    ),
    case(
        "add_column_constant_default",
        "CREATE TABLE t02 (id int PRIMARY KEY);",
        "ALTER TABLE t02 ADD COLUMN flag boolean NOT NULL DEFAULT false;",
        "ALTER TABLE t02 DROP COLUMN flag;",
        &[("t02", AX)],
        &[],
    ),
    case(
        "add_column_volatile_default",
        "CREATE TABLE t03 (id int PRIMARY KEY);",
        "ALTER TABLE t03 ADD COLUMN seen timestamptz DEFAULT clock_timestamp();",
        "ALTER TABLE t03 DROP COLUMN seen;",
        &[("t03", AX)],
        &["t03", "t03_pkey"],
    ),
    case(
        "int_to_bigint",
        "CREATE TABLE t04 (id int PRIMARY KEY, n int);",
        "ALTER TABLE t04 ALTER COLUMN id TYPE bigint;",
        "ALTER TABLE t04 ALTER COLUMN id TYPE int;",
        &[("t04", AX)],
        &["t04"],
    ),
    case(
        "varchar_wider",
        "CREATE TABLE t05 (id int PRIMARY KEY, code varchar(10));",
        "ALTER TABLE t05 ALTER COLUMN code TYPE varchar(20);",
        "ALTER TABLE t05 ALTER COLUMN code TYPE varchar(10);",
        &[("t05", AX)],
        &[],
    ),
    case(
        "set_not_null",
        "CREATE TABLE t06 (id int PRIMARY KEY, n int DEFAULT 1);",
        "ALTER TABLE t06 ALTER COLUMN n SET NOT NULL;",
        "ALTER TABLE t06 ALTER COLUMN n DROP NOT NULL;",
        &[("t06", AX)],
        &[],
    ),
    case(
        "set_default",
        "CREATE TABLE t07 (id int PRIMARY KEY, n int);",
        "ALTER TABLE t07 ALTER COLUMN n SET DEFAULT 7;",
        "ALTER TABLE t07 ALTER COLUMN n DROP DEFAULT;",
        &[("t07", AX)],
        &[],
    ),
    case(
        "check_not_valid",
        "CREATE TABLE t08 (id int PRIMARY KEY, n int);",
        "ALTER TABLE t08 ADD CONSTRAINT t08_n_positive CHECK (n > 0) NOT VALID;",
        "ALTER TABLE t08 DROP CONSTRAINT t08_n_positive;",
        &[("t08", AX)],
        &[],
    ),
    case(
        "validate_constraint",
        "CREATE TABLE t09 (id int PRIMARY KEY, n int);\nALTER TABLE t09 ADD CONSTRAINT t09_n_positive CHECK (n > 0) NOT VALID;",
        "ALTER TABLE t09 VALIDATE CONSTRAINT t09_n_positive;",
        "ALTER TABLE t09 DROP CONSTRAINT t09_n_positive;\nALTER TABLE t09 ADD CONSTRAINT t09_n_positive CHECK (n > 0) NOT VALID;",
        &[("t09", SUX)],
        &[],
    ),
    case(
        "foreign_key",
        "CREATE TABLE t10p (id int PRIMARY KEY);\nCREATE TABLE t10c (id int PRIMARY KEY, p int);",
        "ALTER TABLE t10c ADD CONSTRAINT t10c_p_fkey FOREIGN KEY (p) REFERENCES t10p (id);",
        "ALTER TABLE t10c DROP CONSTRAINT t10c_p_fkey;",
        &[("t10c", SRX), ("t10p", SRX)],
        &[],
    ),
    case(
        "foreign_key_not_valid",
        "CREATE TABLE t11p (id int PRIMARY KEY);\nCREATE TABLE t11c (id int PRIMARY KEY, p int);",
        "ALTER TABLE t11c ADD CONSTRAINT t11c_p_fkey FOREIGN KEY (p) REFERENCES t11p (id) NOT VALID;",
        "ALTER TABLE t11c DROP CONSTRAINT t11c_p_fkey;",
        &[("t11c", SRX), ("t11p", SRX)],
        &[],
    ),
    case(
        "create_index",
        "CREATE TABLE t12 (id int PRIMARY KEY, n int);",
        "CREATE INDEX t12_n_idx ON t12 (n);",
        "DROP INDEX t12_n_idx;",
        &[("t12", "ShareLock")],
        &[],
    ),
    Case {
        outside: true,
        ..case(
            "create_index_concurrently",
            "CREATE TABLE t13 (id int PRIMARY KEY, n int);",
            "CREATE INDEX CONCURRENTLY t13_n_idx ON t13 (n);",
            "DROP INDEX CONCURRENTLY t13_n_idx;",
            &[],
            &[],
        )
    },
    case(
        "drop_index",
        "CREATE TABLE t14 (id int PRIMARY KEY, n int);\nCREATE INDEX t14_n_idx ON t14 (n);",
        "DROP INDEX t14_n_idx;",
        "CREATE INDEX t14_n_idx ON t14 (n);",
        &[("t14", AX), ("t14_n_idx", AX)],
        &[],
    ),
    case(
        "create_trigger",
        "CREATE TABLE t15 (id int PRIMARY KEY);\nCREATE FUNCTION t15_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;",
        "CREATE TRIGGER t15_noop BEFORE INSERT ON t15 FOR EACH ROW EXECUTE FUNCTION t15_noop();",
        "DROP TRIGGER t15_noop ON t15;",
        &[("t15", SRX)],
        &[],
    ),
    case(
        "drop_trigger",
        "CREATE TABLE t16 (id int PRIMARY KEY);\nCREATE FUNCTION t16_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\nCREATE TRIGGER t16_noop BEFORE INSERT ON t16 FOR EACH ROW EXECUTE FUNCTION t16_noop();",
        "DROP TRIGGER t16_noop ON t16;",
        "CREATE TRIGGER t16_noop BEFORE INSERT ON t16 FOR EACH ROW EXECUTE FUNCTION t16_noop();",
        &[("t16", AX)],
        &[],
    ),
    case(
        "rename_column",
        "CREATE TABLE t17 (id int PRIMARY KEY, n int);",
        "ALTER TABLE t17 RENAME COLUMN n TO m;",
        "ALTER TABLE t17 RENAME COLUMN m TO n;",
        &[("t17", AX)],
        &[],
    ),
    case(
        "rename_table",
        "CREATE TABLE t18 (id int PRIMARY KEY);",
        "ALTER TABLE t18 RENAME TO t18_renamed;",
        "ALTER TABLE t18_renamed RENAME TO t18;",
        &[("t18", AX)],
        &[],
    ),
    case(
        "set_storage_parameter",
        "CREATE TABLE t19 (id int PRIMARY KEY);",
        "ALTER TABLE t19 SET (fillfactor = 70);",
        "ALTER TABLE t19 RESET (fillfactor);",
        &[("t19", SUX)],
        &[],
    ),
    case(
        "set_statistics",
        "CREATE TABLE t20 (id int PRIMARY KEY, n int);",
        "ALTER TABLE t20 ALTER COLUMN n SET STATISTICS 500;",
        "ALTER TABLE t20 ALTER COLUMN n SET STATISTICS -1;",
        &[("t20", SUX)],
        &[],
    ),
    case(
        "cluster",
        "CREATE TABLE t21 (id int PRIMARY KEY);",
        "CLUSTER t21 USING t21_pkey;",
        "ALTER TABLE t21 SET WITHOUT CLUSTER;",
        &[("t21", AX)],
        &["t21", "t21_pkey"],
    ),
    Case {
        outside: true,
        ..case(
            "vacuum_full",
            "CREATE TABLE t22 (id int PRIMARY KEY);",
            "VACUUM FULL t22;",
            "VACUUM t22;",
            &[],
            &["t22", "t22_pkey"],
        )
    },
    case(
        "set_logged",
        "CREATE UNLOGGED TABLE t23 (id int PRIMARY KEY);",
        "ALTER TABLE t23 SET LOGGED;",
        "ALTER TABLE t23 SET UNLOGGED;",
        &[("t23", AX)],
        &["t23", "t23_pkey"],
    ),
    case(
        "attach_partition",
        "CREATE TABLE t24 (id int NOT NULL) PARTITION BY RANGE (id);\nCREATE TABLE t24_low (id int NOT NULL);",
        "ALTER TABLE t24 ATTACH PARTITION t24_low FOR VALUES FROM (0) TO (1000);",
        "ALTER TABLE t24 DETACH PARTITION t24_low;",
        &[("t24", SUX), ("t24_low", AX)],
        &[],
    ),
    case(
        "enable_row_level_security",
        "CREATE TABLE t25 (id int PRIMARY KEY);",
        "ALTER TABLE t25 ENABLE ROW LEVEL SECURITY;",
        "ALTER TABLE t25 DISABLE ROW LEVEL SECURITY;",
        &[("t25", AX)],
        &[],
    ),
    case(
        "drop_column",
        "CREATE TABLE t26 (id int PRIMARY KEY, gone text);",
        "ALTER TABLE t26 DROP COLUMN gone;",
        "ALTER TABLE t26 ADD COLUMN gone text;",
        &[("t26", AX)],
        &[],
    ),
    case(
        "create_view",
        "CREATE TABLE t27 (id int PRIMARY KEY);",
        "CREATE VIEW t27_view AS SELECT id FROM t27;",
        "DROP VIEW t27_view;",
        &[("t27", "AccessShareLock")],
        &[],
    ),
    case(
        "truncate",
        "CREATE TABLE t28 (id int PRIMARY KEY);",
        "TRUNCATE t28;",
        "SELECT 1;",
        &[("t28", AX)],
        &["t28", "t28_pkey"],
    ),
    case(
        "add_primary_key",
        "CREATE TABLE t29 (id int NOT NULL);",
        "ALTER TABLE t29 ADD PRIMARY KEY (id);",
        "ALTER TABLE t29 DROP CONSTRAINT t29_pkey;",
        &[("t29", AX)],
        &[],
    ),
    case(
        "reindex_index",
        "CREATE TABLE t30 (id int PRIMARY KEY);",
        "REINDEX INDEX t30_pkey;",
        "SELECT 1;",
        &[("t30", "ShareLock"), ("t30_pkey", AX)],
        &["t30_pkey"],
    ),
];

/// The folder: a baseline, one revision creating every case's tables with a few rows, then one
/// revision per case.
fn folder(dir: &std::path::Path) {
    let versions = dir.join("versions");
    std::fs::create_dir_all(&versions).expect("create the folder");
    let write = |name: &str, text: String| {
        std::fs::write(versions.join(format!("{name}.sql")), text).expect("write a revision")
    };
    write(
        "202601010000_baseline",
        "-- migrate:up\n-- migrate:down\n".to_owned(),
    );
    let mut setup = String::new();
    let mut teardown = Vec::new();
    for case in CASES {
        setup.push_str(case.setup);
        setup.push('\n');
        // Teardown runs in reverse: the function goes after the tables whose triggers use it.
        if case.setup.contains("FUNCTION") {
            teardown.push(format!("DROP FUNCTION {}_noop();", &case.slug_table()));
        }
        for table in tables_created(case.setup) {
            // A partitioned table without partitions takes no rows.
            if !case
                .setup
                .contains(&format!("{table} (id int NOT NULL) PARTITION BY"))
            {
                setup.push_str(&format!(
                    "INSERT INTO {table} (id) SELECT g FROM generate_series(1, 5) g;\n"
                ));
            }
            teardown.push(format!("DROP TABLE {table} CASCADE;"));
        }
    }
    teardown.reverse();
    write(
        "202601010001_tables",
        format!(
            "-- revises: 202601010000_baseline\n-- migrate:up\n{setup}-- migrate:down\n{}\n",
            teardown.join("\n")
        ),
    );
    let mut parent = "202601010001_tables".to_owned();
    for (i, case) in CASES.iter().enumerate() {
        let name = format!("2026010102{:02}_{}", i, case.slug);
        let marker = if case.outside {
            " transaction:false"
        } else {
            ""
        };
        write(
            &name,
            format!(
                "-- revises: {parent}\n-- migrate:up{marker}\n{}\n-- migrate:down\n{}\n",
                case.up, case.down
            ),
        );
        parent = name;
    }
}

impl Case {
    /// `t15` for the case whose tables are `t15...`.
    fn slug_table(&self) -> String {
        tables_created(self.setup)
            .first()
            .map(|t| t.chars().take(3).collect())
            .unwrap_or_default()
    }
}

fn tables_created(setup: &str) -> Vec<String> {
    setup
        .replace("CREATE UNLOGGED TABLE ", "CREATE TABLE ")
        .split("CREATE TABLE ")
        .skip(1)
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn verify_reports_the_locks_and_rewrites_the_documentation_gives() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    folder(dir.path());
    let set = migrations_core::load_dir_as(dir.path(), "ddl").unwrap_or_else(|e| panic!("{e}"));
    let server = DisposableServer::shared().unwrap_or_else(|e| panic!("{e}"));
    let report = verify(&set, server, &VerifyOptions::default(), &mut Silent).expect("verify");
    let tables = &report.revisions[1];
    assert!(
        tables.ok(),
        "the tables' revision: {:?} {:?}",
        tables.error,
        tables.diff
    );
    let mut wrong = Vec::new();
    for (case, result) in CASES.iter().zip(&report.revisions[2..]) {
        assert!(result.revision.ends_with(case.slug), "{}", result.revision);
        if !result.ok() {
            wrong.push(format!(
                "{}: verify failed: {:?} {:?}",
                case.slug, result.error, result.diff
            ));
        }
        for (relation, mode) in case.locks {
            let name = format!("public.{relation}");
            let held = result
                .locks
                .up
                .iter()
                .find(|l| l.relation == name)
                .map(|l| l.mode.as_str());
            if held != Some(*mode) {
                wrong.push(format!(
                    "{}: {name} held {held:?}, the documentation gives {mode}",
                    case.slug
                ));
            }
        }
        if case.locks.is_empty() && !result.locks.up.is_empty() {
            wrong.push(format!(
                "{}: unexpected locks {:?}",
                case.slug, result.locks.up
            ));
        }
        let expected: Vec<String> = case
            .rewrites
            .iter()
            .map(|r| format!("public.{r}"))
            .collect();
        let tables_rewritten: Vec<&String> = result
            .rewrites
            .up
            .iter()
            .filter(|r| !r.contains("_pkey") && !r.ends_with("_idx"))
            .collect();
        let expected_tables: Vec<&String> = expected
            .iter()
            .filter(|r| !r.contains("_pkey") && !r.ends_with("_idx"))
            .collect();
        if tables_rewritten != expected_tables
            || !expected.iter().all(|r| result.rewrites.up.contains(r))
        {
            wrong.push(format!(
                "{}: rewrote {:?}, the documentation gives {expected:?}",
                case.slug, result.rewrites.up
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(report.revisions.len() >= 27, "at least 25 statements");
}

/// A folder of a baseline, a table, and a type change with `header` lines.
fn rewrite_folder(dir: &std::path::Path, header: &str) {
    let versions = dir.join("versions");
    std::fs::create_dir_all(&versions).expect("create the folder");
    let files = [
        ("202601010000_baseline", "-- migrate:up\n-- migrate:down\n".to_owned()),
        ("202601010100_accounts", "-- revises: 202601010000_baseline\n-- migrate:up\nCREATE TABLE accounts (id int PRIMARY KEY);\n-- migrate:down\nDROP TABLE accounts;\n".to_owned()),
        ("202601010200_bigint_ids", format!("-- revises: 202601010100_accounts\n{header}-- migrate:up\nALTER TABLE accounts ALTER COLUMN id TYPE bigint;\n-- migrate:down\nALTER TABLE accounts ALTER COLUMN id TYPE int;\n")),
    ];
    for (name, text) in files {
        std::fs::write(versions.join(format!("{name}.sql")), text).expect("write a revision");
    }
}

#[test]
fn the_lock_policy_fails_an_unexplained_rewrite_and_passes_an_allowed_one() {
    let server = DisposableServer::shared().unwrap_or_else(|e| panic!("{e}"));
    let options = VerifyOptions {
        fail_on_locks: true,
        ..VerifyOptions::default()
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    rewrite_folder(dir.path(), "");
    let set = migrations_core::load_dir_as(dir.path(), "policy").unwrap_or_else(|e| panic!("{e}"));
    let report = verify(&set, server, &options, &mut Silent).expect("verify");
    assert!(!report.ok());
    let result = &report.revisions[2];
    expect_test::expect![[r#"
        {
          "lock_violations": [
            "up holds ACCESS EXCLUSIVE on public.accounts (every query of it waits): allow it with `-- lint: allow access-exclusive-lock -- <why it is safe>`",
            "up rewrites public.accounts (every row is copied under ACCESS EXCLUSIVE): allow it with `-- lint: allow table-rewrite -- <why it is safe>`",
            "down holds ACCESS EXCLUSIVE on public.accounts (every query of it waits): allow it with `-- lint: allow access-exclusive-lock -- <why it is safe>`",
            "down rewrites public.accounts (every row is copied under ACCESS EXCLUSIVE): allow it with `-- lint: allow table-rewrite -- <why it is safe>`"
          ],
          "locks": {
            "down": [
              {
                "mode": "AccessExclusiveLock",
                "relation": "public.accounts"
              }
            ],
            "up": [
              {
                "mode": "AccessExclusiveLock",
                "relation": "public.accounts"
              },
              {
                "mode": "AccessExclusiveLock",
                "relation": "public.accounts_pkey"
              }
            ]
          },
          "rewrites": {
            "down": [
              "public.accounts"
            ],
            "up": [
              "public.accounts"
            ]
          }
        }"#]].assert_eq(
        &serde_json::to_string_pretty(&serde_json::json!({
            "locks": result.locks,
            "rewrites": result.rewrites,
            "lock_violations": result.lock_violations,
        }))
        .expect("json"),
    );
    let text = report.to_string();
    assert!(
        text.contains("Revisions that block existing relations (ACCESS EXCLUSIVE or a rewrite):\n  202601010200_bigint_ids  up ACCESS EXCLUSIVE on public.accounts, public.accounts_pkey; rewrites public.accounts | down ACCESS EXCLUSIVE on public.accounts; rewrites public.accounts\n"),
        "{text}"
    );

    let allowed = tempfile::tempdir().expect("a temporary folder");
    rewrite_folder(
        allowed.path(),
        "-- lint: allow access-exclusive-lock, table-rewrite -- accounts has a handful of rows\n",
    );
    let set =
        migrations_core::load_dir_as(allowed.path(), "policy").unwrap_or_else(|e| panic!("{e}"));
    let report = verify(&set, server, &options, &mut Silent).expect("verify");
    assert!(report.ok(), "{report}");
}
