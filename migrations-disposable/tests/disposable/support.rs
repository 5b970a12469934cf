//! Helpers shared by the tests: catalog queries and child processes of this test binary.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use migrations_disposable::{Backend, DisposableError, DisposableServer, ServerOptions};

/// Every variable the crate reads, cleared for child processes so that each case states its own.
pub const SETTINGS: [&str; 10] = [
    "DISPOSABLE_PG",
    "DISPOSABLE_PG_SERVER_URL",
    "DISPOSABLE_PG_IMAGE",
    "DISPOSABLE_PG_BINDIR",
    "DISPOSABLE_PG_VERSION",
    "DISPOSABLE_PG_OS_USER",
    "DISPOSABLE_PG_KEEP",
    "DISPOSABLE_PG_DIR",
    "DISPOSABLE_PG_STALE_HOURS",
    "DISPOSABLE_PG_SERVER_DROP_ROLES",
];

/// The variable that makes `child::entry` play a role instead of passing at once.
pub const CHILD_ROLE: &str = "MIGRATIONS_DISPOSABLE_TEST_CHILD";
/// Prefix of the lines a child reports on.
pub const REPORT: &str = "CHILD| ";

pub fn shared() -> &'static DisposableServer {
    DisposableServer::shared().unwrap_or_else(|error| panic!("{error}"))
}

pub fn local(options: ServerOptions) -> DisposableServer {
    DisposableServer::start(ServerOptions {
        backend: Some(Backend::Local),
        ..options
    })
    .unwrap_or_else(|error| panic!("{error}"))
}

/// A local server with TLS, or `None` when the installation was built without SSL (the PyPI builds
/// of 16 and 18): the one reason accepted, which the server's own log gives.
pub fn local_tls(options: ServerOptions) -> Option<DisposableServer> {
    match DisposableServer::start(ServerOptions {
        backend: Some(Backend::Local),
        tls: true,
        ..options
    }) {
        Ok(server) => Some(server),
        Err(error @ DisposableError::TlsUnsupported { .. }) => {
            eprintln!("not run: {error}");
            None
        }
        Err(error) => panic!("{error}"),
    }
}

pub fn database_exists(server: &DisposableServer, name: &str) -> bool {
    server
        .connect_admin()
        .unwrap()
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .unwrap()
        .is_some()
}

pub fn role_exists(server: &DisposableServer, name: &str) -> bool {
    server
        .connect_admin()
        .unwrap()
        .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&name])
        .unwrap()
        .is_some()
}

/// A directory of its own under /dev/shm (or the temporary directory), removed at the end.
pub struct ScratchDir(pub PathBuf);

impl ScratchDir {
    pub fn new(label: &str) -> ScratchDir {
        let base = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("dpgt-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        ScratchDir(dir)
    }

    /// The cluster directories in it.
    pub fn clusters(&self) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&self.0)
            .unwrap()
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.join("owner").is_file())
            .collect();
        found.sort();
        found
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// This test binary, running only `child::entry` in the given role with exactly these settings.
pub fn child_command(role: &str, settings: &[(&str, &str)]) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args(["child::entry", "--exact", "--nocapture", "--test-threads=1"]);
    for variable in SETTINGS {
        command.env_remove(variable);
    }
    command.env(CHILD_ROLE, role);
    for (variable, value) in settings {
        command.env(variable, value);
    }
    command
}

/// Runs a child to its end and returns its report (the `CHILD| ` lines, prefix removed).
pub fn run_child(role: &str, settings: &[(&str, &str)]) -> String {
    let output = child_command(role, settings)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "child {role} failed: {}",
        output.status
    );
    report_lines(&String::from_utf8_lossy(&output.stdout)).join("\n")
}

fn report_lines(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|line| {
            line.find(REPORT)
                .map(|at| line[at + REPORT.len()..].to_owned())
        })
        .collect()
}

/// A child that keeps running after reporting `READY`.
pub struct RunningChild {
    pub child: Child,
    /// The `key=value` pairs of its READY line.
    pub ready: Vec<(String, String)>,
}

impl RunningChild {
    pub fn spawn(role: &str, settings: &[(&str, &str)]) -> RunningChild {
        let mut child = child_command(role, settings)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (lines, received) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        loop {
            match received.recv_timeout(Duration::from_secs(120)) {
                Ok(line) => {
                    if let Some(at) = line.find(&format!("{REPORT}READY")) {
                        let ready = line[at + REPORT.len() + "READY".len()..]
                            .split_whitespace()
                            .filter_map(|pair| pair.split_once('='))
                            .map(|(key, value)| (key.to_owned(), value.to_owned()))
                            .collect();
                        return RunningChild { child, ready };
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let status = child.wait();
                    panic!("child {role} never reported READY ({status:?})");
                }
            }
        }
    }

    pub fn get(&self, key: &str) -> &str {
        self.ready
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, value)| value.as_str())
            .unwrap_or_else(|| panic!("READY line lacks {key}: {:?}", self.ready))
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: kill has no memory-safety preconditions.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, signal) }, 0);
    }

    /// Waits for the exit (bounded) and returns the exit code, or 128 + the signal that killed it.
    pub fn wait(mut self) -> i32 {
        use std::os::unix::process::ExitStatusExt;
        for _ in 0..600 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status
                    .code()
                    .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("child did not exit within 30 s");
    }
}

/// The postmaster pid of a cluster directory, if it runs.
pub fn postmaster_pid(cluster_dir: &Path) -> Option<i32> {
    std::fs::read_to_string(cluster_dir.join("data/postmaster.pid"))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

pub fn process_exists(pid: i32) -> bool {
    // A zombie still has a /proc entry; its state letter says it is gone in all but name.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let after = &stat[stat.rfind(')')? + 1..];
            after.split_whitespace().next().map(|state| state != "Z")
        })
        .unwrap_or(false)
}

/// Polls `condition` for up to `seconds`.
pub fn eventually(seconds: u64, mut condition: impl FnMut() -> bool) -> bool {
    for _ in 0..seconds * 50 {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    condition()
}
