//! `verify` (the full stairway with schema snapshots) on a synthetic folder, as a ratio to one
//! upgrade plus one downgrade of the same folder, with the share of its time spent in snapshots.

use std::time::Duration;

use migrations_verify::{VerifyOptions, progress, verify};

use crate::apply::{Medians, Workload};
use crate::report::{Goal, Report, Row, Value};
use crate::sample::Samples;

/// The runs of one verify configuration: its times, its snapshots' times and how many it took.
struct Measured {
    elapsed: Samples,
    snapshots: Samples,
    snapshot_count: usize,
}

fn measure(work: &Workload<'_>, options: &VerifyOptions) -> anyhow::Result<Measured> {
    let (mut elapsed, mut snapshots) = (Samples::default(), Samples::default());
    let mut snapshot_count = 0;
    for round in 0..work.repeat.total() {
        let result = verify(work.set, work.server, options, &mut progress::Silent)?;
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
    Ok(Measured {
        elapsed,
        snapshots,
        snapshot_count,
    })
}

pub fn stairway(work: &Workload<'_>, medians: Medians, report: &mut Report) -> anyhow::Result<()> {
    let Measured {
        elapsed,
        snapshots,
        snapshot_count,
    } = measure(work, &VerifyOptions::default())?;
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
    // The same stairway in two segments at once, on the machine's two cores.
    let parallel = measure(
        work,
        &VerifyOptions {
            jobs: 2,
            ..VerifyOptions::default()
        },
    )?;
    let share = parallel.elapsed.median().as_secs_f64()
        / elapsed.median().as_secs_f64().max(f64::MIN_POSITIVE);
    let mut row = Row::new(
        "verify --jobs 2",
        Some(work.n),
        Value::Time(parallel.elapsed),
    )
    .with_ratio(share, "of --jobs 1");
    if work.n >= 500 {
        row = row.with_goal(Goal::RatioAtMost(0.65));
    }
    report.push(row);
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
