//! Connecting from `DATABASE_URL`: libpq's `sslmode`s over rustls, and a URL that never shows its
//! password.
//!
//! tokio-postgres understands `sslmode=disable|prefer|require` but not libpq's `verify-ca` and
//! `verify-full`, and its TLS is pluggable. This module takes the TLS settings out of the
//! connection string, hands the rest to tokio-postgres, and builds a rustls configuration that does
//! what libpq does for each mode:
//!
//! | sslmode | TLS | server certificate |
//! |---|---|---|
//! | `disable` | never | - |
//! | `prefer` (default) | if the server offers it | not checked |
//! | `require` | always | not checked (checked like `verify-ca` when `sslrootcert` is given) |
//! | `verify-ca` | always | signed by a trusted CA |
//! | `verify-full` | always | signed by a trusted CA and issued for the host name |
//!
//! Trusted CAs come from `sslrootcert=<file>`, `sslrootcert=system` (the operating system's store),
//! or `~/.postgresql/root.crt` as in libpq.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::{ClientConfig, RootCertStore};
use tokio_postgres::config::SslMode as DriverSslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

mod params;
mod verifiers;

use params::{is_url, keyword_params, redact, remove_spans, url_params, with_overrides};
use verifiers::{AcceptAnyCertificate, IgnoreHostName, add_pem_file};

/// How long a connection attempt may take when the URL does not say (`connect_timeout`).
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// libpq's `sslmode`, the values this tool honours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// A bad or unusable connection string. Never shows the password.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    #[error(
        "no database URL: set DATABASE_URL (e.g. postgres://user@host:5432/db) or pass --database-url"
    )]
    Missing,
    #[error("unsupported sslmode `{mode}`: use disable, prefer, require, verify-ca or verify-full")]
    UnsupportedSslMode { mode: String },
    #[error("unsupported connection parameter `{name}`: {reason}")]
    UnsupportedParameter { name: String, reason: &'static str },
    #[error("bad database URL {url}: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("cannot read sslrootcert {path}: {reason}")]
    RootCert { path: String, reason: String },
    #[error("cannot connect to {url}: {reason}")]
    Connect { url: String, reason: String },
}

impl fmt::Debug for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::causes::message_and_causes(self, f)
    }
}

/// A connection string (URL or `key=value` form) with its TLS settings taken out.
#[derive(Clone)]
pub struct DatabaseUrl {
    config: tokio_postgres::Config,
    ssl_mode: SslMode,
    root_cert: Option<String>,
    /// The string as given, password included: what [`DatabaseUrl::with_parameters`] builds on.
    text: String,
    redacted: String,
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl").field(&self.redacted).finish()
    }
}

/// The URL with any password replaced by `***`.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl FromStr for DatabaseUrl {
    type Err = ConnectError;

    fn from_str(text: &str) -> Result<DatabaseUrl, ConnectError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ConnectError::Missing);
        }
        let redacted = redact(text);
        let url = is_url(text);
        let params = if url {
            url_params(text)
        } else {
            keyword_params(text)
        };
        let mut ssl_mode = SslMode::Prefer;
        let mut root_cert = None;
        let mut tls_spans = Vec::new();
        for param in &params {
            match param.key.as_str() {
                "sslmode" => {
                    ssl_mode = match param.value.as_str() {
                        "disable" => SslMode::Disable,
                        "prefer" => SslMode::Prefer,
                        "require" => SslMode::Require,
                        "verify-ca" => SslMode::VerifyCa,
                        "verify-full" => SslMode::VerifyFull,
                        other => {
                            return Err(ConnectError::UnsupportedSslMode {
                                mode: other.to_owned(),
                            });
                        }
                    };
                }
                "sslrootcert" => root_cert = Some(param.value.clone()),
                "sslcert" | "sslkey" | "sslpassword" | "sslcrl" | "sslcrldir" => {
                    return Err(ConnectError::UnsupportedParameter {
                        name: param.key.clone(),
                        reason: "client certificates and CRLs are not supported; authenticate with a password",
                    });
                }
                _ => continue,
            }
            tls_spans.push(param.span.clone());
        }
        let rest = remove_spans(text, &tls_spans, url);
        let mut config =
            tokio_postgres::Config::from_str(&rest).map_err(|e| ConnectError::BadUrl {
                url: redacted.clone(),
                reason: describe_parse_error(&e),
            })?;
        config.ssl_mode(match ssl_mode {
            SslMode::Disable => DriverSslMode::Disable,
            SslMode::Prefer => DriverSslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => DriverSslMode::Require,
        });
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("migrate");
        }
        Ok(DatabaseUrl {
            config,
            ssl_mode,
            root_cert,
            text: text.to_owned(),
            redacted,
        })
    }
}

impl DatabaseUrl {
    /// Reads `DATABASE_URL`.
    pub fn from_env() -> Result<DatabaseUrl, ConnectError> {
        std::env::var("DATABASE_URL")
            .map_err(|_| ConnectError::Missing)?
            .parse()
    }

    /// This connection with the parameters of `parameters` (a `key=value` string) in place of its
    /// own: `dbname=tenant_7` is another database on the same server with the same credentials
    /// and TLS settings. Naming a server (`host`, `hostaddr` or `port`) replaces all three.
    pub fn with_parameters(&self, parameters: &str) -> Result<DatabaseUrl, ConnectError> {
        with_overrides(&self.text, parameters).parse()
    }

    /// Bounds the wait on a server that does not answer: the TCP connection within `timeout`,
    /// and TCP keepalives (unless the string turns them off) that give up on a server gone
    /// silent mid-run after about twice that, where the system's defaults wait for hours. A
    /// long statement is not cut short: the server's kernel answers keepalives while it runs.
    pub(crate) fn bounded(mut self, timeout: Duration) -> DatabaseUrl {
        // The kernel counts keepalive times in whole seconds, and refuses 0.
        let seconds = |duration: Duration| Duration::from_secs(duration.as_secs().max(1));
        self.config.connect_timeout(timeout);
        if self.config.get_keepalives() {
            self.config
                .keepalives_idle(seconds(timeout))
                .keepalives_interval(seconds(timeout / 4))
                .keepalives_retries(4)
                .tcp_user_timeout(seconds(timeout) * 2);
        }
        self
    }

    pub fn ssl_mode(&self) -> SslMode {
        self.ssl_mode
    }

    /// The driver's configuration (TLS settings excepted); its `Debug` hides the password.
    pub fn config(&self) -> &tokio_postgres::Config {
        &self.config
    }

    /// The TLS connector for this URL's `sslmode`, for both drivers.
    pub fn tls(&self) -> Result<MakeRustlsConnect, ConnectError> {
        let verifier: Arc<dyn ServerCertVerifier> = match (self.ssl_mode, &self.root_cert) {
            (SslMode::Disable | SslMode::Prefer, _) | (SslMode::Require, None) => {
                Arc::new(AcceptAnyCertificate::new())
            }
            (SslMode::Require | SslMode::VerifyCa, _) => {
                Arc::new(IgnoreHostName(self.webpki_verifier()?))
            }
            (SslMode::VerifyFull, _) => self.webpki_verifier()?,
        };
        let config =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| self.connect_error(e.to_string()))?
                .dangerous()
                .with_custom_certificate_verifier(verifier)
                .with_no_client_auth();
        Ok(MakeRustlsConnect::new(config))
    }

    fn connect_error(&self, reason: String) -> ConnectError {
        ConnectError::Connect {
            url: self.redacted.clone(),
            reason,
        }
    }

    fn webpki_verifier(&self) -> Result<Arc<WebPkiServerVerifier>, ConnectError> {
        let mut roots = RootCertStore::empty();
        match self.root_cert.as_deref() {
            Some("system") => {
                for cert in rustls_native_certs::load_native_certs().certs {
                    let _ = roots.add(cert);
                }
            }
            Some(path) => add_pem_file(&mut roots, PathBuf::from(path))?,
            None => {
                let home = std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .unwrap_or_default();
                add_pem_file(&mut roots, home.join(".postgresql/root.crt"))?;
            }
        }
        WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            Arc::new(rustls::crypto::ring::default_provider()),
        )
        .build()
        .map_err(|e| ConnectError::RootCert {
            path: self.root_cert.clone().unwrap_or_default(),
            reason: e.to_string(),
        })
    }

    /// Connects with the `postgres` driver.
    pub fn connect(&self) -> Result<postgres::Client, ConnectError> {
        let config = postgres::Config::from(self.config.clone());
        match self.ssl_mode {
            SslMode::Disable => config.connect(postgres::NoTls),
            _ => config.connect(self.tls()?),
        }
        .map_err(|e| self.connect_error(describe_connect_error(&e)))
    }

    /// Connects with `tokio-postgres`; the connection runs on a task of the current runtime.
    pub async fn connect_async(&self) -> Result<tokio_postgres::Client, ConnectError> {
        let client = match self.ssl_mode {
            SslMode::Disable => {
                let (client, connection) = self
                    .config
                    .connect(tokio_postgres::NoTls)
                    .await
                    .map_err(|e| self.connect_error(describe_connect_error(&e)))?;
                tokio::spawn(connection);
                client
            }
            _ => {
                let (client, connection) = self
                    .config
                    .connect(self.tls()?)
                    .await
                    .map_err(|e| self.connect_error(describe_connect_error(&e)))?;
                tokio::spawn(connection);
                client
            }
        };
        Ok(client)
    }
}

/// Why the driver refused a connection string. Its own message is only "invalid connection
/// string"; the cause says what is wrong (`invalid value for option `port``). A cause that quotes
/// a character of the input is cut before it: the character could be part of a password.
fn describe_parse_error(error: &tokio_postgres::Error) -> String {
    let mut reason = error.to_string();
    if let Some(cause) = std::error::Error::source(error) {
        let cause = cause.to_string();
        let cause = cause.split(" but got ").next().unwrap_or_default();
        reason = format!("{reason}: {cause}");
    }
    reason.replace('\n', " ")
}

/// A one-line reason for a failed connection: the server's message when there is one, else the
/// driver's with its causes (e.g. `error performing TLS handshake: invalid peer certificate`).
fn describe_connect_error(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !reason.contains(&cause_text) {
            reason = format!("{reason}: {cause_text}");
        }
        source = cause.source();
    }
    reason.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        for (url, shown) in [
            (
                "postgres://app:s3cr%40t@db:5432/app?sslmode=require",
                "postgres://app:***@db:5432/app?sslmode=require",
            ),
            (
                "postgresql://app@db/app?password=s3cret&sslmode=disable",
                "postgresql://app@db/app?password=***&sslmode=disable",
            ),
            (
                "host=db user=app password='s3 cret' dbname=app",
                "host=db user=app password=*** dbname=app",
            ),
            ("postgres://app@db/app", "postgres://app@db/app"),
        ] {
            let parsed: DatabaseUrl = url.parse().expect("valid URL");
            assert_eq!(parsed.to_string(), shown);
            assert!(!format!("{parsed:?}").contains("s3"), "{parsed:?}");
        }
    }

    #[test]
    fn ssl_modes() {
        let mode = |url: &str| {
            url.parse::<DatabaseUrl>()
                .map(|u| u.ssl_mode())
                .map_err(|e| e.to_string())
        };
        assert_eq!(mode("postgres://h/db"), Ok(SslMode::Prefer));
        assert_eq!(
            mode("postgres://h/db?sslmode=verify-full&sslrootcert=/x"),
            Ok(SslMode::VerifyFull)
        );
        assert_eq!(mode("host=h sslmode=verify-ca"), Ok(SslMode::VerifyCa));
        assert_eq!(
            mode("postgres://u:pw@h/db?sslmode=allow"),
            Err("unsupported sslmode `allow`: use disable, prefer, require, verify-ca or verify-full".to_owned())
        );
        let parsed: DatabaseUrl = "postgres://u@h/db?sslmode=require&application_name=x"
            .parse()
            .expect("valid");
        assert_eq!(parsed.config().get_application_name(), Some("x"));
    }

    #[test]
    fn bad_urls_do_not_show_the_password() {
        let error = "postgres://u:hunter2@h:notaport/db"
            .parse::<DatabaseUrl>()
            .unwrap_err()
            .to_string();
        assert!(!error.contains("hunter2"), "{error}");
        assert!(
            error.starts_with("bad database URL postgres://u:***@h:notaport/db: "),
            "{error}"
        );
        assert!(
            error.ends_with(": invalid connection string: invalid value for option `port`"),
            "{error}"
        );
        // `=` missing after a keyword: the driver's cause quotes the next character.
        let error = "user=app password hunter2"
            .parse::<DatabaseUrl>()
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "bad database URL user=app password=***: invalid connection string: unexpected character at byte 18: expected `=`"
        );
    }

    #[test]
    fn parameters_replace_those_of_the_base() {
        let server = |url: &DatabaseUrl| {
            let config = url.config();
            (
                format!("{:?}", config.get_hosts()),
                config.get_ports().to_vec(),
                config.get_dbname().map(str::to_owned),
                config.get_user().map(str::to_owned),
                config.get_password().map(<[u8]>::to_vec),
            )
        };
        for (base, parameters, hosts, ports, dbname, shown) in [
            (
                "postgres://app:s3cret@db1:5433/postgres?sslmode=require",
                "dbname=tenant_7",
                r#"[Tcp("db1")]"#,
                vec![5433],
                "tenant_7",
                "postgres://app:***@db1:5433/postgres?sslmode=require&dbname=tenant_7",
            ),
            (
                "postgres://app:s3cret@db1,db2/postgres?dbname=x",
                "host=db3 dbname='tenant 8'",
                r#"[Tcp("db3")]"#,
                vec![],
                "tenant 8",
                "postgres://app:***@/postgres?host=db3&dbname=tenant%208",
            ),
            (
                "host=db1 port=5433 user=app password=s3cret dbname=postgres sslmode=require",
                "dbname=tenant_9",
                r#"[Tcp("db1")]"#,
                vec![5433],
                "tenant_9",
                "host=db1 port=5433 user=app password=*** sslmode=require dbname=tenant_9",
            ),
            (
                "host=db1 port=5433 user=app password=s3cret dbname=postgres",
                "host=db2 dbname=t",
                r#"[Tcp("db2")]"#,
                vec![],
                "t",
                "user=app password=*** host=db2 dbname=t",
            ),
        ] {
            let base: DatabaseUrl = base.parse().expect("a valid base");
            let combined = base.with_parameters(parameters).expect("valid parameters");
            let (got_hosts, got_ports, got_dbname, user, password) = server(&combined);
            assert_eq!(got_hosts, hosts, "{combined}");
            assert_eq!(got_ports, ports, "{combined}");
            assert_eq!(got_dbname.as_deref(), Some(dbname), "{combined}");
            assert_eq!(user.as_deref(), Some("app"), "{combined}");
            assert_eq!(password.as_deref(), Some(&b"s3cret"[..]), "{combined}");
            assert_eq!(combined.ssl_mode(), base.ssl_mode(), "{combined}");
            assert_eq!(
                combined.to_string().split_whitespace().collect::<Vec<_>>(),
                shown.split_whitespace().collect::<Vec<_>>()
            );
        }
    }
}
