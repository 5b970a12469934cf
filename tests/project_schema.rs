//! The project's own schema on a real PostgreSQL: tenant isolation by row-level security as the
//! application's roles see it, repeatable migrations re-run when edited or forgotten, nothing but
//! the cluster-wide roles left after `downgrade base`, and a missing extension named with its
//! package.
//!
//! The application's roles are exercised through real logins: a LOGIN role with a password,
//! member of `app_user` (or `app_readonly`), connected on a connection of its own, which is how a
//! deployment uses them. `SET ROLE app_user` from the superuser's session would also subject the
//! queries to the policies, but it proves less: the privileges and policies would not be shown to
//! reach a member through inheritance, and the session could leave the role with `RESET ROLE`.

use std::path::{Path, PathBuf};

use migrations_core::load_dir_as;
use migrations_disposable::{DisposableDb, DisposableServer};
use migrations_runtime::{Command, RepeatableState, Runner, StepKind, Target};
use migrations_tests::{connect, database, fixture, schema_snapshot, workspace_root};
use postgres::Client;

/// Used only by the login roles this test creates on its own disposable server.
const PASSWORD: &str = "Tenant-test-0c1d-only";

const TENANT_A: &str = "0b6f1c1e-7d2a-4c53-9a0e-00000000000a";
const TENANT_B: &str = "0b6f1c1e-7d2a-4c53-9a0e-00000000000b";

fn server() -> &'static DisposableServer {
    DisposableServer::shared().unwrap_or_else(|e| panic!("{e}"))
}

/// A login role with `PASSWORD`, member of `group`, connected to `db`.
fn login_as_member_of(db: &DisposableDb, group: &str) -> Client {
    let role = format!("{}_{group}", db.name());
    server()
        .create_role(&role, PASSWORD)
        .unwrap_or_else(|e| panic!("{e}"));
    connect(db)
        .batch_execute(&format!("GRANT {group} TO {role}"))
        .expect("make the login role a member");
    let url = db
        .url()
        .with_param("user", &role)
        .with_param("password", PASSWORD);
    Client::connect(url.expose(), postgres::NoTls)
        .unwrap_or_else(|e| panic!("connect as {role}: {e}"))
}

fn set_tenant(client: &mut Client, tenant: &str) {
    client
        .query_one("SELECT set_config('app.tenant_id', $1, false)", &[&tenant])
        .expect("set the tenant");
}

fn count(client: &mut Client, sql: &str) -> i64 {
    client
        .query_one(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

/// Runs a statement that must change no row.
fn changes(client: &mut Client, sql: &str) -> u64 {
    client
        .execute(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Runs a statement that the server must refuse; returns SQLSTATE and message.
fn refused(client: &mut Client, sql: &str) -> String {
    match client.batch_execute(sql) {
        Ok(()) => panic!("the server accepted `{sql}`"),
        Err(error) => {
            let db = error
                .as_db_error()
                .unwrap_or_else(|| panic!("`{sql}` failed without a server error: {error}"));
            format!("{} {}", db.code().code(), db.message())
        }
    }
}

const RLS_REFUSED: &str = "42501 new row violates row-level security policy";

/// Two tenants with events, written by the owner (the role that runs migrations, not subject to
/// the policies): two events for A, three for B.
fn seed(admin: &mut Client) {
    admin
        .batch_execute(&format!(
            "INSERT INTO tenants (id, slug, name) VALUES ('{TENANT_A}', 'acme', 'Acme'), ('{TENANT_B}', 'globex', 'Globex');
             INSERT INTO attribution_events (tenant_id, event_type, occurred_at)
             SELECT '{TENANT_A}'::uuid, 'click', now() FROM generate_series(1, 2)
             UNION ALL SELECT '{TENANT_B}'::uuid, 'impression', now() FROM generate_series(1, 3);"
        ))
        .expect("seed two tenants");
}

fn migrated_database() -> (DisposableDb, Client) {
    let db = database();
    let mut admin = connect(&db);
    migrations::runner()
        .upgrade(&mut admin, Target::Head)
        .unwrap_or_else(|e| panic!("{e}"));
    seed(&mut admin);
    (db, admin)
}

#[test]
fn the_application_sees_and_writes_only_its_tenant() {
    let (db, mut admin) = migrated_database();
    let mut app = login_as_member_of(&db, "app_user");

    // No tenant set, or an empty one: nothing is visible and nothing can be written.
    for tenant in [None, Some("")] {
        if let Some(tenant) = tenant {
            set_tenant(&mut app, tenant);
        }
        assert_eq!(count(&mut app, "SELECT count(*) FROM tenants"), 0);
        assert_eq!(
            count(&mut app, "SELECT count(*) FROM attribution_events"),
            0
        );
        assert_eq!(
            changes(&mut app, "UPDATE attribution_events SET event_type = 'x'"),
            0
        );
        assert_eq!(changes(&mut app, "DELETE FROM attribution_events"), 0);
        assert!(
            refused(
                &mut app,
                &format!(
                    "INSERT INTO attribution_events (tenant_id, event_type, occurred_at) VALUES ('{TENANT_A}', 'click', now())"
                )
            )
            .starts_with(RLS_REFUSED)
        );
    }

    set_tenant(&mut app, TENANT_A);
    let visible: Vec<String> = app
        .query("SELECT slug::text FROM tenants", &[])
        .expect("read tenants")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(visible, ["acme"]);
    assert_eq!(
        count(
            &mut app,
            &format!("SELECT count(*) FROM attribution_events WHERE tenant_id = '{TENANT_A}'")
        ),
        2
    );
    assert_eq!(
        count(&mut app, "SELECT count(*) FROM attribution_events"),
        2,
        "tenant B's events are invisible"
    );
    // citext: a slug typed in another case finds the tenant, but only the application's own.
    assert_eq!(
        count(&mut app, "SELECT count(*) FROM tenants WHERE slug = 'ACME'"),
        1
    );
    assert_eq!(
        count(
            &mut app,
            "SELECT count(*) FROM tenants WHERE slug = 'Globex'"
        ),
        0
    );

    // Tenant B's rows cannot be written: inserted, moved to, updated or deleted.
    let insert_for_b = format!(
        "INSERT INTO attribution_events (tenant_id, event_type, occurred_at) VALUES ('{TENANT_B}', 'click', now())"
    );
    assert!(refused(&mut app, &insert_for_b).starts_with(RLS_REFUSED));
    assert!(
        refused(
            &mut app,
            &format!("UPDATE attribution_events SET tenant_id = '{TENANT_B}'")
        )
        .starts_with(RLS_REFUSED)
    );
    assert_eq!(
        changes(
            &mut app,
            &format!(
                "UPDATE attribution_events SET event_type = 'x' WHERE tenant_id = '{TENANT_B}'"
            )
        ),
        0
    );
    assert_eq!(
        changes(
            &mut app,
            &format!("DELETE FROM attribution_events WHERE tenant_id = '{TENANT_B}'")
        ),
        0
    );
    assert_eq!(
        changes(
            &mut app,
            &format!("UPDATE tenants SET name = 'Taken' WHERE id = '{TENANT_B}'")
        ),
        0
    );
    // Tenants are provisioned by the owner, not by the application.
    assert_eq!(
        refused(
            &mut app,
            "INSERT INTO tenants (slug, name) VALUES ('initech', 'Initech')"
        ),
        "42501 permission denied for table tenants"
    );
    // A value that is not a tenant id fails rather than matching anything.
    set_tenant(&mut app, "not-a-uuid");
    assert!(
        refused(&mut app, "SELECT count(*) FROM tenants")
            .starts_with("22P02 invalid input syntax for type uuid")
    );

    // Its own tenant's rows it can write.
    set_tenant(&mut app, TENANT_A);
    changes(
        &mut app,
        &format!(
            "INSERT INTO attribution_events (tenant_id, event_type, occurred_at) VALUES ('{TENANT_A}', 'conversion', now())"
        ),
    );
    assert_eq!(changes(&mut app, "UPDATE tenants SET name = 'Acme Inc'"), 1);

    // Seen by the owner: B is untouched, A has the new event.
    let per_tenant: Vec<(String, i64, String)> = admin
        .query(
            "SELECT t.slug::text, count(e.id), string_agg(DISTINCT e.event_type, ',' ORDER BY e.event_type)
             FROM tenants t JOIN attribution_events e ON e.tenant_id = t.id
             GROUP BY t.slug ORDER BY t.slug",
            &[],
        )
        .expect("read as the owner")
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect();
    assert_eq!(
        per_tenant,
        [
            ("acme".to_owned(), 3, "click,conversion".to_owned()),
            ("globex".to_owned(), 3, "impression".to_owned())
        ]
    );
    // The format check still reads the text: stored slugs stay lower case.
    assert!(
        refused(
            &mut admin,
            "INSERT INTO tenants (slug, name) VALUES ('ACME', 'Shouting Acme')"
        )
        .starts_with("23514 new row for relation \"tenants\" violates check constraint \"tenants_slug_format\"")
    );
}

#[test]
fn the_read_only_role_reads_its_tenant_and_writes_nothing() {
    let (db, _admin) = migrated_database();
    let mut reader = login_as_member_of(&db, "app_readonly");
    assert_eq!(
        count(&mut reader, "SELECT count(*) FROM attribution_events"),
        0
    );
    set_tenant(&mut reader, TENANT_B);
    assert_eq!(
        count(&mut reader, "SELECT count(*) FROM attribution_events"),
        3
    );
    assert_eq!(count(&mut reader, "SELECT count(*) FROM tenants"), 1);
    for statement in [
        format!(
            "INSERT INTO attribution_events (tenant_id, event_type, occurred_at) VALUES ('{TENANT_B}', 'click', now())"
        ),
        "UPDATE attribution_events SET event_type = 'x'".to_owned(),
        "DELETE FROM attribution_events".to_owned(),
        "UPDATE tenants SET name = 'x'".to_owned(),
        "DELETE FROM tenants".to_owned(),
    ] {
        let error = refused(&mut reader, &statement);
        assert!(
            error.starts_with("42501 permission denied for table"),
            "{statement}: {error}"
        );
    }
}

#[test]
fn repeatables_run_twice_and_downgrade_base_leaves_only_the_roles() {
    let empty = schema_snapshot(&mut connect(&database()));
    let db = database();
    let mut client = connect(&db);
    let runner = migrations::runner();
    runner
        .upgrade(&mut client, Target::Head)
        .unwrap_or_else(|e| panic!("{e}"));
    let at_head = schema_snapshot(&mut client);
    // Each repeatable run once more, as a changed checksum would: the schema stays the same.
    for repeatable in migrations::REVISIONS.repeatables() {
        client
            .batch_execute(&format!("BEGIN;\n{}\n;COMMIT;", repeatable.body().sql()))
            .unwrap_or_else(|e| panic!("{}: {e}", repeatable.name()));
        let diff = at_head.diff(&schema_snapshot(&mut client));
        assert!(
            diff.is_empty(),
            "{} is not idempotent:\n{diff}",
            repeatable.name()
        );
    }
    runner
        .downgrade(&mut client, Target::Base)
        .unwrap_or_else(|e| panic!("{e}"));
    let diff = empty.diff(&schema_snapshot(&mut client));
    assert!(
        diff.is_empty(),
        "downgrade base left objects behind:\n{diff}"
    );
    // Roles are cluster-wide: they outlive the database's schema, by design.
    assert_eq!(
        count(
            &mut client,
            "SELECT count(*) FROM pg_roles WHERE rolname IN ('app_user', 'app_readonly') AND NOT rolcanlogin"
        ),
        2
    );
}

/// A copy of the project's folder that a test may edit, removed when dropped.
struct FolderCopy(PathBuf);

impl FolderCopy {
    fn new(name: &str) -> FolderCopy {
        let dir =
            std::env::temp_dir().join(format!("project-schema-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["versions", "repeatable"] {
            let from = workspace_root().join("migrations").join(sub);
            std::fs::create_dir_all(dir.join(sub)).expect("create the copy");
            for entry in std::fs::read_dir(&from).expect("read the project's folder") {
                let entry = entry.expect("an entry");
                std::fs::copy(entry.path(), dir.join(sub).join(entry.file_name()))
                    .expect("copy a file");
            }
        }
        FolderCopy(dir)
    }

    fn runner(&self) -> Runner {
        Runner::new(load_dir_as(&self.0, "migrations").unwrap_or_else(|e| panic!("{e}")))
    }

    fn append(&self, file: &Path, text: &str) {
        let path = self.0.join(file);
        let mut contents = std::fs::read_to_string(&path).expect("read the copy");
        contents.push_str(text);
        std::fs::write(&path, contents).expect("edit the copy");
    }
}

impl Drop for FolderCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a report ran: `upgrade <revision>`, `repeatable <name>`, ...
fn ran(report: &migrations_runtime::Report) -> Vec<String> {
    report
        .steps
        .iter()
        .map(|step| {
            let kind = match step.kind {
                StepKind::Upgrade => "upgrade",
                StepKind::Downgrade => "downgrade",
                StepKind::Repeatable => "repeatable",
                StepKind::Stamp | StepKind::Unstamp | StepKind::Resolve => "stamp",
            };
            format!("{kind} {}", step.name)
        })
        .collect()
}

fn repeatable_states(runner: &Runner, client: &mut Client) -> Vec<(String, RepeatableState)> {
    runner
        .history(client)
        .unwrap_or_else(|e| panic!("{e}"))
        .entries
        .into_iter()
        .filter_map(|entry| Some((entry.name, entry.repeatable?)))
        .collect()
}

#[test]
fn an_edited_or_forgotten_repeatable_runs_again_alone() {
    let copy = FolderCopy::new("edit");
    let db = database();
    let mut client = connect(&db);
    let runner = copy.runner();
    let report = runner
        .upgrade(&mut client, Target::Head)
        .unwrap_or_else(|e| panic!("{e}"));
    let revisions = runner.revisions();
    let mut expected: Vec<String> = revisions
        .revisions()
        .iter()
        .map(|r| format!("upgrade {}", r.name()))
        .collect();
    expected.extend([
        "repeatable app_roles".to_owned(),
        "repeatable tenant_isolation".to_owned(),
    ]);
    assert_eq!(ran(&report), expected);
    let again = runner
        .upgrade(&mut client, Target::Head)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ran(&again), Vec::<String>::new());

    // An edit of one file: only that file runs again.
    copy.append(
        Path::new("repeatable/tenant_isolation.sql"),
        "\nCOMMENT ON POLICY tenants_isolation ON tenants IS 'The application sees its own tenant';\n",
    );
    let edited = copy.runner();
    use RepeatableState::{Changed, UpToDate, Waiting};
    assert_eq!(
        repeatable_states(&edited, &mut client),
        [
            ("repeatable/app_roles".to_owned(), UpToDate),
            ("repeatable/tenant_isolation".to_owned(), Changed)
        ]
    );
    let current = edited
        .current(&mut client)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(current.repeatables_to_run_at_head, ["tenant_isolation"]);
    let script = edited
        .render_sql(&mut client, Command::Upgrade, &Target::Head)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        script.contains("-- Running repeatable tenant_isolation\nBEGIN;\n"),
        "{script}"
    );
    assert!(!script.contains("Running repeatable app_roles"), "{script}");
    assert!(!script.contains("Running upgrade"), "{script}");
    let report = edited
        .upgrade(&mut client, Target::Head)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ran(&report), ["repeatable tenant_isolation"]);
    assert_eq!(
        count(
            &mut client,
            "SELECT count(*) FROM pg_description d JOIN pg_policy p ON p.oid = d.objoid WHERE p.polname = 'tenants_isolation'"
        ),
        1
    );

    // Below its required revision it is forgotten, with what it made on the tables...
    let tenant_isolation = edited
        .revisions()
        .repeatable("tenant_isolation")
        .expect("the copy has it");
    let required = edited
        .revisions()
        .get(tenant_isolation.requires().expect("it names its revision"))
        .expect("a revision of the copy")
        .clone();
    assert_eq!(
        required.name(),
        migrations::revisions::ENABLE_TENANT_ROW_LEVEL_SECURITY.name()
    );
    let parent = required.parent().expect("not the baseline");
    let report = edited
        .downgrade(&mut client, Target::Id(parent))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ran(&report), [format!("downgrade {}", required.name())]);
    assert_eq!(
        repeatable_states(&edited, &mut client),
        [
            ("repeatable/app_roles".to_owned(), UpToDate),
            ("repeatable/tenant_isolation".to_owned(), Waiting)
        ]
    );
    assert_eq!(count(&mut client, "SELECT count(*) FROM pg_policy"), 0);
    assert_eq!(
        count(
            &mut client,
            "SELECT count(*) FROM pg_class c, aclexplode(c.relacl) a
             WHERE a.grantee IN (SELECT oid FROM pg_roles WHERE rolname IN ('app_user', 'app_readonly'))"
        ),
        0,
        "without row-level security the application keeps no grant"
    );
    // ... and the next upgrade runs it again, after the revision, and nothing else.
    let report = edited
        .upgrade(&mut client, Target::Head)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ran(&report),
        [
            format!("upgrade {}", required.name()),
            "repeatable tenant_isolation".to_owned()
        ]
    );
    assert_eq!(count(&mut client, "SELECT count(*) FROM pg_policy"), 4);

    // The history and the offline dry-run show both repeatables, after the revisions.
    let history = edited
        .history(&mut client)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string();
    let lines: Vec<&str> = history.lines().collect();
    assert!(
        lines[lines.len() - 2].starts_with("repeatable/app_roles ")
            && lines[lines.len() - 1].starts_with("repeatable/tenant_isolation ")
            && lines[lines.len() - 1].contains("  applied 20"),
        "{history}"
    );
    let script = edited
        .render_sql_offline(Command::Upgrade, &Target::Base, &Target::Head)
        .unwrap_or_else(|e| panic!("{e}"));
    let roles = script.find("-- Running repeatable app_roles\n");
    let policies = script.find("-- Running repeatable tenant_isolation\n");
    let last_revision = script.find(&format!("-> {}\n", required.name()));
    assert!(
        last_revision < roles && roles < policies && last_revision.is_some(),
        "{script}"
    );
}

#[test]
fn a_missing_extension_names_the_package_that_provides_it() {
    let db = database();
    let mut client = connect(&db);
    assert_eq!(
        count(
            &mut client,
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'"
        ),
        0,
        "this test needs a server without PostGIS; the disposable local and container servers have none"
    );
    let error = Runner::new(fixture("missing_extension"))
        .upgrade(&mut client, Target::Head)
        .expect_err("postgis is not installed")
        .to_string();
    assert!(
        error.contains("202511121400_enable_postgis")
            && error
                .contains("fixtures/missing_extension/versions/202511121400_enable_postgis.sql:")
            && error
                .contains("install the package postgresql-<v>-postgis-3 on the database server"),
        "{error}"
    );
}
