//! `ServerCore`: the state a disposable server shares with the databases it handed out (which may
//! outlive its handle), its maintenance connection and how it stops.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use postgres::{Client, NoTls};

use crate::blocking::off_runtime;
use crate::container::PostgresContainer;
use crate::local::LocalCluster;
use crate::maintenance::{drop_if_ours, drop_new_roles};
use crate::settings::Settings;
use crate::{Backend, DisposableError, SecretUrl, remote};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What actually runs the databases.
// One per server, never moved around in bulk: the size difference of the variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Engine {
    Local(LocalCluster),
    Container(PostgresContainer),
    Server,
}

/// The state shared by a server and the databases it handed out (which may outlive the handle).
pub(crate) struct ServerCore {
    pub(crate) backend: Backend,
    pub(super) engine: Engine,
    pub(super) admin_url: SecretUrl,
    /// The maintenance connection; held while creating or dropping, which serialises both (parallel
    /// CREATE DATABASE gains nothing on a few cores and only adds lock waits).
    pub(super) admin: Mutex<Option<Client>>,
    pub(crate) live: Mutex<LiveDatabases>,
    pub(crate) keep: bool,
    pub(crate) drop_new_roles: bool,
    pub(crate) version_num: u32,
    pub(super) stopped: AtomicBool,
}

/// The databases this server created and has not dropped yet.
#[derive(Debug, Default)]
pub(crate) struct LiveDatabases {
    pub databases: BTreeMap<String, LiveDatabase>,
    /// Server backend: the roles that existed when the first of them was created.
    pub role_baseline: Option<BTreeSet<String>>,
}

#[derive(Debug, Clone)]
pub(crate) struct LiveDatabase {
    pub oid: u32,
    pub marker: String,
}

impl std::fmt::Debug for ServerCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DisposableServer")
            .field("backend", &self.backend)
            .field("admin_url", &self.admin_url)
            .field("engine", &self.engine)
            .field("version_num", &self.version_num)
            .field("keep", &self.keep)
            .finish_non_exhaustive()
    }
}

/// Opens the maintenance connection (retrying briefly for a container, whose port opens before
/// PostgreSQL accepts), reads the version, and for the server backend checks CREATEDB and sweeps.
pub(super) fn open_admin(
    backend: Backend,
    admin_url: &SecretUrl,
    settings: &Settings,
) -> Result<(Client, u32), DisposableError> {
    let patience = match backend {
        Backend::Container => Duration::from_secs(20),
        _ => Duration::ZERO,
    };
    off_runtime(|| {
        let deadline = Instant::now() + patience;
        let mut client = loop {
            match connect(admin_url, backend) {
                Ok(client) => break client,
                Err(_) if Instant::now() < deadline => {
                    thread::sleep(Duration::from_millis(100));
                }
                Err(error) => return Err(error),
            }
        };
        let version_num = client
            .query_one("SELECT current_setting('server_version_num')::int4", &[])
            .map(|row| row.get::<_, i32>(0).unsigned_abs())
            .map_err(crate::maintenance::sql_error(
                backend,
                "read the server version",
            ))?;
        if backend == Backend::Server {
            remote::prepare(&mut client, settings, version_num)?;
        }
        Ok((client, version_num))
    })
}

impl ServerCore {
    pub(super) fn describe(&self) -> String {
        let keep = if self.keep {
            " (DISPOSABLE_PG_KEEP: nothing is removed)"
        } else {
            ""
        };
        match &self.engine {
            Engine::Local(cluster) => format!(
                "local backend, {}, cluster in {}{keep}",
                cluster.plan().describe(),
                cluster.dir().display()
            ),
            Engine::Container(container) => format!(
                "container backend, image {}, container {} at {}{keep}",
                container.image(),
                &container.id()[..container.id().len().min(12)],
                container.superuser_url("postgres")
            ),
            Engine::Server => format!("server backend, {}{keep}", self.admin_url),
        }
    }

    pub(crate) fn url_for(&self, database: &str) -> SecretUrl {
        match &self.engine {
            Engine::Local(cluster) => cluster.socket_url(database),
            Engine::Container(container) => container.superuser_url(database),
            Engine::Server => self.admin_url.with_database(database),
        }
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    pub(super) fn lock_admin(&self) -> MutexGuard<'_, Option<Client>> {
        self.admin.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn lock_live(&self) -> MutexGuard<'_, LiveDatabases> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `work` on the maintenance connection, reconnecting if it was lost (e.g. after a restart).
    pub(crate) fn with_admin<T: Send>(
        &self,
        work: impl FnOnce(&mut Client) -> Result<T, DisposableError> + Send,
    ) -> Result<T, DisposableError> {
        if self.is_stopped() {
            return Err(DisposableError::Stopped {
                backend: self.backend,
            });
        }
        self.with_admin_while_stopping(work)
    }

    /// Like [`with_admin`](Self::with_admin), also during [`stop`](Self::stop).
    pub(super) fn with_admin_while_stopping<T: Send>(
        &self,
        work: impl FnOnce(&mut Client) -> Result<T, DisposableError> + Send,
    ) -> Result<T, DisposableError> {
        let mut admin = self.lock_admin();
        let slot = &mut *admin;
        off_runtime(move || {
            if slot.as_ref().is_none_or(Client::is_closed) {
                *slot = None;
                *slot = Some(connect(&self.admin_url, self.backend)?);
            }
            match slot.as_mut() {
                Some(client) => work(client),
                None => unreachable!("connected just above"),
            }
        })
    }

    /// Normal removal, from `DisposableServer::drop`.
    pub(super) fn stop(&self) {
        if self.keep {
            self.stopped.store(true, Ordering::SeqCst);
            self.report_kept();
            self.stop_engine();
            return;
        }
        if self.backend == Backend::Server {
            let names: Vec<String> = self.lock_live().databases.keys().cloned().collect();
            for name in names {
                let _ = self.with_admin_while_stopping(|client| self.drop_database(client, &name));
            }
        }
        if self.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        if let Some(client) = self.lock_admin().take() {
            off_runtime(move || drop(client));
        }
        self.stop_engine();
    }

    fn stop_engine(&self) {
        match &self.engine {
            Engine::Local(cluster) => cluster.stop_and_remove(),
            Engine::Container(container) => container.remove(),
            Engine::Server => {}
        }
    }

    /// Removal from a signal or exit handler: no waiting on the maintenance connection, which another
    /// thread may hold.
    pub(crate) fn emergency_stop(&self) {
        if self.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        if self.keep {
            self.report_kept();
        }
        match &self.engine {
            Engine::Local(cluster) => cluster.emergency_stop_and_remove(),
            Engine::Container(container) => container.emergency_remove(),
            Engine::Server if !self.keep => emergency_drop(self),
            Engine::Server => {}
        }
    }

    fn report_kept(&self) {
        let names: Vec<String> = self.lock_live().databases.keys().cloned().collect();
        if !names.is_empty() {
            eprintln!(
                "migrations-disposable: kept databases {} on {}",
                names.join(", "),
                self.admin_url
            );
        }
    }

    pub(crate) fn connect_fresh(&self) -> Result<Client, DisposableError> {
        connect(&self.admin_url, self.backend)
    }
}

impl Drop for ServerCore {
    fn drop(&mut self) {
        // The sync client drives a runtime of its own; dropping it inside an async context panics.
        if let Some(client) = self.lock_admin().take() {
            off_runtime(move || drop(client));
        }
    }
}

/// Connects with a timeout; the error names the URL without its password.
pub(crate) fn connect(url: &SecretUrl, backend: Backend) -> Result<Client, DisposableError> {
    let connect_error = |source| DisposableError::Connect {
        backend,
        target: url.redacted(),
        source,
    };
    let mut config = postgres::Config::from_str(url.expose()).map_err(connect_error)?;
    config.connect_timeout(CONNECT_TIMEOUT);
    off_runtime(|| config.connect(NoTls)).map_err(connect_error)
}

/// From a signal or exit handler: a connection of its own (the maintenance one may be busy), every
/// live database dropped after the usual checks.
fn emergency_drop(core: &ServerCore) {
    let databases: Vec<(String, u32, String)> = {
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            match core.live.try_lock() {
                Ok(live) => break collect(&live),
                Err(std::sync::TryLockError::Poisoned(poisoned)) => {
                    break collect(&poisoned.into_inner());
                }
                Err(std::sync::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(std::sync::TryLockError::WouldBlock) => return,
            }
        }
    };
    if databases.is_empty() {
        return;
    }
    let Ok(mut client) = core.connect_fresh() else {
        eprintln!(
            "migrations-disposable: could not reach the server to drop {}; the next run removes them",
            databases
                .iter()
                .map(|(name, _, _)| name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return;
    };
    crate::blocking::off_runtime(|| {
        for (name, oid, marker) in &databases {
            let _ = drop_if_ours(
                &mut client,
                Backend::Server,
                core.version_num,
                name,
                *oid,
                marker,
            );
        }
        if core.drop_new_roles
            && let Some(baseline) = core.lock_live().role_baseline.take()
        {
            drop_new_roles(&baseline, &mut client);
        }
        drop(client);
    });
}

fn collect(live: &LiveDatabases) -> Vec<(String, u32, String)> {
    live.databases
        .iter()
        .map(|(name, database)| (name.clone(), database.oid, database.marker.clone()))
        .collect()
}
