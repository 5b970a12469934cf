//! PostgreSQL servers as containers on a private Docker network, reached at their addresses on
//! it, so that a test can stop one or cut it off from the network while a fleet runs.
//!
//! Started with testcontainers as the disposable backend starts its container, and removed by it
//! when dropped. Containers and networks of a test process that died without dropping them are
//! removed by the next start.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use testcontainers_modules::postgres::Postgres;
use testcontainers_modules::testcontainers::bollard::Docker;
use testcontainers_modules::testcontainers::bollard::models::{
    NetworkConnectRequest, NetworkDisconnectRequest,
};
use testcontainers_modules::testcontainers::bollard::query_parameters::{
    ListContainersOptionsBuilder, ListNetworksOptionsBuilder, RemoveContainerOptionsBuilder,
};
use testcontainers_modules::testcontainers::runners::SyncRunner;
use testcontainers_modules::testcontainers::{Container, ImageExt};

/// The label of every container these tests start; its value is the test process's id.
const LABEL: &str = "migrations-tests.fleet";
/// The prefix of every network these tests create, followed by the process id.
const NETWORK_PREFIX: &str = "migrations-fleet-";
/// The superuser's password: distinctive, so that a test can look for it in any output.
pub const PASSWORD: &str = "fleet-s3cret-pw";
/// The images tried, in order, when `DISPOSABLE_PG_IMAGE` does not name one.
const IMAGES: [&str; 2] = ["postgres:15-alpine", "local/postgres:15"];

const HOW_TO_PROVIDE: &str = "these tests run PostgreSQL servers as Docker containers on a private network and reach them at their addresses on it: run them on a Linux machine with a Docker engine (DOCKER_HOST may point at it); where no registry is reachable, build the image with `bash ci/postgres-image/build.sh` (`cargo xtask test` does) and set DISPOSABLE_PG_IMAGE=local/postgres:15";

/// One server of the network.
pub struct Server {
    /// `s1`, `s2`, …: what tests and snapshots call it.
    pub name: String,
    container: Container<Postgres>,
    address: Mutex<IpAddr>,
}

/// The servers of one test, on a network of their own.
pub struct Servers {
    pub servers: Vec<Server>,
    network: String,
    docker: Docker,
    runtime: tokio::runtime::Runtime,
}

impl Servers {
    /// Starts `count` servers at once, or fails the test saying how to provide Docker and the image.
    pub fn start(count: usize) -> Servers {
        static NETWORKS: AtomicUsize = AtomicUsize::new(0);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the Docker client");
        let docker = Docker::connect_with_local_defaults()
            .unwrap_or_else(|error| panic!("no Docker engine ({error}): {HOW_TO_PROVIDE}"));
        if let Err(error) = runtime.block_on(docker.ping()) {
            panic!("the Docker engine does not answer ({error}): {HOW_TO_PROVIDE}");
        }
        remove_debris(&runtime, &docker);
        let image = image(&runtime, &docker);
        let network = format!(
            "{NETWORK_PREFIX}{}-{}",
            std::process::id(),
            NETWORKS.fetch_add(1, Ordering::Relaxed)
        );
        let servers = std::thread::scope(|scope| {
            let started: Vec<_> = (1..=count)
                .map(|i| {
                    let (image, network) = (&image, &network);
                    scope.spawn(move || Server::start(format!("s{i}"), image, network))
                })
                .collect();
            started
                .into_iter()
                .map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p))
                })
                .collect()
        });
        Servers {
            servers,
            network,
            docker,
            runtime,
        }
    }

    /// Cuts the server off: its container leaves the network, its address answers nothing.
    pub fn disconnect(&self, server: &Server) {
        let request = NetworkDisconnectRequest {
            container: server.container.id().to_owned(),
            force: Some(true),
        };
        self.runtime
            .block_on(self.docker.disconnect_network(&self.network, request))
            .unwrap_or_else(|error| panic!("disconnect {}: {error}", server.name));
    }

    /// Puts the server back on the network; its address is read again (Docker may change it).
    pub fn reconnect(&self, server: &Server) {
        let request = NetworkConnectRequest {
            container: server.container.id().to_owned(),
            endpoint_config: None,
        };
        self.runtime
            .block_on(self.docker.connect_network(&self.network, request))
            .unwrap_or_else(|error| panic!("reconnect {}: {error}", server.name));
        *server.lock_address() = server.read_address();
    }
}

impl Server {
    fn start(name: String, image: &str, network: &str) -> Server {
        let (repository, tag) = image.rsplit_once(':').unwrap_or((image, "latest"));
        let container = Postgres::default()
            .with_user("postgres")
            .with_password(PASSWORD)
            .with_name(repository)
            .with_tag(tag)
            .with_network(network)
            .with_label(LABEL, std::process::id().to_string())
            // Fast and disposable; and the server notices a client cut off within seconds, so
            // that the session of a run cut off mid-revision ends and frees its lock.
            .with_cmd([
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "tcp_keepalives_idle=2",
                "-c",
                "tcp_keepalives_interval=1",
                "-c",
                "tcp_keepalives_count=3",
                "-c",
                "tcp_user_timeout=3000",
            ])
            .with_startup_timeout(Duration::from_secs(120))
            .start()
            .unwrap_or_else(|error| panic!("start {name} from {image}: {error}: {HOW_TO_PROVIDE}"));
        let server = Server {
            name,
            address: Mutex::new(IpAddr::from([0, 0, 0, 0])),
            container,
        };
        let address = server.read_address();
        if TcpStream::connect_timeout(&SocketAddr::new(address, 5432), Duration::from_secs(5))
            .is_err()
        {
            panic!(
                "{} runs at {address} on the network, which this machine cannot reach: {HOW_TO_PROVIDE}",
                server.name
            );
        }
        *server.lock_address() = address;
        server
    }

    fn lock_address(&self) -> std::sync::MutexGuard<'_, IpAddr> {
        self.address
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn read_address(&self) -> IpAddr {
        self.container
            .get_bridge_ip_address()
            .unwrap_or_else(|error| panic!("the address of {}: {error}", self.name))
    }

    /// Its address on the network.
    pub fn address(&self) -> IpAddr {
        *self.lock_address()
    }

    /// A URL with the superuser's password for `database`.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://postgres:{PASSWORD}@{}:5432/{database}?sslmode=disable",
            self.address()
        )
    }

    pub fn connect(&self, database: &str) -> postgres::Client {
        postgres::Client::connect(&self.url(database), postgres::NoTls)
            .unwrap_or_else(|error| panic!("connect to {}/{database}: {error}", self.name))
    }

    /// Stops the container: its address answers nothing until it starts again.
    pub fn stop(&self) {
        self.container
            .stop()
            .unwrap_or_else(|error| panic!("stop {}: {error}", self.name));
    }
}

/// `DISPOSABLE_PG_IMAGE`, else the first of [`IMAGES`] that is present.
fn image(runtime: &tokio::runtime::Runtime, docker: &Docker) -> String {
    if let Some(image) = std::env::var("DISPOSABLE_PG_IMAGE")
        .ok()
        .filter(|i| !i.is_empty())
    {
        return image;
    }
    IMAGES
        .iter()
        .find(|image| runtime.block_on(docker.inspect_image(image)).is_ok())
        .map(|image| (*image).to_owned())
        .unwrap_or_else(|| panic!("none of the images {IMAGES:?} is present: {HOW_TO_PROVIDE}"))
}

/// Whether the test process `pid` is gone.
fn dead(pid: &str) -> bool {
    !std::path::Path::new("/proc").join(pid).exists()
}

/// Removes the containers and networks of test processes that are gone.
fn remove_debris(runtime: &tokio::runtime::Runtime, docker: &Docker) {
    let filters = HashMap::from([("label", vec![LABEL])]);
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    for container in runtime
        .block_on(docker.list_containers(Some(options)))
        .unwrap_or_default()
    {
        let owner = container
            .labels
            .as_ref()
            .and_then(|labels| labels.get(LABEL));
        if let (Some(id), Some(owner)) = (&container.id, owner)
            && dead(owner)
        {
            let options = RemoveContainerOptionsBuilder::new()
                .force(true)
                .v(true)
                .build();
            let _ = runtime.block_on(docker.remove_container(id, Some(options)));
        }
    }
    let filters = HashMap::from([("name", vec![NETWORK_PREFIX])]);
    let options = ListNetworksOptionsBuilder::new().filters(&filters).build();
    for network in runtime
        .block_on(docker.list_networks(Some(options)))
        .unwrap_or_default()
    {
        let Some(name) = network.name else { continue };
        let owner = name
            .strip_prefix(NETWORK_PREFIX)
            .and_then(|rest| rest.split('-').next());
        if owner.is_some_and(dead) {
            let _ = runtime.block_on(docker.remove_network(&name));
        }
    }
}
