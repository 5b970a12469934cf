//! The catalogue of bad input: every way a folder, a file, a command line or a database can be
//! wrong, each with the exact answer a person gets (file, line, and how to fix it), and none a panic.
//!
//! Folder cases go through the loader exactly as `cargo xtask check` does, from files on disk;
//! run-time cases through the `migrate` command line on a fresh database. Two more tests feed very
//! large input (a 50 MB revision, 5,000 revisions) through loading, checking and applying.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use expect_test::{Expect, expect};
use migrations_core::{Folder, Sources, Target};
use migrations_tests::{connect, database, history, migrate_command, run};

const FIXTURE_MIGRATE: &str = env!("CARGO_BIN_EXE_fixture-migrate");

/// A file of a case's folder: its path under the folder, and its bytes.
type File = (String, Vec<u8>);

fn file(path: &str, contents: impl Into<Vec<u8>>) -> File {
    (path.to_owned(), contents.into())
}

fn baseline() -> File {
    file(
        "versions/202511121302_baseline.sql",
        "-- migrate:up\n-- migrate:down\n",
    )
}

/// A well-formed revision file.
fn revision(revises: &str, up: &str, down: &str) -> String {
    format!("-- revises: {revises}\n\n-- migrate:up\n{up}\n\n-- migrate:down\n{down}\n")
}

/// The baseline and one revision `202511121400_add_t` after it.
fn one_revision(up: &str, down: &str) -> Vec<File> {
    vec![
        baseline(),
        file(
            "versions/202511121400_add_t.sql",
            revision("202511121302_baseline", up, down),
        ),
    ]
}

/// The baseline and a revision under a given file name.
fn named(name: &str) -> Vec<File> {
    vec![
        baseline(),
        file(
            &format!("versions/{name}"),
            revision(
                "202511121302_baseline",
                "CREATE TABLE t ();",
                "DROP TABLE t;",
            ),
        ),
    ]
}

/// The baseline and a revision with the given text.
fn text(contents: impl Into<Vec<u8>>) -> Vec<File> {
    vec![
        baseline(),
        file("versions/202511121400_add_t.sql", contents),
    ]
}

/// What the database looks like before the command runs.
enum Setup {
    /// `migrate` with these arguments.
    Migrate(&'static [&'static str]),
    Sql(&'static str),
}

/// The `DATABASE_URL` a command runs with.
enum Url {
    /// The case's fresh database.
    Database,
    Given(&'static str),
    Unset,
}

/// Where a case's input goes in.
enum Through {
    /// The loader, as `cargo xtask check` runs it.
    Check,
    /// The `migrate` command line over the folder.
    Migrate {
        setup: Vec<Setup>,
        url: Url,
        args: &'static [&'static str],
    },
}

struct Case {
    name: &'static str,
    files: Vec<File>,
    through: Through,
    expect: Expect,
}

fn check(name: &'static str, files: Vec<File>, expect: Expect) -> Case {
    Case {
        name,
        files,
        through: Through::Check,
        expect,
    }
}

fn migrate(
    name: &'static str,
    files: Vec<File>,
    setup: Vec<Setup>,
    url: Url,
    args: &'static [&'static str],
    expect: Expect,
) -> Case {
    Case {
        name,
        files,
        through: Through::Migrate { setup, url, args },
        expect,
    }
}

/// A valid folder of three revisions for the run-time cases.
fn three_revisions() -> Vec<File> {
    vec![
        baseline(),
        file(
            "versions/202511121400_add_a.sql",
            revision(
                "202511121302_baseline",
                "CREATE TABLE a (id int);",
                "DROP TABLE a;",
            ),
        ),
        file(
            "versions/202511121410_add_b.sql",
            revision(
                "202511121400_add_a",
                "CREATE TABLE b (id int);",
                "DROP TABLE b;",
            ),
        ),
    ]
}

fn cases() -> Vec<Case> {
    let mut latin1 = revision("202511121302_baseline", "SELECT 'caf", "SELECT 1;").into_bytes();
    let at = latin1
        .iter()
        .position(|&b| b == b'f')
        .expect("the f of caf")
        + 1;
    latin1.splice(at..at, [0xe9, b'\'', b';']);
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(
            revision("202511121302_baseline", "SELECT 1;", "SELECT 1;")
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let valid = revision(
        "202511121302_baseline",
        "CREATE TABLE t (id int);",
        "DROP TABLE t;",
    );
    vec![
        // File names.
        check(
            "a timestamp with a month 13",
            named("202513121400_add_t.sql"),
            expect![[r#"
                migrations/versions/202513121400_add_t.sql: file name `202513121400_add_t.sql` has a bad timestamp: month 13 does not exist
                  help: rename it with the current UTC time as YYYYMMDDHHMM (`cargo migrations new <slug>` names new files so)
                1 problem"#]],
        ),
        check(
            "a timestamp on a day that does not exist",
            named("202502291400_add_t.sql"),
            expect![[r#"
                migrations/versions/202502291400_add_t.sql: file name `202502291400_add_t.sql` has a bad timestamp: day 29 does not exist in 2025-02
                  help: rename it with the current UTC time as YYYYMMDDHHMM (`cargo migrations new <slug>` names new files so)
                1 problem"#]],
        ),
        check(
            "a timestamp at minute 60",
            named("202511121460_add_t.sql"),
            expect![[r#"
                migrations/versions/202511121460_add_t.sql: file name `202511121460_add_t.sql` has a bad timestamp: minute 60 does not exist
                  help: rename it with the current UTC time as YYYYMMDDHHMM (`cargo migrations new <slug>` names new files so)
                1 problem"#]],
        ),
        check(
            "a timestamp of 13 digits",
            named("2025111214000_add_t.sql"),
            expect![[r#"
                migrations/versions/2025111214000_add_t.sql: file name `2025111214000_add_t.sql` has a bad timestamp: its timestamp has 13 digits, not 12 (YYYYMMDDHHMM)
                  help: rename it to `202511121400_add_t.sql`
                1 problem"#]],
        ),
        check(
            "a timestamp of 10 digits",
            named("2025111214_add_t.sql"),
            expect![[r#"
                migrations/versions/2025111214_add_t.sql: file name `2025111214_add_t.sql` has a bad timestamp: its timestamp has 10 digits, not 12 (YYYYMMDDHHMM)
                  help: rename it with the current UTC time as YYYYMMDDHHMM (`cargo migrations new <slug>` names new files so)
                1 problem"#]],
        ),
        check(
            "no timestamp",
            named("add_t.sql"),
            expect![[r#"
                migrations/versions/add_t.sql: file name `add_t.sql` has a bad timestamp: it does not start with a 12-digit UTC timestamp
                  help: rename it with the current UTC time as YYYYMMDDHHMM (`cargo migrations new <slug>` names new files so)
                1 problem"#]],
        ),
        check(
            "a slug with a dash",
            named("202511121400_add-t.sql"),
            expect![[r#"
                migrations/versions/202511121400_add-t.sql: file name `202511121400_add-t.sql` has a bad slug: the slug has `-`; only a-z, 0-9 and `_` are allowed
                  help: rename it to `202511121400_add_t.sql`
                1 problem"#]],
        ),
        check(
            "a slug in upper case",
            named("202511121400_Add_T.sql"),
            expect![[r#"
                migrations/versions/202511121400_Add_T.sql: file name `202511121400_Add_T.sql` has a bad slug: the slug has an upper-case letter `A`; slugs are lower case
                  help: rename it to `202511121400_add_t.sql`
                1 problem"#]],
        ),
        check(
            "a slug with a space",
            named("202511121400_add t.sql"),
            expect![[r#"
                migrations/versions/202511121400_add t.sql: file name `202511121400_add t.sql` has a bad slug: the slug has a space; separate words with `_`
                  help: rename it to `202511121400_add_t.sql`
                1 problem"#]],
        ),
        check(
            "no slug",
            named("202511121400.sql"),
            expect![[r#"
                migrations/versions/202511121400.sql: file name `202511121400.sql` has a bad slug: the timestamp must be followed by `_` and a slug
                  help: rename it to `YYYYMMDDHHMM_slug.sql`, the slug in lower case words joined by `_`
                1 problem"#]],
        ),
        check(
            "no .sql extension",
            named("202511121400_add_t"),
            expect![[r#"
                migrations/versions/202511121400_add_t: file name `202511121400_add_t` has no `.sql` extension
                  help: rename it to `202511121400_add_t.sql`
                1 problem"#]],
        ),
        check(
            "another extension",
            named("202511121400_add_t.txt"),
            expect![[r#"
                migrations/versions/202511121400_add_t.txt: `202511121400_add_t.txt` is not a revision file (YYYYMMDDHHMM_slug.sql)
                  help: move it out of this folder; only revision files and README.md belong here
                1 problem"#]],
        ),
        check(
            "a directory among the revisions",
            vec![
                baseline(),
                file("versions/old/202511121400_add_t.sql", valid.clone()),
            ],
            expect![[r#"
                migrations/versions/old: `old` is a directory; revision folders hold only files
                  help: move its files up, or out of the folder
                1 problem"#]],
        ),
        check(
            "no versions folder",
            vec![file("README.md", "revisions go in versions/")],
            expect![[r#"
                migrations: the folder has no `versions/` directory
                  help: create `versions/` with the baseline, `versions/YYYYMMDDHHMM_baseline.sql` holding only the lines `-- migrate:up` and `-- migrate:down`, YYYYMMDDHHMM the current UTC time (`cargo migrations new baseline` writes it)
                1 problem"#]],
        ),
        check(
            "an empty versions folder",
            vec![file("versions/README.md", "nothing yet")],
            expect![[r#"
                migrations/versions: the folder has no revisions
                  help: create the baseline first, `versions/YYYYMMDDHHMM_baseline.sql` holding only the lines `-- migrate:up` and `-- migrate:down`, YYYYMMDDHHMM the current UTC time (`cargo migrations new baseline` writes it)
                1 problem"#]],
        ),
        // Headers.
        check(
            "no revises header",
            text("-- migrate:up\nCREATE TABLE t ();\n-- migrate:down\nDROP TABLE t;\n"),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql: no `-- revises:` header
                  help: add `-- revises: 202511121302_baseline`
                1 problem"#]],
        ),
        check(
            "revises twice",
            text(format!("-- revises: 202511121302_baseline\n{valid}")),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:2: header `-- revises:` appears twice (first on line 1)
                  help: keep one of the two lines
                1 problem"#]],
        ),
        check(
            "revises an unknown revision",
            text(revision(
                "202511121301_baseline",
                "CREATE TABLE t ();",
                "DROP TABLE t;",
            )),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:1: revises `202511121301_baseline`, which is not a revision of this folder
                  help: point it at the revision just before it: `-- revises: 202511121302_baseline`
                1 problem"#]],
        ),
        check(
            "an unknown header",
            text(format!("-- author: someone\n{valid}")),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:1: unknown header `-- author:`
                  help: the known headers are `-- revises:`, `-- message:`, `-- lock-timeout:`, `-- statement-timeout:` and `-- lint:`; write other notes as plain comments, without `word:` at the start
                1 problem"#]],
        ),
        check(
            "a header without a value",
            text(format!("-- message:\n{valid}")),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:1: header `-- message:` has no value
                  help: write the value after `-- message:`, or remove the line
                1 problem"#]],
        ),
        check(
            "a lock timeout without a unit",
            text(format!("-- lock-timeout: 30\n{valid}")),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:1: `-- lock-timeout: 30` is not a timeout
                  help: write a whole number and a unit, as in `-- lock-timeout: 500ms`, `30s`, `2min` or `1h` (at most 2147483647ms), or `0` for no timeout
                1 problem"#]],
        ),
        check(
            "a statement timeout in an unknown unit",
            text(format!("-- statement-timeout: 2 days\n{valid}")),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:1: `-- statement-timeout: 2 days` is not a timeout
                  help: write a whole number and a unit, as in `-- statement-timeout: 500ms`, `30s`, `2min` or `1h` (at most 2147483647ms), or `0` for no timeout
                1 problem"#]],
        ),
        check(
            "a lint header that does not allow",
            text(format!(
                "-- lint: ignore changing-column-type -- small\n{valid}"
            )),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:1: `-- lint: ignore changing-column-type -- small` is not `allow <rule>[, <rule>] -- <reason>`
                  help: write `-- lint: allow <rule>[, <rule>] -- <reason>`, the rules as the linter names them, e.g. `-- lint: allow changing-column-type -- tenants has one row per customer`
                1 problem"#]],
        ),
        check(
            "a lint allow without a reason",
            text(format!("-- lint: allow changing-column-type\n{valid}")),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:1: `-- lint: allow changing-column-type` gives no reason
                  help: say why the rule does not apply here after ` -- `, e.g. `-- lint: allow changing-column-type -- the table is created empty in the previous revision`
                1 problem"#]],
        ),
        check(
            "SQL above the up marker",
            text(
                "-- revises: 202511121302_baseline\nCREATE TABLE t ();\n-- migrate:up\n-- migrate:down\nDROP TABLE t;\n",
            ),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:2: SQL before the `-- migrate:up` marker
                  help: move the SQL below `-- migrate:up`; only comments and headers go above it
                1 problem"#]],
        ),
        // Sections.
        check(
            "no up marker",
            text("-- revises: 202511121302_baseline\n-- migrate:down\nDROP TABLE t;\n"),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql: no `-- migrate:up` marker
                  help: add a `-- migrate:up` line before the SQL that applies the revision
                1 problem"#]],
        ),
        check(
            "no down marker",
            text("-- revises: 202511121302_baseline\n-- migrate:up\nCREATE TABLE t ();\n"),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql: no `-- migrate:down` marker
                  help: add a `-- migrate:down` line after the up section, followed by the SQL that undoes it
                1 problem"#]],
        ),
        check(
            "the up marker twice",
            text(
                "-- revises: 202511121302_baseline\n-- migrate:up\nCREATE TABLE t ();\n-- migrate:up\nCREATE TABLE u ();\n-- migrate:down\nDROP TABLE u, t;\n",
            ),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:4: `-- migrate:up` appears twice (first on line 2)
                  help: keep one up and one down section; put all the up SQL under the first marker
                1 problem"#]],
        ),
        check(
            "the down marker twice",
            text(
                "-- revises: 202511121302_baseline\n-- migrate:up\nCREATE TABLE t ();\n-- migrate:down\nDROP TABLE t;\n-- migrate:down\nSELECT 1;\n",
            ),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:6: `-- migrate:down` appears twice (first on line 4)
                  help: keep one up and one down section; put all the up SQL under the first marker
                1 problem"#]],
        ),
        check(
            "the sections swapped",
            text(
                "-- revises: 202511121302_baseline\n-- migrate:down\nDROP TABLE t;\n-- migrate:up\nCREATE TABLE t ();\n",
            ),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:2: `-- migrate:down` comes before `-- migrate:up` (line 4)
                  help: put the up section first, then `-- migrate:down` and the SQL that undoes it
                1 problem"#]],
        ),
        check(
            "an empty down section",
            one_revision("CREATE TABLE t ();", "-- nothing to undo?"),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:6: the down section is empty
                  help: write the SQL that undoes the up section: every revision except the baseline must be reversible
                1 problem"#]],
        ),
        check(
            "an unknown marker",
            text(
                "-- revises: 202511121302_baseline\n-- migrate:up\nCREATE TABLE t ();\n-- migrate:rollback\nDROP TABLE t;\n-- migrate:down\nDROP TABLE t;\n",
            ),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:4: unknown marker `-- migrate:rollback`
                  help: the markers are `-- migrate:up` (optionally with `transaction:false`) and `-- migrate:down`
                1 problem"#]],
        ),
        check(
            "an unknown marker option",
            text(
                "-- revises: 202511121302_baseline\n-- migrate:up transaction:off\nCREATE TABLE t ();\n-- migrate:down\nDROP TABLE t;\n",
            ),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:2: unknown option `transaction:off` on `-- migrate:up`
                  help: the only option is `transaction:false`, for statements such as CREATE INDEX CONCURRENTLY
                1 problem"#]],
        ),
        check(
            "transaction:false on the down marker",
            text(
                "-- revises: 202511121302_baseline\n-- migrate:up\nCREATE TABLE t ();\n-- migrate:down transaction:false\nDROP TABLE t;\n",
            ),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:4: `transaction:false` is on the down marker
                  help: move it to the `-- migrate:up` line; it applies to both sections
                1 problem"#]],
        ),
        check(
            "a baseline with SQL",
            vec![file(
                "versions/202511121302_baseline.sql",
                "-- migrate:up\nCREATE TABLE t ();\n-- migrate:down\nDROP TABLE t;\n",
            )],
            expect![[r#"
                migrations/versions/202511121302_baseline.sql:2: the baseline's up section is not empty
                  help: the baseline is the empty schema; move the SQL into a new revision (`cargo migrations new <slug>`)
                migrations/versions/202511121302_baseline.sql:4: the baseline's down section is not empty
                  help: the baseline is the empty schema; move the SQL into a new revision (`cargo migrations new <slug>`)
                2 problems"#]],
        ),
        check(
            "no baseline first",
            vec![file("versions/202511121400_add_t.sql", valid.clone())],
            expect![[r#"
                migrations/versions/202511121400_add_t.sql: the first revision is `202511121400_add_t`, not a baseline
                  help: the first revision must be the baseline: restore it, or write one dated before the others, `versions/YYYYMMDDHHMM_baseline.sql` holding only the lines `-- migrate:up` and `-- migrate:down`, and point the oldest revision's `-- revises:` at it
                1 problem"#]],
        ),
        check(
            "an unterminated dollar quote",
            one_revision(
                "CREATE FUNCTION f() RETURNS int AS $body$\n    SELECT 1;\n",
                "DROP FUNCTION f;",
            ),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:4: unterminated dollar-quoted string `$body$`
                  help: close it with `$body$`
                1 problem"#]],
        ),
        check(
            "an unterminated string",
            one_revision(
                "CREATE TABLE t ();\nINSERT INTO t VALUES ('it''s);",
                "DROP TABLE t;",
            ),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:5: unterminated quoted string
                  help: close it with `'` (a quote inside a string is written `''`)
                1 problem"#]],
        ),
        check(
            "a psql meta-command",
            one_revision("\\i other.sql", "SELECT 1;"),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:4: psql meta-command `\i`
                  help: the runner sends SQL to the server without psql, so replace it with SQL or remove it
                1 problem"#]],
        ),
        check(
            "COPY FROM STDIN",
            one_revision(
                "CREATE TABLE t (x int);\nCOPY t FROM STDIN;\n1\n\\.",
                "DROP TABLE t;",
            ),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:5: `COPY ... FROM STDIN` reads rows from psql's input
                  help: load the rows with INSERT or COPY from a server-side file
                1 problem"#]],
        ),
        // Encodings.
        check(
            "latin-1 instead of UTF-8",
            text(latin1),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:4: the file is not valid UTF-8 (first bad byte in column 12)
                  help: save the file as UTF-8
                1 problem"#]],
        ),
        check(
            "UTF-16",
            text(utf16),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:1: the file is not valid UTF-8 (first bad byte in column 1)
                  help: save the file as UTF-8
                1 problem"#]],
        ),
        check(
            "a byte order mark is accepted",
            text(format!("\u{feff}{valid}")),
            expect![
                "ok: 2 revisions and 0 repeatable migrations; the graph is a single line; head: 202511121400_add_t"
            ],
        ),
        check(
            "CRLF line ends are accepted",
            text(valid.replace('\n', "\r\n")),
            expect![
                "ok: 2 revisions and 0 repeatable migrations; the graph is a single line; head: 202511121400_add_t"
            ],
        ),
        // The graph.
        check(
            "two heads",
            vec![
                baseline(),
                file(
                    "versions/202511121400_a.sql",
                    revision(
                        "202511121302_baseline",
                        "CREATE TABLE a ();",
                        "DROP TABLE a;",
                    ),
                ),
                file(
                    "versions/202511121410_b.sql",
                    revision("202511121400_a", "CREATE TABLE b ();", "DROP TABLE b;"),
                ),
                file(
                    "versions/202511121420_c.sql",
                    revision("202511121400_a", "CREATE TABLE c ();", "DROP TABLE c;"),
                ),
            ],
            expect![[r#"
                migrations/versions/202511121420_c.sql:1: two heads: `migrations/versions/202511121410_b.sql` and `migrations/versions/202511121420_c.sql` both revise `202511121400_a`
                  help: rename `202511121420_c` to a timestamp after `202511121410_b` and point its `-- revises:` at `202511121410_b`; `cargo migrations rebase 202511121420_c` does exactly that
                1 problem"#]],
        ),
        check(
            "a cycle",
            vec![
                baseline(),
                file(
                    "versions/202511121400_a.sql",
                    revision("202511121410_b", "CREATE TABLE a ();", "DROP TABLE a;"),
                ),
                file(
                    "versions/202511121410_b.sql",
                    revision("202511121400_a", "CREATE TABLE b ();", "DROP TABLE b;"),
                ),
            ],
            expect![[r#"
                migrations/versions/202511121400_a.sql:1: revisions revise each other in a cycle: 202511121400_a -> 202511121410_b -> 202511121400_a
                  help: each revision revises the one just before it by timestamp; fix the `-- revises:` lines
                1 problem"#]],
        ),
        check(
            "a gap: the revision revised was deleted",
            vec![
                baseline(),
                file(
                    "versions/202511121400_a.sql",
                    revision(
                        "202511121302_baseline",
                        "CREATE TABLE a ();",
                        "DROP TABLE a;",
                    ),
                ),
                file(
                    "versions/202511121420_c.sql",
                    revision("202511121410_b", "CREATE TABLE c ();", "DROP TABLE c;"),
                ),
            ],
            expect![[r#"
                migrations/versions/202511121420_c.sql:1: revises `202511121410_b`, which is not a revision of this folder
                  help: point it at the revision just before it: `-- revises: 202511121400_a`
                1 problem"#]],
        ),
        check(
            "a skip: revising the revision before the previous one",
            vec![
                baseline(),
                file(
                    "versions/202511121400_a.sql",
                    revision(
                        "202511121302_baseline",
                        "CREATE TABLE a ();",
                        "DROP TABLE a;",
                    ),
                ),
                file(
                    "versions/202511121410_b.sql",
                    revision(
                        "202511121302_baseline",
                        "CREATE TABLE b ();",
                        "DROP TABLE b;",
                    ),
                ),
            ],
            expect![[r#"
                migrations/versions/202511121410_b.sql:1: two heads: `migrations/versions/202511121400_a.sql` and `migrations/versions/202511121410_b.sql` both revise `202511121302_baseline`
                  help: rename `202511121410_b` to a timestamp after `202511121400_a` and point its `-- revises:` at `202511121400_a`; `cargo migrations rebase 202511121410_b` does exactly that
                1 problem"#]],
        ),
        check(
            "revising a later revision",
            vec![
                baseline(),
                file(
                    "versions/202511121400_a.sql",
                    revision(
                        "202511121302_baseline",
                        "CREATE TABLE a ();",
                        "DROP TABLE a;",
                    ),
                ),
                file(
                    "versions/202511121410_b.sql",
                    revision("202511121420_c", "CREATE TABLE b ();", "DROP TABLE b;"),
                ),
                file(
                    "versions/202511121420_c.sql",
                    revision("202511121400_a", "CREATE TABLE c ();", "DROP TABLE c;"),
                ),
            ],
            expect![[r#"
                migrations/versions/202511121410_b.sql:1: revises `202511121420_c`, but the revision just before it is `202511121400_a`
                  help: point it at the revision just before it: `-- revises: 202511121400_a`
                migrations/versions/202511121420_c.sql:1: revises `202511121400_a`, but the revision just before it is `202511121410_b`
                  help: point it at the revision just before it: `-- revises: 202511121410_b`
                2 problems"#]],
        ),
        check(
            "a duplicate id",
            vec![
                baseline(),
                file(
                    "versions/202511121400_a.sql",
                    revision(
                        "202511121302_baseline",
                        "CREATE TABLE a ();",
                        "DROP TABLE a;",
                    ),
                ),
                file(
                    "versions/202511121400_b.sql",
                    revision("202511121400_a", "CREATE TABLE b ();", "DROP TABLE b;"),
                ),
            ],
            expect![[r#"
                migrations/versions/202511121400_b.sql: revision id 202511121400 is also used by `202511121400_a`
                  help: give one of them a later timestamp and point its `-- revises:` at the revision before it (`cargo migrations rebase <revision>` does both)
                1 problem"#]],
        ),
        check(
            "a duplicate slug",
            vec![
                baseline(),
                file(
                    "versions/202511121400_a.sql",
                    revision(
                        "202511121302_baseline",
                        "CREATE TABLE a ();",
                        "DROP TABLE a;",
                    ),
                ),
                file(
                    "versions/202511121410_a.sql",
                    revision("202511121400_a", "CREATE TABLE b ();", "DROP TABLE b;"),
                ),
            ],
            expect![[r#"
                migrations/versions/202511121410_a.sql: slug `a` is also used by `202511121400_a`
                  help: rename one of them with a slug of its own
                1 problem"#]],
        ),
        // Policy.
        check(
            "a password literal",
            one_revision(
                "CREATE ROLE app LOGIN PASSWORD 'hunter2';",
                "DROP ROLE app;",
            ),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:4: a hard-coded password: a string literal after PASSWORD
                  help: remove the secret from the file; set passwords at deploy time from a secret store, outside revisions
                1 problem"#]],
        ),
        check(
            "a URI with a password, even in a comment",
            one_revision(
                "-- connect with postgres://app:hunter2@db.internal/app\nCREATE TABLE t ();",
                "DROP TABLE t;",
            ),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:4: a hard-coded password: a connection URI with a password
                  help: remove the secret from the file; set passwords at deploy time from a secret store, outside revisions
                1 problem"#]],
        ),
        check(
            "a password in a connection string",
            one_revision(
                "CREATE SERVER remote FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'db', dbname 'x');\nSELECT dblink_connect('host=db password=hunter2');",
                "DROP SERVER remote;",
            ),
            expect![[r#"
                migrations/versions/202511121400_add_t.sql:5: a hard-coded password: `password=` in a connection string
                  help: remove the secret from the file; set passwords at deploy time from a secret store, outside revisions
                1 problem"#]],
        ),
        // Repeatable migrations.
        check(
            "a repeatable requiring an unknown revision",
            vec![
                baseline(),
                file(
                    "repeatable/views.sql",
                    "-- requires: 202511121400_add_nothing\nCREATE OR REPLACE VIEW v AS SELECT 1;\n",
                ),
            ],
            expect![[r#"
                migrations/repeatable/views.sql:1: requires `202511121400_add_nothing`, which is not a revision of this folder
                  help: name an existing revision by its file stem, e.g. `-- requires: 202511121400_add_tenants_table`
                1 problem"#]],
        ),
        check(
            "a repeatable requiring a revision twice",
            vec![
                baseline(),
                file(
                    "repeatable/views.sql",
                    "-- requires: 202511121302_baseline\n-- requires: 202511121302_baseline\nCREATE OR REPLACE VIEW v AS SELECT 1;\n",
                ),
            ],
            expect![[r#"
                migrations/repeatable/views.sql:2: header `-- requires:` appears twice (first on line 1)
                  help: keep one of the two lines
                1 problem"#]],
        ),
        check(
            "a repeatable with sections",
            vec![
                baseline(),
                file(
                    "repeatable/views.sql",
                    "-- migrate:up\nCREATE OR REPLACE VIEW v AS SELECT 1;\n",
                ),
            ],
            expect![[r#"
                migrations/repeatable/views.sql:1: a repeatable migration has no `-- migrate:` sections
                  help: remove the marker: a repeatable migration is one idempotent script, run again when it changes
                1 problem"#]],
        ),
        check(
            "an empty repeatable",
            vec![
                baseline(),
                file("repeatable/views.sql", "-- views, later\n"),
            ],
            expect![[r#"
                migrations/repeatable/views.sql: the repeatable migration has no SQL
                  help: write the SQL, or delete the file
                1 problem"#]],
        ),
        check(
            "a repeatable with a bad name",
            vec![
                baseline(),
                file(
                    "repeatable/All Views.sql",
                    "CREATE OR REPLACE VIEW v AS SELECT 1;\n",
                ),
            ],
            expect![[r#"
                migrations/repeatable/All Views.sql: file name `All Views.sql` has a bad slug: the slug has an upper-case letter `A`; slugs are lower case
                  help: rename it to `all_views.sql`
                1 problem"#]],
        ),
        // At run time, through the command line.
        migrate(
            "a syntax error at its line in the file",
            one_revision(
                "CREATE TABLE t (\n    id int,\n    name text\n    created_at timestamptz\n);",
                "DROP TABLE t;",
            ),
            vec![Setup::Migrate(&["upgrade", "+1"])],
            Url::Database,
            &["upgrade"],
            expect![[r#"
                exit 1
                error: upgrade of `202511121400_add_t` failed at fixtures/a_syntax_error_at_its_line_in_the_file/versions/202511121400_add_t.sql:7: ERROR 42601: syntax error at or near "created_at"
                  the revision was rolled back; the database is as it was before it
            "#]],
        ),
        migrate(
            "a failing statement after others",
            one_revision(
                "CREATE TABLE t (id int);\n\nINSERT INTO t VALUES (1);\nSELECT nope FROM t;",
                "DROP TABLE t;",
            ),
            vec![Setup::Migrate(&["upgrade", "+1"])],
            Url::Database,
            &["upgrade"],
            expect![[r#"
                exit 1
                error: upgrade of `202511121400_add_t` failed at fixtures/a_failing_statement_after_others/versions/202511121400_add_t.sql:7: ERROR 42703: column "nope" does not exist
                  the revision was rolled back; the database is as it was before it
            "#]],
        ),
        migrate(
            "a failure with the server's detail",
            one_revision(
                "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1), (1);\nCREATE UNIQUE INDEX t_id ON t (id);",
                "DROP TABLE t;",
            ),
            vec![Setup::Migrate(&["upgrade", "+1"])],
            Url::Database,
            &["upgrade"],
            expect![[r#"
                exit 1
                error: upgrade of `202511121400_add_t` failed at fixtures/a_failure_with_the_server_s_detail/versions/202511121400_add_t.sql:6: ERROR 23505: could not create unique index "t_id"
                  detail: Key (id)=(1) is duplicated.
                  the revision was rolled back; the database is as it was before it
            "#]],
        ),
        migrate(
            "a failure with the server's hint",
            one_revision(
                "CREATE TABLE t (id int);\nSELECT no_such_function(id) FROM t;",
                "DROP TABLE t;",
            ),
            vec![Setup::Migrate(&["upgrade", "+1"])],
            Url::Database,
            &["upgrade"],
            expect![[r#"
                exit 1
                error: upgrade of `202511121400_add_t` failed at fixtures/a_failure_with_the_server_s_hint/versions/202511121400_add_t.sql:5: ERROR 42883: function no_such_function(integer) does not exist
                  hint: No function matches the given name and argument types. You might need to add explicit type casts.
                  the revision was rolled back; the database is as it was before it
            "#]],
        ),
        migrate(
            "a changed revision that was applied",
            three_revisions(),
            vec![
                Setup::Migrate(&["upgrade"]),
                Setup::Sql(
                    "UPDATE refinery_schema_history SET checksum = '42' WHERE version = 202511121400",
                ),
            ],
            Url::Database,
            &["upgrade"],
            expect![[r#"
                exit 1
                error: revision `202511121400_add_a` was applied with checksum 42 but its up section now has checksum 9522120655528662357: restore the applied up section of fixtures/a_changed_revision_that_was_applied/versions/202511121400_add_a.sql and put the change in a new revision; nothing was changed
            "#]],
        ),
        migrate(
            "an applied revision this code does not know",
            three_revisions(),
            vec![
                Setup::Migrate(&["upgrade"]),
                Setup::Sql(
                    "INSERT INTO refinery_schema_history VALUES (202612010000, 'from_the_future', '2026-12-01T00:00:00Z', '1')",
                ),
            ],
            Url::Database,
            &["upgrade"],
            expect![[r#"
                exit 1
                error: the database has revision `202612010000_from_the_future` applied, which this code does not know: it was applied by a newer version; deploy that version, or downgrade with it first; nothing was changed
            "#]],
        ),
        migrate(
            "a branch merged late",
            three_revisions(),
            vec![
                Setup::Migrate(&["upgrade"]),
                Setup::Sql(
                    "DELETE FROM refinery_schema_history WHERE version = 202511121400; DROP TABLE a",
                ),
            ],
            Url::Database,
            &["upgrade"],
            expect![[r#"
                exit 1
                error: revision `202511121400_add_a` is pending but older than `202511121410_add_b`, which is applied: it was merged after newer revisions were deployed; rename it to a timestamp after the head and point its `-- revises:` at the head (`cargo migrations rebase 202511121400_add_a` does both); nothing was changed
            "#]],
        ),
        migrate(
            "a history row not written by the runner",
            three_revisions(),
            vec![
                Setup::Migrate(&["upgrade", "+1"]),
                Setup::Sql("UPDATE refinery_schema_history SET checksum = 'abc'"),
            ],
            Url::Database,
            &["upgrade"],
            expect![[r#"
                exit 1
                error: the history table refinery_schema_history has a bad row (version 202511121302): the checksum is not a decimal 64-bit number; it was not written by refinery or by this tool: fix or remove the row
            "#]],
        ),
        migrate(
            "an unknown target",
            three_revisions(),
            vec![],
            Url::Database,
            &["upgrade", "add_c"],
            expect![[r#"
                exit 1
                error: unknown revision `add_c`: name a revision by file stem, id or slug (`migrate history` lists them)
            "#]],
        ),
        migrate(
            "a step that is not a number",
            three_revisions(),
            vec![],
            Url::Database,
            &["upgrade", "+two"],
            expect![[r#"
                exit 1
                error: bad step `+two`: write +N or -N with N at least 1, e.g. -1
            "#]],
        ),
        migrate(
            "a step below base",
            three_revisions(),
            vec![Setup::Migrate(&["upgrade", "+1"])],
            Url::Database,
            &["downgrade", "-2"],
            expect![[r#"
                exit 1
                error: `-2` goes below base: only 1 revisions are applied; `base` removes them all
            "#]],
        ),
        migrate(
            "a step past head",
            three_revisions(),
            vec![],
            Url::Database,
            &["upgrade", "+4"],
            expect![[r#"
                exit 1
                error: `+4` goes past head: only 3 revisions are pending; `head` applies them all
            "#]],
        ),
        migrate(
            "a downgrade above the current revision",
            three_revisions(),
            vec![Setup::Migrate(&["upgrade", "+1"])],
            Url::Database,
            &["downgrade", "add_b"],
            expect![[r#"
                exit 1
                error: cannot downgrade to `add_b`: it is above the current revision `202511121302_baseline`; use `upgrade add_b`
            "#]],
        ),
        migrate(
            "resolve on a clean database",
            three_revisions(),
            vec![],
            Url::Database,
            &["resolve", "--finished"],
            expect![[r#"
                exit 1
                error: nothing to resolve: the database is not dirty
            "#]],
        ),
        migrate(
            "a bad history table name",
            three_revisions(),
            vec![],
            Url::Database,
            &["--history-table", "my history", "current"],
            expect![[r#"
                exit 1
                error: bad history table name `my history`: use lower-case letters, digits and `_`, optionally `schema.table`, at most 52 characters per part
            "#]],
        ),
        migrate(
            "no DATABASE_URL",
            three_revisions(),
            vec![],
            Url::Unset,
            &["upgrade"],
            expect![[r#"
                exit 1
                error: no database URL: set DATABASE_URL (e.g. postgres://user@host:5432/db) or pass --database-url
            "#]],
        ),
        migrate(
            "a DATABASE_URL with a bad port",
            three_revisions(),
            vec![],
            Url::Given("postgres://app:hunter2@db:port/app"),
            &["upgrade"],
            expect![[r#"
                exit 1
                error: bad database URL postgres://app:***@db:port/app: invalid connection string: invalid value for option `port`
            "#]],
        ),
        migrate(
            "a DATABASE_URL that is not a URL",
            three_revisions(),
            vec![],
            Url::Given("db.internal:5432/app"),
            &["upgrade"],
            expect![[r#"
                exit 1
                error: bad database URL db.internal:5432/app: invalid connection string: unexpected EOF
            "#]],
        ),
        migrate(
            "an unsupported sslmode",
            three_revisions(),
            vec![],
            Url::Given("postgres://app:hunter2@db/app?sslmode=allow"),
            &["upgrade"],
            expect![[r#"
                exit 1
                error: unsupported sslmode `allow`: use disable, prefer, require, verify-ca or verify-full
            "#]],
        ),
        migrate(
            "a client certificate",
            three_revisions(),
            vec![],
            Url::Given("postgres://app@db/app?sslmode=verify-full&sslcert=/etc/app.crt"),
            &["upgrade"],
            expect![[r#"
                exit 1
                error: unsupported connection parameter `sslcert`: client certificates and CRLs are not supported; authenticate with a password
            "#]],
        ),
        migrate(
            "a missing root certificate",
            three_revisions(),
            vec![],
            Url::Given(
                "postgres://app@127.0.0.1:1/app?sslmode=verify-full&sslrootcert=/nonexistent/root.crt",
            ),
            &["upgrade"],
            expect![[r#"
                exit 1
                error: cannot read sslrootcert /nonexistent/root.crt: No such file or directory (os error 2); set sslrootcert=<file> or sslrootcert=system
            "#]],
        ),
        migrate(
            "a bad lock timeout",
            three_revisions(),
            vec![],
            Url::Database,
            &["upgrade", "--lock-timeout", "5 parsecs"],
            expect![[r#"
                exit 2
                error: invalid value '5 parsecs' for '--lock-timeout <LOCK_TIMEOUT>': bad duration unit `parsecs`: use ms, s, m or h

                For more information, try '--help'.
            "#]],
        ),
    ]
}

/// Writes a case's files under `root/<dir>`.
fn write_folder(root: &Path, dir: &str, files: &[File]) -> std::path::PathBuf {
    let folder = root.join(dir);
    for (path, contents) in files {
        let path = folder.join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create the folder");
        std::fs::write(&path, contents).expect("write the file");
    }
    std::fs::create_dir_all(&folder).expect("create the folder");
    folder
}

/// A case's name as a folder name: `a syntax error` → `a_syntax_error`.
fn folder_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect::<String>()
        .split('_')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// What `cargo xtask check` prints for a folder.
fn check_output(folder: &Path) -> String {
    match Folder::parse(&Sources::read(folder, "migrations")).into_set() {
        Ok(set) => format!(
            "ok: {} revisions and {} repeatable migrations; the graph is a single line; head: {}",
            set.revisions().len(),
            set.repeatables().len(),
            set.head().map_or("none", |h| h.name())
        ),
        Err(error) => error.to_string(),
    }
}

/// What `migrate` prints for a case, after its setup on a fresh database.
fn migrate_output(folder: &Path, setup: &[Setup], url: &Url, args: &[&str]) -> String {
    let db = database();
    for step in setup {
        match step {
            Setup::Migrate(args) => {
                let outcome = run(&mut migrate_command(
                    FIXTURE_MIGRATE,
                    Some(folder),
                    Some(db.url().expose()),
                    args,
                ));
                assert_eq!(outcome.code, 0, "setup {args:?}: {}", outcome.stderr);
            }
            Setup::Sql(sql) => connect(&db).batch_execute(sql).expect("setup SQL"),
        }
    }
    let before = history_if_any(&db);
    let url = match url {
        Url::Database => Some(db.url().expose()),
        Url::Given(url) => Some(*url),
        Url::Unset => None,
    };
    let outcome = run(&mut migrate_command(
        FIXTURE_MIGRATE,
        Some(folder),
        url,
        args,
    ));
    assert_ne!(outcome.code, 101, "a panic: {}", outcome.stderr);
    assert!(!outcome.stderr.contains("panicked"), "{}", outcome.stderr);
    assert!(
        !outcome.output().contains("hunter2"),
        "a password was printed"
    );
    assert_eq!(
        before,
        history_if_any(&db),
        "a refused command changed the history"
    );
    format!(
        "exit {}\n{}{}",
        outcome.code, outcome.stdout, outcome.stderr
    )
}

fn history_if_any(db: &migrations_disposable::DisposableDb) -> Vec<(i64, String, String)> {
    let mut client = connect(db);
    let exists: bool = client
        .query_one(
            "SELECT to_regclass('refinery_schema_history') IS NOT NULL",
            &[],
        )
        .expect("query")
        .get(0);
    if exists {
        history(&mut client)
    } else {
        Vec::new()
    }
}

/// Runs the cases of one kind; reports every case that failed, by name, then fails.
fn run_cases(want_database: bool) {
    let root = tempfile::tempdir().expect("a temporary folder");
    let mut failed = Vec::new();
    let mut count = 0;
    for case in cases() {
        if matches!(case.through, Through::Migrate { .. }) != want_database {
            continue;
        }
        count += 1;
        let folder = write_folder(root.path(), &folder_name(case.name), &case.files);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let actual = match &case.through {
                Through::Check => check_output(&folder),
                Through::Migrate { setup, url, args } => migrate_output(&folder, setup, url, args),
            };
            case.expect.assert_eq(&actual);
        }));
        if outcome.is_err() {
            failed.push(case.name);
        }
    }
    assert!(count > 0);
    assert!(failed.is_empty(), "failed cases: {failed:#?}");
}

#[test]
fn the_catalogue_has_at_least_forty_cases_with_distinct_names() {
    let cases = cases();
    assert!(cases.len() >= 40, "{}", cases.len());
    let mut names: Vec<String> = cases.iter().map(|c| folder_name(c.name)).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "two cases share a name");
}

#[test]
fn bad_folders_are_reported_by_file_and_line_with_the_fix() {
    run_cases(false);
}

#[test]
fn bad_runs_are_refused_with_the_reason_and_change_nothing() {
    run_cases(true);
}

/// Runs `work` on a thread and fails the test if it takes longer than `limit`: large input must
/// finish, but how fast is measured by benchmarks, not here.
fn within<T: Send + 'static>(limit: Duration, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(catch_unwind(AssertUnwindSafe(work)));
    });
    match receiver.recv_timeout(limit) {
        Ok(Ok(value)) => value,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("not finished after {limit:?}"),
    }
}

#[test]
fn a_50_megabyte_revision_is_loaded_checked_and_applied() {
    const ROWS: usize = 1_000;
    const ROW_BYTES: usize = 50 * 1024;
    let root = tempfile::tempdir().expect("a temporary folder");
    let mut up = String::from("CREATE TABLE blobs (body text NOT NULL);\n");
    let row = "x".repeat(ROW_BYTES);
    for _ in 0..ROWS {
        up.push_str("INSERT INTO blobs (body) VALUES ('");
        up.push_str(&row);
        up.push_str("');\n");
    }
    let contents = revision("202511121302_baseline", &up, "DROP TABLE blobs;");
    assert!(contents.len() >= 50_000_000, "{}", contents.len());
    let folder = write_folder(
        root.path(),
        "large",
        &[
            baseline(),
            file("versions/202511121400_add_blobs.sql", contents),
        ],
    );
    let db = database();
    let url = db.url().expose().to_owned();
    within(Duration::from_secs(300), move || {
        let set = migrations_core::load_dir_as(&folder, "large").expect("loads and checks");
        assert_eq!(set.revisions()[1].up().statements().len(), ROWS + 1);
        let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        migrations_runtime::Runner::new(set)
            .upgrade(&mut client, Target::Head)
            .expect("applies");
        let (rows, bytes): (i64, i64) = client
            .query_one("SELECT count(*), sum(length(body)) FROM blobs", &[])
            .map(|r| (r.get(0), r.get(1)))
            .expect("count");
        assert_eq!((rows, bytes), (ROWS as i64, (ROWS * ROW_BYTES) as i64));
    });
}

#[test]
fn five_thousand_revisions_are_loaded_checked_and_applied() {
    const REVISIONS: usize = 5_000;
    let root = tempfile::tempdir().expect("a temporary folder");
    let mut files = vec![baseline()];
    let mut previous = "202511121302_baseline".to_owned();
    // One a minute from 2025-11-13 00:00: the timestamps cross hours and days.
    for n in 0..REVISIONS {
        let minutes = n as u32;
        let (day, hour, minute) = (13 + minutes / 1440, minutes / 60 % 24, minutes % 60);
        let name = format!("202511{day:02}{hour:02}{minute:02}_step_{n:04}");
        files.push(file(
            &format!("versions/{name}.sql"),
            revision(
                &previous,
                &format!("INSERT INTO steps VALUES ({n});"),
                &format!("DELETE FROM steps WHERE n = {n};"),
            ),
        ));
        previous = name;
    }
    files[1] = file(
        &files[1].0.clone(),
        revision(
            "202511121302_baseline",
            "CREATE TABLE steps (n int PRIMARY KEY);\nINSERT INTO steps VALUES (0);",
            "DROP TABLE steps;",
        ),
    );
    let folder = write_folder(root.path(), "many", &files);
    let db = database();
    let url = db.url().expose().to_owned();
    within(Duration::from_secs(300), move || {
        let set = migrations_core::load_dir_as(&folder, "many").expect("loads and checks");
        assert_eq!(set.revisions().len(), REVISIONS + 1);
        let runner = migrations_runtime::Runner::new(set);
        let script = runner
            .render_sql_offline(
                migrations_core::Command::Upgrade,
                &Target::Base,
                &Target::Head,
            )
            .expect("renders");
        assert_eq!(script.matches("-- Running upgrade ").count(), REVISIONS + 1);
        let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        let report = runner.upgrade(&mut client, Target::Head).expect("applies");
        assert_eq!(report.steps.len(), REVISIONS + 1);
        let rows: i64 = client
            .query_one("SELECT count(*) FROM steps", &[])
            .expect("count")
            .get(0);
        assert_eq!(rows, REVISIONS as i64);
        let report = runner
            .downgrade(&mut client, Target::Relative(-1))
            .expect("reverts the newest");
        assert_eq!(report.steps.len(), 1);
    });
}
