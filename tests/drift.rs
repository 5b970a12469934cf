//! `migrate drift` as a process: a database changed by hand is reported object by object (exit 1),
//! an untouched one is clean (exit 0), `--ignore` hides what it names, a database below head is
//! refused with the way to compare it (exit 2) and compared with a reference built for its
//! revision. The output is held by snapshots, text and JSON; no password is printed.

use std::path::Path;

use expect_test::{Expect, expect};
use migrations_core::history::HistoryTable;
use migrations_core::schema_file::SCHEMA_SNAPSHOT;
use migrations_disposable::{DisposableDb, DisposableServer};
use migrations_runtime::DatabaseUrl;
use migrations_runtime::fleet::FleetDatabase;
use migrations_snapshot::HeadSchema;
use migrations_tests::{Run, connect, database, fixture_with_schema_file, migrate_command, run};
use migrations_verify::schema_files::reference_at;

const PROJECT_MIGRATE: &str = env!("CARGO_BIN_EXE_project-migrate");
const FIXTURE_MIGRATE: &str = env!("CARGO_BIN_EXE_fixture-migrate");

/// The fixture with a type, a function, a trigger, views and row-level security.
const RICH: &str = "verify_rich";

fn server() -> &'static DisposableServer {
    DisposableServer::shared().unwrap_or_else(|e| panic!("{e}"))
}

fn rich_with_schema_file() -> tempfile::TempDir {
    fixture_with_schema_file(RICH)
}

/// The project's own `migrate`, with the schema at head compiled in.
fn project(db: &DisposableDb, args: &[&str]) -> Run {
    checked(
        db,
        run(&mut migrate_command(
            PROJECT_MIGRATE,
            None,
            Some(db.url().expose()),
            args,
        )),
    )
}

/// `migrate` over the folder `dir`.
fn folder(dir: &Path, db: &DisposableDb, args: &[&str]) -> Run {
    let url = Some(db.url().expose());
    checked(
        db,
        run(&mut migrate_command(FIXTURE_MIGRATE, Some(dir), url, args)),
    )
}

/// The run, after checking that it printed no password.
fn checked(db: &DisposableDb, outcome: Run) -> Run {
    let config: tokio_postgres::Config = db.url().expose().parse().expect("a valid URL");
    if let Some(password) = config.get_password() {
        let password = String::from_utf8_lossy(password);
        assert!(
            !outcome.output().contains(password.as_ref()),
            "the password is printed:\n{}",
            outcome.output()
        );
    }
    outcome
}

/// What `migrate` prints for the database: `host:port/name`.
fn shown_name(db: &DisposableDb) -> String {
    let url: DatabaseUrl = db.url().expose().parse().expect("a valid URL");
    FleetDatabase::new(url).name().to_owned()
}

/// The exit code and both streams, with the database's name as `<database>`.
fn assert_run(db: &DisposableDb, outcome: &Run, expected: Expect) {
    let text = format!(
        "exit {}\n{}{}",
        outcome.code, outcome.stdout, outcome.stderr
    );
    expected.assert_eq(&text.replace(&shown_name(db), "<database>"));
}

fn execute(db: &DisposableDb, sql: &str) {
    connect(db)
        .batch_execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[test]
fn a_database_changed_by_hand_is_reported_object_by_object() {
    let dir = rich_with_schema_file();
    let db = database();
    assert_eq!(folder(dir.path(), &db, &["upgrade"]).code, 0);
    assert_run(
        &db,
        &folder(dir.path(), &db, &["drift"]),
        expect![[r#"
            exit 0
            <database> at 202511121406_index_events: matches the schema its revisions give
        "#]],
    );

    execute(
        &db,
        concat!(
            "CREATE INDEX events_kind_idx ON events (kind);\n",
            "ALTER TABLE events ALTER COLUMN updated_at DROP DEFAULT;\n",
            "CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$\n",
            "BEGIN\n",
            "    NEW.updated_at := clock_timestamp();\n",
            "    RETURN NEW;\n",
            "END;\n",
            "$$;\n",
            "GRANT SELECT ON daily_events TO PUBLIC;\n",
            "ALTER TABLE events DISABLE ROW LEVEL SECURITY;",
        ),
    );
    assert_run(
        &db,
        &folder(dir.path(), &db, &["drift"]),
        expect![[r#"
            exit 1
            <database> at 202511121406_index_events: 5 objects differ from the schema its revisions give (-: what the revisions give, +: what the database has)
            ~ table public.events:
                - row security: enabled
            ~ column public.events.updated_at:
                - timestamp with time zone DEFAULT now() NOT NULL
                + timestamp with time zone NOT NULL
            + index public.events_kind_idx: CREATE INDEX events_kind_idx ON public.events USING btree (kind)
            ~ view public.daily_events:
                + privileges: OWNER=arwdDxt/OWNER, PUBLIC=r/OWNER
            ~ function public.touch_updated_at():
                -     NEW.updated_at := now();
                +     NEW.updated_at := clock_timestamp();
        "#]],
    );
    assert_run(
        &db,
        &folder(dir.path(), &db, &["drift", "--json"]),
        expect![[r#"
            exit 1
            {
              "database": "<database>",
              "revision": "202511121406",
              "equal": false,
              "differences": [
                {
                  "kind": "table",
                  "name": "public.events",
                  "expected": "columns: id, tenant_id, kind, updated_at\nrow security: enabled",
                  "actual": "columns: id, tenant_id, kind, updated_at"
                },
                {
                  "kind": "column",
                  "name": "public.events.updated_at",
                  "expected": "timestamp with time zone DEFAULT now() NOT NULL",
                  "actual": "timestamp with time zone NOT NULL"
                },
                {
                  "kind": "index",
                  "name": "public.events_kind_idx",
                  "expected": null,
                  "actual": "CREATE INDEX events_kind_idx ON public.events USING btree (kind)"
                },
                {
                  "kind": "view",
                  "name": "public.daily_events",
                  "expected": " SELECT events.tenant_id,\n    date_trunc('day'::text, events.updated_at) AS day,\n    count(*) AS events\n   FROM public.events\n  GROUP BY events.tenant_id, (date_trunc('day'::text, events.updated_at));\ncomment: \"events per tenant and day\"",
                  "actual": " SELECT events.tenant_id,\n    date_trunc('day'::text, events.updated_at) AS day,\n    count(*) AS events\n   FROM public.events\n  GROUP BY events.tenant_id, (date_trunc('day'::text, events.updated_at));\nprivileges: OWNER=arwdDxt/OWNER, PUBLIC=r/OWNER\ncomment: \"events per tenant and day\""
                },
                {
                  "kind": "function",
                  "name": "public.touch_updated_at()",
                  "expected": "CREATE OR REPLACE FUNCTION public.touch_updated_at()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$\nBEGIN\n    NEW.updated_at := now();\n    RETURN NEW;\nEND;\n$function$",
                  "actual": "CREATE OR REPLACE FUNCTION public.touch_updated_at()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$\nBEGIN\n    NEW.updated_at := clock_timestamp();\n    RETURN NEW;\nEND;\n$function$"
                }
              ]
            }
        "#]],
    );
}

#[test]
fn ignore_patterns_hide_what_a_deployment_adds_on_purpose() {
    let dir = rich_with_schema_file();
    let db = database();
    assert_eq!(folder(dir.path(), &db, &["upgrade"]).code, 0);
    execute(
        &db,
        "CREATE SCHEMA monitoring;
         CREATE TABLE monitoring.probes (id int PRIMARY KEY, seen timestamptz);
         CREATE INDEX tmp_events_kind ON events (kind);
         ALTER TABLE events ADD COLUMN debug_note text;",
    );
    assert_run(
        &db,
        &folder(dir.path(), &db, &["drift"]),
        expect![[r#"
        exit 1
        <database> at 202511121406_index_events: 9 objects differ from the schema its revisions give (-: what the revisions give, +: what the database has)
        + schema monitoring
        + table monitoring.probes: columns: id, seen
        ~ table public.events:
            - columns: id, tenant_id, kind, updated_at
            + columns: id, tenant_id, kind, updated_at, debug_note
        + column monitoring.probes.id: integer NOT NULL
        + column monitoring.probes.seen: timestamp with time zone
        + column public.events.debug_note: text
        + constraint monitoring.probes.probes_pkey: PRIMARY KEY (id)
        + index monitoring.probes_pkey: CREATE UNIQUE INDEX probes_pkey ON monitoring.probes USING btree (id)
        + index public.tmp_events_kind: CREATE INDEX tmp_events_kind ON public.events USING btree (kind)
    "#]],
    );
    let ignore = [
        "drift",
        "--ignore",
        "schema:monitoring",
        "--ignore",
        "index:public.tmp_*",
        "--ignore",
        "column:public.events.debug_*",
    ];
    assert_run(
        &db,
        &folder(dir.path(), &db, &ignore),
        expect![[r#"
        exit 0
        <database> at 202511121406_index_events: matches the schema its revisions give
        ignored: schema:monitoring, index:public.tmp_*, column:public.events.debug_*
    "#]],
    );
    // What a pattern does not name is still reported.
    assert_run(
        &db,
        &folder(dir.path(), &db, &ignore[..5]),
        expect![[r#"
            exit 1
            <database> at 202511121406_index_events: 2 objects differ from the schema its revisions give (-: what the revisions give, +: what the database has)
            ignored: schema:monitoring, index:public.tmp_*
            ~ table public.events:
                - columns: id, tenant_id, kind, updated_at
                + columns: id, tenant_id, kind, updated_at, debug_note
            + column public.events.debug_note: text
        "#]],
    );
}

#[test]
fn bad_ignore_patterns_are_refused_before_connecting() {
    let args = [
        "drift",
        "--ignore",
        "monitoring",
        "--ignore",
        "indx:public.x",
    ];
    let outcome = run(&mut migrate_command(PROJECT_MIGRATE, None, None, &args));
    expect![[r#"
        exit 2
        error: ignore pattern `monitoring` has no kind: write KIND:NAME, e.g. schema:monitoring or index:public.tmp_*
        ignore pattern `indx:public.x` names the unknown kind `indx`: use one of extension, schema, collation, type, sequence, table, foreign_table, column, constraint, index, statistics, view, materialized_view, function, procedure, aggregate, trigger, rule, policy, event_trigger, default_privileges, or * for any kind
    "#]].assert_eq(&format!(
        "exit {}\n{}{}",
        outcome.code, outcome.stdout, outcome.stderr
    ));
    let mut json = args.to_vec();
    json.push("--json");
    let outcome = run(&mut migrate_command(PROJECT_MIGRATE, None, None, &json));
    expect![[r#"
        exit 2
        {"error":{"kind":"bad_ignore_pattern","message":"ignore pattern `monitoring` has no kind: write KIND:NAME, e.g. schema:monitoring or index:public.tmp_*\nignore pattern `indx:public.x` names the unknown kind `indx`: use one of extension, schema, collation, type, sequence, table, foreign_table, column, constraint, index, statistics, view, materialized_view, function, procedure, aggregate, trigger, rule, policy, event_trigger, default_privileges, or * for any kind"}}
    "#]].assert_eq(&format!(
        "exit {}\n{}{}",
        outcome.code, outcome.stdout, outcome.stderr
    ));
}

/// The major version the committed `migrations/schema.snapshot.json` was captured on.
fn committed_server() -> String {
    let path = migrations_tests::workspace_root()
        .join("migrations")
        .join(SCHEMA_SNAPSHOT);
    let text = std::fs::read_to_string(path).expect("the schema files are committed");
    HeadSchema::from_json(&text).expect("it parses").server
}

#[test]
fn an_untouched_database_at_head_matches_the_schema_compiled_in() {
    let db = database();
    assert_eq!(project(&db, &["upgrade"]).code, 0);
    let server = format!("PostgreSQL {}", server().server_version_num() / 10_000);
    if server != committed_server() {
        // The binary's schema was captured on another major: it says so, and how to compare.
        let outcome = project(&db, &["drift"]);
        assert_eq!(outcome.code, 2, "{}", outcome.output());
        assert!(
            outcome
                .stderr
                .contains("`cargo xtask drift` builds the reference on"),
            "{}",
            outcome.stderr
        );
        eprintln!(
            "the server runs {server}, the schema compiled in is of {}: checked the refusal only",
            committed_server()
        );
        return;
    }
    assert_run(
        &db,
        &project(&db, &["drift"]),
        expect![[r#"
        exit 0
        <database> at 202611260209_enable_tenant_row_level_security: matches the schema its revisions give
    "#]],
    );
    assert_run(
        &db,
        &project(&db, &["drift", "--json"]),
        expect![[r#"
        exit 0
        {
          "database": "<database>",
          "revision": "202611260209",
          "equal": true,
          "differences": []
        }
    "#]],
    );
}

#[test]
fn a_database_below_head_is_refused_and_compared_with_a_reference_for_its_revision() {
    let db = database();
    let revision = "202611260208_tenant_slug_citext";
    assert_eq!(project(&db, &["upgrade", revision]).code, 0);
    let refused = project(&db, &["drift"]);
    assert_run(
        &db,
        &refused,
        expect![[r#"
        exit 2
        error: the database is at 202611260208_tenant_slug_citext, 1 revision below head (202611260209_enable_tenant_row_level_security): this binary carries the schema at head only; `cargo xtask drift` builds the reference for 202611260208_tenant_slug_citext on a disposable PostgreSQL, or `migrate upgrade` brings the database to head
    "#]],
    );
    let refused = project(&db, &["drift", "--json"]);
    assert_eq!(refused.code, 2);
    let error: serde_json::Value =
        serde_json::from_str(refused.stderr.trim()).expect("one JSON document on stderr");
    assert_eq!(error["error"]["kind"], "not_at_head");
    assert_eq!(error["error"]["revision"], "202611260208");
    assert_eq!(
        error["error"]["server_major"],
        server().server_version_num() / 10_000
    );

    // What `cargo xtask drift` does next: the schema at the revision, on a disposable database.
    let set = migrations_core::load_dir_as(
        &migrations_tests::workspace_root().join("migrations"),
        "migrations",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let at = set.find(revision).expect("the revision");
    let schema = reference_at(&set, server(), &HistoryTable::default(), at)
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("reference.json");
    std::fs::write(&file, schema.to_json()).expect("write the reference");
    let file = file.display().to_string();
    let with_reference = ["drift", "--reference", file.as_str()];
    assert_run(
        &db,
        &project(&db, &with_reference),
        expect![[r#"
        exit 0
        <database> at 202611260208_tenant_slug_citext: matches the schema its revisions give
    "#]],
    );
    execute(&db, "CREATE INDEX tenants_name_idx ON tenants (name);");
    assert_run(
        &db,
        &project(&db, &with_reference),
        expect![[r#"
        exit 1
        <database> at 202611260208_tenant_slug_citext: 1 object differs from the schema its revisions give (-: what the revisions give, +: what the database has)
        + index public.tenants_name_idx: CREATE INDEX tenants_name_idx ON public.tenants USING btree (name)
    "#]],
    );

    let at_head = database();
    assert_eq!(project(&at_head, &["upgrade"]).code, 0);
    let mismatch = project(&at_head, &with_reference);
    assert_eq!(mismatch.code, 2);
    expect![[r#"
        error: the reference <file> is the schema at 202611260208_tenant_slug_citext, the database is at 202611260209_enable_tenant_row_level_security: `cargo xtask drift` writes the reference for 202611260209_enable_tenant_row_level_security
    "#]].assert_eq(&mismatch.stderr.replace(&file, "<file>"));
}
