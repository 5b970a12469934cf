//! What a fleet run prints: a line per database as it finishes (or a JSON object with
//! `--json`), then how many databases ended in each status, or at each revision for `current`.

use std::io::Write;

use serde::Serialize;

use super::fleet_json::{ChangeLine, CurrentLine};
use super::json::millis;
use crate::error::{Error, humanize};
use crate::fleet::{Census, DatabaseOutcome, FleetReport, Problem, Status};
use crate::report::{Current, Report, StepKind};

/// The width of the status column: `unreachable`.
const STATUS_WIDTH: usize = 11;

pub(super) struct Printer {
    json: bool,
    /// The width of the name column.
    width: usize,
    /// Whether the target is `head`, which a database found there is said to be at.
    to_head: bool,
}

impl Printer {
    pub(super) fn new(json: bool, width: usize, to_head: bool) -> Printer {
        Printer {
            json,
            width,
            to_head,
        }
    }

    fn label(&self, status: Status) -> &'static str {
        match status {
            Status::AtTarget if self.to_head => "at head",
            status => status.as_str(),
        }
    }

    /// One database's line, or its JSON object, written at once: lines come as databases finish.
    fn emit(&self, label: &str, name: &str, detail: &str, object: &impl Serialize) {
        let mut out = std::io::stdout().lock();
        let _ = if self.json {
            // Plain structs of strings and numbers: serialising them cannot fail.
            writeln!(out, "{}", serde_json::to_string(object).unwrap_or_default())
        } else {
            let mut lines = detail.lines();
            let first = lines.next().unwrap_or_default();
            let width = self.width;
            let mut text = format!("{label:<STATUS_WIDTH$}  {name:<width$}  {first}");
            for line in lines {
                text.push_str("\n    ");
                text.push_str(line);
            }
            writeln!(out, "{}", text.trim_end())
        };
        let _ = out.flush();
    }

    /// An upgrade's or a downgrade's outcome on one database.
    pub(super) fn change(&self, outcome: &DatabaseOutcome<Report, Error>) {
        let label = self.label(outcome.status());
        let waited = match (&outcome.result, outcome.waited_for_lock) {
            (Ok(report), true) => format!(
                ", after {} waiting for another run's lock",
                humanize(report.lock_wait)
            ),
            _ => String::new(),
        };
        let detail = match &outcome.result {
            Ok(report) if outcome.changed => format!(
                "{} → {}  ({}, {}{waited})",
                report.from,
                report.to,
                steps(report),
                humanize(outcome.elapsed)
            ),
            Ok(report) => format!("{}  ({}{waited})", report.to, humanize(outcome.elapsed)),
            Err(problem) => problem_text(problem),
        };
        let report = outcome.result.as_ref().ok();
        let count = |kinds: &[StepKind]| {
            report.map(|r| r.steps.iter().filter(|s| kinds.contains(&s.kind)).count())
        };
        let object = ChangeLine {
            database: &outcome.name,
            status: key(label),
            from: report.map(|r| r.from.as_str()),
            to: report.map(|r| r.to.as_str()),
            position: match &outcome.result {
                Ok(report) => Some(report.to.clone()),
                Err(Problem::Failed { position, .. }) => position.clone(),
                Err(_) => None,
            },
            revisions: count(&[StepKind::Upgrade, StepKind::Downgrade]),
            repeatables: count(&[StepKind::Repeatable]),
            elapsed_ms: millis(outcome.elapsed),
            lock_wait_ms: report.map(|r| millis(r.lock_wait)),
            waited_for_lock: outcome.waited_for_lock,
            error: outcome.result.as_ref().err().map(problem_text),
        };
        self.emit(label, &outcome.name, &detail, &object);
    }

    /// Where one database stands, for `current`.
    pub(super) fn current(&self, outcome: &DatabaseOutcome<Current, Error>) {
        let (label, detail) = match &outcome.result {
            Ok(current) => {
                let revision = current.revision.as_deref().unwrap_or("base");
                let label = match (&current.dirty, current.pending) {
                    (Some(_), _) => "dirty",
                    (None, 0) => "at head",
                    (None, _) => "behind",
                };
                let mut detail = match current.pending {
                    0 => revision.to_owned(),
                    n => format!("{revision}, {n} pending"),
                };
                if let Some(dirty) = &current.dirty {
                    detail.push_str(&format!("\n{dirty}"));
                }
                (label, detail)
            }
            Err(problem) => (self.label(outcome.status()), problem_text(problem)),
        };
        let current = outcome.result.as_ref().ok();
        let object = CurrentLine {
            database: &outcome.name,
            status: key(label),
            revision: current.map(|c| c.revision.as_deref().unwrap_or("base")),
            pending: current.map(|c| c.pending),
            dirty: current
                .and_then(|c| c.dirty.as_ref())
                .map(ToString::to_string),
            elapsed_ms: millis(outcome.elapsed),
            error: outcome.result.as_ref().err().map(problem_text),
        };
        self.emit(label, &outcome.name, &detail, &object);
    }

    /// How many databases ended in each status, and why the run stopped if it did.
    pub(super) fn summary<T, E>(&self, report: &FleetReport<T, E>) {
        let mut text = format!("\n{}:\n", databases(report.outcomes.len()));
        for (status, count) in report.counts() {
            text.push_str(&format!(
                "  {:<STATUS_WIDTH$}  {count:>6}\n",
                self.label(status)
            ));
        }
        if let Some(stop) = &report.stopped {
            text.push_str(&format!("stopped: {stop}\n"));
        }
        self.finish(text, report);
    }

    /// How many databases stand at each revision.
    pub(super) fn census<E>(&self, census: &Census, report: &FleetReport<Current, E>) {
        let text = format!(
            "\n{} by revision, newest first:\n{census}",
            databases(report.outcomes.len())
        );
        self.finish(text, report);
    }

    /// The closing text (to stderr with `--json`, which keeps stdout to the objects), and the
    /// error line of a run that did not end as meant.
    fn finish<T, E>(&self, text: String, report: &FleetReport<T, E>) {
        if self.json {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
        let unfinished: Vec<String> = report
            .counts()
            .into_iter()
            .filter(|(status, count)| !status.succeeded() && *count > 0)
            .map(|(status, count)| format!("{count} {}", status.as_str()))
            .collect();
        if !unfinished.is_empty() {
            let total: usize = report
                .outcomes
                .iter()
                .filter(|o| !o.status().succeeded())
                .count();
            eprintln!(
                "error: {total} of {} did not finish: {}; running the same command again does what is left",
                databases(report.outcomes.len()),
                unfinished.join(", ")
            );
        }
    }
}

fn databases(count: usize) -> String {
    match count {
        1 => "1 database".to_owned(),
        n => format!("{n} databases"),
    }
}

/// `at head` → `at_head`.
fn key(label: &str) -> String {
    label.replace(' ', "_")
}

/// `3 revisions`, `3 revisions, 1 repeatable`.
fn steps(report: &Report) -> String {
    let revisions = report
        .steps
        .iter()
        .filter(|s| matches!(s.kind, StepKind::Upgrade | StepKind::Downgrade))
        .count();
    let repeatables = report
        .steps
        .iter()
        .filter(|s| s.kind == StepKind::Repeatable)
        .count();
    let mut text = match revisions {
        1 => "1 revision".to_owned(),
        n => format!("{n} revisions"),
    };
    match repeatables {
        0 => {}
        1 => text.push_str(", 1 repeatable"),
        n => text.push_str(&format!(", {n} repeatables")),
    }
    text
}

/// Why a database did not end as the command meant.
fn problem_text(problem: &Problem<Error>) -> String {
    match problem {
        Problem::Unreachable(error) => error.to_string(),
        Problem::Busy(error) => error.to_string(),
        Problem::Skipped(stop) => format!("not started: {stop}"),
        Problem::Disconnected(error) => {
            let first = error.to_string();
            format!(
                "{}\nthe connection was lost: the server finishes or undoes the revision it was sending on its own, never half of it; `migrate current --databases` shows where it stands, and the same command again finishes the database",
                first.lines().next().unwrap_or_default()
            )
        }
        Problem::Failed { error, position } => match position {
            Some(position) => format!("{error}\nthe database is at {position}"),
            None => error.to_string(),
        },
    }
}
