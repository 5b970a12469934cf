//! The local backend: throwaway clusters from the PostgreSQL binaries installed on this machine.

mod binaries;
mod cluster;
mod initdb_cache;
mod os_user;
mod spawner;
mod sweep;
mod tls;

pub(crate) use cluster::LocalCluster;

use crate::settings::{Settings, VERSION_VAR};
use crate::{Backend, DisposableError};

/// Prefix of cluster directories in the base directory (shared by the clusters and the sweep that
/// removes those their processes left behind).
pub(crate) const CLUSTER_PREFIX: &str = "dpg-";
/// The file in a cluster directory that names its owner (a `Marker`).
pub(crate) const OWNER_FILE: &str = "owner";

/// How to get binaries when none were found at all.
pub(crate) fn local_fix() -> &'static str {
    "install the PostgreSQL server binaries (e.g. apt-get install postgresql) or set \
     DISPOSABLE_PG_BINDIR to the directory holding initdb and postgres"
}

/// Why the local backend cannot be used.
#[derive(Debug, Clone)]
pub(crate) enum LocalProblem {
    /// No binaries, or no user to run them.
    Missing(String),
    /// No installation of the major version asked for; `searched` names each place and what it held.
    Version { version: u32, searched: String },
}

impl LocalProblem {
    pub(crate) fn reason(&self) -> String {
        match self {
            LocalProblem::Missing(missing) => missing.clone(),
            LocalProblem::Version { version, searched } => {
                format!("PostgreSQL {version} ({VERSION_VAR}) was not found: {searched}")
            }
        }
    }

    pub(crate) fn into_error(self) -> DisposableError {
        match self {
            LocalProblem::Missing(missing) => DisposableError::BackendUnavailable {
                backend: Backend::Local,
                missing,
                fix: local_fix().to_owned(),
            },
            LocalProblem::Version { version, searched } => {
                DisposableError::VersionNotFound { version, searched }
            }
        }
    }
}

/// What the local backend needs before starting: binaries, and who runs them.
#[derive(Debug, Clone)]
pub(crate) struct LocalPlan {
    pub binaries: binaries::Binaries,
    pub user: Option<os_user::OsUser>,
}

impl LocalPlan {
    /// Finds the binaries (of `DISPOSABLE_PG_VERSION` when set) and, as root, the server user; the
    /// error says what is missing.
    pub(crate) fn probe(settings: &Settings) -> Result<LocalPlan, LocalProblem> {
        let binaries = binaries::locate(settings.bindir.as_deref(), settings.pg_version)?;
        let user = os_user::server_user(&settings.os_user).map_err(LocalProblem::Missing)?;
        Ok(LocalPlan { binaries, user })
    }

    pub(crate) fn describe(&self) -> String {
        let mut text = format!(
            "PostgreSQL {} from {}",
            self.binaries.short_version(),
            self.binaries.bindir.display()
        );
        if let Some(user) = &self.user {
            text.push_str(&format!(", run as OS user {}", user.name));
        }
        text
    }
}
