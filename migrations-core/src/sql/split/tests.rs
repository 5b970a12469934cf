//! Statement splitting, one snapshot per rule: each statement with its line, or the error.

use expect_test::{Expect, expect};

use super::{SplitError, is_blank, split_statements};

fn check(input: &str, expected: Expect) {
    let actual = match split_statements(input) {
        Ok(statements) if statements.is_empty() => "(no statements)\n".to_owned(),
        Ok(statements) => statements
            .iter()
            .map(|statement| {
                let expected_line =
                    1 + input[..statement.start as usize].matches('\n').count() as u32;
                assert_eq!(statement.line, expected_line, "line of {statement:?}");
                format!("-- line {}\n{}\n", statement.line, statement.text(input))
            })
            .collect(),
        Err(error) => format!(
            "error at line {}: {error}\nhelp: {}\n",
            error.line(),
            error.help()
        ),
    };
    expected.assert_eq(&actual);
}

#[test]
fn statements_end_at_semicolons_and_at_the_end_of_the_text() {
    check(
        "SELECT 1; SELECT 2;\nSELECT 3",
        expect![[r#"
        -- line 1
        SELECT 1
        -- line 1
        SELECT 2
        -- line 2
        SELECT 3
    "#]],
    );
    check(
        "SELECT 1;\n\n  SELECT 2  ;  \n",
        expect![[r#"
        -- line 1
        SELECT 1
        -- line 3
        SELECT 2
    "#]],
    );
    check(
        "CREATE TABLE t (\n    a int\n);\nCREATE INDEX ON t (a);",
        expect![[r#"
        -- line 1
        CREATE TABLE t (
            a int
        )
        -- line 4
        CREATE INDEX ON t (a)
    "#]],
    );
}

#[test]
fn empty_statements_and_blank_texts_produce_nothing() {
    check(
        "",
        expect![[r#"
        (no statements)
    "#]],
    );
    check(
        " ;; ;\n;",
        expect![[r#"
        (no statements)
    "#]],
    );
    check(
        "-- only a comment\n/* and another */\n",
        expect![[r#"
        (no statements)
    "#]],
    );
    check(
        "SELECT 1;;;SELECT 2;;",
        expect![[r#"
        -- line 1
        SELECT 1
        -- line 1
        SELECT 2
    "#]],
    );
}

#[test]
fn comments_around_a_statement_are_not_part_of_it() {
    check(
        "-- header\n/* block\n   comment */\nSELECT 1 -- trailing\n/* before the semicolon */;\n-- after",
        expect![[r#"
            -- line 4
            SELECT 1
        "#]],
    );
    check(
        "SELECT /* inner; */ 1 -- not the end;\n + 2;",
        expect![[r#"
        -- line 1
        SELECT /* inner; */ 1 -- not the end;
         + 2
    "#]],
    );
    check(
        "SELECT 1 -- no semicolon and no newline",
        expect![[r#"
        -- line 1
        SELECT 1
    "#]],
    );
}

#[test]
fn line_comments_run_to_the_end_of_the_line() {
    check(
        "SELECT 1 - -1; SELECT 2--1;\n;SELECT 3",
        expect![[r#"
        -- line 1
        SELECT 1 - -1
        -- line 1
        SELECT 2
        -- line 2
        SELECT 3
    "#]],
    );
    check(
        "SELECT '--'; SELECT 4",
        expect![[r#"
        -- line 1
        SELECT '--'
        -- line 1
        SELECT 4
    "#]],
    );
}

#[test]
fn block_comments_nest() {
    check(
        "/* outer /* inner; */ still a comment; */ SELECT 1; SELECT 2*/* c */3;",
        expect![[r#"
        -- line 1
        SELECT 1
        -- line 1
        SELECT 2*/* c */3
    "#]],
    );
    check(
        "SELECT 1;\n/* open /* nested */\nSELECT 2;",
        expect![[r#"
            error at line 2: unterminated block comment
            help: close it with `*/` (block comments nest, so every `/*` inside it needs its own `*/`)
        "#]],
    );
    check(
        "/*/ SELECT 1; */ SELECT 2;",
        expect![[r#"
        -- line 1
        SELECT 2
    "#]],
    );
}

#[test]
fn single_quoted_strings_double_their_quotes_and_keep_backslashes() {
    check(
        "SELECT 'a;b'; SELECT 'it''s; fine';",
        expect![[r#"
        -- line 1
        SELECT 'a;b'
        -- line 1
        SELECT 'it''s; fine'
    "#]],
    );
    check(
        r"SELECT '\'; SELECT 2;",
        expect![[r#"
        -- line 1
        SELECT '\'
        -- line 1
        SELECT 2
    "#]],
    );
    check(
        "SELECT 'multi\nline;\nstring';\nSELECT 2;",
        expect![[r#"
        -- line 1
        SELECT 'multi
        line;
        string'
        -- line 4
        SELECT 2
    "#]],
    );
    check(
        "SELECT 1;\nSELECT 'unterminated;\n",
        expect![[r#"
            error at line 2: unterminated quoted string
            help: close it with `'` (a quote inside a string is written `''`)
        "#]],
    );
}

#[test]
fn escape_strings_honour_backslashes() {
    check(
        r"SELECT E'it\'s; fine'; SELECT e'\\'; SELECT 3;",
        expect![[r#"
        -- line 1
        SELECT E'it\'s; fine'
        -- line 1
        SELECT e'\\'
        -- line 1
        SELECT 3
    "#]],
    );
    check(
        r"SELECT thee'\'; SELECT 2;",
        expect![[r#"
        -- line 1
        SELECT thee'\'
        -- line 1
        SELECT 2
    "#]],
    );
    check(
        r"SELECT E'\';",
        expect![[r#"
            error at line 1: unterminated quoted string
            help: close it with `'` (a quote inside a string is written `''`)
        "#]],
    );
}

#[test]
fn other_string_prefixes_quote_like_plain_strings() {
    check(
        r"SELECT B'0;1', X'1F;', N'n;', U&'d\0061t;a' UESCAPE '!'; SELECT 2",
        expect![[r#"
        -- line 1
        SELECT B'0;1', X'1F;', N'n;', U&'d\0061t;a' UESCAPE '!'
        -- line 1
        SELECT 2
    "#]],
    );
}

#[test]
fn quoted_identifiers_double_their_quotes() {
    check(
        r#"CREATE TABLE "a;b" ("say ""hi"";" int); SELECT U&"d;" FROM t;"#,
        expect![[r#"
        -- line 1
        CREATE TABLE "a;b" ("say ""hi"";" int)
        -- line 1
        SELECT U&"d;" FROM t
    "#]],
    );
    check(
        "SELECT 1;\n\nSELECT \"open",
        expect![[r#"
            error at line 3: unterminated quoted identifier
            help: close it with `"` (a quote inside an identifier is written `""`)
        "#]],
    );
}

#[test]
fn dollar_quotes_hide_semicolons_until_their_own_tag() {
    check(
        "SELECT $$a;b$$; SELECT $body$ ; $$ ; $other$ ; $body$;",
        expect![[r#"
        -- line 1
        SELECT $$a;b$$
        -- line 1
        SELECT $body$ ; $$ ; $other$ ; $body$
    "#]],
    );
    check(
        "SELECT $a$ $A$; $a$; SELECT $\u{e9}$;$\u{e9}$;",
        expect![[r#"
        -- line 1
        SELECT $a$ $A$; $a$
        -- line 1
        SELECT $é$;$é$
    "#]],
    );
    check(
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n  RETURN NEW;\nEND\n$fn$;\nSELECT 2;",
        expect![[r#"
            -- line 1
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
              RETURN NEW;
            END
            $fn$
            -- line 6
            SELECT 2
        "#]],
    );
    check(
        "SELECT '$$'; SELECT $$'$$; SELECT \"$$\";",
        expect![[r#"
        -- line 1
        SELECT '$$'
        -- line 1
        SELECT $$'$$
        -- line 1
        SELECT "$$"
    "#]],
    );
}

#[test]
fn a_dollar_is_not_always_a_quote() {
    check(
        "SELECT $1; SELECT $2::int;",
        expect![[r#"
        -- line 1
        SELECT $1
        -- line 1
        SELECT $2::int
    "#]],
    );
    check(
        "SELECT a$b$; SELECT a$b$;",
        expect![[r#"
        -- line 1
        SELECT a$b$
        -- line 1
        SELECT a$b$
    "#]],
    );
    check(
        "SELECT $; SELECT $a b$; SELECT 3;",
        expect![[r#"
        -- line 1
        SELECT $
        -- line 1
        SELECT $a b$
        -- line 1
        SELECT 3
    "#]],
    );
    check(
        "SELECT $1a$; SELECT 2;",
        expect![[r#"
        -- line 1
        SELECT $1a$
        -- line 1
        SELECT 2
    "#]],
    );
    check(
        "SELECT 1$$;$$;",
        expect![[r#"
        -- line 1
        SELECT 1$$;$$
    "#]],
    );
}

#[test]
fn unterminated_dollar_quotes_name_their_tag() {
    check(
        "SELECT 1;\nDO $body$\nBEGIN\n  PERFORM 1;\nEND\n$BODY$;",
        expect![[r#"
            error at line 2: unterminated dollar-quoted string `$body$`
            help: close it with `$body$`
        "#]],
    );
    check(
        "SELECT $$",
        expect![[r#"
            error at line 1: unterminated dollar-quoted string `$$`
            help: close it with `$$`
        "#]],
    );
}

#[test]
fn parentheses_hide_semicolons() {
    check(
        "CREATE RULE r AS ON INSERT TO t\nDO ALSO (INSERT INTO log VALUES (1); UPDATE c SET n = n + 1);\nSELECT 2;",
        expect![[r#"
            -- line 1
            CREATE RULE r AS ON INSERT TO t
            DO ALSO (INSERT INTO log VALUES (1); UPDATE c SET n = n + 1)
            -- line 3
            SELECT 2
        "#]],
    );
    check(
        "SELECT 1); SELECT 2;",
        expect![[r#"
        -- line 1
        SELECT 1)
        -- line 1
        SELECT 2
    "#]],
    );
    check(
        "SELECT (1; SELECT 2;\nSELECT 3",
        expect![[r#"
        -- line 1
        SELECT (1; SELECT 2;
        SELECT 3
    "#]],
    );
}

#[test]
fn sql_standard_routine_bodies_hide_semicolons() {
    check(
        "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE WHEN a > b THEN a ELSE b END;\n  SELECT a + b;\nEND;\nSELECT 3;",
        expect![[r#"
            -- line 1
            CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql
            BEGIN ATOMIC
              SELECT 1;
              SELECT CASE WHEN a > b THEN a ELSE b END;
              SELECT a + b;
            END
            -- line 7
            SELECT 3
        "#]],
    );
    check(
        "create or replace procedure p()\nbegin atomic\n  insert into t values (1);\n  select case when true then case when false then 1 end end;\nend;\nselect 2",
        expect![[r#"
            -- line 1
            create or replace procedure p()
            begin atomic
              insert into t values (1);
              select case when true then case when false then 1 end end;
            end
            -- line 6
            select 2
        "#]],
    );
    check(
        "CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END",
        expect![[r#"
        -- line 1
        CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END
    "#]],
    );
}

#[test]
fn begin_and_case_outside_routine_bodies_are_ordinary_words() {
    check(
        "BEGIN; CREATE TABLE t (begin int); COMMIT;",
        expect![[r#"
        -- line 1
        BEGIN
        -- line 1
        CREATE TABLE t (begin int)
        -- line 1
        COMMIT
    "#]],
    );
    check(
        "SELECT CASE WHEN true THEN 1 END; SELECT 2;",
        expect![[r#"
        -- line 1
        SELECT CASE WHEN true THEN 1 END
        -- line 1
        SELECT 2
    "#]],
    );
    check(
        "CREATE FUNCTION sign(x int) RETURNS int RETURN CASE WHEN x > 0 THEN 1 ELSE 0 END;\nSELECT 2;",
        expect![[r#"
            -- line 1
            CREATE FUNCTION sign(x int) RETURNS int RETURN CASE WHEN x > 0 THEN 1 ELSE 0 END
            -- line 2
            SELECT 2
        "#]],
    );
    check(
        "CREATE TABLE t (a int); BEGIN; SELECT 1; END;",
        expect![[r#"
        -- line 1
        CREATE TABLE t (a int)
        -- line 1
        BEGIN
        -- line 1
        SELECT 1
        -- line 1
        END
    "#]],
    );
}

#[test]
fn routine_bodies_inside_create_schema_are_tracked_per_element() {
    check(
        "CREATE SCHEMA s\n  CREATE TABLE t (a int)\n  CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END;\nSELECT 2;",
        expect![[r#"
            -- line 1
            CREATE SCHEMA s
              CREATE TABLE t (a int)
              CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END
            -- line 4
            SELECT 2
        "#]],
    );
}

#[test]
fn psql_meta_commands_are_refused() {
    check(
        "SELECT 1;\n\\i other.sql\nSELECT 2;",
        expect![[r#"
            error at line 2: psql meta-command `\i`
            help: the runner sends SQL to the server without psql, so replace it with SQL or remove it
        "#]],
    );
    check(
        "SELECT 1 \\gset",
        expect![[r#"
            error at line 1: psql meta-command `\gset`
            help: the runner sends SQL to the server without psql, so replace it with SQL or remove it
        "#]],
    );
    check(
        "\\connect app user",
        expect![[r#"
            error at line 1: psql meta-command `\connect`
            help: the runner sends SQL to the server without psql, so replace it with SQL or remove it
        "#]],
    );
    check(
        "SELECT 1;\n\\.",
        expect![[r#"
            error at line 2: psql meta-command `\.`
            help: the runner sends SQL to the server without psql, so replace it with SQL or remove it
        "#]],
    );
    check(
        "SELECT 1 \\",
        expect![[r#"
            error at line 1: psql meta-command `\`
            help: the runner sends SQL to the server without psql, so replace it with SQL or remove it
        "#]],
    );
    check(
        "SELECT '\\i', E'\\\\'; -- \\i in a comment\nSELECT \"\\\";",
        expect![[r#"
        -- line 1
        SELECT '\i', E'\\'
        -- line 2
        SELECT "\"
    "#]],
    );
}

#[test]
fn copy_through_the_client_is_refused() {
    check(
        "-- load\n\nCOPY t (a, b) FROM STDIN;\n1\t2\n\\.\n",
        expect![[r#"
            error at line 3: `COPY ... FROM STDIN` reads rows from psql's input
            help: load the rows with INSERT or COPY from a server-side file
        "#]],
    );
    check(
        "copy t from stdin with (format csv);",
        expect![[r#"
            error at line 1: `COPY ... FROM STDIN` reads rows from psql's input
            help: load the rows with INSERT or COPY from a server-side file
        "#]],
    );
    check(
        "COPY (SELECT * FROM t) TO STDOUT;",
        expect![[r#"
            error at line 1: `COPY ... TO STDOUT` streams rows to psql
            help: remove it or COPY to a server-side file
        "#]],
    );
    check(
        "COPY t FROM '/srv/t.csv'; COPY (SELECT a FROM stdin) TO '/srv/out.csv'; COPY t TO PROGRAM 'gzip > /srv/t.gz';",
        expect![[r#"
            -- line 1
            COPY t FROM '/srv/t.csv'
            -- line 1
            COPY (SELECT a FROM stdin) TO '/srv/out.csv'
            -- line 1
            COPY t TO PROGRAM 'gzip > /srv/t.gz'
        "#]],
    );
    check(
        "SELECT 1 FROM stdin;",
        expect![[r#"
        -- line 1
        SELECT 1 FROM stdin
    "#]],
    );
}

#[test]
fn unterminated_text_reports_where_it_starts() {
    check(
        "SELECT 1;\n\nSELECT 'open\nmore",
        expect![[r#"
            error at line 3: unterminated quoted string
            help: close it with `'` (a quote inside a string is written `''`)
        "#]],
    );
    check(
        "SELECT 1;\n/* open",
        expect![[r#"
            error at line 2: unterminated block comment
            help: close it with `*/` (block comments nest, so every `/*` inside it needs its own `*/`)
        "#]],
    );
    check(
        "SELECT E'\\",
        expect![[r#"
            error at line 1: unterminated quoted string
            help: close it with `'` (a quote inside a string is written `''`)
        "#]],
    );
    check(
        "'",
        expect![[r#"
            error at line 1: unterminated quoted string
            help: close it with `'` (a quote inside a string is written `''`)
        "#]],
    );
    check(
        "\"",
        expect![[r#"
            error at line 1: unterminated quoted identifier
            help: close it with `"` (a quote inside an identifier is written `""`)
        "#]],
    );
    check(
        "/*",
        expect![[r#"
            error at line 1: unterminated block comment
            help: close it with `*/` (block comments nest, so every `/*` inside it needs its own `*/`)
        "#]],
    );
}

#[test]
fn offsets_stay_on_char_boundaries() {
    check(
        "SELECT '\u{e9};'; SELECT \"\u{65e5}\u{672c};\"; SELECT \u{e9};\u{fc}",
        expect![[r#"
        -- line 1
        SELECT 'é;'
        -- line 1
        SELECT "日本;"
        -- line 1
        SELECT é
        -- line 1
        ü
    "#]],
    );
    check(
        "/* \u{bd} */ SELECT $\u{fc}$;$\u{fc}$ -- \u{df}\n;",
        expect![[r#"
        -- line 1
        SELECT $ü$;$ü$
    "#]],
    );
}

#[test]
fn deep_nesting_does_not_recurse() {
    let parentheses = format!(
        "SELECT {}1{};SELECT 2",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let statements = split_statements(&parentheses).expect("balanced parentheses split");
    assert_eq!(statements.len(), 2);
    let comments = format!("{}{} SELECT 1", "/*".repeat(100_000), "*/".repeat(100_000));
    assert_eq!(
        split_statements(&comments)
            .expect("closed comments split")
            .len(),
        1
    );
    let bodies = format!(
        "CREATE FUNCTION f() BEGIN ATOMIC {} SELECT 1;",
        "BEGIN ".repeat(100_000)
    );
    assert_eq!(
        split_statements(&bodies).expect("open bodies split").len(),
        1
    );
}

#[test]
fn errors_can_be_moved_to_the_line_of_a_file() {
    let error = split_statements("SELECT 1;\n'open").expect_err("unterminated string");
    assert_eq!(error.line(), 2);
    let moved = error.with_line_offset(10);
    assert_eq!(moved, SplitError::UnterminatedString { line: 12 });
    expect!["unterminated quoted string"].assert_eq(&moved.to_string());
    expect!["close it with `'` (a quote inside a string is written `''`)"].assert_eq(&moved.help());
}

#[test]
fn blank_means_no_statement() {
    let cases = [
        ("", true),
        ("  \n\t", true),
        ("-- only a comment", true),
        ("/* a */ ; -- b\n;", true),
        ("/* unterminated, still only a comment", true),
        ("SELECT 1", false),
        ("()", false),
        ("'unterminated", false),
        ("\\i file.sql", false),
        ("$", false),
    ];
    for (sql, blank) in cases {
        assert_eq!(is_blank(sql), blank, "is_blank({sql:?})");
    }
}
