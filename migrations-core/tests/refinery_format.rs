//! The history table's statements and checksums are refinery's: what refinery's own runner sends
//! for a set of revisions, recorded instead of sent, equals what this crate renders.

use migrations_core::load::Entry;
use migrations_core::{Folder, HistoryTable, RevisionSet, Sources};
use refinery_core::traits::sync::{Migrate, Query, Transaction};
use refinery_core::{Migration, Runner, Target};

/// Keeps what refinery would send; its history table reads as empty.
#[derive(Default)]
struct Recorder {
    statements: Vec<String>,
}

impl Transaction for Recorder {
    type Error = std::convert::Infallible;

    fn execute<'a, T: Iterator<Item = &'a str>>(
        &mut self,
        queries: T,
    ) -> Result<usize, Self::Error> {
        let before = self.statements.len();
        self.statements.extend(queries.map(str::to_owned));
        Ok(self.statements.len() - before)
    }
}

impl Query<Vec<Migration>> for Recorder {
    fn query(&mut self, query: &str) -> Result<Vec<Migration>, Self::Error> {
        self.statements.push(query.to_owned());
        Ok(Vec::new())
    }
}

impl Migrate for Recorder {}

fn set() -> RevisionSet {
    let file = |name: &str, contents: &str| Entry::File {
        name: name.to_owned(),
        contents: contents.as_bytes().to_vec(),
    };
    let sources = Sources {
        display_root: "migrations".to_owned(),
        versions: Some(vec![
            file(
                "202511121302_baseline.sql",
                "-- migrate:up\n-- migrate:down\n",
            ),
            file(
                "202511121400_add_tenants.sql",
                "-- revises: 202511121302_baseline\n-- migrate:up\r\nCREATE TABLE tenants (id int);\r\n-- migrate:down\nDROP TABLE tenants;\n",
            ),
            file(
                "202511121410_unicode_names.sql",
                "-- revises: 202511121400_add_tenants\n-- migrate:up\nCOMMENT ON TABLE tenants IS 'ünïcödé';\n-- migrate:down\nCOMMENT ON TABLE tenants IS NULL;\n",
            ),
        ]),
        ..Sources::default()
    };
    Folder::parse(&sources).into_set().expect("a valid folder")
}

/// `INSERT ... VALUES (version, 'name', <time>, 'checksum')` without its time, which differs.
fn without_time(insert: &str) -> String {
    let (head, values) = insert.split_once("VALUES (").expect("an INSERT");
    let parts: Vec<&str> = values.split(", ").collect();
    format!(
        "{head}VALUES ({}, {}, <time>, {}",
        parts[0],
        parts[1],
        parts[parts.len() - 1]
    )
}

#[test]
fn statements_and_checksums_equal_refinerys() {
    let set = set();
    let history = HistoryTable::default().in_schema("public");
    let migrations: Vec<Migration> = set
        .revisions()
        .iter()
        .map(|r| {
            Migration::unapplied(&format!("V{}__{}", r.id(), r.slug()), r.up().sql())
                .expect("a name refinery accepts")
        })
        .collect();
    for (revision, migration) in set.revisions().iter().zip(&migrations) {
        assert_eq!(
            revision.checksum(),
            migration.checksum(),
            "{}",
            revision.name()
        );
    }

    let mut runner = Runner::new(&migrations).set_target(Target::Fake);
    runner.set_migration_table_name(history.qualified());
    let mut recorder = Recorder::default();
    runner.run(&mut recorder).expect("refinery's run");
    let [create, select, inserts @ ..] = recorder.statements.as_slice() else {
        panic!("refinery sent {:?}", recorder.statements);
    };
    assert_eq!(create.trim_end_matches(';'), history.create_statements()[0]);
    assert_eq!(select.trim_end_matches(';'), history.select_applied());
    let revisions: Vec<_> = set.revisions().iter().collect();
    let ours: Vec<String> = history
        .record_stamped(&revisions)
        .iter()
        .map(|s| without_time(s))
        .collect();
    let theirs: Vec<String> = inserts.iter().map(|s| without_time(s)).collect();
    assert_eq!(ours, theirs);
}
