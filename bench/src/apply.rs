//! Upgrade base → head and downgrade head → base, each beside its floor, in interleaved rounds on
//! fresh databases: the library (the path `migrate` takes) and `migrate` as a whole process.

use std::path::Path;
use std::time::{Duration, Instant};

use migrations_core::{RevisionSet, Target};
use migrations_disposable::{DisposableDb, DisposableServer, DisposableTemplate};
use migrations_runtime::Runner;

use crate::floor;
use crate::process::{Finished, run_migrate};
use crate::report::{Goal, Report, Row, Value};
use crate::sample::{Repeat, Samples};

/// One synthetic folder, loaded, on the bench's server.
pub struct Workload<'a> {
    pub n: usize,
    pub folder: &'a Path,
    pub set: &'a RevisionSet,
    pub server: &'a DisposableServer,
    pub migrate: &'a Path,
    pub repeat: Repeat,
}

/// The medians the later rows are compared with.
#[derive(Clone, Copy, Debug, Default)]
pub struct Medians {
    pub upgrade: Duration,
    pub downgrade: Duration,
}

/// One contender of a round: prepares its database, then runs and times itself.
type Contender<'a> = Box<dyn FnMut() -> anyhow::Result<(Duration, Option<u64>)> + 'a>;

/// Runs every contender once per round, in alternating order so that none always goes first,
/// and keeps the rounds after the warm-up.
fn rounds(repeat: Repeat, contenders: &mut [Contender<'_>]) -> anyhow::Result<Vec<Timed>> {
    let mut timed = vec![Timed::default(); contenders.len()];
    for round in 0..repeat.total() {
        let order: Vec<usize> = if round % 2 == 0 {
            (0..contenders.len()).collect()
        } else {
            (0..contenders.len()).rev().collect()
        };
        for index in order {
            let (elapsed, peak) = contenders[index]()?;
            if round >= repeat.warmup {
                timed[index].samples.push(elapsed);
                timed[index].peaks.extend(peak);
            }
        }
    }
    Ok(timed)
}

#[derive(Clone, Debug, Default)]
struct Timed {
    samples: Samples,
    peaks: Vec<u64>,
}

fn timed(run: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<(Duration, Option<u64>)> {
    let started = Instant::now();
    run()?;
    Ok((started.elapsed(), None))
}

fn process(finished: Finished) -> (Duration, Option<u64>) {
    (finished.elapsed, Some(finished.peak_rss))
}

fn ratio(value: &Samples, floor: &Samples) -> f64 {
    value.median().as_secs_f64() / floor.median().as_secs_f64().max(f64::MIN_POSITIVE)
}

/// Upgrade rows: the floor, the library, the process, and the process's peak memory.
pub fn upgrade(work: &Workload<'_>, report: &mut Report) -> anyhow::Result<Duration> {
    let runner = Runner::new(work.set.clone());
    let fresh = || -> anyhow::Result<(DisposableDb, postgres::Client)> {
        let db = work.server.create_db()?;
        let client = db.connect()?;
        Ok((db, client))
    };
    let mut contenders: Vec<Contender<'_>> = vec![
        Box::new(|| {
            let (_db, mut client) = fresh()?;
            timed(|| floor::upgrade(&mut client, work.set))
        }),
        Box::new(|| {
            let (_db, mut client) = fresh()?;
            timed(|| {
                runner
                    .upgrade(&mut client, Target::Head)
                    .map(drop)
                    .map_err(Into::into)
            })
        }),
        Box::new(|| {
            let db = work.server.create_db()?;
            run_migrate(work.migrate, work.folder, db.url().expose(), &["upgrade"]).map(process)
        }),
    ];
    let [floor, library, whole] = <[Timed; 3]>::try_from(rounds(work.repeat, &mut contenders)?)
        .map_err(|_| anyhow::anyhow!("three contenders give three figures"))?;
    let n = Some(work.n);
    report.push(Row::new(
        "upgrade, floor (hand-written loop)",
        n,
        Value::Time(floor.samples.clone()),
    ));
    let mut row = Row::new("upgrade, library", n, Value::Time(library.samples.clone()))
        .with_ratio(ratio(&library.samples, &floor.samples), "floor");
    if work.n >= 500 {
        row = row.with_goal(Goal::RatioAtMost(1.05));
    }
    report.push(row);
    report.push(
        Row::new(
            "upgrade, migrate process",
            n,
            Value::Time(whole.samples.clone()),
        )
        .with_ratio(ratio(&whole.samples, &floor.samples), "floor"),
    );
    let mut row = Row::new("peak RSS, migrate upgrade", n, Value::Memory(whole.peaks));
    if work.n >= 2000 {
        row = row.with_goal(Goal::MegabytesAtMost(30.0));
    }
    report.push(row);
    Ok(library.samples.median())
}

/// A template at head, built by the library: what every downgrade run starts from.
pub fn template_at_head(work: &Workload<'_>) -> anyhow::Result<DisposableTemplate> {
    let runner = Runner::new(work.set.clone());
    Ok(work.server.create_template(|db| {
        let mut client = db.connect()?;
        runner.upgrade(&mut client, Target::Head)?;
        Ok(())
    })?)
}

/// Downgrade rows: the floor and the library, each run on a clone of the template at head.
pub fn downgrade(
    work: &Workload<'_>,
    template: &DisposableTemplate,
    report: &mut Report,
) -> anyhow::Result<Duration> {
    let runner = Runner::new(work.set.clone());
    let fresh = || -> anyhow::Result<(DisposableDb, postgres::Client)> {
        let db = work.server.create_db_from(template)?;
        let client = db.connect()?;
        Ok((db, client))
    };
    let mut contenders: Vec<Contender<'_>> = vec![
        Box::new(|| {
            let (_db, mut client) = fresh()?;
            timed(|| floor::downgrade(&mut client, work.set))
        }),
        Box::new(|| {
            let (_db, mut client) = fresh()?;
            timed(|| {
                runner
                    .downgrade(&mut client, Target::Base)
                    .map(drop)
                    .map_err(Into::into)
            })
        }),
    ];
    let [floor, library] = <[Timed; 2]>::try_from(rounds(work.repeat, &mut contenders)?)
        .map_err(|_| anyhow::anyhow!("two contenders give two figures"))?;
    let n = Some(work.n);
    report.push(Row::new(
        "downgrade, floor (hand-written loop)",
        n,
        Value::Time(floor.samples.clone()),
    ));
    report.push(
        Row::new(
            "downgrade, library",
            n,
            Value::Time(library.samples.clone()),
        )
        .with_ratio(ratio(&library.samples, &floor.samples), "floor")
        .with_goal(Goal::RatioAtMost(1.1)),
    );
    Ok(library.samples.median())
}

/// Both directions for one folder; the medians verify is compared with.
pub fn both(work: &Workload<'_>, report: &mut Report) -> anyhow::Result<Medians> {
    let upgrade = upgrade(work, report)?;
    let template = template_at_head(work)?;
    let downgrade = downgrade(work, &template, report)?;
    Ok(Medians { upgrade, downgrade })
}
