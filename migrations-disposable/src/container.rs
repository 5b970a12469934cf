//! The container backend: one PostgreSQL container per server, started by testcontainers, labelled
//! with its owner so that containers of crashed runs are removed by the next start.

use std::sync::Mutex;
use std::time::Duration;

use testcontainers_modules::postgres::Postgres;
use testcontainers_modules::testcontainers::core::Mount;
use testcontainers_modules::testcontainers::runners::SyncRunner;
use testcontainers_modules::testcontainers::{Container, ImageExt};

use crate::blocking::off_runtime;
use crate::docker::{Endpoint, ImageAvailability};
use crate::identity::{Marker, random_hex};
use crate::secret_url::percent_encode;
use crate::settings::{IMAGE_VAR, Settings};
use crate::{Backend, DisposableError, SecretUrl};

/// The label carrying a [`Marker`]; its presence is what the sweep looks for.
const OWNER_LABEL: &str = "migrations-disposable.owner";
const STARTUP_TIMEOUT: Duration = Duration::from_secs(120);
const SUPERUSER: &str = "postgres";

/// How to get an image where no registry is reachable; shown whenever the image is missing. The
/// local image is of the major the image's tag names (`postgres:18-alpine`: 18), else 15.
pub(crate) fn image_fix(image: &str) -> String {
    let (_, tag) = split_image(image);
    let digits = tag.find(|c: char| !c.is_ascii_digit()).unwrap_or(tag.len());
    let major = tag[..digits].parse::<u32>().unwrap_or(15);
    let build = if major == 15 {
        "ci/postgres-image/build.sh".to_owned()
    } else {
        format!("ci/postgres-image/build.sh local/postgres:{major}")
    };
    format!(
        "build the local image with {build} and set {IMAGE_VAR}=local/postgres:{major}, \
         or make a registry reachable so that {image} can be pulled"
    )
}

/// A reachable engine with the image at hand.
#[derive(Debug, Clone)]
pub(crate) struct ContainerPlan {
    pub endpoint: Endpoint,
    pub image: String,
}

/// Why the container backend cannot be used.
#[derive(Debug, Clone)]
pub(crate) enum ContainerProblem {
    /// No engine answers.
    Engine(String),
    /// The engine answers, the image is neither present nor pullable.
    Image { image: String, detail: String },
}

impl ContainerProblem {
    pub(crate) fn reason(&self) -> String {
        match self {
            ContainerProblem::Engine(missing) => missing.clone(),
            ContainerProblem::Image { image, detail } => {
                format!("the Docker engine answers but the image {image} is missing ({detail})")
            }
        }
    }

    pub(crate) fn into_error(self) -> DisposableError {
        match self {
            ContainerProblem::Engine(missing) => DisposableError::BackendUnavailable {
                backend: Backend::Container,
                missing,
                fix: "start the Docker engine, or point DOCKER_HOST at one (unix:// or tcp://)"
                    .into(),
            },
            ContainerProblem::Image { image, detail } => DisposableError::ImageMissing {
                fix: image_fix(&image),
                image,
                detail,
            },
        }
    }
}

impl ContainerPlan {
    /// Cheap checks (a ping, an image inspect, at most one registry lookup), so that automatic choice
    /// never waits on a pull that cannot succeed.
    pub(crate) fn probe(settings: &Settings) -> Result<ContainerPlan, ContainerProblem> {
        let endpoint = Endpoint::from_env().map_err(ContainerProblem::Engine)?;
        endpoint.ping().map_err(ContainerProblem::Engine)?;
        match endpoint.image_availability(&settings.image) {
            ImageAvailability::Present | ImageAvailability::Pullable => Ok(ContainerPlan {
                endpoint,
                image: settings.image.clone(),
            }),
            ImageAvailability::Missing { detail } => Err(ContainerProblem::Image {
                image: settings.image.clone(),
                detail,
            }),
        }
    }
}

pub(crate) struct PostgresContainer {
    plan: ContainerPlan,
    id: String,
    container: Mutex<Option<Container<Postgres>>>,
    host: String,
    port: u16,
    password: String,
    keep: bool,
}

/// By hand, to leave the password out.
impl std::fmt::Debug for PostgresContainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresContainer")
            .field("id", &self.id)
            .field("image", &self.plan.image)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("keep", &self.keep)
            .finish_non_exhaustive()
    }
}

impl PostgresContainer {
    pub(crate) fn start(
        plan: ContainerPlan,
        settings: &Settings,
    ) -> Result<PostgresContainer, DisposableError> {
        remove_debris(&plan.endpoint, settings);
        let (name, tag) = split_image(&plan.image);
        let password = random_hex(16);
        let marker = Marker::for_this_process(settings.keep).render();
        let image = plan.image.clone();
        let container = off_runtime(|| {
            Postgres::default()
                .with_user(SUPERUSER)
                .with_password(&password)
                .with_db_name("postgres")
                .with_name(name)
                .with_tag(tag)
                .with_cmd([
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "autovacuum=off",
                    "-c",
                    "max_connections=200",
                ])
                // File creation dominates CREATE DATABASE; tmpfs makes it several times faster than
                // the overlay file system.
                .with_mount(Mount::tmpfs_mount("/var/lib/postgresql/data"))
                .with_label(OWNER_LABEL, marker)
                .with_startup_timeout(STARTUP_TIMEOUT)
                .start()
        })
        .map_err(|error| DisposableError::Container {
            action: "start",
            image: image.clone(),
            detail: error.to_string(),
        })?;
        let id = container.id().to_owned();
        let address = off_runtime(|| {
            let host = container.get_host()?.to_string();
            let port = container.get_host_port_ipv4(5432)?;
            Ok::<_, testcontainers_modules::testcontainers::TestcontainersError>((host, port))
        });
        let started = PostgresContainer {
            plan,
            id,
            container: Mutex::new(Some(container)),
            host: String::new(),
            port: 0,
            password,
            keep: settings.keep,
        };
        match address {
            // The published port is bound on all IPv4 addresses; "localhost" might resolve to ::1.
            Ok((host, port)) => Ok(PostgresContainer {
                host: if host == "localhost" {
                    "127.0.0.1".to_owned()
                } else {
                    host
                },
                port,
                ..started
            }),
            Err(error) => {
                started.remove();
                Err(DisposableError::Container {
                    action: "find the published port of",
                    image,
                    detail: error.to_string(),
                })
            }
        }
    }

    /// A TCP URL for `database` as `user`.
    pub(crate) fn url(&self, database: &str, user: &str, password: &str) -> SecretUrl {
        SecretUrl::new(format!(
            "postgresql://{}:{}@{}:{}/{}",
            percent_encode(user),
            percent_encode(password),
            self.host,
            self.port,
            percent_encode(database)
        ))
    }

    pub(crate) fn superuser_url(&self, database: &str) -> SecretUrl {
        self.url(database, SUPERUSER, &self.password)
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn image(&self) -> &str {
        &self.plan.image
    }

    /// Removes the container (testcontainers' own removal), or keeps it and says where it is.
    pub(crate) fn remove(&self) {
        let container = self
            .container
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        let Some(container) = container else {
            return;
        };
        if self.keep {
            self.report_kept();
            std::mem::forget(container);
            return;
        }
        off_runtime(move || drop(container));
    }

    /// For signal and exit handlers: a direct API call, no runtime, no locks held by others.
    pub(crate) fn emergency_remove(&self) {
        if self.keep {
            self.report_kept();
            return;
        }
        if let Err(detail) = self.plan.endpoint.remove_container(&self.id) {
            eprintln!(
                "migrations-disposable: could not remove container {}: {detail}; remove it with docker rm -f {}",
                self.id, self.id
            );
        }
    }

    fn report_kept(&self) {
        eprintln!(
            "migrations-disposable: kept container {} (image {}), PostgreSQL at {} (the password is \
             the container's POSTGRES_PASSWORD); remove it with: docker rm -f {}",
            self.id,
            self.plan.image,
            self.superuser_url("postgres"),
            self.id
        );
    }
}

/// `name[:tag]`, where a colon before the last slash belongs to a registry host.
fn split_image(image: &str) -> (&str, &str) {
    let image = image.split('@').next().unwrap_or(image);
    let last_slash = image.rfind('/').map_or(0, |slash| slash + 1);
    match image[last_slash..].rfind(':') {
        Some(colon) => (
            &image[..last_slash + colon],
            &image[last_slash + colon + 1..],
        ),
        None => (image, "latest"),
    }
}

/// Removes labelled containers of dead runs on this host (or older than the stale age anywhere).
fn remove_debris(endpoint: &Endpoint, settings: &Settings) {
    let Ok(containers) = endpoint.containers_with_label(OWNER_LABEL) else {
        return;
    };
    for (id, labels) in containers {
        let is_debris = labels
            .get(OWNER_LABEL)
            .and_then(|value| value.as_str())
            .and_then(Marker::parse)
            .is_some_and(|marker| marker.is_debris(settings.stale_after));
        if is_debris {
            let _ = endpoint.remove_container(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{image_fix, split_image};

    #[test]
    fn the_fix_for_a_missing_image_builds_one_of_its_major() {
        assert_eq!(
            image_fix("postgres:18-alpine"),
            "build the local image with ci/postgres-image/build.sh local/postgres:18 and set \
             DISPOSABLE_PG_IMAGE=local/postgres:18, or make a registry reachable so that \
             postgres:18-alpine can be pulled"
        );
        assert!(image_fix("postgres:15-alpine").starts_with(
            "build the local image with ci/postgres-image/build.sh and set DISPOSABLE_PG_IMAGE=local/postgres:15,"
        ));
        assert!(image_fix("registry:5000/team/postgres").contains("=local/postgres:15,"));
    }

    #[test]
    fn image_references_split_into_name_and_tag() {
        assert_eq!(split_image("postgres:15-alpine"), ("postgres", "15-alpine"));
        assert_eq!(split_image("local/postgres:15"), ("local/postgres", "15"));
        assert_eq!(
            split_image("registry:5000/team/postgres"),
            ("registry:5000/team/postgres", "latest")
        );
        assert_eq!(
            split_image("registry:5000/pg:15@sha256:abc"),
            ("registry:5000/pg", "15")
        );
    }
}
