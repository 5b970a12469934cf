//! How many databases of a fleet stand at each revision: a half-migrated fleet at a glance.

use std::collections::HashMap;
use std::fmt;

use migrations_core::RevisionSet;

use super::outcome::FleetReport;
use crate::error::Error;
use crate::report::Current;

/// One revision and how many databases have it as their newest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    /// A revision's file stem, or `base`.
    pub revision: String,
    pub head: bool,
    pub databases: usize,
}

/// The databases of a fleet by revision, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Census {
    pub positions: Vec<Position>,
    /// Databases a non-transactional revision left dirty.
    pub dirty: usize,
    /// Databases whose `current` did not run: unreachable, failed, busy or skipped.
    pub not_inspected: usize,
}

impl Census {
    pub fn new(report: &FleetReport<Current, Error>, revisions: &RevisionSet) -> Census {
        let mut counts: HashMap<String, usize> = HashMap::new();
        let mut dirty = 0;
        let mut not_inspected = 0;
        for outcome in &report.outcomes {
            match &outcome.result {
                Ok(current) => {
                    let revision = current.revision.as_deref().unwrap_or("base");
                    *counts.entry(revision.to_owned()).or_default() += 1;
                    dirty += usize::from(current.dirty.is_some());
                }
                Err(_) => not_inspected += 1,
            }
        }
        let head = revisions.revisions().last().map(|r| r.name().to_owned());
        // Newest first; `base` and any name this code does not know come last.
        let rank = |name: &str| {
            revisions
                .revisions()
                .iter()
                .position(|r| r.name() == name)
                .map_or(0, |i| i + 1)
        };
        let mut positions: Vec<Position> = counts
            .into_iter()
            .map(|(revision, databases)| Position {
                head: head.as_deref() == Some(revision.as_str()),
                revision,
                databases,
            })
            .collect();
        positions.sort_by(|a, b| {
            rank(&b.revision)
                .cmp(&rank(&a.revision))
                .then_with(|| a.revision.cmp(&b.revision))
        });
        Census {
            positions,
            dirty,
            not_inspected,
        }
    }
}

fn databases(count: usize) -> String {
    match count {
        1 => "1 database".to_owned(),
        n => format!("{n} databases"),
    }
}

impl fmt::Display for Census {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let labels: Vec<String> = self
            .positions
            .iter()
            .map(|p| match p.head {
                true => format!("{} (head)", p.revision),
                false => p.revision.clone(),
            })
            .collect();
        let width = labels.iter().map(String::len).max().unwrap_or(0);
        for (label, position) in labels.iter().zip(&self.positions) {
            writeln!(f, "{label:<width$}  {}", databases(position.databases))?;
        }
        if self.dirty > 0 {
            writeln!(
                f,
                "{} dirty: run `migrate current` on each for the revision that stopped part-way",
                databases(self.dirty)
            )?;
        }
        if self.not_inspected > 0 {
            writeln!(
                f,
                "{} not inspected (unreachable, failed, busy or skipped)",
                databases(self.not_inspected)
            )?;
        }
        Ok(())
    }
}
