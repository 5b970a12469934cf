//! The three ways to get a disposable PostgreSQL, and the options a server is started with.

use std::fmt;
use std::str::FromStr;

use crate::SecretUrl;

/// Where disposable databases live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// A PostgreSQL container started with testcontainers (image `DISPOSABLE_PG_IMAGE`).
    Container,
    /// A throwaway cluster started from the PostgreSQL binaries installed on this machine.
    Local,
    /// An existing server given by `DISPOSABLE_PG_SERVER_URL`; only databases are created there.
    Server,
}

impl Backend {
    /// The name used by `DISPOSABLE_PG` and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Container => "container",
            Backend::Local => "local",
            Backend::Server => "server",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "container" => Ok(Backend::Container),
            "local" => Ok(Backend::Local),
            "server" => Ok(Backend::Server),
            other => Err(format!(
                "unknown backend {other:?}: expected container, local or server"
            )),
        }
    }
}

/// How [`DisposableServer::start`](crate::DisposableServer::start) starts a server.
///
/// Fields left at their default follow the environment (see the crate documentation).
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// Which backend; `None` chooses like `DISPOSABLE_PG` (automatic unless that forces one), except
    /// that `tls` picks the local backend, and `tcp` the local one unless `DISPOSABLE_PG=container`.
    pub backend: Option<Backend>,
    /// Local backend: also listen on 127.0.0.1 on a free port, with scram-sha-256 password
    /// authentication (the unix socket stays `trust`). Containers always listen on TCP. See
    /// [`DisposableServer::tcp_url`](crate::DisposableServer::tcp_url).
    pub tcp: bool,
    /// Local backend: TCP with `ssl=on`, a certificate authority and a server certificate for
    /// `localhost` and `127.0.0.1` generated for this cluster. Implies `tcp`. See
    /// [`DisposableServer::ca_cert_path`](crate::DisposableServer::ca_cert_path).
    pub tls: bool,
    /// Server backend: the server to use instead of `DISPOSABLE_PG_SERVER_URL`.
    pub server_url: Option<SecretUrl>,
    /// Container backend: the image to use instead of `DISPOSABLE_PG_IMAGE`.
    pub image: Option<String>,
    /// The PostgreSQL major version to run instead of `DISPOSABLE_PG_VERSION` (e.g. 18): the local
    /// backend takes that installation, the container backend defaults to `postgres:<N>-alpine`,
    /// and a server of another major is refused, whatever the backend.
    pub pg_version: Option<u32>,
}
