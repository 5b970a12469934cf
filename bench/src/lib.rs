//! `cargo xtask bench`: the runner, verify, the disposable PostgreSQL and the build measured on
//! synthetic folders of revisions, each figure beside the floor a hand-written loop sets.
//!
//! Everything runs in one process, on one disposable server, so that the ratios compare runs made
//! under the same load. Each figure is the median of several runs after a warm-up.

pub mod apply;
pub mod compile;
pub mod disposable;
pub mod dry_run;
pub mod embedded;
pub mod fleet;
pub mod floor;
pub mod generate;
pub mod machine;
pub mod noop;
pub mod process;
pub mod report;
pub mod sample;
pub mod server_cpu;
pub mod verify;

use std::path::{Path, PathBuf};
use std::time::Instant;

use migrations_disposable::{Backend, DisposableServer, ServerOptions};

use crate::apply::Workload;
use crate::report::{Report, Row, Value};
use crate::sample::{Repeat, Samples};

/// The sizes a full run measures.
pub const FULL_SIZES: [usize; 3] = [100, 500, 2000];
/// The largest size verify runs at: its stairway takes three snapshots per revision.
pub const VERIFY_MAX: usize = 500;

/// Parts of the run that can be left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Verify,
    Noop,
    Disposable,
    Container,
    Build,
    Fleet,
}

impl Part {
    pub const ALL: [Part; 6] = [
        Part::Verify,
        Part::Noop,
        Part::Disposable,
        Part::Container,
        Part::Build,
        Part::Fleet,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Part::Verify => "verify",
            Part::Noop => "noop",
            Part::Disposable => "disposable",
            Part::Container => "container",
            Part::Build => "build",
            Part::Fleet => "fleet",
        }
    }
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    pub sizes: Vec<usize>,
    pub repeat: Repeat,
    pub skip: Vec<Part>,
    /// Only these parts, without the rows measured per N: one part's rows, quickly.
    pub only: Vec<Part>,
    /// The databases of the fleet rows.
    pub fleet_databases: usize,
    pub backend: Option<Backend>,
    /// Print every run's time to stderr as it goes.
    pub verbose: bool,
    /// The workspace whose crates the build measurement embeds revisions with.
    pub workspace: PathBuf,
    /// The workspace's target directory: the build measurement shares its dependencies.
    pub target_dir: PathBuf,
}

impl Options {
    fn skips(&self, part: Part) -> bool {
        self.skip.contains(&part) || (!self.only.is_empty() && !self.only.contains(&part))
    }

    /// Whether the rows measured per N (upgrade, downgrade, dry-run, verify, no-op) run.
    fn per_size(&self) -> bool {
        self.only.is_empty()
    }
}

/// Runs every measurement and returns the report.
pub fn run(options: &Options) -> anyhow::Result<Report> {
    let load = machine::LoadSampler::start();
    let started = Instant::now();
    let mut report = Report::default();
    report
        .context
        .push(format!("- machine: {}", machine::describe()));

    let server = DisposableServer::start(ServerOptions {
        backend: options.backend,
        ..ServerOptions::default()
    })?;
    let version = server
        .connect_admin()?
        .query_one("SELECT current_setting('server_version')", &[])?
        .get::<_, String>(0);
    report.context.push(format!(
        "- PostgreSQL {version}, {} backend for every figure but the disposable rows of other backends",
        server.backend()
    ));
    // Without builds, `migrate` is the bench's own binary reading the folder at start-up.
    let embedded = !options.skips(Part::Build);
    report.context.push(if embedded {
        "- `migrate` process rows: a binary with the revisions compiled in (`embed!()`), built for each N".to_owned()
    } else {
        "- `migrate` process rows: bench-migrate, which reads the folder at start-up (`--skip build`)".to_owned()
    });
    let folder_migrate = process::migrate_binary()?;
    let tls = if options.skips(Part::Noop) {
        None
    } else {
        Some(noop::TlsServer::start())
    };

    let sizes: &[usize] = if options.per_size() {
        &options.sizes
    } else {
        &[]
    };
    for &n in sizes {
        eprintln!("bench: N = {n}");
        let folder = tempfile::tempdir()?;
        generate::write_folder(folder.path(), n)?;
        let (set, load_samples) = load_folder(folder.path(), options.repeat)?;
        report.push(Row::new(
            "load folder (core loader, as bench-migrate does at start)",
            Some(n),
            Value::Time(load_samples),
        ));
        let migrate = if embedded {
            eprintln!("bench: building migrate with {n} revisions compiled in");
            embedded::migrate_binary(&options.workspace, &options.target_dir, n)?
        } else {
            folder_migrate.clone()
        };
        let work = Workload {
            n,
            verbose: options.verbose,
            folder: folder.path(),
            set: &set,
            server: &server,
            migrate: &migrate,
            repeat: options.repeat,
        };
        let medians = apply::both(&work, &mut report)?;
        dry_run::dry_run(&work, &mut report)?;
        if n <= VERIFY_MAX {
            if options.skips(Part::Verify) {
                skipped(
                    options,
                    &mut report,
                    "verify (stairway)",
                    Some(n),
                    Part::Verify,
                );
                skipped(
                    options,
                    &mut report,
                    "verify: time in snapshots",
                    Some(n),
                    Part::Verify,
                );
                skipped(
                    options,
                    &mut report,
                    "verify --jobs 2",
                    Some(n),
                    Part::Verify,
                );
            } else {
                verify::stairway(&work, medians, &mut report)?;
            }
        }
        match &tls {
            None => skipped(options, &mut report, noop::NOOP_ROW, Some(n), Part::Noop),
            // An installation built without OpenSSL (the PyPI builds of 16 and 18) has no TLS row.
            Some(Err(error))
                if matches!(
                    error.downcast_ref::<migrations_disposable::DisposableError>(),
                    Some(migrations_disposable::DisposableError::TlsUnsupported { .. })
                ) =>
            {
                report.push(Row::new(
                    noop::NOOP_ROW,
                    Some(n),
                    Value::Skipped(error.to_string()),
                ))
            }
            Some(Err(error)) => report.push(Row::new(
                noop::NOOP_ROW,
                Some(n),
                Value::Failed(format!("the TLS server did not start: {error}")),
            )),
            Some(Ok(tls)) => noop::noop(&work, tls, &mut report)?,
        }
    }
    drop(tls);

    if options.skips(Part::Fleet) {
        for name in fleet_rows() {
            skipped(
                options,
                &mut report,
                &name,
                Some(fleet::REVISIONS),
                Part::Fleet,
            );
        }
    } else {
        eprintln!("bench: fleet of {} databases", options.fleet_databases);
        let work = fleet::FleetWork {
            server: &server,
            migrate: &folder_migrate,
            databases: options.fleet_databases,
            repeat: options.repeat,
            verbose: options.verbose,
        };
        if let Err(error) = fleet::fleet(&work, &mut report) {
            report.push(Row::new(
                fleet::LOOP_ROW,
                Some(fleet::REVISIONS),
                Value::Failed(format!("{error:#}")),
            ));
        }
    }

    let smallest = options.sizes.iter().copied().min().unwrap_or(100);
    if options.skips(Part::Disposable) {
        skipped(options, &mut report, "disposable", None, Part::Disposable);
    } else {
        let folder = tempfile::tempdir()?;
        generate::write_folder(folder.path(), smallest)?;
        let set = migrations_core::load_dir(folder.path())?;
        let backends = disposable::Backends {
            repeat: options.repeat,
            set: &set,
            n: smallest,
            main: &server,
            skip_container: options.skips(Part::Container),
        };
        if let Err(error) = disposable::disposable(&backends, &mut report) {
            report.push(Row::new(
                "disposable",
                None,
                Value::Failed(format!("{error:#}")),
            ));
        }
    }
    drop(server);

    if options.skips(Part::Build) {
        for name in compile::ROWS {
            let n = (!name.contains("baseline only")).then_some(compile::REVISIONS);
            skipped(options, &mut report, name, n, Part::Build);
        }
    } else {
        let builds = compile::Builds {
            repeat: options.repeat,
            workspace: &options.workspace,
            target_dir: &options.target_dir,
        };
        if let Err(error) = compile::build(&builds, &mut report) {
            report.push(Row::new("build", None, Value::Failed(format!("{error:#}"))));
        }
    }

    report.context.push(format!(
        "- load average (1 min) during the run: {}",
        load.finish()
    ));
    report.context.push(format!(
        "- {} runs after {} warm-up per figure; whole run {:.0} s",
        options.repeat.runs,
        options.repeat.warmup,
        started.elapsed().as_secs_f64()
    ));
    Ok(report)
}

/// The names of the fleet rows.
fn fleet_rows() -> Vec<String> {
    std::iter::once(fleet::LOOP_ROW.to_owned())
        .chain(fleet::JOBS.iter().map(|&jobs| fleet::jobs_row(jobs)))
        .collect()
}

fn skipped(options: &Options, report: &mut Report, name: &str, n: Option<usize>, part: Part) {
    let reason = match options.skip.contains(&part) {
        true => format!("--skip {}", part.name()),
        false => "not in --only".to_owned(),
    };
    report.push(Row::new(name, n, Value::Skipped(reason)));
}

/// Loads the folder as `bench-migrate` does, timing it: part of every whole-process run.
fn load_folder(
    folder: &Path,
    repeat: Repeat,
) -> anyhow::Result<(migrations_core::RevisionSet, Samples)> {
    let mut samples = Samples::default();
    let mut set = None;
    for round in 0..repeat.total() {
        let started = Instant::now();
        let loaded = migrations_core::load_dir(folder)?;
        if round >= repeat.warmup {
            samples.push(started.elapsed());
        }
        set = Some(loaded);
    }
    let set = match set {
        Some(set) => set,
        None => migrations_core::load_dir(folder)?,
    };
    Ok((set, samples))
}
