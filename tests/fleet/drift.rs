//! `migrate drift --databases`: every database of a fleet compared with its revisions' schema,
//! with the fleet's jobs and failure policy, on databases of the tests' local server (no server
//! needs to fail here). Equal, drifted and uncomparable databases are counted, and the exit code
//! is 1 when any drifted, 2 when any could not be compared.

use std::path::Path;

use expect_test::expect;
use migrations_disposable::DisposableDb;
use migrations_runtime::DatabaseUrl;
use migrations_runtime::fleet::FleetDatabase;
use migrations_tests::{Run, database, fixture_with_schema_file, migrate_command, run};
use serde_json::Value;

use crate::support::{FIXTURE_MIGRATE, placeholders, sorted_lines};

/// Where a line's name column starts: after the status and two spaces.
const STATUS_COLUMN: usize = 13;

/// The databases of the run, each with the name the output gives it here.
struct Members {
    databases: Vec<(&'static str, DisposableDb)>,
    dir: tempfile::TempDir,
}

impl Members {
    /// `migrate ARGS --databases <a list of the named databases, in that order>` over `folder`.
    fn drift(&self, folder: &Path, names: &[&str], args: &[&str]) -> Run {
        let list: String = names
            .iter()
            .filter_map(|name| self.databases.iter().find(|(own, _)| own == name))
            .map(|(_, db)| format!("{}\n", db.url().expose()))
            .collect();
        let file = self.dir.path().join("databases.txt");
        std::fs::write(&file, list).expect("write the list");
        let mut command = migrate_command(FIXTURE_MIGRATE, Some(folder), None, args);
        command.arg("--databases").arg(file);
        let outcome = run(&mut command);
        for (_, db) in &self.databases {
            let config: tokio_postgres::Config = db.url().expose().parse().expect("a URL");
            if let Some(password) = config.get_password() {
                let password = String::from_utf8_lossy(password);
                assert!(
                    !outcome.output().contains(password.as_ref()),
                    "the password is printed:\n{}",
                    outcome.output()
                );
            }
        }
        outcome
    }

    /// Each database's shown name as the name given here (the name column two spaces wide
    /// again), and every duration as `<t>`.
    fn normalise(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (name, db) in &self.databases {
            let url: DatabaseUrl = db.url().expose().parse().expect("a URL");
            text = text.replace(FleetDatabase::new(url).name(), name);
        }
        let lines: Vec<String> = text
            .lines()
            .map(|line| {
                let column = line
                    .get(STATUS_COLUMN..)
                    .and_then(|rest| rest.split_once("  "))
                    .filter(|(name, _)| self.databases.iter().any(|(own, _)| own == name));
                match column {
                    Some((name, detail)) => {
                        format!("{}{name}  {}", &line[..STATUS_COLUMN], detail.trim_start())
                    }
                    None => line.to_owned(),
                }
            })
            .collect();
        placeholders(&(lines.join("\n") + "\n"))
    }
}

#[test]
fn drift_on_a_fleet_counts_equal_drifted_and_uncomparable_databases() {
    let folder = fixture_with_schema_file("fleet");
    let members = Members {
        databases: vec![
            ("equal", database()),
            ("drifted", database()),
            ("behind", database()),
        ],
        dir: tempfile::tempdir().expect("a temporary folder"),
    };
    let migrate = |db: &DisposableDb, args: &[&str]| {
        let url = Some(db.url().expose());
        let outcome = run(&mut migrate_command(
            FIXTURE_MIGRATE,
            Some(folder.path()),
            url,
            args,
        ));
        assert_eq!(outcome.code, 0, "{}", outcome.output());
    };
    for (name, db) in &members.databases {
        match *name {
            "behind" => migrate(db, &["upgrade", "202601010300_unique_email"]),
            _ => migrate(db, &["upgrade"]),
        }
    }
    migrations_tests::connect(&members.databases[1].1)
        .batch_execute("CREATE INDEX accounts_plan_idx ON accounts (plan)")
        .expect("change the schema by hand");

    let all = ["equal", "drifted", "behind"];
    let outcome = members.drift(
        folder.path(),
        &all,
        &["drift", "--jobs", "2", "--keep-going"],
    );
    assert_eq!(outcome.code, 2, "{}", outcome.output());
    expect![[r#"
        drifted      drifted  202601010400_add_invoices: 1 object differs from the schema its revisions give (-: what the revisions give, +: what the database has)  (<t>)
            + index public.accounts_plan_idx: CREATE INDEX accounts_plan_idx ON public.accounts USING btree (plan)
        equal        equal  202601010400_add_invoices  (<t>)
        failed       behind  the database is at 202601010300_unique_email, 1 revision below head (202601010400_add_invoices): this binary carries the schema at head only; `cargo xtask drift` builds the reference for 202601010300_unique_email on a disposable PostgreSQL, or `migrate upgrade` brings the database to head

        3 databases:
          equal             1
          drifted           1
          failed            1
          unreachable       0
          busy              0
          skipped           0
    "#]].assert_eq(&sorted_lines(&members.normalise(&outcome.stdout)));
    expect![[r#"
        error: 1 of 3 databases could not be compared: 1 failed
    "#]]
    .assert_eq(&members.normalise(&outcome.stderr));

    // One JSON object per database and line; the summary on stderr.
    let outcome = members.drift(folder.path(), &all, &["drift", "--keep-going", "--json"]);
    assert_eq!(outcome.code, 2, "{}", outcome.output());
    assert!(
        outcome
            .stderr
            .contains("\n3 databases:\n  equal             1\n"),
        "the summary goes to stderr: {}",
        outcome.stderr
    );
    let mut lines: Vec<String> = outcome
        .stdout
        .lines()
        .map(|line| {
            let mut object: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            object["elapsed_ms"] = Value::from(0);
            if object["error"]["server_major"].is_number() {
                object["error"]["server_major"] = Value::from("<major>");
            }
            members.normalise(&object.to_string())
        })
        .collect();
    lines.sort();
    expect![[r#"
        {"database":"behind","differences":null,"elapsed_ms":0,"equal":null,"error":{"kind":"not_at_head","message":"the database is at 202601010300_unique_email, 1 revision below head (202601010400_add_invoices): this binary carries the schema at head only; `cargo xtask drift` builds the reference for 202601010300_unique_email on a disposable PostgreSQL, or `migrate upgrade` brings the database to head","revision":"202601010300","server_major":"<major>"},"revision":null,"status":"failed"}

        {"database":"drifted","differences":[{"actual":"CREATE INDEX accounts_plan_idx ON public.accounts USING btree (plan)","expected":null,"kind":"index","name":"public.accounts_plan_idx"}],"elapsed_ms":0,"equal":false,"error":null,"revision":"202601010400","status":"drifted"}

        {"database":"equal","differences":[],"elapsed_ms":0,"equal":true,"error":null,"revision":"202601010400","status":"equal"}
    "#]].assert_eq(&lines.join("\n"));

    // Drifted but every database compared: 1; all equal: 0.
    let outcome = members.drift(folder.path(), &["equal", "drifted"], &["drift"]);
    assert_eq!(outcome.code, 1, "{}", outcome.output());
    let outcome = members.drift(folder.path(), &["equal"], &["drift"]);
    assert_eq!(outcome.code, 0, "{}", outcome.output());
    // A database that cannot be compared stops the run unless it keeps going.
    let outcome = members.drift(
        folder.path(),
        &["behind", "equal"],
        &["drift", "--jobs", "1"],
    );
    assert_eq!(outcome.code, 2, "{}", outcome.output());
    expect![[r#"
        failed       behind  the database is at 202601010300_unique_email, 1 revision below head (202601010400_add_invoices): this binary carries the schema at head only; `cargo xtask drift` builds the reference for 202601010300_unique_email on a disposable PostgreSQL, or `migrate upgrade` brings the database to head
        skipped      equal  not started: behind failed and a failure stops the run (--keep-going goes on)

        2 databases:
          equal             0
          drifted           0
          failed            1
          unreachable       0
          busy              0
          skipped           1
        stopped: behind failed and a failure stops the run (--keep-going goes on)
    "#]].assert_eq(&members.normalise(&outcome.stdout));
}
