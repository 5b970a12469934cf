//! Progress while `verify` runs: a bar with the revision, the count and an ETA on a terminal, one
//! line per revision in CI.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

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

/// Writes to stderr: an indicatif bar (revision, count, ETA) on a terminal, plain lines otherwise
/// (a CI log).
pub struct Stderr {
    bar: Option<ProgressBar>,
}

impl Stderr {
    pub fn new() -> Stderr {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            let style = ProgressStyle::with_template("[{bar:30}] {pos}/{len} {msg} (ETA {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("#>-");
            bar.set_style(style);
            bar
        });
        Stderr { bar }
    }

    /// A line above the bar on a terminal, else on stderr.
    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
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
    fn revision_started(&mut self, revision: &str, _index: usize, total: usize) {
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
            bar.set_message(revision.to_owned());
        }
    }

    fn revision_finished(&mut self, result: &RevisionResult, index: usize, total: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            if result.ok() && !result.unstable() {
                return;
            }
        }
        self.line(&format!(
            "verify {}/{total} {}: {}",
            index + 1,
            result.revision,
            status_line(result)
        ));
    }

    fn check_started(&mut self, check: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        self.line(&format!("verify: {check}"));
    }
}
