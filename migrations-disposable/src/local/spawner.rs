//! Starts postmasters from one thread that lives as long as the process, with a parent-death signal.
//!
//! `PR_SET_PDEATHSIG` fires when the *thread* that forked the child exits, not the process. Tests run
//! on short-lived threads, so a postmaster forked from a test thread would be shut down when that test
//! ends while the shared cluster is still in use. Forking from a dedicated thread ties the postmaster
//! to the process instead: when this process dies, even by SIGKILL, the kernel sends the postmaster
//! SIGQUIT (immediate shutdown). Its directory is then removed by the next run's sweep.

use std::io;
use std::process::{Child, Command};

/// Spawns `command` so that it receives SIGQUIT when this process dies (Linux; elsewhere the
/// start-up sweep is the only cleanup after a crash).
#[cfg(not(target_os = "linux"))]
pub(crate) fn spawn_tied_to_process(mut command: Command) -> io::Result<Child> {
    command.spawn()
}

/// Spawns `command` so that it receives SIGQUIT when this process dies.
#[cfg(target_os = "linux")]
pub(crate) fn spawn_tied_to_process(mut command: Command) -> io::Result<Child> {
    use std::os::unix::process::CommandExt;
    use std::sync::mpsc;
    use std::sync::{Mutex, OnceLock};
    use std::thread;

    type SpawnRequest = (Command, mpsc::Sender<io::Result<Child>>);
    static SPAWNER: OnceLock<Mutex<Option<mpsc::Sender<SpawnRequest>>>> = OnceLock::new();

    let parent = std::process::id();
    // SAFETY: the closure only makes async-signal-safe calls (prctl, getppid) and allocates nothing.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT) != 0 {
                return Err(io::Error::last_os_error());
            }
            // The parent may have died between fork and prctl; then no signal would ever come.
            if libc::getppid() as u32 != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
    let sender = SPAWNER
        .get_or_init(|| {
            let (sender, requests) = mpsc::channel::<SpawnRequest>();
            let started = thread::Builder::new()
                .name("disposable-pg-spawner".into())
                .spawn(move || {
                    for (mut command, reply) in requests {
                        let _ = reply.send(command.spawn());
                    }
                });
            Mutex::new(started.ok().map(|_| sender))
        })
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    let Some(sender) = sender else {
        return Err(io::Error::other(
            "could not start the thread that spawns postgres",
        ));
    };
    let (reply, answer) = mpsc::channel();
    sender
        .send((command, reply))
        .map_err(|_| io::Error::other("the thread that spawns postgres is gone"))?;
    answer
        .recv()
        .map_err(|_| io::Error::other("the thread that spawns postgres is gone"))?
}
