//! One database of a fleet: how to reach it, and the name it is shown by, which never holds a
//! password.

use tokio_postgres::config::Host;

use crate::connect::DatabaseUrl;

/// A database of a fleet.
#[derive(Clone, Debug)]
pub struct FleetDatabase {
    url: DatabaseUrl,
    name: String,
}

impl FleetDatabase {
    pub fn new(url: DatabaseUrl) -> FleetDatabase {
        let name = short_name(url.config());
        FleetDatabase { url, name }
    }

    /// `host:port/database`: short, and the same whichever form the connection string had.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }
}

/// The servers and the database a configuration names, as libpq would pick them: the port
/// defaults to 5432, the database to the user's name.
fn short_name(config: &tokio_postgres::Config) -> String {
    let ports = config.get_ports();
    let port = |i: usize| ports.get(i).or(ports.first()).copied().unwrap_or(5432);
    let mut servers: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| match host {
            Host::Tcp(name) if name.contains(':') => format!("[{name}]:{}", port(i)),
            Host::Tcp(name) => format!("{name}:{}", port(i)),
            Host::Unix(path) => format!("{}:{}", path.display(), port(i)),
        })
        .collect();
    if servers.is_empty() {
        servers = config
            .get_hostaddrs()
            .iter()
            .enumerate()
            .map(|(i, address)| match address {
                std::net::IpAddr::V6(v6) => format!("[{v6}]:{}", port(i)),
                std::net::IpAddr::V4(v4) => format!("{v4}:{}", port(i)),
            })
            .collect();
    }
    let servers = match servers.is_empty() {
        true => "(no host)".to_owned(),
        false => servers.join(","),
    };
    let database = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("(no database)");
    format!("{servers}/{database}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_show_the_server_and_the_database_but_no_password() {
        for (url, name) in [
            ("postgres://app:s3cret@db1/tenant_1", "db1:5432/tenant_1"),
            ("postgres://app@db1:6000,db2:6001/t", "db1:6000,db2:6001/t"),
            (
                "host=10.0.0.7 port=5433 user=app password=s3cret",
                "10.0.0.7:5433/app",
            ),
            ("host=/run/postgresql dbname=t", "/run/postgresql:5432/t"),
            ("hostaddr=::1 dbname=t", "[::1]:5432/t"),
        ] {
            let url: DatabaseUrl = url.parse().expect("a valid connection string");
            assert_eq!(FleetDatabase::new(url).name(), name);
        }
    }
}
