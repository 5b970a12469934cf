//! Tables, their columns, constraints and indexes, sequences and extended statistics.

use expect_test::expect;

use crate::{Case, check};

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
            newer: &[(
                18,
                expect![[r#"
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
                    + constraint public.tenants.tenants_id_not_null: NOT NULL id
                    + constraint public.tenants.tenants_pkey: PRIMARY KEY (id)
                    + constraint public.tenants.tenants_slug_not_null: NOT NULL slug
                    + index public.tenants_pkey: CREATE UNIQUE INDEX tenants_pkey ON public.tenants USING btree (id)
                "#]],
            )],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[(
                18,
                expect![[r#"
                    column type, nullability and collation:
                    ~ column public.tenants.id:
                        - integer
                        + bigint NOT NULL
                    ~ column public.tenants.slug:
                        - character varying(20)
                        + character varying(40) COLLATE pg_catalog."C"
                    + constraint public.tenants.tenants_id_not_null: NOT NULL id
                "#]],
            )],
        },
        Case {
            name: "NOT NULL dropped",
            setup: "CREATE TABLE public.tenants (id integer NOT NULL, slug text NOT NULL);",
            change: "ALTER TABLE public.tenants ALTER COLUMN slug DROP NOT NULL;",
            expected: expect![[r#"
                NOT NULL dropped:
                ~ column public.tenants.slug:
                    - text NOT NULL
                    + text
            "#]],
            newer: &[(18, expect![[r#"
                NOT NULL dropped:
                ~ column public.tenants.slug:
                    - text NOT NULL
                    + text
                - constraint public.tenants.tenants_slug_not_null: NOT NULL slug
            "#]])],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
        },
        Case {
            name: "extended statistics target set",
            setup: "CREATE TABLE public.tenants (id integer, name text);
                    CREATE STATISTICS public.tenant_names ON id, name FROM public.tenants;",
            change: "ALTER STATISTICS public.tenant_names SET STATISTICS 500;",
            expected: expect![[r#"
                extended statistics target set:
                ~ statistics public.tenant_names:
                    + statistics: 500
            "#]],
            newer: &[],
        },
    ]);
}
