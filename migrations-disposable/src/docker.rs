//! A minimal Docker Engine API client: probe the engine and the image quickly, list and remove our
//! labelled containers, without an async runtime (usable from signal and exit handlers).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the engine listens, found the way testcontainers finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Unix(PathBuf),
    Tcp(String),
}

/// A container id and its labels.
pub(crate) type LabelledContainer = (String, serde_json::Map<String, serde_json::Value>);

pub(crate) struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// Asking the engine whether a registry has the image may take a DNS lookup and a TLS handshake.
const PULLABLE_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether a named image can be had: present, pullable, or neither.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ImageAvailability {
    Present,
    Pullable,
    Missing { detail: String },
}

impl Endpoint {
    /// `DOCKER_HOST`, else the first existing well-known socket.
    pub(crate) fn from_env() -> Result<Endpoint, String> {
        if let Some(host) = std::env::var("DOCKER_HOST")
            .ok()
            .filter(|host| !host.is_empty())
        {
            return Self::parse_host(&host);
        }
        let mut candidates = vec![PathBuf::from("/var/run/docker.sock")];
        if let Some(runtime) = std::env::var_os("XDG_RUNTIME_DIR") {
            candidates.push(Path::new(&runtime).join(".docker/run/docker.sock"));
        }
        if let Some(home) = std::env::var_os("HOME") {
            candidates.push(Path::new(&home).join(".docker/run/docker.sock"));
            candidates.push(Path::new(&home).join(".docker/desktop/docker.sock"));
        }
        candidates
            .into_iter()
            .find(|path| path.exists())
            .map(Endpoint::Unix)
            .ok_or_else(|| {
                "no Docker engine was found (DOCKER_HOST is not set and /var/run/docker.sock does not exist)"
                    .to_owned()
            })
    }

    fn parse_host(host: &str) -> Result<Endpoint, String> {
        let tls = std::env::var("DOCKER_TLS_VERIFY").is_ok_and(|v| !v.is_empty() && v != "0");
        if let Some(path) = host.strip_prefix("unix://") {
            Ok(Endpoint::Unix(PathBuf::from(path)))
        } else if let Some(address) = host
            .strip_prefix("tcp://")
            .or_else(|| host.strip_prefix("http://"))
        {
            if tls {
                Err(format!(
                    "DOCKER_HOST={host} with DOCKER_TLS_VERIFY is not supported; use a unix socket or plain tcp"
                ))
            } else {
                Ok(Endpoint::Tcp(address.trim_end_matches('/').to_owned()))
            }
        } else {
            Err(format!(
                "DOCKER_HOST={host} is not supported; use unix:///path/to/docker.sock or tcp://host:port"
            ))
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Endpoint::Unix(path) => format!("unix://{}", path.display()),
            Endpoint::Tcp(address) => format!("tcp://{address}"),
        }
    }

    /// `GET /_ping`: does an engine answer?
    pub(crate) fn ping(&self) -> Result<(), String> {
        let response = self.request("GET", "/_ping", PROBE_TIMEOUT)?;
        if response.status == 200 {
            Ok(())
        } else {
            Err(format!(
                "the Docker engine at {} answered {} to a ping",
                self.describe(),
                response.status
            ))
        }
    }

    /// Present locally (no registry involved), else whether a registry says it has the image.
    pub(crate) fn image_availability(&self, image: &str) -> ImageAvailability {
        match self.request("GET", &format!("/images/{image}/json"), PROBE_TIMEOUT) {
            Ok(response) if response.status == 200 => return ImageAvailability::Present,
            Ok(_) => {}
            Err(detail) => return ImageAvailability::Missing { detail },
        }
        match self.request(
            "GET",
            &format!("/distribution/{image}/json"),
            PULLABLE_TIMEOUT,
        ) {
            Ok(response) if response.status == 200 => ImageAvailability::Pullable,
            Ok(response) => ImageAvailability::Missing {
                detail: format!(
                    "not present locally, and the registry lookup failed: {}",
                    error_message(&response.body)
                ),
            },
            Err(detail) => ImageAvailability::Missing {
                detail: format!("not present locally, and the registry lookup failed: {detail}"),
            },
        }
    }

    /// Containers carrying `label` (running or not), with their labels.
    pub(crate) fn containers_with_label(
        &self,
        label: &str,
    ) -> Result<Vec<LabelledContainer>, String> {
        let filter = format!("{{\"label\":[\"{label}\"]}}");
        let path = format!(
            "/containers/json?all=1&filters={}",
            crate::secret_url::percent_encode(&filter)
        );
        let response = self.request("GET", &path, PROBE_TIMEOUT)?;
        if response.status != 200 {
            return Err(error_message(&response.body));
        }
        let listed: serde_json::Value = serde_json::from_slice(&response.body)
            .map_err(|error| format!("unreadable container list: {error}"))?;
        Ok(listed
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|container| {
                let id = container.get("Id")?.as_str()?.to_owned();
                let labels = container.get("Labels")?.as_object()?.clone();
                Some((id, labels))
            })
            .collect())
    }

    /// Force-removes a container and its anonymous volumes; a missing container is fine.
    pub(crate) fn remove_container(&self, id: &str) -> Result<(), String> {
        let response = self.request(
            "DELETE",
            &format!("/containers/{id}?force=1&v=1"),
            Duration::from_secs(30),
        )?;
        match response.status {
            200..=299 | 404 => Ok(()),
            _ => Err(error_message(&response.body)),
        }
    }

    pub(crate) fn request(
        &self,
        method: &str,
        path: &str,
        timeout: Duration,
    ) -> Result<Response, String> {
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: migrations-disposable\r\nConnection: close\r\n\r\n"
        );
        let raw = match self {
            Endpoint::Unix(socket) => {
                let mut stream = UnixStream::connect(socket).map_err(|error| {
                    format!(
                        "the Docker engine socket {} does not answer: {error}",
                        socket.display()
                    )
                })?;
                stream.set_read_timeout(Some(timeout)).ok();
                stream.set_write_timeout(Some(timeout)).ok();
                exchange(&mut stream, &request)
            }
            Endpoint::Tcp(address) => {
                let mut stream = connect_tcp(address, timeout)?;
                stream.set_read_timeout(Some(timeout)).ok();
                stream.set_write_timeout(Some(timeout)).ok();
                exchange(&mut stream, &request)
            }
        }
        .map_err(|error| {
            format!(
                "the Docker engine at {} did not answer: {error}",
                self.describe()
            )
        })?;
        parse_response(&raw)
    }
}

fn connect_tcp(address: &str, timeout: Duration) -> Result<TcpStream, String> {
    let addresses = address
        .to_socket_addrs()
        .map_err(|error| format!("cannot resolve the Docker host {address}: {error}"))?;
    let mut last_error = format!("the Docker host {address} resolves to nothing");
    for socket_address in addresses {
        match TcpStream::connect_timeout(&socket_address, timeout) {
            Ok(stream) => return Ok(stream),
            Err(error) => {
                last_error =
                    format!("the Docker engine at tcp://{address} does not answer: {error}")
            }
        }
    }
    Err(last_error)
}

fn exchange(stream: &mut (impl Read + Write), request: &str) -> std::io::Result<Vec<u8>> {
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    Ok(raw)
}

fn parse_response(raw: &[u8]) -> Result<Response, String> {
    let header_end = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or("the Docker engine sent an incomplete HTTP response")?;
    let head = String::from_utf8_lossy(&raw[..header_end]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or("the Docker engine sent no HTTP status")?;
    let chunked = lines.any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    });
    let body = &raw[header_end + 4..];
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_vec()
    };
    Ok(Response { status, body })
}

fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, String> {
    let mut decoded = Vec::new();
    loop {
        let line_end = body
            .windows(2)
            .position(|window| window == b"\r\n")
            .ok_or("truncated chunked response from the Docker engine")?;
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| "malformed chunked response from the Docker engine".to_owned())?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Ok(decoded);
        }
        let chunk = body
            .get(..size)
            .ok_or("truncated chunk from the Docker engine")?;
        decoded.extend_from_slice(chunk);
        body = body.get(size + 2..).unwrap_or(&[]);
    }
}

/// The engine's `{"message": …}`, or the raw body.
fn error_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| value.get("message")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_are_reassembled() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n[{\"a\r\n3\r\n\":1\r\n2\r\n}]\r\n0\r\n\r\n";
        let response = parse_response(raw).unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.body, b"[{\"a\":1}]");
    }

    #[test]
    fn docker_hosts_are_understood() {
        assert_eq!(
            Endpoint::parse_host("unix:///run/docker.sock"),
            Ok(Endpoint::Unix("/run/docker.sock".into()))
        );
        assert_eq!(
            Endpoint::parse_host("tcp://127.0.0.1:2375"),
            Ok(Endpoint::Tcp("127.0.0.1:2375".into()))
        );
        assert!(Endpoint::parse_host("ssh://host").is_err());
    }
}
