//! Credential findings, one snapshot per rule: each finding's line and kind.

use expect_test::{Expect, expect};

use super::find_credentials;

fn check(input: &str, expected: Expect) {
    let findings = find_credentials(input);
    let actual = if findings.is_empty() {
        "(none)\n".to_owned()
    } else {
        findings
            .iter()
            .map(|finding| format!("line {}: {:?}\n", finding.line, finding.kind))
            .collect()
    };
    expected.assert_eq(&actual);
}

#[test]
fn literals_after_password_are_credentials() {
    check(
        "CREATE ROLE app LOGIN PASSWORD 'secret';",
        expect![[r#"
        line 1: PasswordLiteral
    "#]],
    );
    check(
        "SELECT 1;\nALTER USER app WITH ENCRYPTED PASSWORD\n  'SCRAM-SHA-256$4096:abc';",
        expect![[r#"
        line 3: PasswordLiteral
    "#]],
    );
    check(
        "alter role a password E'sec\\'ret';\nalter role b password $pw$secret$pw$;\nalter role c password U&'x';",
        expect![[r#"
            line 1: PasswordLiteral
            line 2: PasswordLiteral
            line 3: PasswordLiteral
        "#]],
    );
    check(
        "CREATE ROLE app PASSWORD /* why */ 'secret';",
        expect![[r#"
        line 1: PasswordLiteral
    "#]],
    );
    check(
        "CREATE USER MAPPING FOR app SERVER remote OPTIONS (user 'app', password 'secret');",
        expect![[r#"
            line 1: PasswordLiteral
        "#]],
    );
    check(
        "CREATE ROLE app PASSWORD 'unterminated",
        expect![[r#"
        line 1: PasswordLiteral
    "#]],
    );
}

#[test]
fn password_without_a_literal_is_fine() {
    check(
        "ALTER ROLE app PASSWORD NULL;",
        expect![[r#"
        (none)
    "#]],
    );
    check(
        "CREATE TABLE users (password text);\nINSERT INTO users (password) VALUES ('x');\nUPDATE users SET password = 'x';",
        expect![[r#"
            (none)
        "#]],
    );
    check(
        "SELECT \"password\" 'x'; SELECT 'PASSWORD' 'x';",
        expect![[r#"
        (none)
    "#]],
    );
    check(
        "-- ALTER ROLE app PASSWORD 'only in a comment'",
        expect![[r#"
        (none)
    "#]],
    );
}

#[test]
fn dollar_quoted_bodies_are_scanned_as_sql() {
    check(
        "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN\n    CREATE ROLE app LOGIN PASSWORD 'secret';\n  END IF;\nEND\n$$;",
        expect![[r#"
            line 4: PasswordLiteral
        "#]],
    );
    check(
        "CREATE FUNCTION mk() RETURNS void LANGUAGE plpgsql AS $fn$\nBEGIN\n  EXECUTE 'ALTER ROLE app PASSWORD ''secret''';\nEND\n$fn$;",
        expect![[r#"
            line 3: PasswordLiteral
        "#]],
    );
    check(
        "CREATE FUNCTION login(name text, pw text) RETURNS bool LANGUAGE sql AS $$\n  SELECT EXISTS (SELECT FROM users WHERE password = crypt(pw, password))\n$$;",
        expect![[r#"
            (none)
        "#]],
    );
}

#[test]
fn uris_with_passwords_are_credentials_anywhere() {
    check(
        "-- connect with postgres://app:secret@db/app\nSELECT dblink_connect('postgresql://app:secret@db:5432/app');\n/* mysql://root:root@localhost */",
        expect![[r#"
            line 1: UriWithPassword
            line 2: UriWithPassword
            line 3: UriWithPassword
        "#]],
    );
    check(
        "SELECT 'postgres://db/app?sslmode=require&password=secret';",
        expect![[r#"
        line 1: UriWithPassword
    "#]],
    );
    check(
        "SELECT 'postgres://:secret@db', 'https://u:p@h' -- two on one line",
        expect![[r#"
        line 1: UriWithPassword
        line 1: UriWithPassword
    "#]],
    );
}

#[test]
fn uris_without_passwords_are_fine() {
    check(
        "-- postgres://app@db/app\n-- postgres://app:@db/app\n-- https://example.com/a:b@c\n-- postgres://db/app?password=\n-- ://user:pw@host",
        expect![[r#"
            (none)
        "#]],
    );
}

#[test]
fn conninfo_passwords_in_string_literals_are_credentials() {
    check(
        "SELECT dblink_connect('host=db user=app password=secret');",
        expect![[r#"
        line 1: ConninfoPassword
    "#]],
    );
    check(
        "SELECT dblink_connect('dbname=app\n  password = ''s e c''');",
        expect![[r#"
        line 2: ConninfoPassword
    "#]],
    );
    check(
        "DO $$ BEGIN\n  PERFORM dblink_connect('dbname=app password=secret');\nEND $$;",
        expect![[r#"
            line 2: ConninfoPassword
        "#]],
    );
    check(
        "SELECT 'password=', 'mypassword=x', 'password'; -- password=x",
        expect![[r#"
        (none)
    "#]],
    );
}

#[test]
fn one_secret_may_be_several_findings() {
    check(
        "ALTER ROLE app PASSWORD 'postgres://app:secret@db';",
        expect![[r#"
        line 1: PasswordLiteral
        line 1: UriWithPassword
    "#]],
    );
}

#[test]
fn deeply_nested_literals_stay_linear() {
    let nested = format!(
        "{}PASSWORD 'x'",
        (0..10_000)
            .map(|level| format!("$t{level}$ "))
            .collect::<String>()
    );
    assert!(find_credentials(&nested).len() <= 1);
    let uris = "a://h?x=".repeat(50_000);
    assert!(find_credentials(&uris).is_empty());
}
