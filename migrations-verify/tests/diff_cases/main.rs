//! Each kind of object, added, removed or changed between two snapshots of one database, and the
//! diff that names it; and the rollback bugs verify exists to catch; on whichever PostgreSQL the
//! tests run on (`DISPOSABLE_PG_VERSION`).
//!
//! Every case runs on its own database: `setup`, snapshot, `change`, snapshot, then the diff from the
//! first snapshot to the second is compared with the expected report: `expected`, or the last entry
//! of `newer` whose major version the server has, where a newer PostgreSQL prints the same schema
//! otherwise. A case whose SQL creates an extension the installation lacks is not run, for the one
//! reason accepted (see `support::unavailable_extensions`); a case of statements a newer version
//! introduced is run from that version on, and before it must be refused by the server.

mod code;
mod postgresql_18;
mod standalone;
#[path = "../support/mod.rs"]
mod support;
mod tables;

use expect_test::{Expect, expect};
use migrations_verify::SchemaSnapshot;
use support::{
    created_extensions, fresh_database, history_excluded, redact_current_user, server_message,
    server_version, unavailable_extensions,
};

struct Case {
    name: &'static str,
    setup: &'static str,
    change: &'static str,
    expected: Expect,
    /// What servers from a major version on print instead, oldest version first.
    newer: &'static [(u32, Expect)],
}

impl Case {
    /// The expectation for a server of major version `major`.
    fn expected_on(&self, major: u32) -> &Expect {
        self.newer
            .iter()
            .rev()
            .find(|(since, _)| major >= *since)
            .map_or(&self.expected, |(_, expected)| expected)
    }
}

fn check(cases: &[Case]) {
    for case in cases {
        let database = fresh_database();
        let mut client = database.connect();
        let (major, version) = server_version(&mut client);
        let needed = [
            created_extensions(case.setup),
            created_extensions(case.change),
        ]
        .concat();
        let missing = unavailable_extensions(&mut client, &needed);
        if !missing.is_empty() {
            eprintln!(
                "case `{}` not run: PostgreSQL {version} has no contrib modules ({})",
                case.name,
                missing.join(", ")
            );
            continue;
        }
        let options = history_excluded();
        // Runs one step of the case's SQL, then snapshots the schema it left.
        let mut step = |what: &str, sql: &str| {
            client.batch_execute(sql).unwrap_or_else(|error| {
                panic!(
                    "case `{}`: {what} failed on PostgreSQL {version}: {}",
                    case.name,
                    server_message(&error)
                )
            });
            SchemaSnapshot::capture(&mut client, &options)
                .unwrap_or_else(|error| panic!("case `{}`: {error}", case.name))
        };
        let before = step("setup", case.setup);
        let after = step("change", case.change);
        let diff = before.diff(&after);
        assert!(
            !diff.is_empty(),
            "case `{}`: no difference found on PostgreSQL {version}",
            case.name
        );
        let report = format!("{}:\n{diff}", case.name);
        case.expected_on(major)
            .assert_eq(&redact_current_user(&mut client, &report));
    }
}

/// Cases of statements PostgreSQL `major` introduced: checked from that version on; before it, each
/// case's SQL must be refused, which shows that the cases need that version and nothing else.
fn check_from(major: u32, cases: &[Case]) {
    let database = fresh_database();
    let (server_major, version) = server_version(&mut database.connect());
    if server_major >= major {
        return check(cases);
    }
    for case in cases {
        let database = fresh_database();
        let mut client = database.connect();
        let refused = client
            .batch_execute(case.setup)
            .and_then(|()| client.batch_execute(case.change));
        let error = refused.expect_err(&format!(
            "case `{}` is for PostgreSQL {major} and later, yet PostgreSQL {version} runs it",
            case.name
        ));
        eprintln!(
            "case `{}` needs PostgreSQL {major}: PostgreSQL {version} says {}",
            case.name,
            server_message(&error)
        );
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[],
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
            newer: &[(
                17,
                expect![[r#"
                    a down that forgets to revoke a grant:
                    ~ table public.tenants:
                        + privileges: pg_monitor=r/<me>, <me>=arwdDxtm/<me>
                "#]],
            )],
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
        newer: &[],
    }]);
}
