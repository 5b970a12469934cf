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

/// The library's rows: `migrate` runs on tokio-postgres; the blocking API is measured beside it.
pub const UPGRADE_LIBRARY: &str = "upgrade, library (postgres, blocking API)";
pub const UPGRADE_LIBRARY_ASYNC: &str = "upgrade, library (tokio-postgres, as migrate)";
pub const DOWNGRADE_LIBRARY: &str = "downgrade, library (postgres, blocking API)";
pub const DOWNGRADE_LIBRARY_ASYNC: &str = "downgrade, library (tokio-postgres, as migrate)";

/// A `tokio-postgres` client with the runtime that drives it.
struct AsyncClient {
    runtime: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
}

impl AsyncClient {
    fn connect(url: &str) -> anyhow::Result<AsyncClient> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let client = runtime.block_on(async {
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
            tokio::spawn(connection);
            Ok::<_, tokio_postgres::Error>(client)
        })?;
        Ok(AsyncClient { runtime, client })
    }

    /// Runs one command of the runner to its end.
    fn run<'a, F, T>(
        &'a mut self,
        command: impl FnOnce(&'a mut tokio_postgres::Client) -> F,
    ) -> anyhow::Result<()>
    where
        F: std::future::Future<Output = Result<T, migrations_runtime::Error>>,
    {
        self.runtime.block_on(command(&mut self.client))?;
        Ok(())
    }
}

/// One synthetic folder, loaded, on the bench's server.
pub struct Workload<'a> {
    pub n: usize,
    /// Print every run's time to stderr as it goes.
    pub verbose: bool,
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
fn rounds(
    work: &Workload<'_>,
    names: &[&str],
    contenders: &mut [Contender<'_>],
) -> anyhow::Result<Vec<Timed>> {
    let repeat = work.repeat;
    let mut timed = vec![Timed::default(); contenders.len()];
    for round in 0..repeat.total() {
        let order: Vec<usize> = if round % 2 == 0 {
            (0..contenders.len()).collect()
        } else {
            (0..contenders.len()).rev().collect()
        };
        for index in order {
            let (elapsed, peak) = contenders[index]()?;
            if work.verbose {
                eprintln!(
                    "bench: N={} round {round} {}: {:.1} ms",
                    work.n,
                    names[index],
                    elapsed.as_secs_f64() * 1e3
                );
            }
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
    value.paired_ratio(floor)
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
            let mut client = AsyncClient::connect(db.url().expose())?;
            timed(|| client.run(|c| runner.upgrade_async(c, Target::Head)))
        }),
        Box::new(|| {
            let db = work.server.create_db()?;
            run_migrate(work.migrate, work.folder, db.url().expose(), &["upgrade"]).map(process)
        }),
    ];
    let [floor, library, library_async, whole] = <[Timed; 4]>::try_from(rounds(
        work,
        &[
            "upgrade floor",
            "upgrade library",
            "upgrade library async",
            "upgrade process",
        ],
        &mut contenders,
    )?)
    .map_err(|_| anyhow::anyhow!("four contenders give four figures"))?;
    push_library_rows(
        report,
        work.n,
        [
            "upgrade, floor (hand-written loop)",
            UPGRADE_LIBRARY,
            UPGRADE_LIBRARY_ASYNC,
        ],
        1.05,
        [&floor, &library, &library_async],
    );
    let n = Some(work.n);
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
        Box::new(|| {
            let db = work.server.create_db_from(template)?;
            let mut client = AsyncClient::connect(db.url().expose())?;
            timed(|| client.run(|c| runner.downgrade_async(c, Target::Base)))
        }),
    ];
    let [floor, library, library_async] = <[Timed; 3]>::try_from(rounds(
        work,
        &[
            "downgrade floor",
            "downgrade library",
            "downgrade library async",
        ],
        &mut contenders,
    )?)
    .map_err(|_| anyhow::anyhow!("three contenders give three figures"))?;
    push_library_rows(
        report,
        work.n,
        [
            "downgrade, floor (hand-written loop)",
            DOWNGRADE_LIBRARY,
            DOWNGRADE_LIBRARY_ASYNC,
        ],
        1.1,
        [&floor, &library, &library_async],
    );
    Ok(library.samples.median())
}

/// The floor's row, then the blocking and the tokio-postgres library rows with their ratios to
/// it. The target is held on the path `migrate` takes (tokio-postgres), at N = 500 and up, where
/// one slow commit does not move the ratio; the blocking API is reported beside it.
fn push_library_rows(
    report: &mut Report,
    n: usize,
    [floor_name, blocking_name, async_name]: [&str; 3],
    goal: f64,
    [floor, blocking, asynchronous]: [&Timed; 3],
) {
    report.push(Row::new(
        floor_name,
        Some(n),
        Value::Time(floor.samples.clone()),
    ));
    for (name, timed, held) in [
        (blocking_name, blocking, false),
        (async_name, asynchronous, n >= 500),
    ] {
        let mut row = Row::new(name, Some(n), Value::Time(timed.samples.clone()))
            .with_ratio(ratio(&timed.samples, &floor.samples), "floor");
        if held {
            row = row.with_goal(Goal::RatioAtMost(goal));
        }
        report.push(row);
    }
}

/// Both directions for one folder; the medians verify is compared with.
pub fn both(work: &Workload<'_>, report: &mut Report) -> anyhow::Result<Medians> {
    let upgrade = upgrade(work, report)?;
    let template = template_at_head(work)?;
    let downgrade = downgrade(work, &template, report)?;
    Ok(Medians { upgrade, downgrade })
}
