//! Each kind of object, added, removed or changed between two snapshots of one database, and the
//! diff that names it; and the rollback bugs verify exists to catch.
//!
//! Every case runs on its own database: `setup`, snapshot, `change`, snapshot, then the diff from the
//! first snapshot to the second is compared with the expected report.

mod support;

use expect_test::{Expect, expect};
use migrations_verify::SchemaSnapshot;
use support::{fresh_database, history_excluded, redact_current_user, server_message};

struct Case {
    name: &'static str,
    setup: &'static str,
    change: &'static str,
    expected: Expect,
}

fn check(cases: &[Case]) {
    for case in cases {
        let database = fresh_database();
        let mut client = database.connect();
        let options = history_excluded();
        client.batch_execute(case.setup).unwrap_or_else(|error| {
            panic!(
                "case `{}`: setup failed: {}",
                case.name,
                server_message(&error)
            )
        });
        let before = SchemaSnapshot::capture(&mut client, &options)
            .unwrap_or_else(|error| panic!("case `{}`: {error}", case.name));
        client.batch_execute(case.change).unwrap_or_else(|error| {
            panic!(
                "case `{}`: change failed: {}",
                case.name,
                server_message(&error)
            )
        });
        let after = SchemaSnapshot::capture(&mut client, &options)
            .unwrap_or_else(|error| panic!("case `{}`: {error}", case.name));
        let diff = before.diff(&after);
        assert!(
            !diff.is_empty(),
            "case `{}`: no difference found",
            case.name
        );
        let report = format!("{}:\n{diff}", case.name);
        case.expected
            .assert_eq(&redact_current_user(&mut client, &report));
    }
}

#[test]
fn rollback_bugs_are_named_in_the_diff() {
    check(&[
        Case {
            name: "a down that forgets an index",
            setup: "CREATE TABLE public.events (id integer, tenant_id integer);",
            change: "CREATE INDEX events_tenant_idx ON public.events (tenant_id);",
            expected: expect![[r#"
                a down that forgets an index:
                + index public.events_tenant_idx: CREATE INDEX events_tenant_idx ON public.events USING btree (tenant_id)
            "#]],
        },
        Case {
            name: "a down that forgets a column default",
            setup: "CREATE TABLE public.tenants (id integer, slug text);",
            change: "ALTER TABLE public.tenants ALTER COLUMN slug SET DEFAULT 'none';",
            expected: expect![[r#"
                a down that forgets a column default:
                ~ column public.tenants.slug:
                    - text
                    + text DEFAULT 'none'::text
            "#]],
        },
        Case {
            name: "a down that drops a table but leaves its sequence",
            setup: "",
            change: "CREATE SEQUENCE public.events_id_seq;
                     CREATE TABLE public.events (id bigint DEFAULT nextval('public.events_id_seq'));
                     DROP TABLE public.events;",
            expected: expect![[r#"
                a down that drops a table but leaves its sequence:
                + sequence public.events_id_seq:
                    AS bigint START 1 INCREMENT 1 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1 NO CYCLE
                    owner: <me>
            "#]],
        },
        Case {
            name: "a down that drops a table but leaves its enum type",
            setup: "",
            change: "CREATE TYPE public.mood AS ENUM ('sad', 'happy');
                     CREATE TABLE public.moods (mood public.mood);
                     DROP TABLE public.moods;",
            expected: expect![[r#"
                a down that drops a table but leaves its enum type:
                + type public.mood:
                    ENUM ('sad', 'happy')
                    owner: <me>
            "#]],
        },
        Case {
            name: "a down that drops a column and adds it back at the end",
            setup: "CREATE TABLE public.tenants (id integer, slug text, name text);",
            change: "ALTER TABLE public.tenants DROP COLUMN slug;
                     ALTER TABLE public.tenants ADD COLUMN slug text;",
            expected: expect![[r#"
                a down that drops a column and adds it back at the end:
                ~ table public.tenants:
                    - columns: id, slug, name
                    + columns: id, name, slug
            "#]],
        },
        Case {
            name: "a down that forgets to revoke a grant",
            setup: "CREATE TABLE public.tenants (id integer);",
            change: "GRANT SELECT ON public.tenants TO pg_monitor;",
            expected: expect![[r#"
                a down that forgets to revoke a grant:
                ~ table public.tenants:
                    + privileges: pg_monitor=r/<me>, <me>=arwdDxt/<me>
            "#]],
        },
    ]);
}

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
        },
        Case {
            name: "extension added, without the objects it owns",
            setup: "",
            change: "CREATE EXTENSION citext;",
            expected: expect![[r#"
                extension added, without the objects it owns:
                + extension citext:
                    version: 1.6
                    schema: public
                    owner: <me>
                    comment: "data type for case-insensitive character strings"
            "#]],
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
        },
        Case {
            name: "collation added",
            setup: "",
            change: "CREATE COLLATION public.binary FROM \"C\";",
            expected: expect![[r#"
                collation added:
                + collation public."binary":
                    settings: {"collctype": "C", "collcollate": "C", "collencoding": -1, "collprovider": "c", "colliculocale": null, "collisdeterministic": true}
                    owner: <me>
            "#]],
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
        },
    ]);
}

#[test]
fn tables_and_columns() {
    check(&[
        Case {
            name: "table added with its columns, constraints, index and sequence",
            setup: "",
            change: "CREATE TABLE public.tenants (id serial PRIMARY KEY, slug text NOT NULL);",
            expected: expect![[r#"
                table added with its columns, constraints, index and sequence:
                + sequence public.tenants_id_seq:
                    AS integer START 1 INCREMENT 1 MINVALUE 1 MAXVALUE 2147483647 CACHE 1 NO CYCLE
                    owned by: public.tenants.id
                    owner: <me>
                + table public.tenants:
                    columns: id, slug
                    owner: <me>
                + column public.tenants.id: integer DEFAULT nextval('public.tenants_id_seq'::regclass) NOT NULL
                + column public.tenants.slug: text NOT NULL
                + constraint public.tenants.tenants_pkey: PRIMARY KEY (id)
                + index public.tenants_pkey: CREATE UNIQUE INDEX tenants_pkey ON public.tenants USING btree (id)
            "#]],
        },
        Case {
            name: "table removed",
            setup: "CREATE TABLE public.tenants (id integer);",
            change: "DROP TABLE public.tenants;",
            expected: expect![[r#"
                table removed:
                - table public.tenants:
                    columns: id
                    owner: <me>
                - column public.tenants.id: integer
            "#]],
        },
        Case {
            name: "table comment, owner, options, persistence and replica identity",
            setup: "CREATE TABLE public.tenants (id integer);",
            change: "COMMENT ON TABLE public.tenants IS 'customers';
                     ALTER TABLE public.tenants OWNER TO pg_database_owner;
                     ALTER TABLE public.tenants SET (fillfactor = 70);
                     ALTER TABLE public.tenants SET UNLOGGED;
                     ALTER TABLE public.tenants REPLICA IDENTITY FULL;",
            expected: expect![[r#"
                table comment, owner, options, persistence and replica identity:
                ~ table public.tenants:
                    - owner: <me>
                    + persistence: unlogged
                    + options: fillfactor=70
                    + replica identity: full
                    + owner: pg_database_owner
                    + comment: "customers"
            "#]],
        },
        Case {
            name: "row-level security enabled and forced",
            setup: "CREATE TABLE public.tenants (id integer);",
            change: "ALTER TABLE public.tenants ENABLE ROW LEVEL SECURITY;
                     ALTER TABLE public.tenants FORCE ROW LEVEL SECURITY;",
            expected: expect![[r#"
                row-level security enabled and forced:
                ~ table public.tenants:
                    + row security: enabled, forced
            "#]],
        },
        Case {
            name: "table partitioned, partition attached",
            setup: "CREATE TABLE public.events (at date) PARTITION BY RANGE (at);",
            change: "CREATE TABLE public.events_2020 PARTITION OF public.events
                         FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');",
            expected: expect![[r#"
                table partitioned, partition attached:
                + table public.events_2020:
                    columns: at
                    partition of: public.events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')
                    owner: <me>
                + column public.events_2020.at: date
            "#]],
        },
        Case {
            name: "table inherits",
            setup: "CREATE TABLE public.base (id integer); CREATE TABLE public.child (id integer);",
            change: "ALTER TABLE public.child INHERIT public.base;",
            expected: expect![[r#"
                table inherits:
                ~ table public.child:
                    + inherits: public.base
            "#]],
        },
        Case {
            name: "column type, nullability and collation",
            setup: "CREATE TABLE public.tenants (id integer, slug varchar(20));",
            change: "ALTER TABLE public.tenants ALTER COLUMN id TYPE bigint;
                     ALTER TABLE public.tenants ALTER COLUMN id SET NOT NULL;
                     ALTER TABLE public.tenants ALTER COLUMN slug TYPE varchar(40) COLLATE \"C\";",
            expected: expect![[r#"
                column type, nullability and collation:
                ~ column public.tenants.id:
                    - integer
                    + bigint NOT NULL
                ~ column public.tenants.slug:
                    - character varying(20)
                    + character varying(40) COLLATE pg_catalog."C"
            "#]],
        },
        Case {
            name: "column identity and generated expression",
            setup: "CREATE TABLE public.tenants (id integer NOT NULL, name text);",
            change: "ALTER TABLE public.tenants ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;
                     ALTER TABLE public.tenants ADD COLUMN upper_name text GENERATED ALWAYS AS (upper(name)) STORED;",
            expected: expect![[r#"
                column identity and generated expression:
                + sequence public.tenants_id_seq:
                    AS integer START 1 INCREMENT 1 MINVALUE 1 MAXVALUE 2147483647 CACHE 1 NO CYCLE
                    owned by: public.tenants.id (identity)
                    owner: <me>
                ~ table public.tenants:
                    - columns: id, name
                    + columns: id, name, upper_name
                ~ column public.tenants.id:
                    - integer NOT NULL
                    + integer GENERATED ALWAYS AS IDENTITY NOT NULL
                + column public.tenants.upper_name: text GENERATED ALWAYS AS (upper(name)) STORED
            "#]],
        },
        Case {
            name: "column comment, privileges, statistics and storage",
            setup: "CREATE TABLE public.tenants (id integer, name text);",
            change: "COMMENT ON COLUMN public.tenants.name IS 'display name';
                     GRANT UPDATE (name) ON public.tenants TO pg_monitor;
                     ALTER TABLE public.tenants ALTER COLUMN name SET STATISTICS 500;
                     ALTER TABLE public.tenants ALTER COLUMN name SET STORAGE EXTERNAL;",
            expected: expect![[r#"
                column comment, privileges, statistics and storage:
                ~ column public.tenants.name:
                    + storage: external
                    + statistics: 500
                    + privileges: pg_monitor=w/<me>
                    + comment: "display name"
            "#]],
        },
    ]);
}

#[test]
fn constraints_indexes_sequences_and_statistics() {
    check(&[
        Case {
            name: "check and unique constraints added",
            setup: "CREATE TABLE public.tenants (id integer, slug text);",
            change: "ALTER TABLE public.tenants ADD CONSTRAINT positive_id CHECK (id > 0);
                     ALTER TABLE public.tenants ADD CONSTRAINT tenants_slug_key UNIQUE (slug);",
            expected: expect![[r#"
                check and unique constraints added:
                + constraint public.tenants.positive_id: CHECK (id > 0)
                + constraint public.tenants.tenants_slug_key: UNIQUE (slug)
                + index public.tenants_slug_key: CREATE UNIQUE INDEX tenants_slug_key ON public.tenants USING btree (slug)
            "#]],
        },
        Case {
            name: "foreign key action and deferrability changed",
            setup: "CREATE TABLE public.tenants (id integer PRIMARY KEY);
                    CREATE TABLE public.events (tenant_id integer CONSTRAINT events_tenant_fkey REFERENCES public.tenants);",
            change: "ALTER TABLE public.events DROP CONSTRAINT events_tenant_fkey;
                     ALTER TABLE public.events ADD CONSTRAINT events_tenant_fkey FOREIGN KEY (tenant_id)
                         REFERENCES public.tenants ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;",
            expected: expect![[r#"
                foreign key action and deferrability changed:
                ~ constraint public.events.events_tenant_fkey:
                    - FOREIGN KEY (tenant_id) REFERENCES public.tenants(id)
                    + FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
            "#]],
        },
        Case {
            name: "exclusion constraint added",
            setup: "CREATE TABLE public.bookings (during tsrange);",
            change: "ALTER TABLE public.bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&);",
            expected: expect![[r#"
                exclusion constraint added:
                + constraint public.bookings.no_overlap: EXCLUDE USING gist (during WITH &&)
                + index public.no_overlap: CREATE INDEX no_overlap ON public.bookings USING gist (during)
            "#]],
        },
        Case {
            name: "constraint comment",
            setup: "CREATE TABLE public.tenants (id integer CONSTRAINT positive_id CHECK (id > 0));",
            change: "COMMENT ON CONSTRAINT positive_id ON public.tenants IS 'ids start at 1';",
            expected: expect![[r#"
                constraint comment:
                ~ constraint public.tenants.positive_id:
                    + comment: "ids start at 1"
            "#]],
        },
        Case {
            name: "index made partial and commented",
            setup: "CREATE TABLE public.events (at date);
                    CREATE INDEX events_at_idx ON public.events (at);",
            change: "DROP INDEX public.events_at_idx;
                     CREATE INDEX events_at_idx ON public.events (at) WHERE at > '2020-01-01';
                     COMMENT ON INDEX public.events_at_idx IS 'recent events';",
            expected: expect![[r#"
                index made partial and commented:
                ~ index public.events_at_idx:
                    - CREATE INDEX events_at_idx ON public.events USING btree (at)
                    + CREATE INDEX events_at_idx ON public.events USING btree (at) WHERE (at > '2020-01-01'::date)
                    + comment: "recent events"
            "#]],
        },
        Case {
            name: "index clustered and used as replica identity",
            setup: "CREATE TABLE public.events (id integer NOT NULL);
                    CREATE UNIQUE INDEX events_id_idx ON public.events (id);",
            change: "ALTER TABLE public.events CLUSTER ON events_id_idx;
                     ALTER TABLE public.events REPLICA IDENTITY USING INDEX events_id_idx;",
            expected: expect![[r#"
                index clustered and used as replica identity:
                ~ table public.events:
                    + replica identity: index
                ~ index public.events_id_idx:
                    + clustered: yes
                    + replica identity: yes
            "#]],
        },
        Case {
            name: "sequence increment, cycle and owner column",
            setup: "CREATE TABLE public.invoices (number integer);
                    CREATE SEQUENCE public.invoice_numbers AS integer;",
            change: "ALTER SEQUENCE public.invoice_numbers INCREMENT BY 10 CYCLE OWNED BY public.invoices.number;",
            expected: expect![[r#"
                sequence increment, cycle and owner column:
                ~ sequence public.invoice_numbers:
                    - AS integer START 1 INCREMENT 1 MINVALUE 1 MAXVALUE 2147483647 CACHE 1 NO CYCLE
                    + AS integer START 1 INCREMENT 10 MINVALUE 1 MAXVALUE 2147483647 CACHE 1 CYCLE
                    + owned by: public.invoices.number
            "#]],
        },
        Case {
            name: "sequence value is data, not schema",
            setup: "CREATE SEQUENCE public.invoice_numbers; CREATE TABLE public.t (id integer);",
            change: "SELECT nextval('public.invoice_numbers'); SELECT setval('public.invoice_numbers', 1000);
                     ALTER TABLE public.t ADD COLUMN marker integer;",
            expected: expect![[r#"
                sequence value is data, not schema:
                ~ table public.t:
                    - columns: id
                    + columns: id, marker
                + column public.t.marker: integer
            "#]],
        },
        Case {
            name: "extended statistics added",
            setup: "CREATE TABLE public.tenants (id integer, name text);",
            change: "CREATE STATISTICS public.tenant_names ON id, name FROM public.tenants;",
            expected: expect![[r#"
                extended statistics added:
                + statistics public.tenant_names:
                    CREATE STATISTICS public.tenant_names ON id, name FROM public.tenants
                    owner: <me>
            "#]],
        },
    ]);
}

#[test]
fn views_and_routines() {
    check(&[
        Case {
            name: "view definition changed",
            setup: "CREATE TABLE public.tenants (id integer, slug text);
                    CREATE VIEW public.tenant_ids AS SELECT id FROM public.tenants;",
            change: "CREATE OR REPLACE VIEW public.tenant_ids AS SELECT id, slug FROM public.tenants;",
            expected: expect![[r#"
                view definition changed:
                ~ view public.tenant_ids:
                    -  SELECT tenants.id
                    +  SELECT tenants.id,
                    +     tenants.slug
            "#]],
        },
        Case {
            name: "view options and column comment",
            setup: "CREATE VIEW public.numbers AS SELECT 1 AS one;",
            change: "ALTER VIEW public.numbers SET (security_barrier = true);
                     COMMENT ON COLUMN public.numbers.one IS 'the first';",
            expected: expect![[r#"
                view options and column comment:
                ~ view public.numbers:
                    + options: security_barrier=true
                    + comment on column one: "the first"
            "#]],
        },
        Case {
            name: "materialized view added",
            setup: "CREATE TABLE public.tenants (id integer);",
            change: "CREATE MATERIALIZED VIEW public.tenant_count AS SELECT count(*) AS tenants FROM public.tenants;",
            expected: expect![[r#"
                materialized view added:
                + materialized view public.tenant_count:
                     SELECT count(*) AS tenants
                       FROM public.tenants;
                    owner: <me>
            "#]],
        },
        Case {
            name: "function body changed",
            setup: "CREATE FUNCTION public.answer() RETURNS integer LANGUAGE plpgsql
                        AS $$\nBEGIN\n    PERFORM 1;\n    RETURN 41;\nEND\n$$;",
            change: "CREATE OR REPLACE FUNCTION public.answer() RETURNS integer LANGUAGE plpgsql
                         AS $$\nBEGIN\n    PERFORM 1;\n    RETURN 42;\nEND\n$$;",
            expected: expect![[r#"
                function body changed:
                ~ function public.answer():
                    -     RETURN 41;
                    +     RETURN 42;
            "#]],
        },
        Case {
            name: "function volatility, security definer, privileges and comment",
            setup: "CREATE FUNCTION public.answer() RETURNS integer LANGUAGE sql AS 'SELECT 42';",
            change: "ALTER FUNCTION public.answer() IMMUTABLE SECURITY DEFINER;
                     REVOKE EXECUTE ON FUNCTION public.answer() FROM PUBLIC;
                     COMMENT ON FUNCTION public.answer() IS 'the answer';",
            expected: expect![[r#"
                function volatility, security definer, privileges and comment:
                ~ function public.answer():
                    +  IMMUTABLE SECURITY DEFINER
                    + privileges: <me>=X/<me>
                    + comment: "the answer"
            "#]],
        },
        Case {
            name: "overloaded function added",
            setup: "CREATE FUNCTION public.add(a integer, b integer) RETURNS integer LANGUAGE sql RETURN a + b;",
            change: "CREATE FUNCTION public.add(a bigint, b bigint) RETURNS bigint LANGUAGE sql RETURN a + b;",
            expected: expect![[r#"
                overloaded function added:
                + function public.add(a bigint, b bigint):
                    CREATE OR REPLACE FUNCTION public.add(a bigint, b bigint)
                     RETURNS bigint
                     LANGUAGE sql
                    RETURN (a + b)
                    owner: <me>
            "#]],
        },
        Case {
            name: "procedure and aggregate added",
            setup: "CREATE TABLE public.tenants (id integer);",
            change: "CREATE PROCEDURE public.purge() LANGUAGE sql AS 'DELETE FROM public.tenants';
                     CREATE AGGREGATE public.total(integer) (sfunc = int4pl, stype = integer, initcond = '0');",
            expected: expect![[r#"
                procedure and aggregate added:
                + procedure public.purge():
                    CREATE OR REPLACE PROCEDURE public.purge()
                     LANGUAGE sql
                    AS $procedure$DELETE FROM public.tenants$procedure$
                    owner: <me>
                + aggregate public.total(integer):
                    RETURNS integer (SFUNC = int4pl(integer,integer), STYPE = integer, INITCOND = '0', PARALLEL = u)
                    owner: <me>
            "#]],
        },
    ]);
}

#[test]
fn triggers_rules_policies_and_privileges() {
    check(&[
        Case {
            name: "trigger added",
            setup: "CREATE TABLE public.tenants (id integer, updated_at timestamptz);
                    CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN NEW.updated_at := now(); RETURN NEW; END $$;",
            change: "CREATE TRIGGER touch BEFORE UPDATE ON public.tenants FOR EACH ROW EXECUTE FUNCTION public.touch();",
            expected: expect![[r#"
                trigger added:
                + trigger public.tenants.touch: CREATE TRIGGER touch BEFORE UPDATE ON public.tenants FOR EACH ROW EXECUTE FUNCTION public.touch()
            "#]],
        },
        Case {
            name: "trigger disabled and commented",
            setup: "CREATE TABLE public.tenants (id integer, updated_at timestamptz);
                    CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
                    CREATE TRIGGER touch BEFORE UPDATE ON public.tenants FOR EACH ROW EXECUTE FUNCTION public.touch();",
            change: "ALTER TABLE public.tenants DISABLE TRIGGER touch;
                     COMMENT ON TRIGGER touch ON public.tenants IS 'stamps rows';",
            expected: expect![[r#"
                trigger disabled and commented:
                ~ trigger public.tenants.touch:
                    + enabled: disabled
                    + comment: "stamps rows"
            "#]],
        },
        Case {
            name: "rule added",
            setup: "CREATE TABLE public.tenants (id integer);",
            change: "CREATE RULE no_delete AS ON DELETE TO public.tenants DO INSTEAD NOTHING;",
            expected: expect![[r#"
                rule added:
                + rule public.tenants.no_delete:
                    CREATE RULE no_delete AS
                        ON DELETE TO public.tenants DO INSTEAD NOTHING;
            "#]],
        },
        Case {
            name: "policy added",
            setup: "CREATE TABLE public.tenants (id bigint);",
            change: "CREATE POLICY tenant_isolation ON public.tenants AS RESTRICTIVE FOR UPDATE TO pg_monitor
                         USING (id = current_setting('app.tenant_id')::bigint)
                         WITH CHECK (id > 0);",
            expected: expect![[r#"
                policy added:
                + policy public.tenants.tenant_isolation: AS RESTRICTIVE FOR UPDATE TO pg_monitor USING (id = (current_setting('app.tenant_id'::text))::bigint) WITH CHECK (id > 0)
            "#]],
        },
        Case {
            name: "policy expression, roles and comment changed",
            setup: "CREATE TABLE public.tenants (id bigint);
                    CREATE POLICY tenant_isolation ON public.tenants USING (id = 1);",
            change: "ALTER POLICY tenant_isolation ON public.tenants TO pg_monitor, pg_database_owner USING (id = 2);
                     COMMENT ON POLICY tenant_isolation ON public.tenants IS 'one tenant';",
            expected: expect![[r#"
                policy expression, roles and comment changed:
                ~ policy public.tenants.tenant_isolation:
                    - AS PERMISSIVE FOR ALL TO PUBLIC USING (id = 1)
                    + AS PERMISSIVE FOR ALL TO pg_database_owner, pg_monitor USING (id = 2)
                    + comment: "one tenant"
            "#]],
        },
        Case {
            name: "grant and revoke on a table leave it as it was",
            setup: "CREATE TABLE public.tenants (id integer);",
            change: "GRANT SELECT, INSERT ON public.tenants TO pg_monitor;
                     REVOKE SELECT, INSERT ON public.tenants FROM pg_monitor;
                     COMMENT ON TABLE public.tenants IS 'only this differs';",
            expected: expect![[r#"
                grant and revoke on a table leave it as it was:
                ~ table public.tenants:
                    + comment: "only this differs"
            "#]],
        },
        Case {
            name: "default privileges added",
            setup: "CREATE SCHEMA app;",
            change: "ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO pg_monitor;
                     ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;",
            expected: expect![[r#"
                default privileges added:
                + default privileges <me> in schema app on tables: pg_monitor=r/<me>
                + default privileges <me> on functions: <me>=X/<me>
            "#]],
        },
    ]);
}

#[test]
fn event_triggers() {
    let database = fresh_database();
    let superuser: bool = database
        .connect()
        .query_one(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .expect("read whether the test role is a superuser")
        .get(0);
    assert!(
        superuser,
        "only a superuser can create event triggers, and the role these tests connect as is not one: \
         run them on the local or container backend (DISPOSABLE_PG=local or DISPOSABLE_PG=container)"
    );
    check(&[Case {
        name: "event trigger added",
        setup: "CREATE FUNCTION public.log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;",
        change: "CREATE EVENT TRIGGER log_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
                     EXECUTE FUNCTION public.log_ddl();",
        expected: expect![[r#"
            event trigger added:
            + event trigger log_ddl:
                ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION public.log_ddl()
                owner: <me>
        "#]],
    }]);
}
