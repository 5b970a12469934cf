//! Runs blocking work (the sync `postgres` client, testcontainers' sync runner) on a thread of its own.
//!
//! Both drive their own Tokio runtime with `block_on`, which panics when called from a thread that is
//! already inside a runtime, e.g. a `#[tokio::test]`. Moving the call to a fresh thread makes every
//! public method usable from sync and async code alike, for the price of a thread spawn (tens of µs).

use std::panic;
use std::thread;

pub(crate) fn off_runtime<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    thread::scope(|scope| match scope.spawn(work).join() {
        Ok(value) => value,
        Err(payload) => panic::resume_unwind(payload),
    })
}
