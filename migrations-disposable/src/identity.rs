//! Who created a resource: this process's run id, and the marker written on every database, cluster
//! directory and container so that only our own debris is ever removed.

use std::io::Read;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Prefix of every database name we create; nothing without it is ever dropped.
pub(crate) const DATABASE_PREFIX: &str = "dpg_";
/// First word of every marker.
const MARKER_TAG: &str = "migrations-disposable";

/// Random hex, from the kernel's generator; falls back to time and pid, which only weakens uniqueness.
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    let filled = std::fs::File::open("/dev/urandom")
        .and_then(|mut file| file.read_exact(&mut buffer))
        .is_ok();
    if !filled {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
            ^ u128::from(std::process::id()) << 64;
        for (index, byte) in buffer.iter_mut().enumerate() {
            *byte = (seed >> ((index % 16) * 8)) as u8;
        }
    }
    buffer.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Eight hex characters naming this process's resources.
pub(crate) fn run_id() -> &'static str {
    static RUN_ID: OnceLock<String> = OnceLock::new();
    RUN_ID.get_or_init(|| random_hex(4))
}

/// A number unique within this process, for names.
pub(crate) fn next_serial() -> u64 {
    static SERIAL: AtomicU64 = AtomicU64::new(1);
    SERIAL.fetch_add(1, Ordering::Relaxed)
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

pub(crate) fn hostname() -> &'static str {
    static HOSTNAME: OnceLock<String> = OnceLock::new();
    HOSTNAME.get_or_init(|| {
        let mut buffer = [0u8; 256];
        // SAFETY: the buffer is writable for its full length, which is passed along.
        let status =
            unsafe { libc::gethostname(buffer.as_mut_ptr().cast::<libc::c_char>(), buffer.len()) };
        let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
        let name = String::from_utf8_lossy(&buffer[..end]).into_owned();
        let clean: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || "-._".contains(*c))
            .collect();
        if status != 0 || clean.is_empty() {
            "unknown-host".to_owned()
        } else {
            clean
        }
    })
}

/// A process, identified by pid and start time so that a reused pid is not mistaken for the owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProcessIdentity {
    pub pid: u32,
    pub start_ticks: u64,
}

impl ProcessIdentity {
    pub(crate) fn current() -> Self {
        let pid = std::process::id();
        ProcessIdentity {
            pid,
            start_ticks: start_ticks(pid).unwrap_or(0),
        }
    }

    /// Whether this very process still runs (on this host).
    pub(crate) fn is_alive(&self) -> bool {
        match start_ticks(self.pid) {
            Some(ticks) => self.start_ticks == 0 || ticks == self.start_ticks,
            None if std::path::Path::new("/proc/self/stat").exists() => false,
            // Without /proc (not Linux) only the pid can be checked; a reused pid then keeps
            // debris until it exits too, which errs on the safe side.
            None => {
                let Ok(pid) = libc::pid_t::try_from(self.pid) else {
                    return false;
                };
                // SAFETY: signal 0 only checks for existence and permission.
                let answered = unsafe { libc::kill(pid, 0) } == 0;
                answered || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
            }
        }
    }
}

/// Field 22 of `/proc/<pid>/stat`: the start time in clock ticks since boot.
pub(crate) fn start_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces and parentheses; fields after it are plain.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19)?.parse().ok()
}

/// What we write on a resource we create: a database comment, a cluster's owner file, a container label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Marker {
    pub run: String,
    pub host: String,
    pub owner: ProcessIdentity,
    pub created: u64,
    pub keep: bool,
}

impl Marker {
    pub(crate) fn for_this_process(keep: bool) -> Self {
        Marker {
            run: run_id().to_owned(),
            host: hostname().to_owned(),
            owner: ProcessIdentity::current(),
            created: unix_now(),
            keep,
        }
    }

    pub(crate) fn render(&self) -> String {
        format!(
            "{MARKER_TAG} run={} host={} pid={} start={} created={} keep={}",
            self.run,
            self.host,
            self.owner.pid,
            self.owner.start_ticks,
            self.created,
            u8::from(self.keep)
        )
    }

    pub(crate) fn parse(text: &str) -> Option<Marker> {
        let mut words = text.split_whitespace();
        if words.next()? != MARKER_TAG {
            return None;
        }
        let (mut run, mut host, mut pid, mut start, mut created, mut keep) =
            (None, None, None, None, None, None);
        for word in words {
            let (key, value) = word.split_once('=')?;
            match key {
                "run" => run = Some(value.to_owned()),
                "host" => host = Some(value.to_owned()),
                "pid" => pid = value.parse().ok(),
                "start" => start = value.parse().ok(),
                "created" => created = value.parse().ok(),
                "keep" => keep = Some(value == "1"),
                _ => {}
            }
        }
        Some(Marker {
            run: run?,
            host: host?,
            owner: ProcessIdentity {
                pid: pid?,
                start_ticks: start?,
            },
            created: created?,
            keep: keep?,
        })
    }

    /// Debris of a dead run: its creator on this host is gone, or it is older than `stale_after`
    /// (the only test possible for resources made on another host). Resources marked `keep` are never
    /// debris.
    pub(crate) fn is_debris(&self, stale_after: Duration) -> bool {
        let too_old = unix_now().saturating_sub(self.created) > stale_after.as_secs();
        self.is_removable() && (self.owner_is_gone() || too_old)
    }

    /// Its creator ran on this host and is gone (a live creator is never robbed, however old).
    pub(crate) fn owner_is_gone(&self) -> bool {
        self.is_removable() && self.host == hostname() && !self.owner.is_alive()
    }

    fn is_removable(&self) -> bool {
        !self.keep && self.run != run_id()
    }
}

/// Quotes an SQL identifier.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes an SQL string literal (standard_conforming_strings is on since PostgreSQL 9.1).
pub(crate) fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip() {
        let marker = Marker::for_this_process(false);
        assert_eq!(Marker::parse(&marker.render()), Some(marker.clone()));
        assert!(Marker::parse("someone else's database").is_none());
        assert!(Marker::parse("migrations-disposable run=x").is_none());
    }

    #[test]
    fn debris_is_dead_or_old_and_never_kept() {
        let day = Duration::from_secs(24 * 3600);
        let mut dead = Marker::for_this_process(false);
        dead.run = "00000000".into();
        dead.owner = ProcessIdentity {
            pid: u32::MAX - 1,
            start_ticks: 1,
        };
        assert!(dead.is_debris(day));

        let mut kept = dead.clone();
        kept.keep = true;
        assert!(!kept.is_debris(day));

        let mut elsewhere = dead.clone();
        elsewhere.host = "another-host".into();
        assert!(!elsewhere.is_debris(day));
        elsewhere.created = unix_now() - 25 * 3600;
        assert!(elsewhere.is_debris(day));

        let mut alive = Marker::for_this_process(false);
        alive.run = "00000000".into();
        assert!(!alive.is_debris(day));
    }
}
