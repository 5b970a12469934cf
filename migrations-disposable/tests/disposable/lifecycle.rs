//! Databases of the shared server: dropped on drop and on panic, templates and copies, and the
//! ownership checks that keep a database we did not create alive.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

use migrations_disposable::{DisposableError, DisposableServer};

use crate::support::{database_exists, shared};

fn count_rows(url: &str, table: &str) -> i64 {
    postgres::Client::connect(url, postgres::NoTls)
        .unwrap()
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .unwrap()
        .get(0)
}

#[test]
fn a_database_is_fresh_usable_and_dropped_with_its_value() {
    let server = shared();
    let database = server.create_db().unwrap();
    let name = database.name().to_owned();
    assert!(name.starts_with("dpg_"), "{name}");
    let mut client = database.connect().unwrap();
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0);
    client.batch_execute("CREATE TABLE t (id int)").unwrap();
    // An open connection does not keep the database alive.
    drop(database);
    assert!(!database_exists(server, &name));
    assert!(client.query("SELECT 1", &[]).is_err());
}

#[test]
fn a_database_is_dropped_when_its_test_panics() {
    let server = shared();
    let created = Mutex::new(None);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let database = server.create_db().unwrap();
        *created.lock().unwrap() = Some(database.name().to_owned());
        panic!("the test fails while the database is alive");
    }));
    assert!(outcome.is_err());
    let name = created.lock().unwrap().clone().unwrap();
    assert!(!database_exists(server, &name));
}

#[test]
fn the_url_works_for_other_clients_and_hides_nothing_it_should_not() {
    let server = shared();
    let database = server.create_db().unwrap();
    let url = database.url();
    assert!(url.expose().starts_with("postgresql://"));
    assert_eq!(count_rows(url.expose(), "pg_database WHERE false"), 0);
    let shown = format!("{url} {url:?} {database:?} {server:?}");
    if let Some(password) = password_of(url.expose()) {
        assert!(!shown.contains(&password), "{shown}");
    }
}

/// The password in a URL, if it has one.
fn password_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let userinfo = &rest[..rest.rfind('@')?];
    Some(userinfo.split_once(':')?.1.to_owned())
}

#[test]
fn templates_are_built_once_and_cloned_independently() {
    let server = shared();
    let template = server
        .create_template(|database| {
            let mut client = database.connect()?;
            client.batch_execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2);")?;
            Ok(())
        })
        .unwrap();
    let first = server.create_db_from(&template).unwrap();
    let second = server.create_db_from(&template).unwrap();
    first
        .connect()
        .unwrap()
        .batch_execute("INSERT INTO t VALUES (3)")
        .unwrap();
    assert_eq!(count_rows(first.url().expose(), "t"), 3);
    assert_eq!(count_rows(second.url().expose(), "t"), 2);

    let frozen = server
        .connect_admin()
        .unwrap()
        .query_one(
            "SELECT datistemplate, datallowconn FROM pg_database WHERE datname = $1",
            &[&template.name()],
        )
        .unwrap();
    assert!(frozen.get::<_, bool>(0));
    assert!(!frozen.get::<_, bool>(1));

    let name = template.name().to_owned();
    drop(template);
    assert!(!database_exists(server, &name));
    // Clones live on after their template.
    assert_eq!(count_rows(second.url().expose(), "t"), 2);
}

#[test]
fn a_failing_template_build_leaves_nothing() {
    let server = shared();
    let seen = Mutex::new(String::new());
    let error = server
        .create_template(|database| {
            *seen.lock().unwrap() = database.name().to_owned();
            database.connect()?.batch_execute("CREATE TABLE broken (")?;
            Ok(())
        })
        .unwrap_err();
    let name = seen.lock().unwrap().clone();
    assert!(
        matches!(error, DisposableError::TemplateBuild { .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .starts_with(&format!("building template database {name} failed: "))
    );
    assert!(!database_exists(server, &name));
}

#[test]
fn clone_db_copies_the_current_state_and_terminates_open_sessions() {
    let server = shared();
    let original = server.create_db().unwrap();
    let mut session = original.connect().unwrap();
    session
        .batch_execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1);")
        .unwrap();
    let copy = server.clone_db(&original).unwrap();
    assert_eq!(count_rows(copy.url().expose(), "t"), 1);
    // The open session was ours and had to go; the original accepts connections again.
    assert!(session.query("SELECT 1", &[]).is_err());
    assert_eq!(count_rows(original.url().expose(), "t"), 1);
}

#[test]
fn a_database_whose_marker_changed_is_left_alone() {
    let server = shared();
    let database = server.create_db().unwrap();
    let name = database.name().to_owned();
    let mut admin = server.connect_admin().unwrap();
    admin
        .batch_execute(&format!(
            "COMMENT ON DATABASE \"{name}\" IS 'someone else''s now'"
        ))
        .unwrap();
    let error = database.remove().unwrap_err();
    assert!(matches!(error, DisposableError::NotOurs { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("its comment no longer carries the marker"),
        "{error}"
    );
    assert!(database_exists(server, &name));
    admin
        .batch_execute(&format!("DROP DATABASE \"{name}\""))
        .unwrap();
}

#[test]
fn a_database_recreated_under_our_name_is_left_alone() {
    let server = shared();
    let database = server.create_db().unwrap();
    let name = database.name().to_owned();
    let mut admin = server.connect_admin().unwrap();
    let comment: String = admin
        .query_one(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
            &[&name],
        )
        .unwrap()
        .get(0);
    // Same name, same comment, another database: only the oid tells.
    admin
        .batch_execute(&format!("DROP DATABASE \"{name}\""))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .unwrap();
    admin
        .batch_execute(&format!(
            "COMMENT ON DATABASE \"{name}\" IS '{}'",
            comment.replace('\'', "''")
        ))
        .unwrap();
    let error = database.remove().unwrap_err();
    assert!(
        error.to_string().contains("another database took the name"),
        "{error}"
    );
    assert!(database_exists(server, &name));
    admin
        .batch_execute(&format!("DROP DATABASE \"{name}\""))
        .unwrap();
}

#[test]
fn databases_of_another_server_are_refused() {
    let other = crate::support::local(Default::default());
    let foreign = other.create_db().unwrap();
    let error = shared().clone_db(&foreign).unwrap_err();
    assert!(
        matches!(error, DisposableError::ForeignDatabase { .. }),
        "{error}"
    );
}

#[test]
fn every_method_works_from_inside_an_async_runtime() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    // The sync client returned by connect may only be used and dropped outside the runtime.
    let client = runtime.block_on(async {
        let server = DisposableServer::shared().unwrap();
        let database = server.create_db().unwrap();
        let client = database.connect().unwrap_or_else(|error| panic!("{error}"));
        let template = server.create_template(|_| Ok(())).unwrap();
        drop(server.create_db_from(&template).unwrap());
        drop(template);
        drop(database);
        client
    });
    drop(client);
}
