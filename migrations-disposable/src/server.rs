//! `DisposableServer`: one PostgreSQL (cluster, container or given server) that hands out databases.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Instant;

use postgres::Client;

pub(crate) mod cleanup;
mod database;
mod databases;
mod state;

pub use database::{DisposableDb, DisposableTemplate};
pub(crate) use databases::Source;

use state::open_admin;
pub(crate) use state::{Engine, LiveDatabases, ServerCore, connect};

use crate::blocking::off_runtime;
use crate::container::PostgresContainer;
use crate::identity::{quote_ident, quote_literal};
use crate::local::LocalCluster;
use crate::selection::{self, Plan};
use crate::settings::Settings;
use crate::{Backend, DisposableError, SecretUrl, ServerOptions};

/// A PostgreSQL server that hands out disposable databases.
///
/// Get the per-process one with [`DisposableServer::shared`], or one of your own with
/// [`DisposableServer::start`] (removed when dropped). `Debug` shows no password.
#[derive(Debug)]
pub struct DisposableServer {
    core: Arc<ServerCore>,
}

impl DisposableServer {
    /// The per-process server, started on first use with the backend chosen from the environment, and
    /// removed at process exit or on SIGINT/SIGTERM.
    ///
    /// If its start fails, every later call fails too, with the first failure's message.
    pub fn shared() -> Result<&'static DisposableServer, DisposableError> {
        static SHARED: OnceLock<DisposableServer> = OnceLock::new();
        static FAILURE: Mutex<Option<String>> = Mutex::new(None);
        if let Some(server) = SHARED.get() {
            return Ok(server);
        }
        let mut failure = FAILURE.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(server) = SHARED.get() {
            return Ok(server);
        }
        if let Some(reason) = failure.as_ref() {
            return Err(DisposableError::SharedUnavailable {
                reason: reason.clone(),
            });
        }
        match DisposableServer::start(ServerOptions::default()) {
            Ok(server) => Ok(SHARED.get_or_init(|| server)),
            Err(error) => {
                *failure = Some(error.to_string());
                Err(error)
            }
        }
    }

    /// A server of its own (for tests of a backend, of TLS, of restarts), removed when dropped.
    pub fn start(options: ServerOptions) -> Result<DisposableServer, DisposableError> {
        let settings = Settings::from_env()?.with_options(&options)?;
        let plan = selection::choose(&settings, &options)?;
        let backend = plan.backend();
        if options.tls && backend != Backend::Local {
            return Err(DisposableError::Unsupported {
                backend,
                feature: "TLS",
                fix: "use the local backend for TLS tests (ServerOptions { backend: Some(Backend::Local), tls: true, .. })",
            });
        }
        if options.tcp && backend == Backend::Server {
            return Err(DisposableError::Unsupported {
                backend,
                feature: "the tcp option",
                fix: "use the local backend (ServerOptions { backend: Some(Backend::Local), tcp: true, .. })",
            });
        }
        let started_at = Instant::now();
        let (engine, admin_url) = match plan {
            Plan::Local(plan) => {
                let cluster = LocalCluster::start(plan, &settings, options.tcp, options.tls)?;
                let url = cluster.socket_url("postgres");
                (Engine::Local(cluster), url)
            }
            Plan::Container(plan) => {
                let container = off_runtime(|| PostgresContainer::start(plan, &settings))?;
                let url = container.superuser_url("postgres");
                (Engine::Container(container), url)
            }
            Plan::Server(url) => (Engine::Server, url),
        };
        let backend_of_engine = match &engine {
            Engine::Local(_) => Backend::Local,
            Engine::Container(_) => Backend::Container,
            Engine::Server => Backend::Server,
        };
        let opened = open_admin(backend_of_engine, &admin_url, &settings).and_then(
            |(client, version_num)| {
                crate::server_version::check_major(backend_of_engine, &settings, version_num)
                    .map(|()| (client, version_num))
            },
        );
        let (client, version_num) = match opened {
            Ok(opened) => opened,
            Err(error) => {
                match engine {
                    Engine::Local(cluster) => cluster.stop_and_remove(),
                    Engine::Container(container) => container.remove(),
                    Engine::Server => {}
                }
                return Err(error);
            }
        };
        let core = Arc::new(ServerCore {
            backend: backend_of_engine,
            engine,
            admin_url,
            admin: Mutex::new(Some(client)),
            live: Mutex::new(LiveDatabases::default()),
            keep: settings.keep,
            drop_new_roles: settings.drop_new_roles,
            version_num,
            stopped: AtomicBool::new(false),
        });
        cleanup::track(&core);
        eprintln!(
            "migrations-disposable: {} (ready in {} ms)",
            core.describe(),
            started_at.elapsed().as_millis()
        );
        Ok(DisposableServer { core })
    }

    pub fn backend(&self) -> Backend {
        self.core.backend
    }

    /// The maintenance database (`postgres`) as a superuser (local, container) or as the role of
    /// `DISPOSABLE_PG_SERVER_URL` (server).
    pub fn admin_url(&self) -> &SecretUrl {
        &self.core.admin_url
    }

    /// A new connection to [`admin_url`](Self::admin_url).
    pub fn connect_admin(&self) -> Result<Client, DisposableError> {
        connect(&self.core.admin_url, self.core.backend)
    }

    /// `server_version_num`, e.g. 150018.
    pub fn server_version_num(&self) -> u32 {
        self.core.version_num
    }

    /// The server's version as PostgreSQL writes it, e.g. `15.18` or `18.6`.
    pub fn server_version(&self) -> String {
        crate::server_version::version_text(self.core.version_num)
    }

    /// A fresh empty database (a copy of `template0`), dropped when the `DisposableDb` is dropped.
    pub fn create_db(&self) -> Result<DisposableDb, DisposableError> {
        self.core.create_database(Source::Empty)
    }

    /// Builds a template once: `build` fills a fresh database (connect with its URL, then close every
    /// connection), which is then frozen (`IS_TEMPLATE`, `ALLOW_CONNECTIONS false`) for quick clones
    /// with [`create_db_from`](Self::create_db_from). Dropped with the `DisposableTemplate`.
    pub fn create_template(
        &self,
        build: impl FnOnce(&DisposableDb) -> Result<(), Box<dyn std::error::Error + Send + Sync>>,
    ) -> Result<DisposableTemplate, DisposableError> {
        let database = self.create_db()?;
        if let Err(source) = build(&database) {
            return Err(DisposableError::TemplateBuild {
                template: database.name().to_owned(),
                source,
            });
        }
        self.core.freeze_template(database.name())?;
        Ok(DisposableTemplate { database })
    }

    /// A fresh database cloned from `template`.
    pub fn create_db_from(
        &self,
        template: &DisposableTemplate,
    ) -> Result<DisposableDb, DisposableError> {
        self.check_same_server(&template.database)?;
        self.core.create_database(Source::Template(template.name()))
    }

    /// A copy of `source` in its current state (`CREATE DATABASE … TEMPLATE`). Connections to `source`
    /// are terminated first, since PostgreSQL can only copy a database nobody is connected to.
    pub fn clone_db(&self, source: &DisposableDb) -> Result<DisposableDb, DisposableError> {
        self.check_same_server(source)?;
        self.core.create_database(Source::Copy(source.name()))
    }

    /// Local backend: a fast shutdown and a start on the same socket and port, like `pg_ctl restart`;
    /// open connections are terminated. For tests of a server restarted mid-run.
    pub fn restart(&self) -> Result<(), DisposableError> {
        let Engine::Local(cluster) = &self.core.engine else {
            return Err(DisposableError::Unsupported {
                backend: self.core.backend,
                feature: "restart",
                fix: "use the local backend (ServerOptions { backend: Some(Backend::Local), .. })",
            });
        };
        let mut admin = self.core.lock_admin();
        if let Some(client) = admin.take() {
            off_runtime(move || drop(client));
        }
        cluster.restart()
    }

    /// A TCP URL with a password, for tests of password authentication and TLS: local backend started
    /// with `tcp` (or `tls`), or the container backend.
    pub fn tcp_url(
        &self,
        database: &str,
        user: &str,
        password: &str,
    ) -> Result<SecretUrl, DisposableError> {
        match &self.core.engine {
            Engine::Local(cluster) => {
                cluster
                    .tcp_url(database, user, password)
                    .ok_or(DisposableError::Unsupported {
                        backend: Backend::Local,
                        feature: "TCP URLs on a socket-only cluster",
                        fix: "start the server with ServerOptions { tcp: true, .. }",
                    })
            }
            Engine::Container(container) => Ok(container.url(database, user, password)),
            Engine::Server => Err(DisposableError::Unsupported {
                backend: Backend::Server,
                feature: "TCP URLs for other roles",
                fix: "use the local backend with ServerOptions { tcp: true, .. }",
            }),
        }
    }

    /// Creates a login role with a password (stored as a SCRAM verifier, so the password appears in no
    /// statement or log). Local and container backends: the role goes away with the server.
    pub fn create_role(&self, name: &str, password: &str) -> Result<(), DisposableError> {
        if self.core.backend == Backend::Server {
            return Err(DisposableError::Unsupported {
                backend: Backend::Server,
                feature: "creating roles",
                fix: "roles are cluster-wide and would outlive the run on a shared server; use the local or container backend",
            });
        }
        let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
        let statement = format!(
            "CREATE ROLE {} LOGIN PASSWORD {}",
            quote_ident(name),
            quote_literal(&verifier)
        );
        self.core.with_admin(|client| {
            client
                .batch_execute(&statement)
                .map_err(crate::maintenance::sql_error(
                    self.core.backend,
                    format!("create role {name}"),
                ))
        })
    }

    /// Local backend with `tls`: the certificate authority that signed the server certificate (for
    /// `sslmode=verify-ca` / `verify-full`; the certificate names `localhost` and `127.0.0.1`).
    pub fn ca_cert_path(&self) -> Option<&Path> {
        match &self.core.engine {
            Engine::Local(cluster) => cluster.ca_cert(),
            _ => None,
        }
    }

    /// Local backend: the cluster directory (data, socket, log).
    pub fn cluster_dir(&self) -> Option<&Path> {
        match &self.core.engine {
            Engine::Local(cluster) => Some(cluster.dir()),
            _ => None,
        }
    }

    /// The TCP port on the host: local backend with `tcp`, or the container's published port.
    pub fn tcp_port(&self) -> Option<u16> {
        match &self.core.engine {
            Engine::Local(cluster) => cluster.port(),
            Engine::Container(container) => Some(container.port()),
            Engine::Server => None,
        }
    }

    /// Container backend: the container id.
    pub fn container_id(&self) -> Option<&str> {
        match &self.core.engine {
            Engine::Container(container) => Some(container.id()),
            _ => None,
        }
    }

    fn check_same_server(&self, database: &DisposableDb) -> Result<(), DisposableError> {
        if Arc::ptr_eq(&self.core, database.core()) {
            Ok(())
        } else {
            Err(DisposableError::ForeignDatabase {
                database: database.name().to_owned(),
            })
        }
    }
}

impl Drop for DisposableServer {
    fn drop(&mut self) {
        self.core.stop();
    }
}
