//! The container backend, wherever a Docker engine answers. An engine without the image is a
//! failure that says how to build it, never a skip.

use std::process::Command;

use migrations_disposable::{
    Backend, DisposableError, DisposableServer, ServerOptions, check_backend,
};

use crate::support::RunningChild;

/// Whether a Docker engine answers; an engine without the image fails the test with the fix.
fn engine_answers() -> bool {
    match check_backend(Backend::Container) {
        Ok(()) => true,
        Err(DisposableError::BackendUnavailable { missing, .. }) => {
            eprintln!("container backend not tested here: {missing}");
            false
        }
        Err(error) => panic!("{error}"),
    }
}

fn start_container() -> DisposableServer {
    DisposableServer::start(ServerOptions {
        backend: Some(Backend::Container),
        ..ServerOptions::default()
    })
    .unwrap_or_else(|error| panic!("{error}"))
}

/// Whether the engine still knows the container (`None`: no docker command to ask).
fn container_exists(id: &str) -> Option<bool> {
    let status = Command::new("docker")
        .args(["container", "inspect", "--format", "{{.Id}}", id])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .ok()?;
    Some(status.success())
}

#[test]
fn the_container_backend_serves_disposable_databases() {
    if !engine_answers() {
        return;
    }
    let server = start_container();
    assert_eq!(server.backend(), Backend::Container);
    let id = server.container_id().unwrap().to_owned();
    let database = server.create_db().unwrap();
    let mut client = database.connect().unwrap_or_else(|error| panic!("{error}"));
    let fsync: String = client
        .query_one("SELECT current_setting('fsync')", &[])
        .unwrap()
        .get(0);
    assert_eq!(fsync, "off");
    client.batch_execute("CREATE TABLE t (id int)").unwrap();
    let template = server
        .create_template(|database| {
            database
                .connect()?
                .batch_execute("CREATE TABLE from_template (id int)")?;
            Ok(())
        })
        .unwrap();
    let clone = server.create_db_from(&template).unwrap();
    clone
        .connect()
        .unwrap()
        .query("SELECT * FROM from_template", &[])
        .unwrap();
    let shown = format!("{server:?} {database:?} {}", database.url());
    let password = database
        .url()
        .expose()
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, password)| password.to_owned())
        .unwrap();
    assert!(!shown.contains(&password), "{shown}");
    drop((client, clone, template, database));
    drop(server);
    assert_ne!(container_exists(&id), Some(true), "container {id} survived");
}

#[test]
fn a_killed_run_leaves_a_container_that_the_next_start_removes() {
    if !engine_answers() {
        return;
    }
    let image = std::env::var("DISPOSABLE_PG_IMAGE").unwrap_or_default();
    let mut settings = vec![("DISPOSABLE_PG", "container")];
    if !image.is_empty() {
        settings.push(("DISPOSABLE_PG_IMAGE", image.as_str()));
    }
    let child = RunningChild::spawn("hold-shared", &settings);
    let id = child.get("container").to_owned();
    child.signal(libc::SIGKILL);
    child.wait();
    if let Some(exists) = container_exists(&id) {
        assert!(
            exists,
            "SIGKILL runs no cleanup, yet container {id} is gone"
        );
    }
    let next = start_container();
    assert_ne!(
        container_exists(&id),
        Some(true),
        "debris container {id} survived the sweep"
    );
    drop(next);
}
