//! The child-process side of the tests: with `MIGRATIONS_DISPOSABLE_TEST_CHILD` set, this test plays
//! a role (choose a backend, hold a server until killed, …) and reports on stdout; otherwise it
//! passes at once.

use std::time::Duration;

use migrations_disposable::{Backend, DisposableServer, ServerOptions, select_backend};

use crate::support::{CHILD_ROLE, REPORT};

#[test]
fn entry() {
    let Ok(role) = std::env::var(CHILD_ROLE) else {
        return;
    };
    match role.as_str() {
        "select" => match select_backend() {
            Ok(backend) => println!("{REPORT}backend={backend}"),
            Err(error) => {
                for line in error.to_string().lines() {
                    println!("{REPORT}{line}");
                }
            }
        },
        "start-local" => match DisposableServer::start(ServerOptions {
            backend: Some(Backend::Local),
            ..ServerOptions::default()
        }) {
            Ok(server) => println!(
                "{REPORT}started {}",
                server.cluster_dir().unwrap().display()
            ),
            Err(error) => {
                for line in error.to_string().lines() {
                    println!("{REPORT}{line}");
                }
            }
        },
        "hold-local" => {
            let server = DisposableServer::start(ServerOptions {
                backend: Some(Backend::Local),
                ..ServerOptions::default()
            })
            .unwrap_or_else(|error| panic!("{error}"));
            let database = server.create_db().unwrap();
            println!(
                "{REPORT}READY dir={} db={}",
                server.cluster_dir().unwrap().display(),
                database.name()
            );
            hold();
        }
        "hold-shared" => {
            let server = DisposableServer::shared().unwrap_or_else(|error| panic!("{error}"));
            let database = server.create_db().unwrap();
            println!(
                "{REPORT}READY backend={} dir={} container={} db={}",
                server.backend(),
                server
                    .cluster_dir()
                    .map_or("-".into(), |dir| dir.display().to_string()),
                server.container_id().unwrap_or("-"),
                database.name()
            );
            hold();
        }
        other => panic!("unknown child role {other}"),
    }
}

/// Waits to be killed; exits on its own after a minute so that a broken test leaves no process.
fn hold() {
    std::thread::sleep(Duration::from_secs(60));
    std::process::exit(3);
}
