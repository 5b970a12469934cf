//! A certificate authority and a server certificate for `localhost` / `127.0.0.1`, made per cluster
//! with the `openssl` command, so that TLS tests can verify the server (verify-ca, verify-full).

use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::os_user::{OsUser, give_to};
use crate::{Backend, DisposableError};

#[derive(Debug, Clone)]
pub(crate) struct TlsFiles {
    pub ca_cert: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

const OPENSSL_CONFIG: &str = "\
[req]
distinguished_name = subject
prompt = no
[subject]
CN = migrations-disposable test CA
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
";

pub(crate) fn generate(dir: &Path, user: Option<&OsUser>) -> Result<TlsFiles, DisposableError> {
    let io_error = |action, source| DisposableError::LocalIo {
        action,
        path: dir.to_path_buf(),
        source,
    };
    fs::DirBuilder::new()
        .mode(0o700)
        .create(dir)
        .map_err(|e| io_error("create the TLS directory", e))?;
    fs::write(dir.join("openssl.cnf"), OPENSSL_CONFIG)
        .map_err(|e| io_error("write the openssl configuration in", e))?;
    let files = TlsFiles {
        ca_cert: dir.join("ca.crt"),
        server_cert: dir.join("server.crt"),
        server_key: dir.join("server.key"),
    };
    let serial = format!("0x{}", crate::identity::random_hex(8));
    let ec_key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        dir,
        &["req", "-x509", "-new"],
        &ec_key,
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "30",
            "-config",
            "openssl.cnf",
            "-extensions",
            "ca",
        ],
    )?;
    openssl(
        dir,
        &["req", "-new"],
        &ec_key,
        &[
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-config",
            "openssl.cnf",
            "-subj",
            "/CN=localhost",
        ],
    )?;
    openssl(
        dir,
        &["x509", "-req"],
        &[],
        &[
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-set_serial",
            &serial,
            "-out",
            "server.crt",
            "-days",
            "30",
            "-extfile",
            "openssl.cnf",
            "-extensions",
            "server",
        ],
    )?;
    // postgres refuses a key readable by others or owned by someone else.
    fs::set_permissions(&files.server_key, fs::Permissions::from_mode(0o600))
        .map_err(|e| io_error("protect the server key in", e))?;
    for path in [dir, &files.server_key, &files.server_cert, &files.ca_cert] {
        give_to(user, path).map_err(|e| io_error("hand the TLS files to the server user in", e))?;
    }
    let _ = fs::remove_file(dir.join("ca.key"));
    let _ = fs::remove_file(dir.join("server.csr"));
    Ok(files)
}

fn openssl(
    dir: &Path,
    command: &[&str],
    key: &[&str],
    rest: &[&str],
) -> Result<(), DisposableError> {
    let output = Command::new("openssl")
        .args(command)
        .args(key)
        .args(rest)
        .current_dir(dir)
        .output()
        .map_err(|source| DisposableError::LocalIo {
            action: "run openssl (install the openssl package) in",
            path: dir.to_path_buf(),
            source,
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(DisposableError::Command {
            backend: Backend::Local,
            program: format!("openssl {}", command.join(" ")),
            status: output.status.to_string(),
            output: String::from_utf8_lossy(&output.stderr).into_owned(),
            fix: "the TLS option needs a working openssl command (OpenSSL 1.1.1 or later)",
        })
    }
}
