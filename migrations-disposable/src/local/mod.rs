//! The local backend: throwaway clusters from the PostgreSQL binaries installed on this machine.

mod binaries;
mod cluster;
mod initdb_cache;
mod os_user;
mod spawner;
mod sweep;
mod tls;

pub(crate) use cluster::LocalCluster;

use crate::settings::Settings;

/// What the local backend needs before starting: binaries, and who runs them.
#[derive(Debug, Clone)]
pub(crate) struct LocalPlan {
    pub binaries: binaries::Binaries,
    pub user: Option<os_user::OsUser>,
}

impl LocalPlan {
    /// Finds the binaries and, as root, the server user; the error says what is missing.
    pub(crate) fn probe(settings: &Settings) -> Result<LocalPlan, String> {
        let binaries = binaries::locate(settings.bindir.as_deref())?;
        let user = os_user::server_user(&settings.os_user)?;
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
