//! Views, routines, triggers, rules, policies and privileges.

use expect_test::expect;

use crate::{Case, check};

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
            newer: &[(
                16,
                expect![[r#"
                    view definition changed:
                    ~ view public.tenant_ids:
                        -  SELECT id
                        +  SELECT id,
                        +     slug
                "#]],
            )],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
        },
    ]);
}
