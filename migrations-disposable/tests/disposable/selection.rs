//! Backend selection from the environment, each case in a child process with exactly its settings.

use expect_test::{Expect, expect};

use crate::support::run_child;

/// A Docker endpoint that certainly does not answer.
const NO_DOCKER: (&str, &str) = ("DOCKER_HOST", "unix:///nonexistent/docker.sock");

fn check(settings: &[(&str, &str)], expected: Expect) {
    expected.assert_eq(&run_child("select", settings));
}

#[test]
fn a_forced_backend_that_cannot_work_is_an_error_naming_what_is_missing() {
    check(
        &[("DISPOSABLE_PG", "server")],
        expect![[
            r#"the server backend was requested but DISPOSABLE_PG_SERVER_URL is not set; set DISPOSABLE_PG_SERVER_URL=postgresql://user:password@host:port/postgres for a role with CREATEDB"#
        ]],
    );
    check(
        &[
            ("DISPOSABLE_PG", "local"),
            ("DISPOSABLE_PG_BINDIR", "/nonexistent/bin"),
        ],
        expect![[
            r#"the local backend was requested but DISPOSABLE_PG_BINDIR=/nonexistent/bin does not contain executable initdb and postgres; install the PostgreSQL server binaries (e.g. apt-get install postgresql) or set DISPOSABLE_PG_BINDIR to the directory holding initdb and postgres"#
        ]],
    );
    check(
        &[("DISPOSABLE_PG", "container"), NO_DOCKER],
        expect![[
            r#"the container backend was requested but the Docker engine socket /nonexistent/docker.sock does not answer: No such file or directory (os error 2); start the Docker engine, or point DOCKER_HOST at one (unix:// or tcp://)"#
        ]],
    );
}

#[test]
fn nothing_available_lists_the_three_ways() {
    check(
        &[NO_DOCKER, ("DISPOSABLE_PG_BINDIR", "/nonexistent/bin")],
        expect![[r#"
            no disposable PostgreSQL is available
              container: the Docker engine socket /nonexistent/docker.sock does not answer: No such file or directory (os error 2)
              local: DISPOSABLE_PG_BINDIR=/nonexistent/bin does not contain executable initdb and postgres
              server: DISPOSABLE_PG_SERVER_URL is not set
            enable one of them:
              container: start a Docker engine and make the image present (build the local image with ci/postgres-image/build.sh and set DISPOSABLE_PG_IMAGE=local/postgres:15, or make a registry reachable so that postgres:15-alpine can be pulled)
              local: install the PostgreSQL server binaries (e.g. apt-get install postgresql) or set DISPOSABLE_PG_BINDIR to the directory holding initdb and postgres
              server: set DISPOSABLE_PG_SERVER_URL=postgresql://user:password@host:port/postgres for a role with CREATEDB"#]],
    );
}

#[test]
fn automatic_choice_prefers_server_then_container_then_local() {
    check(
        &[
            NO_DOCKER,
            (
                "DISPOSABLE_PG_SERVER_URL",
                "postgresql://someone:secret@127.0.0.1:1/postgres",
            ),
        ],
        expect!["backend=server"],
    );
    check(&[NO_DOCKER], expect!["backend=local"]);
    // An engine that answers without the image (and without a registry) is passed over quickly.
    check(
        &[("DISPOSABLE_PG_IMAGE", "migrations-disposable-test/absent:0")],
        expect!["backend=local"],
    );
}

#[test]
fn a_major_version_asked_for_means_a_local_installation_of_it() {
    // Even with an engine and an image at hand: a container runs its image's version.
    check(
        &[
            ("DISPOSABLE_PG_VERSION", "15"),
            ("DISPOSABLE_PG_IMAGE", "local/postgres:15"),
        ],
        expect!["backend=local"],
    );
    // Forced or chosen automatically, the same error: it names the places searched and the fix.
    let missing = "local backend: PostgreSQL 99 was asked for (DISPOSABLE_PG_VERSION or --pg-version) but not found; \
        searched /usr/lib/postgresql/99/bin: no executable initdb and postgres; \
        /opt/postgresql/99/bin: no executable initdb and postgres; \
        install it with `bash ci/install-postgres.sh 99`, \
        or set DISPOSABLE_PG_BINDIR to the bin directory of a PostgreSQL 99";
    for settings in [
        [NO_DOCKER, ("DISPOSABLE_PG_VERSION", "99")],
        [("DISPOSABLE_PG", "local"), ("DISPOSABLE_PG_VERSION", "99")],
    ] {
        assert_eq!(run_child("select", &settings), missing, "{settings:?}");
    }
}

#[test]
fn invalid_settings_are_named() {
    check(
        &[("DISPOSABLE_PG", "docker")],
        expect![[
            r#"DISPOSABLE_PG="docker" is not valid: expected auto, container, local or server"#
        ]],
    );
    check(
        &[("DISPOSABLE_PG_VERSION", "18.6")],
        expect![[
            r#"DISPOSABLE_PG_VERSION="18.6" is not valid: expected a PostgreSQL major version such as 15, 16 or 18"#
        ]],
    );
    check(
        &[("DISPOSABLE_PG_SERVER_URL", "host=db password=secret")],
        expect![[
            r#"DISPOSABLE_PG_SERVER_URL="host=db password=***" is not valid: expected a postgresql://user:password@host:port/database URL"#
        ]],
    );
}
