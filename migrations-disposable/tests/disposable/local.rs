//! Local backend extras: TCP with passwords, TLS with a verifiable certificate, restarts.

use std::str::FromStr;
use std::sync::Arc;

use migrations_disposable::{Backend, DisposableError, ServerOptions};
use postgres::error::SqlState;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::support::{local, local_tls};

const PASSWORD: &str = "correct horse battery staple";

/// A rustls connector trusting only `ca` (or nothing at all).
fn tls_trusting(ca: Option<&std::path::Path>) -> MakeRustlsConnect {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    if let Some(ca) = ca {
        for certificate in CertificateDer::pem_file_iter(ca).unwrap() {
            roots.add(certificate.unwrap()).unwrap();
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    MakeRustlsConnect::new(config)
}

#[test]
fn tls_connections_verify_against_the_cluster_authority() {
    let Some(server) = local_tls(ServerOptions::default()) else {
        return;
    };
    assert_eq!(server.backend(), Backend::Local);
    server.create_role("app", PASSWORD).unwrap();
    let database = server.create_db().unwrap();
    let ca = server.ca_cert_path().expect("a TLS cluster has a CA");
    let url = server
        .tcp_url(database.name(), "app", PASSWORD)
        .unwrap()
        .with_param("sslmode", "require");
    assert!(!url.to_string().contains(PASSWORD), "{url}");

    // The certificate names both 127.0.0.1 and localhost, so full verification passes for either.
    for host in ["127.0.0.1", "localhost"] {
        let mut config = postgres::Config::from_str(url.expose()).unwrap();
        config.host(host);
        let mut client = config
            .connect(tls_trusting(Some(ca)))
            .unwrap_or_else(|error| panic!("TLS to {host}: {error}"));
        let (ssl, user): (bool, String) = client
            .query_one(
                "SELECT ssl, current_user::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .map(|row| (row.get(0), row.get(1)))
            .unwrap();
        assert!(ssl);
        assert_eq!(user, "app");
    }

    // A client that does not trust the cluster's authority is refused by its own verification.
    let untrusting = postgres::Config::from_str(url.expose())
        .unwrap()
        .connect(tls_trusting(None));
    assert!(untrusting.is_err());
}

#[test]
fn tcp_asks_for_passwords_and_rejects_wrong_ones() {
    let server = local(ServerOptions {
        tcp: true,
        ..ServerOptions::default()
    });
    server.create_role("app", PASSWORD).unwrap();
    let database = server.create_db().unwrap();
    let port = server.tcp_port().expect("a TCP cluster has a port");
    assert!(server.ca_cert_path().is_none());

    let good = server.tcp_url(database.name(), "app", PASSWORD).unwrap();
    assert!(good.expose().contains(&format!("127.0.0.1:{port}/")));
    let mut client = postgres::Client::connect(good.expose(), postgres::NoTls)
        .unwrap_or_else(|error| panic!("{error}"));
    client.query_one("SELECT 1", &[]).unwrap();

    let wrong_password = "not the password";
    let bad = server
        .tcp_url(database.name(), "app", wrong_password)
        .unwrap();
    let Err(error) = postgres::Client::connect(bad.expose(), postgres::NoTls) else {
        panic!("a wrong password was accepted");
    };
    assert_eq!(error.code(), Some(&SqlState::INVALID_PASSWORD), "{error}");
    assert!(!error.to_string().contains(wrong_password));
    assert!(!format!("{error:?}").contains(wrong_password));

    // TLS was not asked for: the server has none.
    let required = good.with_param("sslmode", "require");
    assert!(postgres::Client::connect(required.expose(), tls_trusting(None)).is_err());
}

#[test]
fn restart_terminates_sessions_and_serves_again() {
    let server = local(ServerOptions::default());
    let error = server.tcp_url("postgres", "app", PASSWORD).unwrap_err();
    assert!(
        matches!(error, DisposableError::Unsupported { .. }),
        "a socket-only cluster gave a TCP URL: {error}"
    );
    let database = server.create_db().unwrap();
    let mut before = database.connect().unwrap();
    before.batch_execute("CREATE TABLE kept (id int)").unwrap();
    server.restart().unwrap();
    assert!(before.query("SELECT 1", &[]).is_err());
    let mut after = database.connect().unwrap();
    after.query("SELECT * FROM kept", &[]).unwrap();
    // The maintenance connection reconnects by itself.
    let another = server.create_db().unwrap();
    drop(another);
}

#[test]
fn a_dropped_server_leaves_no_cluster_behind() {
    let server = local(ServerOptions::default());
    let dir = server.cluster_dir().unwrap().to_path_buf();
    let pid = crate::support::postmaster_pid(&dir).unwrap();
    let database = server.create_db().unwrap();
    drop(server);
    assert!(!dir.exists());
    assert!(!crate::support::process_exists(pid));
    // A database outliving its server is a no-op on drop.
    drop(database);
}

#[test]
fn a_server_that_fails_to_start_reports_the_end_of_its_log() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = crate::support::ScratchDir::new("failing-start");
    let real = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
        .unwrap();
    let real = String::from_utf8(real.stdout).unwrap().trim().to_owned();
    let bindir = scratch.0.join("bin");
    std::fs::create_dir(&bindir).unwrap();
    std::os::unix::fs::symlink(format!("{real}/initdb"), bindir.join("initdb")).unwrap();
    let fake = bindir.join("postgres");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\n[ \"$1\" = --version ] && exec {real}/postgres --version\n\
             echo 'FATAL:  simulated start failure' >&2\nexit 1\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let base = scratch.0.join("clusters");
    let report = crate::support::run_child(
        "start-local",
        &[
            ("DISPOSABLE_PG_BINDIR", bindir.to_str().unwrap()),
            ("DISPOSABLE_PG_DIR", base.to_str().unwrap()),
        ],
    );
    assert!(
        report.starts_with("local backend: postgres for "),
        "{report}"
    );
    assert!(
        report.contains("did not start: it exited (exit status: 1)"),
        "{report}"
    );
    assert!(
        report.ends_with("FATAL:  simulated start failure"),
        "{report}"
    );
    // The failed cluster was removed; only the initdb cache and locks remain.
    let leftovers: Vec<String> = std::fs::read_dir(&base)
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with("dpg-initdb-") && !name.ends_with(".lock"))
        .collect();
    assert_eq!(leftovers, Vec::<String>::new());
}
