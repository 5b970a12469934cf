//! The server backend, on a local cluster standing in for a shared server, through a role that has
//! only CREATEDB (and CREATEROLE where roles are the subject).

use migrations_disposable::{Backend, DisposableError, DisposableServer, SecretUrl, ServerOptions};

use crate::support::{database_exists, local, role_exists};

const PASSWORD: &str = "creator-password";

/// A TCP cluster with a role `creator` that has `attributes`, and the server-backend URL for it.
fn shared_server_with_role(attributes: &str) -> (DisposableServer, SecretUrl) {
    let host = local(ServerOptions {
        tcp: true,
        ..ServerOptions::default()
    });
    host.create_role("creator", PASSWORD).unwrap();
    host.connect_admin()
        .unwrap()
        .batch_execute(&format!("ALTER ROLE creator {attributes}"))
        .unwrap();
    let url = host.tcp_url("postgres", "creator", PASSWORD).unwrap();
    (host, url)
}

fn server_backend(url: &SecretUrl) -> Result<DisposableServer, DisposableError> {
    DisposableServer::start(ServerOptions {
        backend: Some(Backend::Server),
        server_url: Some(url.clone()),
        ..ServerOptions::default()
    })
}

#[test]
fn databases_are_created_and_dropped_with_createdb_only() {
    let (host, url) = shared_server_with_role("CREATEDB");
    let server = server_backend(&url).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(server.backend(), Backend::Server);
    assert!(!format!("{server:?}").contains(PASSWORD));

    let database = server.create_db().unwrap();
    let name = database.name().to_owned();
    assert!(database.url().expose().contains(&format!("/{name}")));
    database
        .connect()
        .unwrap()
        .batch_execute("CREATE TABLE t (id int)")
        .unwrap();
    let template = server
        .create_template(|database| {
            database
                .connect()?
                .batch_execute("CREATE TABLE t (id int)")?;
            Ok(())
        })
        .unwrap();
    let clone = server.create_db_from(&template).unwrap();
    let copy = server.clone_db(&database).unwrap();
    let names = [
        name.clone(),
        template.name().to_owned(),
        clone.name().to_owned(),
        copy.name().to_owned(),
    ];
    drop(database);
    assert!(!database_exists(&host, &name));
    // Whatever is still alive goes with the server.
    drop(server);
    for name in &names {
        assert!(!database_exists(&host, name), "{name} survived its server");
    }
    drop((template, clone, copy));
}

#[test]
fn a_role_without_createdb_is_told_what_to_grant() {
    let (_host, url) = shared_server_with_role("NOCREATEDB");
    let error = server_backend(&url).unwrap_err();
    assert!(
        matches!(error, DisposableError::MissingCreatedb { .. }),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        "server backend: role creator cannot create databases; grant it with ALTER ROLE creator \
         CREATEDB, or use another role in DISPOSABLE_PG_SERVER_URL"
    );
}

#[test]
fn an_unreachable_server_is_a_clear_error_without_password() {
    let url = SecretUrl::new("postgresql://creator:hunter2@127.0.0.1:1/postgres");
    let error = server_backend(&url).unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(
            "server backend: could not connect to postgresql://creator:***@127.0.0.1:1/postgres: "
        ),
        "{message}"
    );
    assert!(!message.contains("hunter2") && !format!("{error:?}").contains("hunter2"));
}

#[test]
fn the_start_up_sweep_drops_only_our_debris() {
    let (host, url) = shared_server_with_role("CREATEDB");
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_owned();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let dead_pid = {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    };
    let marker = |host: &str, pid: u32, created: u64, keep: u8| {
        format!(
            "migrations-disposable run=0badc0de host={host} pid={pid} start=1 created={created} keep={keep}"
        )
    };
    let cases = [
        (
            "dpg_sweep_dead",
            Some(marker(&hostname, dead_pid, now, 0)),
            false,
        ),
        (
            "dpg_sweep_kept",
            Some(marker(&hostname, dead_pid, now, 1)),
            true,
        ),
        (
            "dpg_sweep_alive",
            Some(marker(&hostname, std::process::id(), now, 0)),
            true,
        ),
        (
            "dpg_sweep_elsewhere",
            Some(marker("elsewhere", dead_pid, now, 0)),
            true,
        ),
        (
            "dpg_sweep_old",
            Some(marker("elsewhere", dead_pid, now - 25 * 3600, 0)),
            false,
        ),
        ("dpg_sweep_unmarked", None, true),
        (
            "dpg_sweep_foreign_comment",
            Some("a team's scratch database".to_owned()),
            true,
        ),
        (
            "sweep_unprefixed",
            Some(marker(&hostname, dead_pid, now, 0)),
            true,
        ),
    ];
    // The alive case claims this very process with start=1, which is not its start time: fix that.
    let my_start = std::fs::read_to_string(format!("/proc/{}/stat", std::process::id()))
        .unwrap()
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .nth(19)
        .unwrap()
        .to_owned();
    let mut creator = postgres::Client::connect(url.expose(), postgres::NoTls).unwrap();
    for (name, comment, _) in &cases {
        creator
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        if let Some(comment) = comment {
            let comment = if *name == "dpg_sweep_alive" {
                comment.replace("start=1", &format!("start={my_start}"))
            } else {
                comment.clone()
            };
            creator
                .batch_execute(&format!(
                    "COMMENT ON DATABASE {name} IS '{}'",
                    comment.replace('\'', "''")
                ))
                .unwrap();
        }
    }
    let server = server_backend(&url).unwrap();
    for (name, _, survives) in &cases {
        assert_eq!(database_exists(&host, name), *survives, "{name}");
    }
    drop(server);
    for (name, _, survives) in &cases {
        if *survives {
            creator
                .batch_execute(&format!("DROP DATABASE {name}"))
                .unwrap();
        }
    }
}

#[test]
fn roles_created_meanwhile_are_dropped_with_the_last_database() {
    let (host, url) = shared_server_with_role("CREATEDB CREATEROLE");
    let server = server_backend(&url).unwrap();
    let database = server.create_db().unwrap();
    let mut client = database.connect().unwrap();
    client
        .batch_execute("CREATE ROLE revision_role; CREATE ROLE granted_elsewhere;")
        .unwrap();
    drop(client);
    host.connect_admin()
        .unwrap()
        .batch_execute("GRANT CONNECT ON DATABASE postgres TO granted_elsewhere")
        .unwrap();
    assert!(role_exists(&host, "revision_role"));
    assert!(matches!(
        server.create_role("x", "y"),
        Err(DisposableError::Unsupported { .. })
    ));
    drop(database);
    assert!(!role_exists(&host, "revision_role"));
    // Granted something in a database that is not ours: not ours to drop.
    assert!(role_exists(&host, "granted_elsewhere"));
    assert!(role_exists(&host, "creator"));
}

#[test]
fn a_server_of_another_major_than_the_one_asked_for_is_refused() {
    let (host, url) = shared_server_with_role("CREATEDB");
    let major = host.server_version_num() / 10_000;
    let error = DisposableServer::start(ServerOptions {
        backend: Some(Backend::Server),
        server_url: Some(url.clone()),
        pg_version: Some(major + 1),
        ..ServerOptions::default()
    })
    .expect_err("a server of another major");
    assert_eq!(
        error.to_string(),
        format!(
            "the server backend runs PostgreSQL {}, but PostgreSQL {} was asked for \
             (DISPOSABLE_PG_VERSION or --pg-version); point DISPOSABLE_PG_SERVER_URL at a server of that version, \
             or unset it for the local backend",
            host.server_version(),
            major + 1
        )
    );
    let same = DisposableServer::start(ServerOptions {
        backend: Some(Backend::Server),
        server_url: Some(url),
        pg_version: Some(major),
        ..ServerOptions::default()
    })
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(same.server_version(), host.server_version());
}
