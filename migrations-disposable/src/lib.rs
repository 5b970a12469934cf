//! Disposable PostgreSQL databases for tests and `verify`: a container, a local throwaway cluster or a given server.
//!
//! One server per process, one fresh database per test:
//!
//! ```no_run
//! use migrations_disposable::DisposableServer;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = DisposableServer::shared()?;
//! let db = server.create_db()?;              // dpg_<run>_<n>, empty
//! let mut client = db.connect()?;            // or db.url().expose() for another driver or psql
//! client.batch_execute("CREATE TABLE t (id int)")?;
//! # Ok(()) }                                 // db dropped here, even if the test panics
//! ```
//!
//! For many tests starting from the same migrated state, build a template once and clone it
//! ([`DisposableServer::create_template`], [`DisposableServer::create_db_from`]); to snapshot a
//! database in its current state, [`DisposableServer::clone_db`].
//!
//! # Backends
//!
//! * **container**: a PostgreSQL container started with `testcontainers` (image
//!   `DISPOSABLE_PG_IMAGE`, default the official `postgres:15-alpine`), its data on tmpfs. Where a
//!   Docker engine runs but no registry is reachable, `ci/postgres-image/build.sh` builds
//!   `local/postgres:15` from the operating system's packages; set `DISPOSABLE_PG_IMAGE` to it.
//! * **local**: a throwaway cluster from the installed binaries (`DISPOSABLE_PG_BINDIR`, else
//!   `pg_config --bindir`, else the highest `/usr/lib/postgresql/*/bin`, else `PATH`). With
//!   `DISPOSABLE_PG_VERSION=N` it takes the first of `/usr/lib/postgresql/N/bin` and
//!   `/opt/postgresql/N/bin` whose `postgres --version` reports major N (only `DISPOSABLE_PG_BINDIR`
//!   when set, checked the same way); `bash ci/install-postgres.sh N` installs 15, 16 or 18 there,
//!   and the error for a missing one names the places searched. `initdb` runs
//!   once per boot into a cache that every cluster copies; the cluster lives on `/dev/shm` when it has
//!   512 MiB free (else the temporary directory, or `DISPOSABLE_PG_DIR`), with `fsync`,
//!   `synchronous_commit` and `full_page_writes` off, a unix socket in a private `0700` directory
//!   (`trust` there), its log in a file. Run as root, `initdb` and `postgres` run as the OS user
//!   `DISPOSABLE_PG_OS_USER` (default `postgres`). With [`ServerOptions::tcp`] it also listens on
//!   127.0.0.1 with scram-sha-256 passwords, with [`ServerOptions::tls`] also with TLS and a
//!   certificate authority of its own ([`DisposableServer::ca_cert_path`]); an installation built
//!   without OpenSSL (the PyPI builds of 16 and 18) refuses TLS with
//!   [`DisposableError::TlsUnsupported`], which tests of TLS take as the one reason not to run.
//! * **server**: an existing server, `DISPOSABLE_PG_SERVER_URL` (never `DATABASE_URL`, which may
//!   well point at something precious). Its role needs only `CREATEDB`. Only databases are created
//!   there, each marked as ours. The connections to it do not use TLS (`sslmode=prefer` falls back
//!   to plain; a server that requires TLS cannot be used yet).
//!
//! # Choice
//!
//! `DISPOSABLE_PG=auto|container|local|server` (default `auto`); [`ServerOptions::backend`] wins over
//! it. Automatic choice takes the server backend when `DISPOSABLE_PG_SERVER_URL` is set, else the
//! container backend when a Docker engine answers (`DOCKER_HOST` or the usual sockets, one ping) and
//! the image is present or a registry has it, else the local backend when its binaries are found,
//! else fails with an error listing the three ways and how to enable each. A forced backend that
//! cannot work is an error naming what is missing, never a silent fallback. With
//! `DISPOSABLE_PG_VERSION` set, automatic choice is the server backend when its URL is set, else the
//! local backend or its error (an image of that version is seldom at hand where no registry is);
//! the container backend, when forced, defaults to the image `postgres:<N>-alpine`; and a server
//! of another major is refused on every backend ([`DisposableError::VersionMismatch`]), so that
//! nothing passes for a version it never ran on. [`select_backend`] tells
//! which backend would be used without starting anything, [`check_backend`] whether a given one
//! could work. The chosen backend is logged once per server on stderr (one line, no password).
//!
//! [`ServerOptions`] can ask for a backend in code. Without one, `tls` means the local backend, and
//! `tcp` the local backend too unless `DISPOSABLE_PG=container` (containers speak TCP anyway).
//!
//! # Environment
//!
//! | variable | meaning |
//! |---|---|
//! | `DISPOSABLE_PG` | `auto` (default), `container`, `local` or `server` |
//! | `DISPOSABLE_PG_SERVER_URL` | server backend: `postgresql://user:password@host:port/postgres` |
//! | `DISPOSABLE_PG_IMAGE` | container backend: the image (default `postgres:15-alpine`, `postgres:<N>-alpine` with `DISPOSABLE_PG_VERSION=N`) |
//! | `DISPOSABLE_PG_BINDIR` | local backend: the directory holding `initdb` and `postgres` |
//! | `DISPOSABLE_PG_VERSION` | the major version to run, e.g. `18` (default: whichever is found); [`ServerOptions::pg_version`] wins over it |
//! | `DISPOSABLE_PG_OS_USER` | local backend run as root: who runs the server (default `postgres`) |
//! | `DISPOSABLE_PG_DIR` | local backend: where clusters live (default `/dev/shm` when roomy) |
//! | `DISPOSABLE_PG_KEEP` | `1`: remove nothing, print where everything is |
//! | `DISPOSABLE_PG_STALE_HOURS` | age after which debris from other hosts is removed (default 24) |
//! | `DISPOSABLE_PG_SERVER_DROP_ROLES` | server backend: `0` turns the role cleanup off (see below) |
//!
//! # Cleanup
//!
//! * A [`DisposableDb`] is dropped when the value is: on success, on error, and while a panic unwinds
//!   (the default `panic = "unwind"`). A [`DisposableServer`] of [`DisposableServer::start`] is
//!   removed when dropped: container removed, or postmaster stopped (SIGQUIT) and directory deleted,
//!   or, for the server backend, its remaining databases dropped.
//! * The [`shared`](DisposableServer::shared) server lives in a static, which Rust never drops; an
//!   `atexit` handler removes it when the process exits.
//! * On SIGINT, SIGTERM or SIGHUP everything this process created is removed, then the process exits
//!   with 128 + the signal (130, 143, 129). A second signal during that cleanup ends it at once.
//! * SIGKILL and aborts run no code. A local postmaster still stops, through a parent-death signal.
//!   The next start sweeps the rest: cluster directories whose owner process is gone (after checking
//!   that the postmaster named in them really serves that directory), labelled containers of dead
//!   runs, and marked databases of dead runs on this host, or older than `DISPOSABLE_PG_STALE_HOURS`
//!   when made elsewhere.
//! * We never drop what we did not create. Database names start with `dpg_`; each database gets a
//!   comment naming run, host, pid and time; before dropping, the name, the oid recorded at creation
//!   and that exact comment are checked, and a mismatch leaves the database alone
//!   ([`DisposableError::NotOurs`]).
//!
//! # Roles
//!
//! Roles belong to the whole cluster, not to a database, so a revision that creates a role leaves it
//! behind when its database is dropped.
//!
//! * Local and container backends: roles go away with the cluster or container. Within one
//!   (shared) server they are visible to every test: tests that create roles should use unique names
//!   or a server of their own ([`DisposableServer::start`]).
//! * Server backend: best effort. When the first database of a server is created, the existing role
//!   names are recorded. When the last one is dropped, roles that were not there before, are not
//!   superusers and own or are granted nothing in any database (no `pg_shdepend` entry) are dropped.
//!   A role someone else created on that server in the meantime, with nothing granted yet, would be
//!   dropped too; `DISPOSABLE_PG_SERVER_DROP_ROLES=0` turns this off. [`DisposableServer::create_role`]
//!   is refused on this backend.
//!
//! # Speed
//!
//! One server per process, one database per test: a local cluster is ready in about 0.15–0.3 s
//! (cached initdb on tmpfs, `postgres` started directly, readiness read from `postmaster.pid`), a
//! container in a few seconds; a fresh database then takes 20–40 ms and a clone of a 50-table
//! template 30–60 ms on a busy 2-core machine. `CREATE DATABASE` is serialised per server: run in
//! parallel on few cores it only waits on locks. `cargo run --release --example disposable_timings`
//! measures all of this.
//!
//! # From async code
//!
//! Every method may be called from inside a Tokio runtime: the blocking work runs on a thread of its
//! own. The `postgres::Client` returned by `connect` is the sync client; async code connects with
//! `tokio-postgres` and [`DisposableDb::url`] instead.

mod backend;
mod blocking;
mod container;
mod docker;
mod error;
mod identity;
mod local;
mod maintenance;
mod remote;
mod secret_url;
mod selection;
mod server;
mod server_version;
mod settings;

pub use backend::{Backend, ServerOptions};
pub use error::DisposableError;
pub use secret_url::SecretUrl;
pub use selection::{check_backend, select_backend};
pub use server::DisposableServer;
pub use server::{DisposableDb, DisposableTemplate};

#[cfg(test)]
mod tests {
    /// Tests hand servers and databases across threads; keep that possible.
    #[test]
    fn public_types_are_send_and_sync() {
        fn send_and_sync<T: Send + Sync>() {}
        send_and_sync::<crate::DisposableServer>();
        send_and_sync::<crate::DisposableDb>();
        send_and_sync::<crate::DisposableTemplate>();
        send_and_sync::<crate::DisposableError>();
        send_and_sync::<crate::SecretUrl>();
    }
}
