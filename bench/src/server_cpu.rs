//! The CPU time a PostgreSQL server spends: its postmaster and every backend, as the kernel counts
//! them, so that a figure can say how busy the server was beside how long the client took.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use migrations_disposable::{Backend, DisposableServer};

/// The postmaster of a server on this machine, whose process tree is the server.
#[derive(Clone, Copy, Debug)]
pub struct ServerProcess {
    postmaster: u32,
}

impl ServerProcess {
    /// The postmaster of the bench's server: from `postmaster.pid` of a local cluster, from the
    /// engine for a container (its first process); a server elsewhere cannot be measured.
    pub fn find(server: &DisposableServer) -> Result<ServerProcess, String> {
        let postmaster = match server.backend() {
            Backend::Local => {
                let dir = server
                    .cluster_dir()
                    .ok_or("the local cluster has no directory")?;
                postmaster_pid(&dir.join("data"))?
            }
            Backend::Container => {
                let id = server.container_id().ok_or("the container has no id")?;
                container_pid(id)?
            }
            Backend::Server => return Err("the server backend runs elsewhere".to_owned()),
        };
        let process = ServerProcess { postmaster };
        process.cpu()?;
        Ok(process)
    }

    /// The CPU time (user and system) of the postmaster, of its live children, and of the
    /// children it has reaped: every backend that has come and gone.
    pub fn cpu(&self) -> Result<Duration, String> {
        let ticks = clock_ticks();
        let mut total = 0u64;
        let entries = std::fs::read_dir("/proc").map_err(|e| format!("cannot read /proc: {e}"))?;
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Some(stat) = Stat::read(pid) else {
                continue;
            };
            if pid == self.postmaster {
                total += stat.own + stat.reaped_children;
            } else if stat.parent == self.postmaster {
                total += stat.own;
            }
        }
        if !Path::new("/proc")
            .join(self.postmaster.to_string())
            .exists()
        {
            return Err(format!(
                "the postmaster (pid {}) is not visible in /proc",
                self.postmaster
            ));
        }
        Ok(Duration::from_secs_f64(total as f64 / ticks))
    }
}

/// The fields of `/proc/<pid>/stat` this needs, in clock ticks.
struct Stat {
    parent: u32,
    own: u64,
    reaped_children: u64,
}

impl Stat {
    fn read(pid: u32) -> Option<Stat> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name is in parentheses and may hold spaces: the fields start after it.
        let fields: Vec<&str> = text.get(text.rfind(')')? + 2..)?.split(' ').collect();
        let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
        Some(Stat {
            parent: u32::try_from(field(4)?).ok()?,
            own: field(14)? + field(15)?,
            reaped_children: field(16)? + field(17)?,
        })
    }
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf reads a constant of the system and has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

fn postmaster_pid(data: &Path) -> Result<u32, String> {
    let file = data.join("postmaster.pid");
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    text.lines()
        .next()
        .and_then(|line| line.trim().parse().ok())
        .ok_or_else(|| format!("{} names no process", file.display()))
}

fn container_pid(id: &str) -> Result<u32, String> {
    let output = Command::new("docker")
        .args(["inspect", "--format", "{{.State.Pid}}", id])
        .output()
        .map_err(|e| format!("cannot run docker inspect: {e}"))?;
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .ok()
        .filter(|&pid| pid > 0)
        .ok_or_else(|| format!("docker inspect gave no process for container {id}"))
}
