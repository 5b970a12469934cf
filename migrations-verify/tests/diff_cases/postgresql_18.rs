//! What PostgreSQL 18 added to the catalogs a snapshot reads: NOT NULL constraints with names of
//! their own, virtual generated columns, temporal keys and constraints that are not enforced.

use expect_test::expect;

use crate::{Case, check_from};

#[test]
fn not_null_constraints_have_names() {
    check_from(
        18,
        &[
            Case {
                name: "NOT NULL constraint renamed",
                setup: "CREATE TABLE public.tenants (id integer NOT NULL);",
                change: "ALTER TABLE public.tenants RENAME CONSTRAINT tenants_id_not_null TO id_required;",
                expected: expect![[r#"
                    NOT NULL constraint renamed:
                    + constraint public.tenants.id_required: NOT NULL id
                    - constraint public.tenants.tenants_id_not_null: NOT NULL id
                "#]],
                newer: &[],
            },
            Case {
                name: "NOT NULL constraint added NOT VALID, then validated",
                setup: "CREATE TABLE public.tenants (id integer);
                        ALTER TABLE public.tenants ADD CONSTRAINT id_required NOT NULL id NOT VALID;",
                change: "ALTER TABLE public.tenants VALIDATE CONSTRAINT id_required;",
                expected: expect![[r#"
                    NOT NULL constraint added NOT VALID, then validated:
                    ~ constraint public.tenants.id_required:
                        - NOT NULL id NOT VALID
                        + NOT NULL id
                "#]],
                newer: &[],
            },
            Case {
                name: "NOT NULL constraint no longer inherited",
                setup: "CREATE TABLE public.tenants (id integer NOT NULL);",
                change: "ALTER TABLE public.tenants ALTER CONSTRAINT tenants_id_not_null NO INHERIT;",
                expected: expect![[r#"
                    NOT NULL constraint no longer inherited:
                    ~ constraint public.tenants.tenants_id_not_null:
                        - NOT NULL id
                        + NOT NULL id NO INHERIT
                "#]],
                newer: &[],
            },
        ],
    );
}

#[test]
fn virtual_columns_temporal_keys_and_constraints_not_enforced() {
    check_from(
        18,
        &[
            Case {
                name: "virtual generated column added",
                setup: "CREATE TABLE public.tenants (name text);",
                change: "ALTER TABLE public.tenants ADD COLUMN upper_name text GENERATED ALWAYS AS (upper(name)) VIRTUAL;",
                expected: expect![[r#"
                    virtual generated column added:
                    ~ table public.tenants:
                        - columns: name
                        + columns: name, upper_name
                    + column public.tenants.upper_name: text GENERATED ALWAYS AS (upper(name)) VIRTUAL
                "#]],
                newer: &[],
            },
            Case {
                name: "virtual generated column's expression changed",
                setup: "CREATE TABLE public.tenants (name text, upper_name text GENERATED ALWAYS AS (upper(name)) VIRTUAL);",
                change: "ALTER TABLE public.tenants ALTER COLUMN upper_name SET EXPRESSION AS (lower(name));",
                expected: expect![[r#"
                    virtual generated column's expression changed:
                    ~ column public.tenants.upper_name:
                        - text GENERATED ALWAYS AS (upper(name)) VIRTUAL
                        + text GENERATED ALWAYS AS (lower(name)) VIRTUAL
                "#]],
                newer: &[],
            },
            Case {
                name: "temporal primary key and foreign key added",
                setup: "CREATE TABLE public.rooms (building int4range, during tstzrange);
                        CREATE TABLE public.bookings (building int4range, during tstzrange);",
                change: "ALTER TABLE public.rooms ADD PRIMARY KEY (building, during WITHOUT OVERLAPS);
                         ALTER TABLE public.bookings ADD FOREIGN KEY (building, PERIOD during)
                             REFERENCES public.rooms (building, PERIOD during);",
                expected: expect![[r#"
                    temporal primary key and foreign key added:
                    ~ column public.rooms.building:
                        - int4range
                        + int4range NOT NULL
                    ~ column public.rooms.during:
                        - tstzrange
                        + tstzrange NOT NULL
                    + constraint public.bookings.bookings_building_during_fkey: FOREIGN KEY (building, PERIOD during) REFERENCES public.rooms(building, PERIOD during)
                    + constraint public.rooms.rooms_building_not_null: NOT NULL building
                    + constraint public.rooms.rooms_during_not_null: NOT NULL during
                    + constraint public.rooms.rooms_pkey: PRIMARY KEY (building, during WITHOUT OVERLAPS)
                    + index public.rooms_pkey: CREATE UNIQUE INDEX rooms_pkey ON public.rooms USING gist (building, during)
                "#]],
                newer: &[],
            },
            Case {
                name: "foreign key no longer enforced, check constraint added not enforced",
                setup: "CREATE TABLE public.tenants (id integer PRIMARY KEY);
                        CREATE TABLE public.events (tenant_id integer CONSTRAINT events_tenant_fkey REFERENCES public.tenants);",
                change: "ALTER TABLE public.events ALTER CONSTRAINT events_tenant_fkey NOT ENFORCED;
                         ALTER TABLE public.events ADD CONSTRAINT positive CHECK (tenant_id > 0) NOT ENFORCED;",
                expected: expect![[r#"
                    foreign key no longer enforced, check constraint added not enforced:
                    ~ constraint public.events.events_tenant_fkey:
                        - FOREIGN KEY (tenant_id) REFERENCES public.tenants(id)
                        + FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) NOT ENFORCED
                    + constraint public.events.positive: CHECK (tenant_id > 0) NOT ENFORCED
                "#]],
                newer: &[],
            },
        ],
    );
}
