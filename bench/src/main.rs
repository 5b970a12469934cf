//! `migrations-bench`: runs the bench, prints its table and writes it to `target/bench/report.md`.
//! `cargo xtask bench [--quick] [ARGS]` runs it in release mode.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use migrations_bench::sample::Repeat;
use migrations_bench::{FULL_SIZES, Options, Part, disposable};
use migrations_disposable::Backend;

#[derive(Debug, Parser)]
#[command(
    name = "migrations-bench",
    about = "Measure upgrade, downgrade, dry-run, verify, the disposable PostgreSQL and the build against their floors"
)]
struct Cli {
    /// N = 100 only (the full run measures N = 100, 500 and 2000)
    #[arg(long)]
    quick: bool,
    /// Measure these numbers of synthetic revisions instead (repeat or separate with commas)
    #[arg(long = "n", value_name = "N", value_delimiter = ',')]
    sizes: Vec<usize>,
    /// Runs kept per figure (their median, min and max are reported)
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Runs thrown away first
    #[arg(long, default_value_t = 1)]
    warmup: usize,
    /// Leave parts out: verify, noop, disposable, container, build, fleet
    #[arg(long, value_enum, value_delimiter = ',')]
    skip: Vec<SkipArg>,
    /// Only these parts, without the rows measured per N (e.g. `--only fleet`)
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<SkipArg>,
    /// The databases of the fleet rows
    #[arg(long, value_name = "COUNT", default_value_t = migrations_bench::fleet::DATABASES)]
    fleet_databases: usize,
    /// The backend of the server every figure runs on (default: chosen automatically)
    #[arg(long, value_enum)]
    backend: Option<BackendArg>,
    /// Where to write the report (default: <target dir>/bench/report.md)
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Print every run's time to stderr as it goes
    #[arg(long)]
    verbose: bool,
    /// Only write the synthetic folder of the first N into DIR, for profiling by hand
    #[arg(long, value_name = "DIR")]
    write_folder: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SkipArg {
    Verify,
    Noop,
    Disposable,
    Container,
    Build,
    Fleet,
}

impl SkipArg {
    fn part(self) -> Part {
        match self {
            SkipArg::Verify => Part::Verify,
            SkipArg::Noop => Part::Noop,
            SkipArg::Disposable => Part::Disposable,
            SkipArg::Container => Part::Container,
            SkipArg::Build => Part::Build,
            SkipArg::Fleet => Part::Fleet,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum BackendArg {
    Container,
    Local,
    Server,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace this binary was built from.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The target directory this binary was built into: `CARGO_TARGET_DIR`, else two levels above the
/// executable (`<target>/release/migrations-bench`).
fn target_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let exe = std::env::current_exe().context("cannot find the bench's own executable")?;
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .context("the bench's executable is not in a cargo target directory")
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let sizes = match (cli.sizes.is_empty(), cli.quick) {
        (false, _) => cli.sizes.clone(),
        (true, true) => vec![FULL_SIZES[0]],
        (true, false) => FULL_SIZES.to_vec(),
    };
    anyhow::ensure!(cli.runs > 0, "--runs must be at least 1");
    if let Some(dir) = &cli.write_folder {
        migrations_bench::generate::write_folder(dir, sizes[0])?;
        eprintln!(
            "bench: {} revisions and a baseline written to {}",
            sizes[0],
            dir.display()
        );
        return Ok(());
    }
    // The backend of every figure: the one a test run would choose, picked before the container
    // rows are given an image, so that a locally built image does not change the choice.
    let backend = match cli.backend {
        Some(backend) => Some(match backend {
            BackendArg::Container => Backend::Container,
            BackendArg::Local => Backend::Local,
            BackendArg::Server => Backend::Server,
        }),
        None => Some(migrations_disposable::select_backend()?),
    };
    if let Some(image) = disposable::fallback_container_image() {
        // SAFETY: no other thread runs yet, so none reads the environment while it changes.
        unsafe { std::env::set_var("DISPOSABLE_PG_IMAGE", image) };
    }
    let target_dir = target_dir()?;
    let options = Options {
        sizes,
        repeat: Repeat {
            warmup: cli.warmup,
            runs: cli.runs,
        },
        skip: cli.skip.iter().map(|skip| skip.part()).collect(),
        only: cli.only.iter().map(|only| only.part()).collect(),
        fleet_databases: cli.fleet_databases.max(1),
        backend,
        verbose: cli.verbose,
        workspace: workspace(),
        target_dir: target_dir.clone(),
    };
    let mut report = migrations_bench::run(&options)?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    report.context.push(format!(
        "- command: `cargo xtask bench{}{}`",
        if args.is_empty() { "" } else { " " },
        args.join(" ")
    ));
    let text = report.to_string();
    println!("{text}");
    let out = cli
        .out
        .unwrap_or_else(|| target_dir.join("bench").join("report.md"));
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(&out, format!("# Benchmark report\n\n{text}"))
        .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("bench: report written to {}", out.display());
    Ok(())
}
