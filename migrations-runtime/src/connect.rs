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
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::SslMode as DriverSslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

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
#[derive(Debug, thiserror::Error)]
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

/// A connection string (URL or `key=value` form) with its TLS settings taken out.
#[derive(Clone)]
pub struct DatabaseUrl {
    config: tokio_postgres::Config,
    ssl_mode: SslMode,
    root_cert: Option<String>,
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

/// One `key=value` parameter of a connection string, and where it is.
struct Param {
    key: String,
    value: String,
    span: std::ops::Range<usize>,
}

fn is_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The query parameters of a URL.
fn url_params(text: &str) -> Vec<Param> {
    let Some(start) = text.find('?').map(|q| q + 1) else {
        return Vec::new();
    };
    let mut params = Vec::new();
    let mut offset = start;
    for pair in text[start..].split('&') {
        let span = offset..offset + pair.len();
        offset += pair.len() + 1;
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        params.push(Param {
            key: percent_decode(key),
            value: percent_decode(value),
            span,
        });
    }
    params
}

/// The parameters of a `key=value` connection string; values may be single-quoted.
fn keyword_params(text: &str) -> Vec<Param> {
    let bytes = text.as_bytes();
    let mut params = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            return params;
        }
        let start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = text[start..i].to_owned();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
        }
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == b'\'' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'\'' {
                if bytes[i] == b'\\' && i + 1 < bytes.len() {
                    i += 1;
                }
                let c = text[i..].chars().next().unwrap_or_default();
                value.push(c);
                i += c.len_utf8().max(1);
            }
            i += 1;
        } else {
            let value_start = i;
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            value.push_str(&text[value_start..i]);
        }
        params.push(Param {
            key,
            value,
            span: start..i.min(text.len()),
        });
    }
}

/// The text without the given parameter spans (and the separators they leave behind).
fn remove_spans(text: &str, spans: &[std::ops::Range<usize>], url: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for span in spans {
        out.push_str(&text[last..span.start]);
        last = span.end;
    }
    out.push_str(&text[last..]);
    if url {
        while out.contains("&&") {
            out = out.replace("&&", "&");
        }
        out = out.replace("?&", "?");
        while out.ends_with('&') || out.ends_with('?') {
            out.pop();
        }
    }
    out
}

/// The connection string with every password replaced by `***`.
fn redact(text: &str) -> String {
    let mut spans: Vec<(std::ops::Range<usize>, &str)> = Vec::new();
    if is_url(text) {
        let rest_start = text.find("://").map_or(0, |i| i + 3);
        let authority_end = text[rest_start..]
            .find(['/', '?'])
            .map_or(text.len(), |i| rest_start + i);
        if let Some(at) = text[rest_start..authority_end].rfind('@') {
            let userinfo = rest_start..rest_start + at;
            if let Some(colon) = text[userinfo.clone()].find(':') {
                spans.push((userinfo.start + colon + 1..userinfo.end, "***"));
            }
        }
        for param in url_params(text) {
            if param.key == "password" {
                spans.push((param.span, "password=***"));
            }
        }
    } else {
        for param in keyword_params(text) {
            if param.key == "password" {
                spans.push((param.span, "password=***"));
            }
        }
    }
    spans.sort_by_key(|(span, _)| span.start);
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (span, replacement) in spans {
        out.push_str(&text[last..span.start]);
        out.push_str(replacement);
        last = span.end;
    }
    out.push_str(&text[last..]);
    out
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

fn add_pem_file(roots: &mut RootCertStore, path: PathBuf) -> Result<(), ConnectError> {
    let error = |reason: String| ConnectError::RootCert {
        path: path.display().to_string(),
        reason,
    };
    let pem = std::fs::read(&path)
        .map_err(|e| error(format!("{e}; set sslrootcert=<file> or sslrootcert=system")))?;
    let certs = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| error(e.to_string()))?;
    if certs.is_empty() {
        return Err(error("no PEM certificate in the file".to_owned()));
    }
    for cert in certs {
        roots.add(cert).map_err(|e| error(e.to_string()))?;
    }
    Ok(())
}

/// `prefer` and `require` without a root certificate: encrypt, but trust any certificate (libpq).
#[derive(Debug)]
struct AcceptAnyCertificate {
    provider: rustls::crypto::CryptoProvider,
}

impl AcceptAnyCertificate {
    fn new() -> AcceptAnyCertificate {
        AcceptAnyCertificate {
            provider: rustls::crypto::ring::default_provider(),
        }
    }
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted CA; the host name is not checked (libpq).
#[derive(Debug)]
struct IgnoreHostName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for IgnoreHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
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
}
