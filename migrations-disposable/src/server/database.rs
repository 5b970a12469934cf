//! `DisposableDb` and `DisposableTemplate`: databases that drop themselves, after checking they are ours.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use postgres::{Client, NoTls};

use super::state::ServerCore;
use crate::blocking::off_runtime;
use crate::{Backend, DisposableError, SecretUrl};

/// A fresh database of its own, dropped (`DROP DATABASE … WITH (FORCE)`) when this value is dropped:
/// on success, on error and while a panic unwinds. `Debug` shows no password.
pub struct DisposableDb {
    name: String,
    oid: u32,
    url: SecretUrl,
    core: Arc<ServerCore>,
    removed: bool,
}

impl DisposableDb {
    pub(crate) fn new(name: String, oid: u32, url: SecretUrl, core: Arc<ServerCore>) -> Self {
        DisposableDb {
            name,
            oid,
            url,
            core,
            removed: false,
        }
    }

    /// The database name, `dpg_<run>_<n>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A `postgresql://` URL for this database, usable by `postgres`, `tokio-postgres` and `psql`.
    pub fn url(&self) -> &SecretUrl {
        &self.url
    }

    pub fn backend(&self) -> Backend {
        self.core.backend
    }

    /// Its oid, recorded at creation and checked again before dropping.
    pub fn oid(&self) -> u32 {
        self.oid
    }

    /// A new connection (sync `postgres` client, no TLS).
    pub fn connect(&self) -> Result<Client, DisposableError> {
        let backend = self.core.backend;
        let connect_error = |source| DisposableError::Connect {
            backend,
            target: self.url.redacted(),
            source,
        };
        let mut config = postgres::Config::from_str(self.url.expose()).map_err(connect_error)?;
        config.connect_timeout(std::time::Duration::from_secs(10));
        off_runtime(|| config.connect(NoTls)).map_err(connect_error)
    }

    /// Drops the database now and reports what `Drop` can only print: e.g. a refusal because the
    /// database no longer carries our marker.
    pub fn remove(mut self) -> Result<(), DisposableError> {
        self.removed = true;
        self.drop_now()
    }

    fn drop_now(&self) -> Result<(), DisposableError> {
        if self.core.is_stopped() {
            return Ok(());
        }
        if self.core.keep {
            eprintln!(
                "migrations-disposable: kept database {} ({})",
                self.name, self.url
            );
            return Ok(());
        }
        self.core
            .with_admin(|client| self.core.drop_database(client, &self.name))
    }

    pub(crate) fn core(&self) -> &Arc<ServerCore> {
        &self.core
    }
}

impl Drop for DisposableDb {
    fn drop(&mut self) {
        if self.removed {
            return;
        }
        match self.drop_now() {
            Ok(()) | Err(DisposableError::Stopped { .. }) => {}
            Err(error) => eprintln!("migrations-disposable: {error}"),
        }
    }
}

impl fmt::Debug for DisposableDb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DisposableDb")
            .field("name", &self.name)
            .field("oid", &self.oid)
            .field("backend", &self.core.backend)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// A frozen database (`IS_TEMPLATE`, no connections) to clone with
/// [`DisposableServer::create_db_from`](crate::DisposableServer::create_db_from); dropped with this
/// value.
#[derive(Debug)]
pub struct DisposableTemplate {
    pub(crate) database: DisposableDb,
}

impl DisposableTemplate {
    pub fn name(&self) -> &str {
        self.database.name()
    }

    /// Drops the template now, reporting errors (see [`DisposableDb::remove`]).
    pub fn remove(self) -> Result<(), DisposableError> {
        self.database.remove()
    }
}
