//! The parser's cases: each file text with its parsed parts or its problems, by line.

use super::*;
use expect_test::{Expect, expect};

fn check(text: &str, expect: Expect) {
    let actual = match parse_revision(text) {
        Ok((_, problems)) if !problems.is_empty() => problems
            .iter()
            .map(|(line, problem)| format!("{line:?}: {problem}\n"))
            .collect(),
        Ok((parsed, _)) => {
            let mut out = format!(
                "revises: {:?}\nmessage: {:?}\ntransactional: {}\n",
                parsed.revises.map(|h| (h.value, h.line)),
                parsed.message,
                parsed.transactional
            );
            if let Some(timeout) = parsed.lock_timeout {
                out.push_str(&format!("lock timeout: {timeout:?}\n"));
            }
            if let Some(timeout) = parsed.statement_timeout {
                out.push_str(&format!("statement timeout: {timeout:?}\n"));
            }
            for allow in &parsed.lint_allows {
                let rules: Vec<&str> = allow.rules().collect();
                out.push_str(&format!(
                    "lint allows {} on line {}: {}\n",
                    rules.join(" and "),
                    allow.line(),
                    allow.reason()
                ));
            }
            for (name, section) in [("up", &parsed.up), ("down", &parsed.down)] {
                for statement in section.statements() {
                    out.push_str(&format!("{name} {}: {}\n", statement.line, statement.sql));
                }
            }
            out
        }
        Err(problems) => problems
            .iter()
            .map(|(line, problem)| format!("{line:?}: {problem}\n"))
            .collect(),
    };
    expect.assert_eq(&actual);
}

#[test]
fn a_complete_revision() {
    check(
        "-- revises: 202511121302_baseline\n-- message: add tenants\n-- A plain comment.\n\n-- migrate:up\nCREATE TABLE t (id int);\n\nCREATE INDEX ON t (id);\n-- migrate:down\n\nDROP TABLE t;\n",
        expect![[r#"
            revises: Some(("202511121302_baseline", 1))
            message: Some("add tenants")
            transactional: true
            up 6: CREATE TABLE t (id int)
            up 8: CREATE INDEX ON t (id)
            down 11: DROP TABLE t
        "#]],
    );
}

#[test]
fn non_transactional() {
    check(
        "-- revises: a\n-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (x);\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY i;\n",
        expect![[r#"
            Some(4): `transaction:false` is on the down marker
        "#]],
    );
    check(
        "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (x);\n-- migrate:down\nDROP INDEX CONCURRENTLY i;\n",
        expect![[r#"
            revises: None
            message: None
            transactional: false
            up 2: CREATE INDEX CONCURRENTLY i ON t (x)
            down 4: DROP INDEX CONCURRENTLY i
        "#]],
    );
}

#[test]
fn header_problems() {
    check(
        "-- revises: a\n-- revises: b\n-- owner: me\n-- message:\n-- Note: fine, capitalised\n-- see http://x\n-- migrate:up\n-- migrate:down\nSELECT 1;\n",
        expect![[r#"
            Some(2): header `-- revises:` appears twice (first on line 1)
            Some(3): unknown header `-- owner:`
            Some(4): header `-- message:` has no value
        "#]],
    );
    check(
        "-- revises: a\nCREATE TABLE t ();\n-- migrate:up\n-- migrate:down\nSELECT 1;\n",
        expect![[r#"
            Some(2): SQL before the `-- migrate:up` marker
        "#]],
    );
}

#[test]
fn settings_headers() {
    check(
        "-- revises: a\n-- lock-timeout: 30s\n-- statement-timeout: 0\n-- lint: allow changing-column-type -- small table\n-- A note.\n-- lint: allow ban-drop-column, renaming-column -- unused since 2025\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n",
        expect![[r#"
            revises: Some(("a", 1))
            message: None
            transactional: true
            lock timeout: 30s
            statement timeout: 0ns
            lint allows changing-column-type on line 4: small table
            lint allows ban-drop-column and renaming-column on line 6: unused since 2025
            up 8: SELECT 1
            down 10: SELECT 1
        "#]],
    );
    check(
        "-- lock-timeout: 30\n-- lock-timeout: 5s\n-- statement-timeout: soon\n-- lint: allow x\n-- lint: ignore y -- why\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n",
        expect![[r#"
            Some(2): header `-- lock-timeout:` appears twice (first on line 1)
            Some(1): `-- lock-timeout: 30` is not a timeout
            Some(3): `-- statement-timeout: soon` is not a timeout
            Some(4): `-- lint: allow x` gives no reason
            Some(5): `-- lint: ignore y -- why` is not `allow <rule>[, <rule>] -- <reason>`
        "#]],
    );
}

#[test]
fn section_problems() {
    check(
        "",
        expect![[r#"
            None: no `-- migrate:up` marker
            None: no `-- migrate:down` marker
        "#]],
    );
    check(
        "-- migrate:down\nSELECT 1;\n-- migrate:up\nSELECT 2;\n",
        expect![[r#"
            Some(1): `-- migrate:down` comes before `-- migrate:up` (line 3)
        "#]],
    );
    check(
        "-- migrate:up\nSELECT 1;\n-- migrate:up\n-- migrate:down\nSELECT 1;\n-- migrate:sideways\n",
        expect![[r#"
            Some(3): `-- migrate:up` appears twice (first on line 1)
            Some(6): unknown marker `-- migrate:sideways`
        "#]],
    );
    check(
        "-- migrate:up fast\n-- migrate:down\nSELECT 1;\n",
        expect![[r#"
            Some(1): unknown option `fast` on `-- migrate:up`
        "#]],
    );
}

#[test]
fn credentials_are_refused() {
    check(
        "-- migrate:up\nCREATE ROLE app LOGIN PASSWORD 'hunter2';\n-- migrate:down\nDROP ROLE app;\n",
        expect![[r#"
            Some(2): a hard-coded password: a string literal after PASSWORD
        "#]],
    );
}

#[test]
fn repeatables() {
    let parsed = parse_repeatable("-- requires: 202511121400_add_tenants_table\n-- message: policies\n\nCREATE OR REPLACE VIEW v AS SELECT 1;\n")
        .expect("valid");
    assert_eq!(
        parsed.requires.map(|h| h.value).as_deref(),
        Some("202511121400_add_tenants_table")
    );
    assert_eq!(
        parsed.body.statements().map(|s| s.line).collect::<Vec<_>>(),
        [4]
    );
    let problems = parse_repeatable("-- migrate:up\nSELECT 1;\n").expect_err("markers are refused");
    assert_eq!(problems, [(Some(1), Problem::MarkerInRepeatable)]);
    let problems = parse_repeatable("-- just a comment\n").expect_err("empty");
    assert_eq!(problems, [(None, Problem::EmptyRepeatable)]);
}
