//! Every rule of the revision format and of the graph, each fed a small bad folder.
//!
//! A fixture is a folder written as text: `=== <path>` starts a file, and the lines up to the
//! next `===` are its contents. The expected output is exactly what `cargo xtask check` prints.

use expect_test::{Expect, expect};
use std::time::Duration;

use migrations_core::load::Entry;
use migrations_core::{Folder, Sources};

const BASELINE: &str = "=== versions/202511121302_baseline.sql\n-- migrate:up\n-- migrate:down\n";

fn sources(fixture: &str) -> Sources {
    let mut sources = Sources {
        display_root: "migrations".to_owned(),
        ..Sources::default()
    };
    for file in fixture.split("=== ").filter(|f| !f.is_empty()) {
        let (path, contents) = file.split_once('\n').unwrap_or((file, ""));
        let (folder, name) = path
            .trim()
            .split_once('/')
            .expect("fixture paths are folder/name");
        let entry = if let Some(dir) = name.strip_suffix('/') {
            Entry::Directory {
                name: dir.to_owned(),
            }
        } else {
            Entry::File {
                name: name.to_owned(),
                contents: contents.as_bytes().to_vec(),
            }
        };
        let list = match folder {
            "versions" => &mut sources.versions,
            "repeatable" => &mut sources.repeatable,
            other => panic!("unknown fixture folder {other}"),
        };
        list.get_or_insert_with(Vec::new).push(entry);
    }
    sources
}

fn check_sources(sources: &Sources, expect: Expect) {
    let actual = match Folder::parse(sources).into_set() {
        Ok(set) => format!(
            "ok: {} revisions, {} repeatables, head {}",
            set.revisions().len(),
            set.repeatables().len(),
            set.head().map_or("-", |h| h.name())
        ),
        Err(error) => error.to_string(),
    };
    expect.assert_eq(&actual);
}

fn check(fixture: &str, expect: Expect) {
    check_sources(&sources(&format!("{BASELINE}{fixture}")), expect);
}

fn revision(revises: &str, up: &str, down: &str) -> String {
    format!("-- revises: {revises}\n-- migrate:up\n{up}\n-- migrate:down\n{down}\n")
}

#[test]
fn a_valid_folder() {
    check(
        &format!(
            "=== versions/202511121400_add_t.sql\n{}=== versions/README.md\nnotes\n=== repeatable/views.sql\n-- requires: 202511121400_add_t\nCREATE OR REPLACE VIEW v AS SELECT 1;\n",
            revision(
                "202511121302_baseline",
                "CREATE TABLE t ();",
                "DROP TABLE t;"
            )
        ),
        expect!["ok: 2 revisions, 1 repeatables, head 202511121400_add_t"],
    );
}

#[test]
fn file_names() {
    check(
        "=== versions/notes.txt\nhello\n",
        expect![[r#"
            migrations/versions/notes.txt: `notes.txt` is not a revision file (YYYYMMDDHHMM_slug.sql)
              help: move it out of this folder; only revision files and README.md belong here
            1 problem"#]],
    );
    check(
        "=== versions/old/\n",
        expect![[r#"
            migrations/versions/old: `old` is a directory; revision folders hold only files
              help: move its files up, or out of the folder
            1 problem"#]],
    );
    check(
        &format!(
            "=== versions/202511121400_add_t\n{}",
            revision("202511121302_baseline", "", "SELECT 1;")
        ),
        expect![[r#"
            migrations/versions/202511121400_add_t: file name `202511121400_add_t` has no `.sql` extension
              help: rename it to `202511121400_add_t.sql`
            1 problem"#]],
    );
    check(
        &format!(
            "=== versions/2025111214000_add_t.sql\n{}",
            revision("202511121302_baseline", "", "SELECT 1;")
        ),
        expect![[r#"
            migrations/versions/2025111214000_add_t.sql: file name `2025111214000_add_t.sql` has a bad timestamp: its timestamp has 13 digits, not 12 (YYYYMMDDHHMM)
              help: rename it to `202511121400_add_t.sql`
            1 problem"#]],
    );
    check(
        &format!(
            "=== versions/202511311400_add_t.sql\n{}",
            revision("202511121302_baseline", "", "SELECT 1;")
        ),
        expect![[r#"
            migrations/versions/202511311400_add_t.sql: file name `202511311400_add_t.sql` has a bad timestamp: day 31 does not exist in 2025-11
              help: rename it with the current UTC time as YYYYMMDDHHMM (`cargo migrations new <slug>` names new files so)
            1 problem"#]],
    );
    check(
        &format!(
            "=== versions/202511121400_Add_T.sql\n{}",
            revision("202511121302_baseline", "", "SELECT 1;")
        ),
        expect![[r#"
            migrations/versions/202511121400_Add_T.sql: file name `202511121400_Add_T.sql` has a bad slug: the slug has an upper-case letter `A`; slugs are lower case
              help: rename it to `202511121400_add_t.sql`
            1 problem"#]],
    );
    check(
        &format!(
            "=== versions/202511121400_add t.sql\n{}",
            revision("202511121302_baseline", "", "SELECT 1;")
        ),
        expect![[r#"
            migrations/versions/202511121400_add t.sql: file name `202511121400_add t.sql` has a bad slug: the slug has a space; separate words with `_`
              help: rename it to `202511121400_add_t.sql`
            1 problem"#]],
    );
}

#[test]
fn encodings() {
    let mut latin1 = sources(BASELINE);
    let mut bad = b"-- revises: 202511121302_baseline\n-- migrate:up\nSELECT 'caf".to_vec();
    bad.extend_from_slice(&[0xe9, b'\'', b';', b'\n']);
    bad.extend_from_slice(b"-- migrate:down\nSELECT 1;\n");
    let versions = latin1.versions.as_mut().expect("fixture has versions");
    versions.push(Entry::File {
        name: "202511121400_latin1.sql".to_owned(),
        contents: bad,
    });
    check_sources(
        &latin1,
        expect![[r#"
            migrations/versions/202511121400_latin1.sql:3: the file is not valid UTF-8 (first bad byte in column 12)
              help: save the file as UTF-8
            1 problem"#]],
    );

    let lf = revision(
        "202511121302_baseline",
        "CREATE TABLE t ();",
        "DROP TABLE t;",
    );
    let crlf = format!("\u{feff}{}", lf.replace('\n', "\r\n"));
    let load = |text: &str| {
        let fixture = format!("{BASELINE}=== versions/202511121400_add_t.sql\n{text}");
        Folder::parse(&sources(&fixture))
            .into_set()
            .expect("valid folder")
    };
    let (lf, crlf) = (load(&lf), load(&crlf));
    assert_eq!(
        lf.revisions()[1].checksum(),
        crlf.revisions()[1].checksum(),
        "CRLF and a BOM keep the checksum"
    );
    assert_eq!(lf, crlf);
}

#[test]
fn headers() {
    check(
        "=== versions/202511121400_add_t.sql\n-- revises: 202511121302_baseline\n-- revises: 202511121302_baseline\n-- author: me\n-- message:\n-- migrate:up\n-- migrate:down\nSELECT 1;\n",
        expect![[r#"
            migrations/versions/202511121400_add_t.sql:2: header `-- revises:` appears twice (first on line 1)
              help: keep one of the two lines
            migrations/versions/202511121400_add_t.sql:3: unknown header `-- author:`
              help: the known headers are `-- revises:`, `-- message:`, `-- lock-timeout:`, `-- statement-timeout:` and `-- lint:`; write other notes as plain comments, without `word:` at the start
            migrations/versions/202511121400_add_t.sql:4: header `-- message:` has no value
              help: write the value after `-- message:`, or remove the line
            3 problems"#]],
    );
    check(
        "=== versions/202511121400_add_t.sql\n-- revises: 202511121302_baseline\nCREATE TABLE t ();\n-- migrate:up\n-- migrate:down\nSELECT 1;\n",
        expect![[r#"
            migrations/versions/202511121400_add_t.sql:2: SQL before the `-- migrate:up` marker
              help: move the SQL below `-- migrate:up`; only comments and headers go above it
            1 problem"#]],
    );
}

#[test]
fn settings_headers() {
    let fixture = format!(
        "{BASELINE}=== versions/202511121400_add_t.sql\n-- revises: 202511121302_baseline\n-- lock-timeout: 2min\n-- statement-timeout: 0\n-- lint: allow changing-column-type -- t is empty\n-- lint: allow ban-drop-column -- unused\n-- migrate:up\nCREATE TABLE t ();\n-- migrate:down\nDROP TABLE t;\n=== repeatable/views.sql\n-- lint: allow ban-drop-view -- replaced at once\nDROP VIEW IF EXISTS v;\n"
    );
    let set = Folder::parse(&sources(&fixture))
        .into_set()
        .expect("valid folder");
    let revision = &set.revisions()[1];
    assert_eq!(revision.lock_timeout(), Some(Duration::from_secs(120)));
    assert_eq!(revision.statement_timeout(), Some(Duration::ZERO));
    let allows: Vec<(Vec<&str>, &str, u32)> = revision
        .lint_allows()
        .iter()
        .map(|a| (a.rules().collect(), a.reason(), a.line()))
        .collect();
    assert_eq!(
        allows,
        [
            (vec!["changing-column-type"], "t is empty", 4),
            (vec!["ban-drop-column"], "unused", 5)
        ]
    );
    assert_eq!(set.revisions()[0].lock_timeout(), None);
    let repeatable = &set.repeatables()[0];
    assert_eq!(repeatable.lint_allows()[0].reason(), "replaced at once");

    check(
        "=== versions/202511121400_add_t.sql\n-- revises: 202511121302_baseline\n-- lock-timeout: 5\n-- statement-timeout: 1.5s\n-- lint: allow changing-column-type\n-- lint: skip everything -- why not\n-- migrate:up\nCREATE TABLE t ();\n-- migrate:down\nDROP TABLE t;\n=== repeatable/views.sql\n-- lint: allow ban-drop-view\n-- lock-timeout: 5s\nDROP VIEW IF EXISTS v;\n",
        expect![[r#"
            migrations/repeatable/views.sql:1: `-- lint: allow ban-drop-view` gives no reason
              help: say why the rule does not apply here after ` -- `, e.g. `-- lint: allow ban-drop-view -- the table is created empty in the previous revision`
            migrations/repeatable/views.sql:2: unknown header `-- lock-timeout:`
              help: the known headers are `-- requires:`, `-- message:` and `-- lint:`; write other notes as plain comments, without `word:` at the start
            migrations/versions/202511121400_add_t.sql:2: `-- lock-timeout: 5` is not a timeout
              help: write a whole number and a unit, as in `-- lock-timeout: 500ms`, `30s`, `2min` or `1h` (at most 2147483647ms), or `0` for no timeout
            migrations/versions/202511121400_add_t.sql:3: `-- statement-timeout: 1.5s` is not a timeout
              help: write a whole number and a unit, as in `-- statement-timeout: 500ms`, `30s`, `2min` or `1h` (at most 2147483647ms), or `0` for no timeout
            migrations/versions/202511121400_add_t.sql:4: `-- lint: allow changing-column-type` gives no reason
              help: say why the rule does not apply here after ` -- `, e.g. `-- lint: allow changing-column-type -- the table is created empty in the previous revision`
            migrations/versions/202511121400_add_t.sql:5: `-- lint: skip everything -- why not` is not `allow <rule>[, <rule>] -- <reason>`
              help: write `-- lint: allow <rule>[, <rule>] -- <reason>`, the rules as the linter names them, e.g. `-- lint: allow changing-column-type -- tenants has one row per customer`
            6 problems"#]],
    );
}

#[test]
fn sections() {
    check(
        "=== versions/202511121400_add_t.sql\n-- revises: 202511121302_baseline\nCREATE TABLE t ();\n",
        expect![[r#"
            migrations/versions/202511121400_add_t.sql: no `-- migrate:up` marker
              help: add a `-- migrate:up` line before the SQL that applies the revision
            migrations/versions/202511121400_add_t.sql: no `-- migrate:down` marker
              help: add a `-- migrate:down` line after the up section, followed by the SQL that undoes it
            migrations/versions/202511121400_add_t.sql:2: SQL before the `-- migrate:up` marker
              help: move the SQL below `-- migrate:up`; only comments and headers go above it
            3 problems"#]],
    );
    check(
        "=== versions/202511121400_add_t.sql\n-- revises: 202511121302_baseline\n-- migrate:up\nCREATE TABLE t ();\n",
        expect![[r#"
            migrations/versions/202511121400_add_t.sql: no `-- migrate:down` marker
              help: add a `-- migrate:down` line after the up section, followed by the SQL that undoes it
            1 problem"#]],
    );
    check(
        "=== versions/202511121400_add_t.sql\n-- revises: 202511121302_baseline\n-- migrate:up\nCREATE TABLE t ();\n-- migrate:up\n-- migrate:down\nDROP TABLE t;\n-- migrate:down\n",
        expect![[r#"
            migrations/versions/202511121400_add_t.sql:4: `-- migrate:up` appears twice (first on line 2)
              help: keep one up and one down section; put all the up SQL under the first marker
            migrations/versions/202511121400_add_t.sql:7: `-- migrate:down` appears twice (first on line 5)
              help: keep one up and one down section; put all the up SQL under the first marker
            2 problems"#]],
    );
    check(
        "=== versions/202511121400_add_t.sql\n-- revises: 202511121302_baseline\n-- migrate:down\nDROP TABLE t;\n-- migrate:up\nCREATE TABLE t ();\n",
        expect![[r#"
            migrations/versions/202511121400_add_t.sql:2: `-- migrate:down` comes before `-- migrate:up` (line 4)
              help: put the up section first, then `-- migrate:down` and the SQL that undoes it
            1 problem"#]],
    );
    check(
        "=== versions/202511121400_add_t.sql\n-- revises: 202511121302_baseline\n-- migrate:up\nCREATE TABLE t ();\n-- migrate:down\n-- nothing to do\n",
        expect![[r#"
            migrations/versions/202511121400_add_t.sql:4: the down section is empty
              help: write the SQL that undoes the up section: every revision except the baseline must be reversible
            1 problem"#]],
    );
    check(
        "=== versions/202511121400_add_t.sql\n-- revises: 202511121302_baseline\n-- migrate:upgrade\n-- migrate:up concurrently\n-- migrate:down transaction:false\nSELECT 1;\n",
        expect![[r#"
            migrations/versions/202511121400_add_t.sql:2: unknown marker `-- migrate:upgrade`
              help: the markers are `-- migrate:up` (optionally with `transaction:false`) and `-- migrate:down`
            migrations/versions/202511121400_add_t.sql:3: unknown option `concurrently` on `-- migrate:up`
              help: the only option is `transaction:false`, for statements such as CREATE INDEX CONCURRENTLY
            migrations/versions/202511121400_add_t.sql:4: `transaction:false` is on the down marker
              help: move it to the `-- migrate:up` line; it applies to both sections
            3 problems"#]],
    );
    check(
        &format!(
            "=== versions/202511121400_add_t.sql\n{}",
            revision(
                "202511121302_baseline",
                "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1;",
                "DROP FUNCTION f;"
            )
        ),
        expect![[r#"
            migrations/versions/202511121400_add_t.sql:3: unterminated dollar-quoted string `$$`
              help: close it with `$$`
            1 problem"#]],
    );
    check(
        &format!(
            "=== versions/202511121400_add_t.sql\n{}",
            revision(
                "202511121302_baseline",
                "CREATE TABLE t (x int);\nCOPY t FROM STDIN;\n1\n\\.",
                "DROP TABLE t;"
            )
        ),
        expect![[r#"
            migrations/versions/202511121400_add_t.sql:4: `COPY ... FROM STDIN` reads rows from psql's input
              help: load the rows with INSERT or COPY from a server-side file
            1 problem"#]],
    );
}

#[test]
fn baseline() {
    check_sources(
        &sources(
            "=== versions/202511121302_baseline.sql\n-- revises: 202511121200_older\n-- migrate:up\nCREATE TABLE t ();\n-- migrate:down\nDROP TABLE t;\n",
        ),
        expect![[r#"
            migrations/versions/202511121302_baseline.sql:1: the baseline revises `202511121200_older`; the baseline is the first revision and revises nothing
              help: remove its `-- revises:` line
            migrations/versions/202511121302_baseline.sql:3: the baseline's up section is not empty
              help: the baseline is the empty schema; move the SQL into a new revision (`cargo migrations new <slug>`)
            migrations/versions/202511121302_baseline.sql:5: the baseline's down section is not empty
              help: the baseline is the empty schema; move the SQL into a new revision (`cargo migrations new <slug>`)
            3 problems"#]],
    );
    check_sources(
        &sources(&format!(
            "=== versions/202511121400_add_t.sql\n{}",
            revision("202511121302_baseline", "", "SELECT 1;")
        )),
        expect![[r#"
            migrations/versions/202511121400_add_t.sql: the first revision is `202511121400_add_t`, not a baseline
              help: the first revision must be the baseline: restore it, or write one dated before the others, `versions/YYYYMMDDHHMM_baseline.sql` holding only the lines `-- migrate:up` and `-- migrate:down`, and point the oldest revision's `-- revises:` at it
            1 problem"#]],
    );
    check_sources(
        &Sources {
            display_root: "migrations".to_owned(),
            versions: Some(Vec::new()),
            ..Sources::default()
        },
        expect![[r#"
            migrations/versions: the folder has no revisions
              help: create the baseline first, `versions/YYYYMMDDHHMM_baseline.sql` holding only the lines `-- migrate:up` and `-- migrate:down`, YYYYMMDDHHMM the current UTC time (`cargo migrations new baseline` writes it)
            1 problem"#]],
    );
    check_sources(
        &Sources {
            display_root: "migrations".to_owned(),
            ..Sources::default()
        },
        expect![[r#"
            migrations: the folder has no `versions/` directory
              help: create `versions/` with the baseline, `versions/YYYYMMDDHHMM_baseline.sql` holding only the lines `-- migrate:up` and `-- migrate:down`, YYYYMMDDHHMM the current UTC time (`cargo migrations new baseline` writes it)
            1 problem"#]],
    );
}

#[test]
fn graph() {
    check(
        "=== versions/202511121400_add_t.sql\n-- migrate:up\n-- migrate:down\nSELECT 1;\n",
        expect![[r#"
            migrations/versions/202511121400_add_t.sql: no `-- revises:` header
              help: add `-- revises: 202511121302_baseline`
            1 problem"#]],
    );
    check(
        &format!(
            "=== versions/202511121400_add_t.sql\n{}",
            revision("202511121301_baseline", "", "SELECT 1;")
        ),
        expect![[r#"
            migrations/versions/202511121400_add_t.sql:1: revises `202511121301_baseline`, which is not a revision of this folder
              help: point it at the revision just before it: `-- revises: 202511121302_baseline`
            1 problem"#]],
    );
    check(
        &format!(
            "=== versions/202511121400_a.sql\n{}=== versions/202511121500_b.sql\n{}=== versions/202511121600_c.sql\n{}",
            revision("202511121302_baseline", "", "SELECT 1;"),
            revision("202511121400_a", "", "SELECT 1;"),
            revision("202511121400_a", "", "SELECT 1;")
        ),
        expect![[r#"
            migrations/versions/202511121600_c.sql:1: two heads: `migrations/versions/202511121500_b.sql` and `migrations/versions/202511121600_c.sql` both revise `202511121400_a`
              help: rename `202511121600_c` to a timestamp after `202511121500_b` and point its `-- revises:` at `202511121500_b`; `cargo migrations rebase 202511121600_c` does exactly that
            1 problem"#]],
    );
    check(
        &format!(
            "=== versions/202511121400_a.sql\n{}=== versions/202511121500_b.sql\n{}=== versions/202511121600_c.sql\n{}",
            revision("202511121302_baseline", "", "SELECT 1;"),
            revision("202511121600_c", "", "SELECT 1;"),
            revision("202511121400_a", "", "SELECT 1;")
        ),
        expect![[r#"
            migrations/versions/202511121500_b.sql:1: revises `202511121600_c`, but the revision just before it is `202511121400_a`
              help: point it at the revision just before it: `-- revises: 202511121400_a`
            migrations/versions/202511121600_c.sql:1: revises `202511121400_a`, but the revision just before it is `202511121500_b`
              help: point it at the revision just before it: `-- revises: 202511121500_b`
            2 problems"#]],
    );
    check(
        &format!(
            "=== versions/202511121400_a.sql\n{}=== versions/202511121500_b.sql\n{}",
            revision("202511121500_b", "", "SELECT 1;"),
            revision("202511121400_a", "", "SELECT 1;")
        ),
        expect![[r#"
            migrations/versions/202511121400_a.sql:1: revisions revise each other in a cycle: 202511121400_a -> 202511121500_b -> 202511121400_a
              help: each revision revises the one just before it by timestamp; fix the `-- revises:` lines
            1 problem"#]],
    );
    check(
        &format!(
            "=== versions/202511121400_a.sql\n{}=== versions/202511121400_b.sql\n{}",
            revision("202511121302_baseline", "", "SELECT 1;"),
            revision("202511121400_a", "", "SELECT 1;")
        ),
        expect![[r#"
            migrations/versions/202511121400_b.sql: revision id 202511121400 is also used by `202511121400_a`
              help: give one of them a later timestamp and point its `-- revises:` at the revision before it (`cargo migrations rebase <revision>` does both)
            1 problem"#]],
    );
    check(
        &format!(
            "=== versions/202511121400_a.sql\n{}=== versions/202511121500_a.sql\n{}",
            revision("202511121302_baseline", "", "SELECT 1;"),
            revision("202511121400_a", "", "SELECT 1;")
        ),
        expect![[r#"
            migrations/versions/202511121500_a.sql: slug `a` is also used by `202511121400_a`
              help: rename one of them with a slug of its own
            1 problem"#]],
    );
}

#[test]
fn credentials() {
    check(
        &format!(
            "=== versions/202511121400_roles.sql\n{}",
            revision(
                "202511121302_baseline",
                "CREATE ROLE app LOGIN PASSWORD 'hunter2';\n-- dev: postgres://app:hunter2@localhost/app\nSELECT dblink_connect('host=db password=hunter2');",
                "DROP ROLE app;"
            )
        ),
        expect![[r#"
            migrations/versions/202511121400_roles.sql:3: a hard-coded password: a string literal after PASSWORD
              help: remove the secret from the file; set passwords at deploy time from a secret store, outside revisions
            migrations/versions/202511121400_roles.sql:4: a hard-coded password: a connection URI with a password
              help: remove the secret from the file; set passwords at deploy time from a secret store, outside revisions
            migrations/versions/202511121400_roles.sql:5: a hard-coded password: `password=` in a connection string
              help: remove the secret from the file; set passwords at deploy time from a secret store, outside revisions
            3 problems"#]],
    );
}

#[test]
fn repeatables() {
    check(
        "=== repeatable/Policies.sql\nSELECT 1;\n=== repeatable/views.sql\n-- requires: 202511121400_nope\nCREATE OR REPLACE VIEW v AS SELECT 1;\n=== repeatable/grants.sql\n-- migrate:up\nGRANT SELECT ON t TO r;\n=== repeatable/empty.sql\n-- nothing\n",
        expect![[r#"
            migrations/repeatable/Policies.sql: file name `Policies.sql` has a bad slug: the slug has an upper-case letter `P`; slugs are lower case
              help: rename it to `policies.sql`
            migrations/repeatable/empty.sql: the repeatable migration has no SQL
              help: write the SQL, or delete the file
            migrations/repeatable/grants.sql:1: a repeatable migration has no `-- migrate:` sections
              help: remove the marker: a repeatable migration is one idempotent script, run again when it changes
            migrations/repeatable/views.sql:1: requires `202511121400_nope`, which is not a revision of this folder
              help: name an existing revision by its file stem, e.g. `-- requires: 202511121400_add_tenants_table`
            4 problems"#]],
    );
}

#[test]
fn every_problem_of_a_folder_is_reported_at_once() {
    check(
        &format!(
            "=== versions/notes.txt\nx\n=== versions/202511121400_a.sql\n{}=== versions/202511121500_b.sql\n{}",
            revision("202511121302_baseline", "CREATE ROLE r PASSWORD 'x';", ""),
            revision("202511121400_zzz", "", "SELECT 1;")
        ),
        expect![[r#"
            migrations/versions/202511121400_a.sql:3: a hard-coded password: a string literal after PASSWORD
              help: remove the secret from the file; set passwords at deploy time from a secret store, outside revisions
            migrations/versions/202511121400_a.sql:4: the down section is empty
              help: write the SQL that undoes the up section: every revision except the baseline must be reversible
            migrations/versions/202511121500_b.sql:1: revises `202511121400_zzz`, which is not a revision of this folder
              help: point it at the revision just before it: `-- revises: 202511121400_a`
            migrations/versions/notes.txt: `notes.txt` is not a revision file (YYYYMMDDHHMM_slug.sql)
              help: move it out of this folder; only revision files and README.md belong here
            4 problems"#]],
    );
}
