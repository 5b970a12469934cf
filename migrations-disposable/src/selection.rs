//! Choosing the backend: forced by `DISPOSABLE_PG` or the options, else server, container, local in
//! that order of preference, each only after a cheap check that it can work (server, then local
//! only, when `DISPOSABLE_PG_VERSION` asks for a major version).

use crate::container::{ContainerPlan, image_fix};
use crate::local::{LocalPlan, LocalProblem};
use crate::settings::{SERVER_URL_VAR, Settings};
use crate::{Backend, DisposableError, SecretUrl, ServerOptions};

/// A backend that passed its checks, with what its start needs.
#[derive(Debug)]
pub(crate) enum Plan {
    Container(ContainerPlan),
    Local(LocalPlan),
    Server(SecretUrl),
}

impl Plan {
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Plan::Container(_) => Backend::Container,
            Plan::Local(_) => Backend::Local,
            Plan::Server(_) => Backend::Server,
        }
    }
}

/// The backend [`DisposableServer::shared`](crate::DisposableServer::shared) would use, chosen from the
/// environment exactly as it does, without starting anything.
pub fn select_backend() -> Result<Backend, DisposableError> {
    let settings = Settings::from_env()?;
    Ok(choose(&settings, &ServerOptions::default())?.backend())
}

/// Whether `backend` could be used with the current environment, checked as a start would check it
/// (binaries, Docker engine and image, server URL) but without starting anything.
pub fn check_backend(backend: Backend) -> Result<(), DisposableError> {
    let settings = Settings::from_env()?.with_options(&ServerOptions {
        backend: Some(backend),
        ..ServerOptions::default()
    })?;
    choose(&settings, &ServerOptions::default()).map(drop)
}

/// `settings` already carry `options.backend`. Without one, TLS means local (the only backend with
/// TLS) and TCP means local or, when `DISPOSABLE_PG=container`, container.
pub(crate) fn choose(
    settings: &Settings,
    options: &ServerOptions,
) -> Result<Plan, DisposableError> {
    let wanted = match options.backend {
        Some(backend) => Some(backend),
        // Only a local cluster has TLS; TCP also comes with containers, never with a given server.
        None if options.tls => Some(Backend::Local),
        None if options.tcp => match settings.backend {
            Some(Backend::Container) => Some(Backend::Container),
            _ => Some(Backend::Local),
        },
        None => settings.backend,
    };
    match wanted {
        Some(Backend::Server) => {
            server(settings).map_err(|(missing, fix)| DisposableError::BackendUnavailable {
                backend: Backend::Server,
                missing,
                fix,
            })
        }
        Some(Backend::Container) => ContainerPlan::probe(settings)
            .map(Plan::Container)
            .map_err(|problem| problem.into_error()),
        Some(Backend::Local) => LocalPlan::probe(settings)
            .map(Plan::Local)
            .map_err(LocalProblem::into_error),
        None => automatic(settings),
    }
}

fn automatic(settings: &Settings) -> Result<Plan, DisposableError> {
    let server_reason = match server(settings) {
        Ok(plan) => return Ok(plan),
        Err((missing, _)) => missing,
    };
    // A container runs whatever major its image has, so a version asked for names a local
    // installation; falling back to a container, or listing the three ways, would not answer it.
    if settings.pg_version.is_some() {
        return LocalPlan::probe(settings)
            .map(Plan::Local)
            .map_err(LocalProblem::into_error);
    }
    let container_reason = match ContainerPlan::probe(settings) {
        Ok(plan) => return Ok(Plan::Container(plan)),
        Err(problem) => problem.reason(),
    };
    let local_reason = match LocalPlan::probe(settings) {
        Ok(plan) => return Ok(Plan::Local(plan)),
        Err(problem) => problem.reason(),
    };
    Err(DisposableError::NoBackend {
        reasons: format!(
            "  container: {container_reason}\n  local: {local_reason}\n  server: {server_reason}"
        ),
        image_hint: image_fix(&settings.image),
    })
}

fn server(settings: &Settings) -> Result<Plan, (String, String)> {
    settings.server_url.clone().map(Plan::Server).ok_or_else(|| {
        (
            format!("{SERVER_URL_VAR} is not set"),
            format!(
                "set {SERVER_URL_VAR}=postgresql://user:password@host:port/postgres for a role with \
                 CREATEDB"
            ),
        )
    })
}
