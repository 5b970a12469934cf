//! Dry-run rendering of base → head: the script `migrate upgrade --sql base:head` prints, built
//! from the loaded set with no database.

use migrations_core::{Command, Target};
use migrations_runtime::Runner;

use crate::apply::Workload;
use crate::report::{Goal, Report, Row, Value};
use crate::sample::measure;

pub fn dry_run(work: &Workload<'_>, report: &mut Report) -> anyhow::Result<()> {
    let runner = Runner::new(work.set.clone());
    let mut length = 0;
    let samples = measure(
        work.repeat,
        || Ok(()),
        |()| {
            let script =
                runner.render_sql_offline(Command::Upgrade, &Target::Base, &Target::Head)?;
            length = script.len();
            Ok(())
        },
    )?;
    let mut row = Row::new(
        "dry-run base→head (render, no database)",
        Some(work.n),
        Value::Time(samples),
    );
    if work.n >= 2000 {
        row = row.with_goal(Goal::MillisAtMost(100.0));
    }
    report.push(row);
    report.notes.push(format!(
        "- dry-run N={}: a script of {} KiB",
        work.n,
        length / 1024
    ));
    Ok(())
}
