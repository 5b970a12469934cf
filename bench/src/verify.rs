//! `verify` (the full stairway with schema snapshots) on a synthetic folder, as a ratio to one
//! upgrade plus one downgrade of the same folder, with the share of its time spent in snapshots.

use std::time::Duration;

use migrations_verify::{VerifyOptions, progress, verify};

use crate::apply::{Medians, Workload};
use crate::report::{Goal, Report, Row, Value};
use crate::sample::Samples;

pub fn stairway(work: &Workload<'_>, medians: Medians, report: &mut Report) -> anyhow::Result<()> {
    let (mut elapsed, mut snapshots) = (Samples::default(), Samples::default());
    let mut snapshot_count = 0;
    for round in 0..work.repeat.total() {
        let result = verify(
            work.set,
            work.server,
            &VerifyOptions::default(),
            &mut progress::Silent,
        )?;
        anyhow::ensure!(
            result.ok(),
            "verify found problems in the synthetic folder:\n{result}"
        );
        if round >= work.repeat.warmup {
            elapsed.push(result.totals.elapsed);
            snapshots.push(result.totals.snapshots);
            snapshot_count = result.totals.snapshot_count;
        }
    }
    let both = medians.upgrade + medians.downgrade;
    let ratio = elapsed.median().as_secs_f64() / both.as_secs_f64().max(f64::MIN_POSITIVE);
    let mut row = Row::new(
        "verify (stairway)",
        Some(work.n),
        Value::Time(elapsed.clone()),
    )
    .with_ratio(ratio, "(upgrade + downgrade)");
    if work.n >= 500 {
        row = row.with_goal(Goal::RatioAtMost(4.0));
    }
    report.push(row);
    let share =
        snapshots.median().as_secs_f64() / elapsed.median().as_secs_f64().max(f64::MIN_POSITIVE);
    report.push(
        Row::new(
            "verify: time in snapshots",
            Some(work.n),
            Value::Time(snapshots.clone()),
        )
        .with_ratio(share, "of verify"),
    );
    let each = snapshots.median() / u32::try_from(snapshot_count.max(1)).unwrap_or(u32::MAX);
    report.notes.push(format!(
        "- verify N={}: {snapshot_count} snapshots, {} each on average; the rest ({}) is upgrades, downgrades and database copies",
        work.n,
        show(each),
        show(elapsed.median().saturating_sub(snapshots.median())),
    ));
    Ok(())
}

fn show(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}
