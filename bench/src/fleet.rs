//! The fleet: databases of the bench's server, each upgraded from base by a folder of ten
//! revisions, by a shell loop over `migrate upgrade` (what a team runs today: the floor) and by
//! `migrate upgrade --databases` at 1, 4 and 8 jobs, with the server's CPU time beside each.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};
use migrations_disposable::{DisposableDb, DisposableServer};

use crate::generate;
use crate::process::FOLDER_VARIABLE;
use crate::report::{Goal, Report, Row, Value};
use crate::sample::{Repeat, Samples};
use crate::server_cpu::ServerProcess;

/// The revisions each database is upgraded by.
pub const REVISIONS: usize = 10;
/// The databases of a fleet row by default.
pub const DATABASES: usize = 200;
pub const LOOP_ROW: &str = "fleet: shell loop over migrate upgrade (floor)";
/// The job counts measured; the target holds at the second.
pub const JOBS: [u16; 3] = [1, 4, 8];
const TARGET_JOBS: u16 = 4;
const TARGET_RATIO: f64 = 0.6;

pub fn jobs_row(jobs: u16) -> String {
    format!("fleet: migrate upgrade --databases, --jobs {jobs}")
}

/// What the fleet rows need.
pub struct FleetWork<'a> {
    pub server: &'a DisposableServer,
    /// `bench-migrate`, which reads the folder at start-up: the same binary for every contender.
    pub migrate: &'a Path,
    pub databases: usize,
    pub repeat: Repeat,
    pub verbose: bool,
}

/// One contender's kept runs: wall time, and the server's CPU time during each.
#[derive(Default)]
struct Timed {
    wall: Samples,
    server_cpu: Samples,
}

pub fn fleet(work: &FleetWork<'_>, report: &mut Report) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    generate::write_folder(dir.path(), REVISIONS)?;
    let list = dir.path().join("databases.txt");
    let server = ServerProcess::find(work.server);
    let names: Vec<String> = std::iter::once("shell loop".to_owned())
        .chain(JOBS.iter().map(|jobs| format!("--jobs {jobs}")))
        .collect();
    let mut timed: Vec<Timed> = names.iter().map(|_| Timed::default()).collect();
    for round in 0..work.repeat.total() {
        let order: Vec<usize> = match round % 2 {
            0 => (0..names.len()).collect(),
            _ => (0..names.len()).rev().collect(),
        };
        for index in order {
            let databases = (0..work.databases)
                .map(|_| work.server.create_db())
                .collect::<Result<Vec<DisposableDb>, _>>()?;
            let urls: Vec<&str> = databases.iter().map(|db| db.url().expose()).collect();
            std::fs::write(&list, urls.join("\n") + "\n")
                .with_context(|| format!("cannot write {}", list.display()))?;
            let mut command = match index {
                0 => {
                    let mut command = Command::new("sh");
                    command
                        .arg("-c")
                        .arg(r#"while IFS= read -r url; do DATABASE_URL="$url" "$0" upgrade >/dev/null || exit 1; done < "$1""#)
                        .arg(work.migrate)
                        .arg(&list);
                    command
                }
                _ => {
                    let mut command = Command::new(work.migrate);
                    let jobs = JOBS[index - 1].to_string();
                    command
                        .args(["upgrade", "--jobs", &jobs, "--databases"])
                        .arg(&list);
                    command
                }
            };
            command
                .env(FOLDER_VARIABLE, dir.path())
                .env_remove("DATABASE_URL");
            let cpu_before = server.as_ref().ok().map(ServerProcess::cpu).transpose();
            let started = Instant::now();
            run(&mut command, &names[index])?;
            let elapsed = started.elapsed();
            let cpu_after = server.as_ref().ok().map(ServerProcess::cpu).transpose();
            if work.verbose {
                eprintln!(
                    "bench: fleet round {round} {}: {:.1} ms",
                    names[index],
                    elapsed.as_secs_f64() * 1e3
                );
            }
            if round >= work.repeat.warmup {
                timed[index].wall.push(elapsed);
                if let (Ok(Some(before)), Ok(Some(after))) = (cpu_before, cpu_after) {
                    timed[index].server_cpu.push(after.saturating_sub(before));
                }
            }
            drop(databases);
        }
    }
    report.context.push(format!(
        "- fleet rows: {} databases of the bench's server, each upgraded from base by {REVISIONS} revisions, by bench-migrate",
        work.databases
    ));
    let floor = &timed[0].wall;
    report.push(Row::new(
        LOOP_ROW,
        Some(REVISIONS),
        Value::Time(floor.clone()),
    ));
    for (jobs, contender) in JOBS.iter().zip(&timed[1..]) {
        let mut row = Row::new(
            jobs_row(*jobs),
            Some(REVISIONS),
            Value::Time(contender.wall.clone()),
        )
        .with_ratio(contender.wall.paired_ratio(floor), "floor");
        if *jobs == TARGET_JOBS {
            row = row.with_goal(Goal::RatioAtMost(TARGET_RATIO));
        }
        report.push(row);
    }
    report.notes.push(match &server {
        Err(reason) => format!("- fleet: the server's CPU time was not measured: {reason}"),
        Ok(_) => {
            let figures: Vec<String> = names
                .iter()
                .zip(&timed)
                .map(|(name, t)| cpu_figure(name, t))
                .collect();
            format!(
                "- fleet, the server's CPU time (medians): {}",
                figures.join("; ")
            )
        }
    });
    Ok(())
}

/// `--jobs 4: 1.93 s of CPU in 1.20 s (1.61 cores busy)`.
fn cpu_figure(name: &str, timed: &Timed) -> String {
    let (cpu, wall) = (timed.server_cpu.median(), timed.wall.median());
    let cores = cpu.as_secs_f64() / wall.as_secs_f64().max(f64::MIN_POSITIVE);
    format!(
        "{name}: {:.2} s of CPU in {:.2} s ({cores:.2} cores busy)",
        cpu.as_secs_f64(),
        wall.as_secs_f64()
    )
}

/// Runs one contender to its end; its output is discarded, its errors are the bench's.
fn run(command: &mut Command, name: &str) -> anyhow::Result<()> {
    let output = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("cannot start the fleet's {name}"))?;
    if !output.status.success() {
        bail!(
            "the fleet's {name} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}
