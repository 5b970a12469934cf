//! Objects that do not belong to a table: schemas, extensions, collations and types.

use expect_test::expect;

use crate::{Case, check};

#[test]
fn schemas_extensions_and_types() {
    check(&[
        Case {
            name: "schema added",
            setup: "",
            change: "CREATE SCHEMA app;",
            expected: expect![[r#"
                schema added:
                + schema app: owner: <me>
            "#]],
            newer: &[],
        },
        Case {
            name: "schema comment, privileges and owner",
            setup: "CREATE SCHEMA app;",
            change: "COMMENT ON SCHEMA app IS 'the application';
                     GRANT USAGE ON SCHEMA app TO PUBLIC;
                     ALTER SCHEMA app OWNER TO pg_database_owner;",
            expected: expect![[r#"
                schema comment, privileges and owner:
                ~ schema app:
                    - owner: <me>
                    + owner: pg_database_owner
                    + privileges: PUBLIC=U/pg_database_owner, pg_database_owner=UC/pg_database_owner
                    + comment: "the application"
            "#]],
            newer: &[],
        },
        Case {
            name: "extension added, without the objects it owns",
            setup: "",
            change: "CREATE EXTENSION citext VERSION '1.6';",
            expected: expect![[r#"
                extension added, without the objects it owns:
                + extension citext:
                    version: 1.6
                    schema: public
                    owner: <me>
                    comment: "data type for case-insensitive character strings"
            "#]],
            newer: &[],
        },
        Case {
            name: "extension updated",
            setup: "CREATE EXTENSION citext VERSION '1.4';",
            change: "ALTER EXTENSION citext UPDATE TO '1.5';",
            expected: expect![[r#"
                extension updated:
                ~ extension citext:
                    - version: 1.4
                    + version: 1.5
            "#]],
            newer: &[],
        },
        Case {
            name: "collation added",
            setup: "",
            change: "CREATE COLLATION public.binary FROM \"C\";",
            expected: expect![[r#"
                collation added:
                + collation public."binary":
                    settings: PROVIDER = libc, LC_COLLATE = 'C', LC_CTYPE = 'C'
                    owner: <me>
            "#]],
            newer: &[],
        },
        Case {
            name: "enum label added in the middle",
            setup: "CREATE TYPE public.mood AS ENUM ('sad', 'happy');",
            change: "ALTER TYPE public.mood ADD VALUE 'ok' BEFORE 'happy';",
            expected: expect![[r#"
                enum label added in the middle:
                ~ type public.mood:
                    - ENUM ('sad', 'happy')
                    + ENUM ('sad', 'ok', 'happy')
            "#]],
            newer: &[],
        },
        Case {
            name: "domain constraint and default",
            setup: "CREATE DOMAIN public.slug AS text;",
            change:
                "ALTER DOMAIN public.slug ADD CONSTRAINT slug_format CHECK (VALUE ~ '^[a-z]+$');
                     ALTER DOMAIN public.slug SET DEFAULT 'x';
                     ALTER DOMAIN public.slug SET NOT NULL;",
            expected: expect![[r#"
                domain constraint and default:
                ~ type public.slug:
                    - DOMAIN text
                    + DOMAIN text DEFAULT 'x'::text NOT NULL
                    + CONSTRAINT slug_format CHECK (VALUE ~ '^[a-z]+$'::text)
            "#]],
            newer: &[(
                17,
                expect![[r#"
                    domain constraint and default:
                    ~ type public.slug:
                        - DOMAIN text
                        + DOMAIN text DEFAULT 'x'::text NOT NULL
                        + CONSTRAINT slug_format CHECK (VALUE ~ '^[a-z]+$'::text)
                        + CONSTRAINT slug_not_null NOT NULL
                "#]],
            )],
        },
        Case {
            name: "composite type attribute added",
            setup: "CREATE TYPE public.pair AS (a integer);",
            change: "ALTER TYPE public.pair ADD ATTRIBUTE b text;",
            expected: expect![[r#"
                composite type attribute added:
                ~ type public.pair:
                    - COMPOSITE (a integer)
                    + COMPOSITE (a integer, b text)
            "#]],
            newer: &[],
        },
        Case {
            name: "range type added, without its constructors and multirange",
            setup: "",
            change: "CREATE TYPE public.float_range AS RANGE (subtype = float8, subtype_diff = float8mi);",
            expected: expect![[r#"
                range type added, without its constructors and multirange:
                + type public.float_range:
                    RANGE (SUBTYPE = double precision, SUBTYPE_DIFF = float8mi)
                    owner: <me>
            "#]],
            newer: &[],
        },
        Case {
            name: "comments on a domain constraint and a composite attribute",
            setup: "CREATE DOMAIN public.slug AS text CONSTRAINT slug_format CHECK (VALUE <> '');
                    CREATE TYPE public.pair AS (a integer, b text);",
            change: "COMMENT ON CONSTRAINT slug_format ON DOMAIN public.slug IS 'not blank';
                     COMMENT ON COLUMN public.pair.b IS 'the second';",
            expected: expect![[r#"
                comments on a domain constraint and a composite attribute:
                ~ type public.pair:
                    + comment on attribute b: "the second"
                ~ type public.slug:
                    + comment on constraint slug_format: "not blank"
            "#]],
            newer: &[],
        },
        Case {
            name: "type comment and privileges",
            setup: "CREATE TYPE public.mood AS ENUM ('sad', 'happy');",
            change: "COMMENT ON TYPE public.mood IS 'how it went';
                     REVOKE USAGE ON TYPE public.mood FROM PUBLIC;",
            expected: expect![[r#"
                type comment and privileges:
                ~ type public.mood:
                    + privileges: <me>=U/<me>
                    + comment: "how it went"
            "#]],
            newer: &[],
        },
    ]);
}
