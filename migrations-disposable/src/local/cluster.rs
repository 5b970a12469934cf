//! A throwaway PostgreSQL cluster: a copy of the cached initdb on tmpfs, one `postgres` started
//! directly (no pg_ctl), a private unix socket, optional TCP with passwords and TLS.

use std::fs::{self, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use super::initdb_cache;
use super::os_user::give_to;
use super::spawner::spawn_tied_to_process;
use super::tls::{self, TlsFiles};
use super::{CLUSTER_PREFIX, LocalPlan, OWNER_FILE};
use crate::identity::{Marker, next_serial, run_id};
use crate::secret_url::percent_encode;
use crate::settings::{DIR_VAR, Settings};
use crate::{DisposableError, SecretUrl};

/// Port of socket-only clusters; the socket directory is private, so it never collides.
const SOCKET_ONLY_PORT: u16 = 5432;
const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(30);
const MIN_TMPFS_FREE: u64 = 512 * 1024 * 1024;
/// `sun_path` holds 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH: usize = 107;

#[derive(Debug)]
pub(crate) struct LocalCluster {
    plan: LocalPlan,
    dir: PathBuf,
    data: PathBuf,
    socket_dir: PathBuf,
    log: PathBuf,
    port: u16,
    tcp: bool,
    tls: Option<TlsFiles>,
    keep: bool,
    postmaster: Mutex<Option<Child>>,
    postmaster_pid: AtomicI32,
}

impl LocalCluster {
    pub(crate) fn start(
        plan: LocalPlan,
        settings: &Settings,
        tcp: bool,
        tls: bool,
    ) -> Result<LocalCluster, DisposableError> {
        let base = base_dir(settings)?;
        super::sweep::remove_debris(&base);
        let cache = initdb_cache::cached_data_dir(&base, &plan.binaries, plan.user.as_ref())?;
        let dir = create_cluster_dir(&base, settings.keep)?;
        let socket_dir = dir.join("sock");
        let mut cluster = LocalCluster {
            data: dir.join("data"),
            log: dir.join("postgres.log"),
            port: SOCKET_ONLY_PORT,
            tcp: tcp || tls,
            tls: None,
            keep: settings.keep,
            postmaster: Mutex::new(None),
            postmaster_pid: AtomicI32::new(0),
            plan,
            socket_dir,
            dir,
        };
        match cluster
            .prepare(&cache, tls)
            .and_then(|()| cluster.start_postmaster())
        {
            Ok(()) => Ok(cluster),
            Err(error) => {
                cluster.stop_and_remove();
                Err(error)
            }
        }
    }

    fn prepare(&mut self, cache: &Path, tls: bool) -> Result<(), DisposableError> {
        let user = self.plan.user.clone();
        initdb_cache::copy_data_dir(cache, &self.data, user.as_ref())?;
        let socket_path_len = self.socket_dir.as_os_str().len() + "/.s.PGSQL.65535".len();
        if socket_path_len > MAX_SOCKET_PATH {
            return Err(DisposableError::InvalidSetting {
                variable: DIR_VAR,
                value: self.dir.display().to_string(),
                expected: format!(
                    "the socket path would be {socket_path_len} bytes, over the unix limit of \
                     {MAX_SOCKET_PATH}; choose a shorter directory"
                ),
            });
        }
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&self.socket_dir)
            .and_then(|()| give_to(user.as_ref(), &self.socket_dir))
            .map_err(|source| DisposableError::LocalIo {
                action: "create the socket directory",
                path: self.socket_dir.clone(),
                source,
            })?;
        // The socket directory is private to the server user (and root), so trust on it is safe;
        // TCP, when enabled, asks for passwords.
        let mut hba = String::from("local all all trust\n");
        if self.tcp {
            hba.push_str("host all all 127.0.0.1/32 scram-sha-256\n");
            hba.push_str("host all all ::1/128 scram-sha-256\n");
        }
        let hba_path = self.data.join("pg_hba.conf");
        fs::write(&hba_path, hba).map_err(|source| DisposableError::LocalIo {
            action: "write",
            path: hba_path,
            source,
        })?;
        if tls {
            self.tls = Some(tls::generate(&self.dir.join("tls"), user.as_ref())?);
        }
        Ok(())
    }

    /// Starts postgres and waits until it accepts connections; with TCP, retries on another port
    /// when the chosen one was taken meanwhile.
    fn start_postmaster(&mut self) -> Result<(), DisposableError> {
        const PORT_ATTEMPTS: usize = 5;
        for attempt in 1..=PORT_ATTEMPTS {
            if self.tcp {
                self.port = free_port().map_err(|source| DisposableError::LocalIo {
                    action: "find a free TCP port for",
                    path: self.dir.clone(),
                    source,
                })?;
            }
            match self.spawn_and_wait() {
                Err(DisposableError::ServerStart { log_tail, .. })
                    if self.tcp
                        && attempt < PORT_ATTEMPTS
                        && log_tail.contains("could not bind") =>
                {
                    continue;
                }
                // PostgreSQL's own words for a build without OpenSSL asked for `ssl=on`.
                Err(DisposableError::ServerStart { log_tail, .. })
                    if self.tls.is_some()
                        && log_tail.contains("SSL is not supported by this build") =>
                {
                    return Err(DisposableError::TlsUnsupported {
                        installation: format!(
                            "PostgreSQL {} from {}",
                            self.plan.binaries.short_version(),
                            self.plan.binaries.bindir.display()
                        ),
                    });
                }
                other => return other,
            }
        }
        unreachable!("the last attempt returns")
    }

    fn spawn_and_wait(&self) -> Result<(), DisposableError> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|source| DisposableError::LocalIo {
                action: "open the server log",
                path: self.log.clone(),
                source,
            })?;
        let log_for_stderr = log.try_clone().map_err(|source| DisposableError::LocalIo {
            action: "open the server log",
            path: self.log.clone(),
            source,
        })?;
        let log_start = log.metadata().map_or(0, |m| m.len());
        let mut command = Command::new(self.plan.binaries.postgres());
        command
            .arg("-D")
            .arg(&self.data)
            .args(
                self.server_settings()
                    .iter()
                    .flat_map(|s| ["-c", s.as_str()]),
            )
            .stdin(Stdio::null())
            // A file, never a pipe: nobody would drain a pipe, and a full one blocks every backend.
            .stdout(log)
            .stderr(log_for_stderr)
            .current_dir(&self.dir)
            .env_remove("PGDATA")
            // Out of our process group: a terminal's Ctrl-C reaches us, and we stop postgres ourselves.
            .process_group(0);
        if let Some(user) = &self.plan.user {
            command.uid(user.uid).gid(user.gid);
        }
        // A kept cluster must outlive this process; any other dies with it.
        let spawned = if self.keep {
            command.spawn()
        } else {
            spawn_tied_to_process(command)
        };
        let child = spawned.map_err(|source| DisposableError::LocalIo {
            action: "start postgres for",
            path: self.data.clone(),
            source,
        })?;
        let pid = child.id();
        self.postmaster_pid.store(pid as i32, Ordering::SeqCst);
        *self.lock_postmaster() = Some(child);
        self.wait_ready(pid).map_err(|reason| {
            self.stop_postmaster(libc::SIGQUIT);
            DisposableError::ServerStart {
                data_dir: self.data.clone(),
                reason,
                log: self.log.clone(),
                log_tail: log_tail(&self.log, log_start),
            }
        })
    }

    fn server_settings(&self) -> Vec<String> {
        let mut settings = vec![
            format!(
                "listen_addresses={}",
                if self.tcp { "127.0.0.1" } else { "" }
            ),
            format!("port={}", self.port),
            format!("unix_socket_directories={}", self.socket_dir.display()),
            "unix_socket_permissions=0700".into(),
            // The data is disposable: durability buys nothing and costs most of CREATE DATABASE.
            "fsync=off".into(),
            "synchronous_commit=off".into(),
            "full_page_writes=off".into(),
            "autovacuum=off".into(),
            "max_connections=200".into(),
            "shared_buffers=32MB".into(),
            "lc_messages=C".into(),
        ];
        if let Some(tls) = &self.tls {
            settings.push("ssl=on".into());
            settings.push(format!("ssl_cert_file={}", tls.server_cert.display()));
            settings.push(format!("ssl_key_file={}", tls.server_key.display()));
        }
        settings
    }

    /// Ready when line 8 of postmaster.pid says so (PostgreSQL 10+), as pg_ctl checks, but polled
    /// every 5 ms instead of every 100 ms.
    fn wait_ready(&self, pid: u32) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        let pid_file = self.data.join("postmaster.pid");
        loop {
            if let Some(child) = self.lock_postmaster().as_mut() {
                match child.try_wait() {
                    Ok(Some(status)) => return Err(format!("it exited ({status})")),
                    Ok(None) => {}
                    Err(error) => return Err(format!("it could not be watched: {error}")),
                }
            }
            if let Ok(contents) = fs::read_to_string(&pid_file) {
                let lines: Vec<&str> = contents.lines().collect();
                if lines.first().map(|line| line.trim()) == Some(pid.to_string().as_str())
                    && lines.get(7).map(|line| line.trim()) == Some("ready")
                {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "it was not ready after {} s",
                    START_TIMEOUT.as_secs()
                ));
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    fn lock_postmaster(&self) -> std::sync::MutexGuard<'_, Option<Child>> {
        self.postmaster
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Signals the postmaster and waits for it: SIGQUIT is an immediate shutdown, SIGINT a fast one
    /// (sessions are terminated, then a checkpoint).
    fn stop_postmaster(&self, signal: libc::c_int) {
        let Some(mut child) = self.lock_postmaster().take() else {
            return;
        };
        self.postmaster_pid.store(0, Ordering::SeqCst);
        // SAFETY: kill has no memory-safety preconditions; the pid is our unreaped child.
        unsafe { libc::kill(child.id() as libc::pid_t, signal) };
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            match child.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) if Instant::now() > deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return;
                }
                Ok(None) => thread::sleep(Duration::from_millis(2)),
            }
        }
    }

    /// Fast shutdown then start again on the same port and socket, like `pg_ctl restart`.
    pub(crate) fn restart(&self) -> Result<(), DisposableError> {
        self.stop_postmaster(libc::SIGINT);
        self.spawn_and_wait()
    }

    /// Stops postgres and removes the directory (or, with `DISPOSABLE_PG_KEEP`, says where it is).
    pub(crate) fn stop_and_remove(&self) {
        if self.keep {
            self.report_kept();
            return;
        }
        self.stop_postmaster(libc::SIGQUIT);
        let _ = fs::remove_dir_all(&self.dir);
    }

    /// For signal and exit handlers: no waiting on locks another thread might hold.
    pub(crate) fn emergency_stop_and_remove(&self) {
        if self.keep {
            self.report_kept();
            return;
        }
        let pid = self.postmaster_pid.swap(0, Ordering::SeqCst);
        if pid > 0 {
            // SAFETY: kill and waitpid have no memory-safety preconditions; the pid is our child.
            unsafe { libc::kill(pid, libc::SIGQUIT) };
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                let mut status = 0;
                // SAFETY: as above; `status` is a valid out-pointer.
                let reaped = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
                if reaped != 0 || Instant::now() > deadline {
                    break;
                }
                thread::sleep(Duration::from_millis(2));
            }
        }
        let _ = fs::remove_dir_all(&self.dir);
    }

    fn report_kept(&self) {
        let pid = self.postmaster_pid.load(Ordering::SeqCst);
        eprintln!(
            "migrations-disposable: kept the local cluster in {} (postgres pid {pid}, socket {}); \
             connect with psql '{}'; remove it with: kill -QUIT {pid}; rm -rf {}",
            self.dir.display(),
            self.socket_dir.display(),
            self.socket_url("postgres").expose(),
            self.dir.display()
        );
    }

    /// The unix-socket URL of a database, as the superuser `postgres` (no password: the socket is
    /// private).
    pub(crate) fn socket_url(&self, database: &str) -> SecretUrl {
        SecretUrl::new(format!(
            "postgresql://postgres@{}:{}/{}",
            percent_encode(&self.socket_dir.to_string_lossy()),
            self.port,
            percent_encode(database)
        ))
    }

    /// A TCP URL with a password, when the cluster listens on TCP.
    pub(crate) fn tcp_url(&self, database: &str, user: &str, password: &str) -> Option<SecretUrl> {
        self.tcp.then(|| {
            SecretUrl::new(format!(
                "postgresql://{}:{}@127.0.0.1:{}/{}",
                percent_encode(user),
                percent_encode(password),
                self.port,
                percent_encode(database)
            ))
        })
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn ca_cert(&self) -> Option<&Path> {
        self.tls.as_ref().map(|tls| tls.ca_cert.as_path())
    }

    pub(crate) fn plan(&self) -> &LocalPlan {
        &self.plan
    }

    pub(crate) fn port(&self) -> Option<u16> {
        self.tcp.then_some(self.port)
    }
}

/// `DISPOSABLE_PG_DIR`, else `/dev/shm` when it has room (file creation there is 5–20× faster than
/// on a disk, which is most of CREATE DATABASE), else the temporary directory.
fn base_dir(settings: &Settings) -> Result<PathBuf, DisposableError> {
    if let Some(dir) = &settings.base_dir {
        fs::create_dir_all(dir).map_err(|source| DisposableError::LocalIo {
            action: "create",
            path: dir.clone(),
            source,
        })?;
        return Ok(dir.clone());
    }
    let shm = Path::new("/dev/shm");
    if free_bytes(shm).is_some_and(|free| free >= MIN_TMPFS_FREE) {
        return Ok(shm.to_path_buf());
    }
    Ok(std::env::temp_dir())
}

fn free_bytes(path: &Path) -> Option<u64> {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).ok()?;
    // SAFETY: statvfs is plain data, filled by the call on success; access only reads the path.
    unsafe {
        if libc::access(c_path.as_ptr(), libc::W_OK | libc::X_OK) != 0 {
            return None;
        }
        let mut stats: libc::statvfs = std::mem::zeroed();
        if libc::statvfs(c_path.as_ptr(), &mut stats) != 0 {
            return None;
        }
        Some(stats.f_bavail.saturating_mul(stats.f_frsize))
    }
}

/// The directory and its owner file come first, so that a crash at any later point leaves debris
/// the next sweep recognises.
fn create_cluster_dir(base: &Path, keep: bool) -> Result<PathBuf, DisposableError> {
    let dir = base.join(format!("{CLUSTER_PREFIX}{}-{}", run_id(), next_serial()));
    fs::DirBuilder::new()
        .mode(0o711)
        .create(&dir)
        .map_err(|source| DisposableError::LocalIo {
            action: "create the cluster directory",
            path: dir.clone(),
            source,
        })?;
    let owner = Marker::for_this_process(keep).render();
    fs::write(dir.join(OWNER_FILE), owner + "\n").map_err(|source| DisposableError::LocalIo {
        action: "write the owner file in",
        path: dir.clone(),
        source,
    })?;
    Ok(dir)
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The last lines this start wrote to the log.
fn log_tail(log: &Path, from: u64) -> String {
    const MAX_BYTES: u64 = 4096;
    let mut text = String::new();
    if let Ok(mut file) = fs::File::open(log) {
        let length = file.metadata().map_or(0, |m| m.len());
        let start = from.max(length.saturating_sub(MAX_BYTES));
        if file.seek(SeekFrom::Start(start)).is_ok() {
            let mut bytes = Vec::new();
            let _ = file.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
