//! The bench's figures as rows of one markdown table: median, min, max, the ratio to the floor
//! and the target each is held to.

use std::fmt::{self, Write};
use std::time::Duration;

use crate::sample::Samples;

/// What a row measured.
#[derive(Clone, Debug)]
pub enum Value {
    Time(Samples),
    /// Peak resident set sizes in bytes, one per run.
    Memory(Vec<u64>),
    /// Not measured here, and why (e.g. no Docker engine, or left out with `--skip`).
    Skipped(String),
    /// The measurement itself failed.
    Failed(String),
}

/// A ratio to another figure of the same run, e.g. `1.03× floor`.
#[derive(Clone, Debug)]
pub struct Ratio {
    pub value: f64,
    pub to: String,
}

/// What a row is held to.
#[derive(Clone, Copy, Debug)]
pub enum Goal {
    RatioAtMost(f64),
    MillisAtMost(f64),
    MegabytesAtMost(f64),
}

impl fmt::Display for Goal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Goal::RatioAtMost(ratio) => write!(f, "≤ {ratio}×"),
            Goal::MillisAtMost(ms) if *ms >= 1000.0 => write!(f, "≤ {} s", ms / 1000.0),
            Goal::MillisAtMost(ms) => write!(f, "≤ {ms} ms"),
            Goal::MegabytesAtMost(mb) => write!(f, "≤ {mb} MB"),
        }
    }
}

/// One line of the table.
#[derive(Clone, Debug)]
pub struct Row {
    pub name: String,
    /// The number of synthetic revisions, where the row depends on it.
    pub n: Option<usize>,
    pub value: Value,
    pub ratio: Option<Ratio>,
    pub goal: Option<Goal>,
}

const MEGABYTE: f64 = 1024.0 * 1024.0;

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

impl Row {
    pub fn new(name: impl Into<String>, n: Option<usize>, value: Value) -> Row {
        Row {
            name: name.into(),
            n,
            value,
            ratio: None,
            goal: None,
        }
    }

    pub fn with_ratio(mut self, value: f64, to: impl Into<String>) -> Row {
        self.ratio = Some(Ratio {
            value,
            to: to.into(),
        });
        self
    }

    pub fn with_goal(mut self, goal: Goal) -> Row {
        self.goal = Some(goal);
        self
    }

    /// The median of a timed row.
    pub fn median(&self) -> Option<Duration> {
        match &self.value {
            Value::Time(samples) if !samples.is_empty() => Some(samples.median()),
            _ => None,
        }
    }

    /// Whether the row meets its goal; `None` without a goal or a figure to hold to it.
    pub fn met(&self) -> Option<bool> {
        let goal = self.goal?;
        match (goal, &self.value) {
            (Goal::RatioAtMost(limit), _) => Some(self.ratio.as_ref()?.value <= limit),
            (Goal::MillisAtMost(limit), Value::Time(samples)) if !samples.is_empty() => {
                Some(millis(samples.median()) <= limit)
            }
            (Goal::MegabytesAtMost(limit), Value::Memory(values)) if !values.is_empty() => {
                Some(values.iter().copied().max().unwrap_or(0) as f64 / MEGABYTE <= limit)
            }
            _ => None,
        }
    }

    fn cells(&self) -> [String; 8] {
        let n = self.n.map_or_else(String::new, |n| n.to_string());
        let (median, min, max, runs) = match &self.value {
            Value::Time(samples) if !samples.is_empty() => (
                format_ms(samples.median()),
                format_ms(samples.min()),
                format_ms(samples.max()),
                samples.len().to_string(),
            ),
            Value::Memory(values) if !values.is_empty() => {
                let mut sorted = values.clone();
                sorted.sort_unstable();
                let mb = |bytes: u64| format!("{:.1} MB", bytes as f64 / MEGABYTE);
                (
                    mb(sorted[sorted.len() / 2]),
                    mb(sorted[0]),
                    mb(sorted[sorted.len() - 1]),
                    sorted.len().to_string(),
                )
            }
            Value::Skipped(reason) => only(format!("skipped: {reason}")),
            Value::Failed(error) => only(format!("failed: {error}")),
            _ => only("no runs".to_owned()),
        };
        let ratio = self
            .ratio
            .as_ref()
            .map_or_else(String::new, |r| format!("{:.3}× {}", r.value, r.to));
        let goal = self.goal.map_or_else(String::new, |g| g.to_string());
        let met = match self.met() {
            Some(true) => "met".to_owned(),
            Some(false) => "**missed**".to_owned(),
            None if self.goal.is_some() => "not measured".to_owned(),
            None => String::new(),
        };
        [
            self.name.clone(),
            n,
            median,
            min,
            max,
            runs,
            ratio,
            format!("{goal} {met}").trim().to_owned(),
        ]
    }
}

/// The figure cells of a row without figures: the text in the first, the others empty.
fn only(text: String) -> (String, String, String, String) {
    (text, String::new(), String::new(), String::new())
}

fn format_ms(duration: Duration) -> String {
    let ms = millis(duration);
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

/// Every row of one run, and what is known about the machine it ran on.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub rows: Vec<Row>,
    /// Lines about the machine and the run, printed above the table.
    pub context: Vec<String>,
    /// Lines printed below the table: breakdowns that explain rows.
    pub notes: Vec<String>,
}

impl Report {
    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// The first row with this name and size.
    pub fn find(&self, name: &str, n: Option<usize>) -> Option<&Row> {
        self.rows.iter().find(|row| row.name == name && row.n == n)
    }

    /// The rows with a goal that they miss.
    pub fn missed(&self) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|row| row.met() == Some(false))
            .collect()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.context {
            writeln!(f, "{line}")?;
        }
        if !self.context.is_empty() {
            writeln!(f)?;
        }
        let header = [
            "measurement",
            "N",
            "median",
            "min",
            "max",
            "runs",
            "ratio",
            "target",
        ];
        let mut table = String::new();
        let _ = writeln!(table, "| {} |", header.join(" | "));
        let _ = writeln!(
            table,
            "|{}",
            header
                .iter()
                .enumerate()
                .map(|(i, _)| if (1..6).contains(&i) { "---:|" } else { "---|" })
                .collect::<String>()
        );
        for row in &self.rows {
            let cells = row.cells().map(|cell| cell.replace('|', "\\|"));
            let _ = writeln!(table, "| {} |", cells.join(" | "));
        }
        f.write_str(&table)?;
        let goals = self.rows.iter().filter(|r| r.goal.is_some()).count();
        let met = self.rows.iter().filter(|r| r.met() == Some(true)).count();
        let missed = self.missed();
        writeln!(f)?;
        writeln!(
            f,
            "Targets: {met} of {goals} met, {} missed, {} not measured in this run.",
            missed.len(),
            goals - met - missed.len()
        )?;
        if !self.notes.is_empty() {
            writeln!(f)?;
            for line in &self.notes {
                writeln!(f, "{line}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_render_with_their_goal() {
        let mut samples = Samples::default();
        for ms in [10, 12, 11] {
            samples.push(Duration::from_millis(ms));
        }
        let mut report = Report::default();
        report.push(
            Row::new("upgrade, library", Some(500), Value::Time(samples.clone()))
                .with_ratio(1.031, "floor")
                .with_goal(Goal::RatioAtMost(1.05)),
        );
        report.push(
            Row::new("no-op", None, Value::Time(samples)).with_goal(Goal::MillisAtMost(10.0)),
        );
        report.push(Row::new(
            "container start",
            None,
            Value::Skipped("no Docker engine".to_owned()),
        ));
        expect_test::expect![[r#"
            | measurement | N | median | min | max | runs | ratio | target |
            |---|---:|---:|---:|---:|---:|---|---|
            | upgrade, library | 500 | 11.0 ms | 10.0 ms | 12.0 ms | 3 | 1.031× floor | ≤ 1.05× met |
            | no-op |  | 11.0 ms | 10.0 ms | 12.0 ms | 3 |  | ≤ 10 ms **missed** |
            | container start |  | skipped: no Docker engine |  |  |  |  |  |

            Targets: 1 of 2 met, 1 missed, 0 not measured in this run.
        "#]]
        .assert_eq(&report.to_string());
    }
}
