//! `migrate drift --databases`: the comparison on every database of a fleet, with the fleet's
//! jobs, canaries and failure policy; a line (or a JSON object) per database as it finishes, then
//! how many are equal, drifted, or could not be compared. A drifted database is a finding, not a
//! failure: it does not stop the run.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use migrations_snapshot::IgnorePatterns;
use serde::Serialize;
use serde_json::{Value, json};

use super::compare::{Drift, DriftReport};
use super::error::DriftError;
use super::output::{Difference, differences, error_object, summary};
use super::reference::Reference;
use super::{Cli, FAILED};
use crate::error::humanize;
use crate::fleet::{DatabaseOutcome, FleetReport, Problem};
use crate::runner::Runner;

/// The width of the status column: `unreachable`.
const STATUS_WIDTH: usize = 11;

type Outcome = DatabaseOutcome<DriftReport, DriftError>;

/// Where one database ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Equal,
    Drifted,
    Failed,
    Unreachable,
    Busy,
    Skipped,
}

impl Verdict {
    const ALL: [Verdict; 6] = [
        Verdict::Equal,
        Verdict::Drifted,
        Verdict::Failed,
        Verdict::Unreachable,
        Verdict::Busy,
        Verdict::Skipped,
    ];

    fn of(outcome: &Outcome) -> Verdict {
        match &outcome.result {
            Ok(report) if report.diff.is_empty() => Verdict::Equal,
            Ok(_) => Verdict::Drifted,
            Err(Problem::Failed { .. }) => Verdict::Failed,
            Err(Problem::Unreachable(_) | Problem::Disconnected(_)) => Verdict::Unreachable,
            Err(Problem::Busy(_)) => Verdict::Busy,
            Err(Problem::Skipped(_)) => Verdict::Skipped,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Verdict::Equal => "equal",
            Verdict::Drifted => "drifted",
            Verdict::Failed => "failed",
            Verdict::Unreachable => "unreachable",
            Verdict::Busy => "busy",
            Verdict::Skipped => "skipped",
        }
    }

    /// Whether the comparison was made.
    fn compared(self) -> bool {
        matches!(self, Verdict::Equal | Verdict::Drifted)
    }
}

pub(super) async fn run(
    runner: &Runner,
    cli: &Cli,
    reference: &Reference,
    ignore: &IgnorePatterns,
) -> Result<ExitCode, DriftError> {
    let fleet = crate::cli::fleet::of(cli)
        .await
        .map_err(|error| DriftError::Cli(Box::new(error)))?;
    let width = crate::cli::fleet::name_width(&fleet);
    let operation = Drift { reference, ignore };
    let report = fleet
        .run(runner, &operation, |outcome| line(cli.json, width, outcome))
        .await;
    // The connections' tasks say goodbye to their servers before the runtime stops.
    tokio::task::yield_now().await;
    finish(cli.json, &report);
    let verdicts: Vec<Verdict> = report.outcomes.iter().map(Verdict::of).collect();
    Ok(if verdicts.iter().any(|verdict| !verdict.compared()) {
        ExitCode::from(FAILED)
    } else if verdicts.contains(&Verdict::Drifted) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// One database's line (the differing objects below it), or its JSON object, written at once.
fn line(json: bool, width: usize, outcome: &Outcome) {
    let verdict = Verdict::of(outcome);
    let elapsed = humanize(outcome.elapsed);
    let mut out = std::io::stdout().lock();
    let _ = if json {
        writeln!(out, "{}", object(verdict, outcome))
    } else {
        let detail = match &outcome.result {
            Ok(report) if report.diff.is_empty() => {
                format!("{}  ({elapsed})", report.revision_name)
            }
            Ok(report) => format!(
                "{}: {}  ({elapsed})\n{}",
                report.revision_name,
                summary(&report.diff),
                report.diff
            ),
            Err(problem) => problem_text(problem),
        };
        let mut lines = detail.lines();
        let first = lines.next().unwrap_or_default();
        let label = verdict.as_str();
        let name = &outcome.name;
        let mut text = format!("{label:<STATUS_WIDTH$}  {name:<width$}  {first}");
        for line in lines {
            text.push_str("\n    ");
            text.push_str(line);
        }
        writeln!(out, "{}", text.trim_end())
    };
    let _ = out.flush();
}

/// One database's JSON line, its fields in this order.
#[derive(Serialize)]
struct Line<'a> {
    database: &'a str,
    status: &'static str,
    revision: Option<String>,
    equal: Option<bool>,
    differences: Option<Vec<Difference<'a>>>,
    elapsed_ms: u64,
    error: Value,
}

fn object(verdict: Verdict, outcome: &Outcome) -> String {
    let report = outcome.result.as_ref().ok();
    let error = match &outcome.result {
        Ok(_) => Value::Null,
        Err(
            Problem::Failed { error, .. } | Problem::Busy(error) | Problem::Disconnected(error),
        ) => error_object(error),
        Err(problem @ Problem::Unreachable(_)) => {
            json!({ "kind": "connection", "message": problem_text(problem) })
        }
        Err(problem @ Problem::Skipped(_)) => {
            json!({ "kind": "skipped", "message": problem_text(problem) })
        }
    };
    let line = Line {
        database: &outcome.name,
        status: verdict.as_str(),
        revision: report.map(|r| r.revision.to_string()),
        equal: report.map(|r| r.diff.is_empty()),
        differences: report.map(|r| differences(&r.diff)),
        elapsed_ms: millis(outcome.elapsed),
        error,
    };
    serde_json::to_string(&line).unwrap_or_default()
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Why a database was not compared.
fn problem_text(problem: &Problem<DriftError>) -> String {
    match problem {
        Problem::Unreachable(error) => error.to_string(),
        Problem::Busy(error) | Problem::Failed { error, .. } => error.to_string(),
        Problem::Disconnected(error) => format!(
            "{}\nthe connection was lost: run the same command again",
            error.to_string().lines().next().unwrap_or_default()
        ),
        Problem::Skipped(stop) => format!("not started: {stop}"),
    }
}

/// How many databases ended each way (to stderr with `--json`), and the error line when some
/// could not be compared.
fn finish(json: bool, report: &FleetReport<DriftReport, DriftError>) {
    let total = report.outcomes.len();
    let count = |verdict| {
        report
            .outcomes
            .iter()
            .filter(|outcome| Verdict::of(outcome) == verdict)
            .count()
    };
    let mut text = format!("\n{}:\n", databases(total));
    for verdict in Verdict::ALL {
        text.push_str(&format!(
            "  {:<STATUS_WIDTH$}  {:>6}\n",
            verdict.as_str(),
            count(verdict)
        ));
    }
    if let Some(stop) = &report.stopped {
        text.push_str(&format!("stopped: {stop}\n"));
    }
    if json {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
    let uncompared: Vec<String> = Verdict::ALL
        .into_iter()
        .filter(|verdict| !verdict.compared() && count(*verdict) > 0)
        .map(|verdict| format!("{} {}", count(verdict), verdict.as_str()))
        .collect();
    if !uncompared.is_empty() {
        let missing = total - count(Verdict::Equal) - count(Verdict::Drifted);
        eprintln!(
            "error: {missing} of {} could not be compared: {}",
            databases(total),
            uncompared.join(", ")
        );
    }
}

fn databases(count: usize) -> String {
    match count {
        1 => "1 database".to_owned(),
        n => format!("{n} databases"),
    }
}
