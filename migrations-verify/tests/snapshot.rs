//! What a snapshot captures and leaves out, on a real PostgreSQL: equal snapshots for databases built
//! the same way, the empty database, the history tables, column order and the session left alone.

mod support;

use expect_test::expect;
use migrations_verify::{ColumnOrder, ObjectKind, SchemaSnapshot, SnapshotOptions};
use support::{RICH_SCHEMA, fresh_database, history_excluded, redact_current_user, server_message};

fn capture(client: &mut postgres::Client, options: &SnapshotOptions) -> SchemaSnapshot {
    SchemaSnapshot::capture(client, options).expect("capture the schema snapshot")
}

fn run(client: &mut postgres::Client, sql: &str) {
    client
        .batch_execute(sql)
        .unwrap_or_else(|error| panic!("{}\nin:\n{sql}", server_message(&error)));
}

#[test]
fn databases_built_with_the_same_ddl_snapshot_equal() {
    let first_database = fresh_database();
    let mut first = first_database.connect();
    run(&mut first, RICH_SCHEMA);

    // Other OIDs, other session settings, and objects that come and go before the same DDL.
    let second_database = fresh_database();
    let mut second = second_database.connect();
    run(
        &mut second,
        "CREATE TABLE public.gone (id serial PRIMARY KEY, x text);
         CREATE TYPE public.gone_type AS ENUM ('a');
         DROP TABLE public.gone;
         DROP TYPE public.gone_type;",
    );
    run(&mut second, RICH_SCHEMA);
    run(
        &mut second,
        "SET search_path = app, public;
         SET \"DateStyle\" = 'German, DMY';
         SET \"TimeZone\" = 'Asia/Tokyo';
         SET extra_float_digits = -3;",
    );

    let options = history_excluded();
    let before = capture(&mut first, &options);
    let after = capture(&mut second, &options);
    let diff = before.diff(&after);
    assert!(diff.is_empty(), "snapshots differ:\n{diff}");
    assert_eq!(before, after);
}

#[test]
fn a_snapshot_reads_every_kind_of_object() {
    let database = fresh_database();
    let mut client = database.connect();
    let options = history_excluded();
    let fresh = capture(&mut client, &options);
    run(&mut client, RICH_SCHEMA);
    let rich = capture(&mut client, &options);
    let report = fresh.diff(&rich).to_string();
    expect![[r#"
        + extension citext:
            version: 1.6
            schema: public
            owner: <me>
            comment: "data type for case-insensitive character strings"
        + schema app:
            owner: <me>
            privileges: pg_monitor=U/<me>, <me>=UC/<me>
            comment: "the application"
        + collation app."binary":
            settings: {"collctype": "C", "collcollate": "C", "collencoding": -1, "collprovider": "c", "colliculocale": null, "collisdeterministic": true}
            owner: <me>
        + type app.float_range:
            RANGE (SUBTYPE = double precision, SUBTYPE_DIFF = float8mi)
            owner: <me>
        + type app.mood:
            ENUM ('sad', 'ok', 'happy')
            owner: <me>
            comment: "how it went"
        + type app.pair:
            COMPOSITE (a integer, b text COLLATE app."binary")
            owner: <me>
        + type app.slug:
            DOMAIN text COLLATE pg_catalog."C" DEFAULT 'x'::text NOT NULL
            CONSTRAINT slug_format CHECK (VALUE ~ '^[a-z-]+$'::text)
            owner: <me>
        + sequence app.events_id_seq:
            AS integer START 10 INCREMENT 1 MINVALUE 1 MAXVALUE 2147483647 CACHE 1 NO CYCLE
            owned by: app.events.id (identity)
            owner: <me>
        + sequence app.invoice_numbers:
            AS integer START 1000 INCREMENT 10 MINVALUE 1 MAXVALUE 2147483647 CACHE 1 CYCLE
            owner: <me>
            comment: "invoice numbers"
        + sequence app.tenants_id_seq:
            AS bigint START 1 INCREMENT 1 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1 NO CYCLE
            owned by: app.tenants.id
            owner: <me>
        + table app.archived_tenants:
            columns: id, slug, name, email, created_at, upper_name, mood
            inherits: app.tenants
            owner: <me>
        + table app.bookings:
            columns: room, during
            owner: <me>
        + table app.events:
            columns: id, tenant_id, at, period
            partition by: RANGE (at)
            owner: <me>
        + table app.events_2020:
            columns: id, tenant_id, at, period
            partition of: app.events FOR VALUES FROM ('2020-01-01 00:00:00+00') TO ('2021-01-01 00:00:00+00')
            owner: <me>
        + table app.scratch:
            columns: note
            persistence: unlogged
            replica identity: full
            owner: <me>
        + table app.tenants:
            columns: id, slug, name, email, created_at, upper_name, mood
            options: fillfactor=90
            row security: enabled, forced
            owner: <me>
            privileges: pg_monitor=r/<me>, <me>=arwdDxt/<me>
            comment: "one row per customer"
        + column app.archived_tenants.created_at: timestamp with time zone DEFAULT '2020-01-01 00:00:00+00'::timestamp with time zone NOT NULL
        + column app.archived_tenants.email: public.citext
        + column app.archived_tenants.id: bigint DEFAULT nextval('app.tenants_id_seq'::regclass) NOT NULL
        + column app.archived_tenants.mood: app.mood
        + column app.archived_tenants.name: text COLLATE pg_catalog."C" DEFAULT 'n'::text NOT NULL
        + column app.archived_tenants.slug: app.slug
        + column app.archived_tenants.upper_name: text GENERATED ALWAYS AS (upper(name)) STORED
        + column app.bookings.during: tsrange
        + column app.bookings.room: integer
        + column app.events.at: timestamp with time zone NOT NULL
        + column app.events.id: integer GENERATED BY DEFAULT AS IDENTITY NOT NULL
        + column app.events.period: app.float_range
        + column app.events.tenant_id: bigint
        + column app.events_2020.at: timestamp with time zone NOT NULL
        + column app.events_2020.id: integer NOT NULL
        + column app.events_2020.period: app.float_range
        + column app.events_2020.tenant_id: bigint
        + column app.scratch.note: text
        + column app.tenants.created_at: timestamp with time zone DEFAULT '2020-01-01 00:00:00+00'::timestamp with time zone NOT NULL
        + column app.tenants.email: public.citext
        + column app.tenants.id: bigint DEFAULT nextval('app.tenants_id_seq'::regclass) NOT NULL
        + column app.tenants.mood: app.mood
        + column app.tenants.name:
            text COLLATE pg_catalog."C" DEFAULT 'n'::text NOT NULL
            statistics: 500
            privileges: pg_monitor=w/<me>
        + column app.tenants.slug:
            app.slug
            comment: "the URL name"
        + column app.tenants.upper_name: text GENERATED ALWAYS AS (upper(name)) STORED
        + constraint app.archived_tenants.name_not_blank: CHECK (name <> ''::text)
        + constraint app.bookings.bookings_during_excl: EXCLUDE USING gist (during WITH &&) DEFERRABLE
        + constraint app.events.events_pkey: PRIMARY KEY (id, at)
        + constraint app.events.events_tenant_id_fkey: FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
        + constraint app.events.positive_id: CHECK (id > 0)
        + constraint app.events_2020.events_2020_pkey: PRIMARY KEY (id, at)
        + constraint app.events_2020.events_tenant_id_fkey: FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
        + constraint app.events_2020.positive_id: CHECK (id > 0)
        + constraint app.tenants.name_not_blank:
            CHECK (name <> ''::text)
            comment: "names are required"
        + constraint app.tenants.tenants_pkey: PRIMARY KEY (id)
        + constraint app.tenants.tenants_slug_key: UNIQUE (slug)
        + index app.bookings_during_excl: CREATE INDEX bookings_during_excl ON app.bookings USING gist (during)
        + index app.events_2020_pkey:
            CREATE UNIQUE INDEX events_2020_pkey ON app.events_2020 USING btree (id, at)
            attached to: app.events_pkey
        + index app.events_2020_tenant_id_idx:
            CREATE INDEX events_2020_tenant_id_idx ON app.events_2020 USING btree (tenant_id)
            attached to: app.events_tenant_idx
        + index app.events_pkey: CREATE UNIQUE INDEX events_pkey ON ONLY app.events USING btree (id, at)
        + index app.events_recent_idx: CREATE INDEX events_recent_idx ON app.events_2020 USING btree (at DESC) INCLUDE (tenant_id) WHERE (at > '2020-06-01 00:00:00+00'::timestamp with time zone)
        + index app.events_tenant_idx:
            CREATE INDEX events_tenant_idx ON ONLY app.events USING btree (tenant_id)
            comment: "by tenant"
        + index app.tenants_pkey: CREATE UNIQUE INDEX tenants_pkey ON app.tenants USING btree (id)
        + index app.tenants_slug_key: CREATE UNIQUE INDEX tenants_slug_key ON app.tenants USING btree (slug)
        + statistics app.tenant_names:
            CREATE STATISTICS app.tenant_names ON id, name FROM app.tenants
            owner: <me>
        + view app.active_tenants:
             SELECT tenants.id,
                tenants.slug
               FROM app.tenants
              WHERE tenants.mood <> 'sad'::app.mood;
            options: security_barrier=true
            owner: <me>
            comment on column slug: "from tenants"
        + materialized view app.tenant_count:
             SELECT count(*) AS tenants
               FROM app.tenants;
            owner: <me>
        + function app.add(a integer, b integer):
            CREATE OR REPLACE FUNCTION app.add(a integer, b integer DEFAULT 1)
             RETURNS integer
             LANGUAGE sql
             IMMUTABLE PARALLEL SAFE
            RETURN (a + b)
            owner: <me>
        + function app.touch():
            CREATE OR REPLACE FUNCTION app.touch()
             RETURNS trigger
             LANGUAGE plpgsql
             SECURITY DEFINER
             SET search_path TO 'pg_catalog'
            AS $function$
            BEGIN
                NEW.created_at := now();
                RETURN NEW;
            END
            $function$
            owner: <me>
            privileges: <me>=X/<me>
            comment: "stamps a row"
        + procedure app.archive(IN tenant bigint):
            CREATE OR REPLACE PROCEDURE app.archive(IN tenant bigint)
             LANGUAGE sql
            AS $procedure$ DELETE FROM app.tenants WHERE id = tenant $procedure$
            owner: <me>
        + aggregate app.total(integer):
            RETURNS integer (SFUNC = int4pl(integer,integer), STYPE = integer, INITCOND = '0', PARALLEL = u)
            owner: <me>
        + trigger app.tenants.touch: CREATE TRIGGER touch BEFORE UPDATE ON app.tenants FOR EACH ROW EXECUTE FUNCTION app.touch()
        + trigger app.tenants.touch_always:
            CREATE TRIGGER touch_always BEFORE INSERT ON app.tenants FOR EACH ROW EXECUTE FUNCTION app.touch()
            enabled: always
        + rule app.active_tenants.no_delete:
            CREATE RULE no_delete AS
                ON DELETE TO app.active_tenants DO INSTEAD NOTHING;
        + policy app.tenants.monitor_reads: AS RESTRICTIVE FOR SELECT TO pg_monitor USING (true)
        + policy app.tenants.tenant_isolation:
            AS PERMISSIVE FOR ALL TO PUBLIC USING (id = (current_setting('app.tenant_id'::text))::bigint) WITH CHECK (id = (current_setting('app.tenant_id'::text))::bigint)
            comment: "one tenant at a time"
        + default privileges <me> in schema app on tables: pg_monitor=r/<me>
        + default privileges <me> on functions: <me>=X/<me>
    "#]].assert_eq(&redact_current_user(&mut client, &report));
}

#[test]
fn a_fresh_database_is_empty_until_something_is_created() {
    let database = fresh_database();
    let mut client = database.connect();
    let options = SnapshotOptions::default();
    let fresh = capture(&mut client, &options);
    assert!(
        fresh.is_empty(),
        "a fresh database is not empty:\n{fresh:#?}"
    );

    run(&mut client, "CREATE TABLE public.t (id integer)");
    assert!(!capture(&mut client, &options).is_empty());

    run(&mut client, "DROP TABLE public.t");
    let emptied = capture(&mut client, &options);
    assert!(emptied.is_empty());
    assert_eq!(fresh, emptied);
}

#[test]
fn history_tables_are_left_out_with_what_belongs_to_them() {
    let database = fresh_database();
    let mut client = database.connect();
    let fresh = capture(&mut client, &history_excluded());
    run(
        &mut client,
        "CREATE TABLE public.refinery_schema_history (
             version bigserial PRIMARY KEY,
             name text UNIQUE,
             applied_on text CHECK (applied_on <> ''),
             checksum text
         );
         COMMENT ON TABLE public.refinery_schema_history IS 'applied revisions';
         CREATE INDEX refinery_schema_history_applied_on_idx ON public.refinery_schema_history (applied_on);
         CREATE SCHEMA migrations;
         CREATE TABLE migrations.repeatable_history (name text PRIMARY KEY, id integer GENERATED ALWAYS AS IDENTITY);",
    );

    let options = SnapshotOptions {
        excluded_tables: vec![
            "refinery_schema_history".to_owned(),
            "migrations.repeatable_history".to_owned(),
        ],
        ..Default::default()
    };
    let diff = fresh.diff(&capture(&mut client, &options));
    assert!(diff.is_empty(), "history tables left a trace:\n{diff}");

    // The schema of a history table shows once something else lives in it.
    run(
        &mut client,
        "CREATE VIEW migrations.applied AS SELECT 1 AS one;",
    );
    let diff = fresh.diff(&capture(&mut client, &options));
    expect![[r#"
        + schema migrations: owner: <me>
        + view migrations.applied:
             SELECT 1 AS one;
            owner: <me>
    "#]]
    .assert_eq(&redact_current_user(&mut client, &diff.to_string()));

    let included = capture(&mut client, &SnapshotOptions::default());
    assert!(
        included
            .get(ObjectKind::Table, "public.refinery_schema_history")
            .is_some()
    );
    assert!(
        included
            .get(
                ObjectKind::Sequence,
                "public.refinery_schema_history_version_seq"
            )
            .is_some()
    );
}

#[test]
fn a_column_re_added_at_the_end_differs_unless_column_order_is_ignored() {
    let database = fresh_database();
    let mut client = database.connect();
    run(
        &mut client,
        "CREATE TABLE public.tenants (id integer, slug text, name text)",
    );
    let exact = SnapshotOptions::default();
    let ignore = SnapshotOptions {
        column_order: ColumnOrder::Ignore,
        ..Default::default()
    };
    let before_exact = capture(&mut client, &exact);
    let before_ignore = capture(&mut client, &ignore);

    // An up that drops a column, and a down that adds it back.
    run(
        &mut client,
        "ALTER TABLE public.tenants DROP COLUMN slug;
         ALTER TABLE public.tenants ADD COLUMN slug text;",
    );

    let diff = before_exact.diff(&capture(&mut client, &exact));
    expect![[r#"
        ~ table public.tenants:
            - columns: id, slug, name
            + columns: id, name, slug
    "#]]
    .assert_eq(&diff.to_string());
    let diff = before_ignore.diff(&capture(&mut client, &ignore));
    assert!(
        diff.is_empty(),
        "column order counted although ignored:\n{diff}"
    );
}

#[test]
fn a_capture_leaves_the_session_as_it_found_it() {
    let database = fresh_database();
    let mut client = database.connect();
    run(
        &mut client,
        "CREATE SCHEMA app;
         SET search_path = app, public;
         SET \"TimeZone\" = 'Asia/Tokyo';",
    );
    capture(&mut client, &SnapshotOptions::default());
    let row = client
        .query_one(
            "SELECT current_setting('search_path'), current_setting('TimeZone')",
            &[],
        )
        .expect("read the session settings");
    assert_eq!(row.get::<_, String>(0), "app, public");
    assert_eq!(row.get::<_, String>(1), "Asia/Tokyo");
    assert!(client.is_valid(std::time::Duration::from_secs(10)).is_ok());
}

#[test]
fn a_snapshot_and_a_diff_serialise_to_json_for_reports() {
    let database = fresh_database();
    let mut client = database.connect();
    let before = capture(&mut client, &SnapshotOptions::default());
    run(
        &mut client,
        "CREATE TYPE public.mood AS ENUM ('sad', 'happy');
         COMMENT ON SCHEMA public IS 'changed';",
    );
    let after = capture(&mut client, &SnapshotOptions::default());
    let json = serde_json::to_string_pretty(&before.diff(&after)).expect("serialise the diff");
    expect![[r#"
        {
          "changes": [
            {
              "change": "changed",
              "kind": "schema",
              "name": "public",
              "before": "owner: pg_database_owner\nprivileges: PUBLIC=U/pg_database_owner, pg_database_owner=UC/pg_database_owner\ncomment: \"standard public schema\"",
              "after": "owner: pg_database_owner\nprivileges: PUBLIC=U/pg_database_owner, pg_database_owner=UC/pg_database_owner\ncomment: \"changed\""
            },
            {
              "change": "added",
              "kind": "type",
              "name": "public.mood",
              "definition": "ENUM ('sad', 'happy')\nowner: <me>"
            }
          ]
        }"#]].assert_eq(&redact_current_user(&mut client, &json));

    let json = serde_json::to_value(&after).expect("serialise the snapshot");
    let kinds: Vec<&str> = json["objects"]
        .as_array()
        .expect("a list of objects")
        .iter()
        .filter_map(|object| object["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["extension", "schema", "type"]);
}

#[test]
fn a_capture_on_a_failed_transaction_says_what_to_do() {
    let database = fresh_database();
    let mut client = database.connect();
    let failure = client.batch_execute("BEGIN; SELECT 1 / 0;");
    assert!(failure.is_err(), "the division by zero should fail");

    let error = SchemaSnapshot::capture(&mut client, &SnapshotOptions::default())
        .expect_err("a capture inside a failed transaction");
    expect!["cannot start the read-only transaction for the schema snapshot: current transaction is aborted, commands ignored until end of transaction block; check that the connection is open and not inside a failed transaction"].assert_eq(&error.to_string());
}
