//! Progress while `verify` runs: a bar redrawn in place on a terminal, one line per revision in CI.

use std::io::{IsTerminal, Write};

use crate::report::RevisionResult;

/// Told about each revision and check as `verify` goes.
pub trait Progress {
    fn revision_started(&mut self, revision: &str, index: usize, total: usize);
    fn revision_finished(&mut self, result: &RevisionResult, index: usize, total: usize);
    fn check_started(&mut self, check: &str);
}

/// Says nothing: for libraries and tests.
pub struct Silent;

impl Progress for Silent {
    fn revision_started(&mut self, _: &str, _: usize, _: usize) {}
    fn revision_finished(&mut self, _: &RevisionResult, _: usize, _: usize) {}
    fn check_started(&mut self, _: &str) {}
}

/// Writes to stderr: a bar on a terminal, plain lines otherwise (a CI log).
pub struct Stderr {
    terminal: bool,
}

impl Stderr {
    pub fn new() -> Stderr {
        Stderr {
            terminal: std::io::stderr().is_terminal(),
        }
    }
}

impl Default for Stderr {
    fn default() -> Stderr {
        Stderr::new()
    }
}

fn status_line(result: &RevisionResult) -> String {
    format!(
        "up {}, down {}, up again {} ({} ms)",
        result.up,
        result.down,
        result.reup,
        result.duration.as_millis()
    )
}

impl Progress for Stderr {
    fn revision_started(&mut self, revision: &str, index: usize, total: usize) {
        if self.terminal {
            const WIDTH: usize = 30;
            let done = WIDTH * index / total.max(1);
            let bar = format!("{}{}", "#".repeat(done), "-".repeat(WIDTH - done));
            let mut stderr = std::io::stderr();
            let _ = write!(stderr, "\r\x1b[2K[{bar}] {}/{total} {revision}", index + 1);
            let _ = stderr.flush();
        }
    }

    fn revision_finished(&mut self, result: &RevisionResult, index: usize, total: usize) {
        if self.terminal && result.ok() {
            return;
        }
        let clear = if self.terminal { "\r\x1b[2K" } else { "" };
        eprintln!(
            "{clear}verify {}/{total} {}: {}",
            index + 1,
            result.revision,
            status_line(result)
        );
    }

    fn check_started(&mut self, check: &str) {
        let clear = if self.terminal { "\r\x1b[2K" } else { "" };
        eprintln!("{clear}verify: {check}");
    }
}
