//! libpq's sslmodes against a local server with TLS on: each mode encrypts, and checks the
//! certificate, exactly as libpq does.

use migrations_disposable::{DisposableDb, DisposableError, DisposableServer, ServerOptions};
use migrations_runtime::{DatabaseUrl, Runner, Target};

const PASSWORD: &str = "Tls-pw-31c9";

/// Whether the session of `client` is encrypted.
fn encrypted(client: &mut postgres::Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .expect("pg_stat_ssl")
        .get(0)
}

/// A server with TLS on, a database whose schema `tls_user` owns, and its CA's path; `None` when
/// the installation was built without SSL (the PyPI builds of 16 and 18), the one reason accepted,
/// which the server's own log gives.
fn tls_server() -> Option<(DisposableServer, DisposableDb, String)> {
    let server = match DisposableServer::start(ServerOptions {
        tls: true,
        ..ServerOptions::default()
    }) {
        Ok(server) => server,
        Err(error @ DisposableError::TlsUnsupported { .. }) => {
            eprintln!("not run: {error}");
            return None;
        }
        Err(error) => panic!("TLS server: {error}"),
    };
    let db = server.create_db().expect("database");
    server.create_role("tls_user", PASSWORD).expect("role");
    db.connect()
        .expect("admin")
        .batch_execute("ALTER SCHEMA public OWNER TO tls_user")
        .expect("grant");
    let ca = server
        .ca_cert_path()
        .expect("the server has a CA")
        .display()
        .to_string();
    Some((server, db, ca))
}

#[test]
fn every_sslmode_does_what_libpq_does() {
    let Some((server, db, ca)) = tls_server() else {
        return;
    };
    let base = server
        .tcp_url(db.name(), "tls_user", PASSWORD)
        .expect("URL");
    let port = server.tcp_port().expect("a TCP port");

    let connect = |url: &str| -> Result<bool, String> {
        let url: DatabaseUrl = url
            .parse()
            .map_err(|e: migrations_runtime::ConnectError| e.to_string())?;
        let mut client = url.connect().map_err(|e| e.to_string())?;
        Ok(encrypted(&mut client))
    };
    let with = |params: &[(&str, &str)]| {
        params
            .iter()
            .fold(base.clone(), |url, (k, v)| url.with_param(k, v))
            .expose()
            .to_owned()
    };
    assert_eq!(connect(&with(&[("sslmode", "disable")])), Ok(false));
    assert_eq!(connect(&with(&[("sslmode", "prefer")])), Ok(true));
    assert_eq!(connect(base.expose()), Ok(true), "prefer is the default");
    assert_eq!(connect(&with(&[("sslmode", "require")])), Ok(true));
    assert_eq!(
        connect(&with(&[("sslmode", "verify-ca"), ("sslrootcert", &ca)])),
        Ok(true)
    );
    assert_eq!(
        connect(&with(&[("sslmode", "verify-full"), ("sslrootcert", &ca)])),
        Ok(true)
    );

    // A certificate from a CA that is not trusted.
    let untrusted = connect(&with(&[
        ("sslmode", "verify-ca"),
        ("sslrootcert", "system"),
    ]))
    .expect_err("not trusted");
    assert!(untrusted.contains("certificate"), "{untrusted}");
    // The host name is checked by verify-full only.
    let other_name = format!(
        "host=db.example.invalid hostaddr=127.0.0.1 port={port} user=tls_user password={PASSWORD} dbname={} sslrootcert={ca}",
        db.name()
    );
    assert_eq!(
        connect(&format!("{other_name} sslmode=verify-ca")),
        Ok(true)
    );
    let mismatch =
        connect(&format!("{other_name} sslmode=verify-full")).expect_err("name mismatch");
    assert!(
        mismatch.contains("certificate") && !mismatch.contains(PASSWORD),
        "{mismatch}"
    );
    // No root certificate at all: a clear error naming the file libpq would read.
    let home = std::env::temp_dir().join(format!("tls-home-{}", std::process::id()));
    let no_root = std::process::Command::new(env!("CARGO_BIN_EXE_fixture-migrate"))
        .arg("current")
        .env("HOME", &home)
        .env(
            "MIGRATE_FIXTURE_DIR",
            migrations_tests::fixture_dir("basic"),
        )
        .env("DATABASE_URL", with(&[("sslmode", "verify-full")]))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&no_root.stderr);
    assert!(
        stderr.starts_with("error: cannot read sslrootcert ")
            && stderr.contains(".postgresql/root.crt"),
        "{stderr}"
    );
    assert!(!stderr.contains(PASSWORD));

    // The runner migrates over a verified connection.
    let url: DatabaseUrl = with(&[("sslmode", "verify-full"), ("sslrootcert", &ca)])
        .parse()
        .expect("URL");
    let mut client = url.connect().expect("connect");
    let report = Runner::new(migrations_tests::fixture("basic"))
        .upgrade(&mut client, Target::Head)
        .expect("upgrade");
    assert_eq!(report.steps.len(), 4);
}

#[test]
fn the_async_driver_connects_with_tls_too() {
    let Some((server, db, ca)) = tls_server() else {
        return;
    };
    let url = server
        .tcp_url(db.name(), "tls_user", PASSWORD)
        .expect("URL")
        .with_param("sslmode", "verify-full")
        .with_param("sslrootcert", &ca);
    let url: DatabaseUrl = url.expose().parse().expect("URL");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let ssl: bool = runtime.block_on(async {
        let client = url.connect_async().await.expect("connect");
        client
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await
            .expect("query")
            .get(0)
    });
    assert!(ssl);
}
