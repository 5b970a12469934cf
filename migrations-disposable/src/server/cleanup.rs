//! Cleanup on the paths where no destructor runs: process exit (the shared server lives in a static)
//! and SIGINT / SIGTERM / SIGHUP (the default action would kill the process on the spot).
//!
//! Every started server is tracked here. At exit, and on the first of those signals, each one still
//! running is removed: its databases (server backend), its postmaster and directory (local), its
//! container. After a signal the process exits with 128 + the signal number (130 for SIGINT, 143 for
//! SIGTERM). A second signal during that cleanup ends the process at once.
//!
//! While the signal's cleanup runs, the rest of the program goes on and sees its connections
//! close; if it then exits (or panics), its exit waits for the cleanup, so that the process always
//! ends with the signal's status and with nothing left behind.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock, PoisonError, Weak};
use std::thread;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::state::ServerCore;

static SERVERS: Mutex<Vec<Weak<ServerCore>>> = Mutex::new(Vec::new());
static INSTALL: Once = Once::new();
/// Set when a signal's cleanup starts; shared with the second-signal handlers.
static CLEANING: OnceLock<Arc<AtomicBool>> = OnceLock::new();

fn cleaning() -> &'static Arc<AtomicBool> {
    CLEANING.get_or_init(|| Arc::new(AtomicBool::new(false)))
}

/// Makes `core` part of the exit and signal cleanup, installing both on first use.
pub(crate) fn track(core: &Arc<ServerCore>) {
    INSTALL.call_once(|| {
        // SAFETY: registers a function without arguments that never unwinds (see at_exit).
        unsafe { libc::atexit(at_exit) };
        install_signal_handlers();
    });
    let mut servers = SERVERS.lock().unwrap_or_else(PoisonError::into_inner);
    servers.retain(|server| server.strong_count() > 0);
    servers.push(Arc::downgrade(core));
}

extern "C" fn at_exit() {
    if cleaning().load(Ordering::SeqCst) {
        // A signal's cleanup is running on its own thread and ends the process when done, with
        // the signal's status: wait for it rather than race it.
        loop {
            thread::park();
        }
    }
    // Unwinding out of an extern "C" function aborts; a failed cleanup must not.
    let _ = std::panic::catch_unwind(remove_everything);
}

fn remove_everything() {
    let servers: Vec<Arc<ServerCore>> = SERVERS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter_map(Weak::upgrade)
        .collect();
    for server in servers {
        server.emergency_stop();
    }
}

fn install_signal_handlers() {
    const HANDLED: [i32; 3] = [SIGINT, SIGTERM, SIGHUP];
    for signal in HANDLED {
        let _ = signal_hook::flag::register_conditional_shutdown(
            signal,
            128 + signal,
            Arc::clone(cleaning()),
        );
    }
    let mut signals = match Signals::new(HANDLED) {
        Ok(signals) => signals,
        Err(error) => {
            eprintln!(
                "migrations-disposable: could not install signal handlers ({error}); an interrupted \
                 run leaves debris that the next run removes"
            );
            return;
        }
    };
    let spawned = thread::Builder::new()
        .name("disposable-pg-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                cleaning().store(true, Ordering::SeqCst);
                eprintln!(
                    "migrations-disposable: {} received, removing the disposable PostgreSQL resources \
                     of this process",
                    signal_name(signal)
                );
                let _ = std::panic::catch_unwind(remove_everything);
                // `_exit`, not `exit`: the cleanup is done, and the main thread may be inside
                // `exit` already (waiting in `at_exit`); running exit handlers twice at once is
                // undefined behaviour.
                // SAFETY: ends the process; no Rust code runs afterwards.
                unsafe { libc::_exit(128 + signal) }
            }
        });
    if spawned.is_err() {
        eprintln!(
            "migrations-disposable: could not start the signal thread; an interrupted run leaves debris that the next run removes"
        );
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}
