//! The disposable PostgreSQL, per backend available: server start (local cluster from the cached
//! initdb, or container), a fresh database on a warm server, and a clone of a migrated template.

use std::process::{Command, Stdio};
use std::time::Instant;

use migrations_core::{RevisionSet, Target};
use migrations_disposable::{
    Backend, DisposableDb, DisposableServer, ServerOptions, check_backend,
};
use migrations_runtime::Runner;

use crate::report::{Goal, Report, Row, Value};
use crate::sample::{Repeat, Samples};

/// The official image the container backend uses by default, and the one the project builds
/// where no registry is reachable.
const OFFICIAL_IMAGE: &str = "postgres:15-alpine";
const LOCAL_IMAGE: &str = "local/postgres:15";

/// What the rows of one backend need.
pub struct Backends<'a> {
    pub repeat: Repeat,
    /// The folder migrated into the template that is cloned, and its size.
    pub set: &'a RevisionSet,
    pub n: usize,
    /// The bench's own server, warm: its backend is measured on it rather than on a new one.
    pub main: &'a DisposableServer,
    pub skip_container: bool,
}

pub fn disposable(backends: &Backends<'_>, report: &mut Report) -> anyhow::Result<()> {
    for backend in [Backend::Local, Backend::Container, Backend::Server] {
        let start_row = match backend {
            Backend::Local => Some("disposable: local cluster ready (cached initdb)"),
            Backend::Container => Some("disposable: container ready"),
            Backend::Server => None,
        };
        let unavailable = if backend == Backend::Container && backends.skip_container {
            Some("left out with --skip container".to_owned())
        } else {
            check_backend(backend).err().map(|error| match backend {
                Backend::Server => "DISPOSABLE_PG_SERVER_URL is not set".to_owned(),
                _ => first_line(&error.to_string()),
            })
        };
        if let Some(reason) = unavailable {
            for name in start_row
                .into_iter()
                .map(str::to_owned)
                .chain(database_rows(backend, backends.n))
            {
                report.push(Row::new(name, None, Value::Skipped(reason.clone())));
            }
            continue;
        }
        let options = ServerOptions {
            backend: Some(backend),
            ..ServerOptions::default()
        };
        if let Some(name) = start_row {
            let samples = server_starts(backends.repeat, &options)?;
            let mut row = Row::new(name, None, Value::Time(samples));
            if backend == Backend::Local {
                row = row.with_goal(Goal::MillisAtMost(300.0));
            }
            report.push(row);
        }
        let started;
        let server = if backends.main.backend() == backend {
            backends.main
        } else {
            started = DisposableServer::start(options)?;
            &started
        };
        databases(backends, server, report)?;
    }
    Ok(())
}

fn database_rows(backend: Backend, n: usize) -> [String; 2] {
    [
        format!("disposable: fresh database ({backend}, warm)"),
        format!("disposable: clone of a template at head ({backend}, N={n})"),
    ]
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_owned()
}

/// Start to ready, then removal outside the timing.
fn server_starts(repeat: Repeat, options: &ServerOptions) -> anyhow::Result<Samples> {
    let mut samples = Samples::default();
    for round in 0..repeat.total() {
        let started = Instant::now();
        let server = DisposableServer::start(options.clone())?;
        let elapsed = started.elapsed();
        drop(server);
        if round >= repeat.warmup {
            samples.push(elapsed);
        }
    }
    Ok(samples)
}

fn databases(
    backends: &Backends<'_>,
    server: &DisposableServer,
    report: &mut Report,
) -> anyhow::Result<()> {
    let [fresh_name, clone_name] = database_rows(server.backend(), backends.n);
    let fresh = creations(backends.repeat, || Ok(server.create_db()?))?;
    report.push(Row::new(fresh_name, None, Value::Time(fresh)).with_goal(Goal::MillisAtMost(50.0)));

    let runner = Runner::new(backends.set.clone());
    let template = server.create_template(|db| {
        runner.upgrade(&mut db.connect()?, Target::Head)?;
        Ok(())
    })?;
    let clones = creations(backends.repeat, || Ok(server.create_db_from(&template)?))?;
    report.push(Row::new(clone_name, None, Value::Time(clones)));
    Ok(())
}

/// Times `create`; the database it made is dropped outside the timing.
fn creations(
    repeat: Repeat,
    mut create: impl FnMut() -> anyhow::Result<DisposableDb>,
) -> anyhow::Result<Samples> {
    let mut samples = Samples::default();
    for round in 0..repeat.total() {
        let started = Instant::now();
        let db = create()?;
        let elapsed = started.elapsed();
        drop(db);
        if round >= repeat.warmup {
            samples.push(elapsed);
        }
    }
    Ok(samples)
}

/// The image the container backend should use when `DISPOSABLE_PG_IMAGE` is not set: the one
/// built from the system's packages, when it is present and the official one is not (a Docker
/// engine with no registry). `None`: leave the choice to the backend.
pub fn fallback_container_image() -> Option<&'static str> {
    if std::env::var_os("DISPOSABLE_PG_IMAGE").is_some() || image_present(OFFICIAL_IMAGE) {
        return None;
    }
    image_present(LOCAL_IMAGE).then_some(LOCAL_IMAGE)
}

fn image_present(image: &str) -> bool {
    Command::new("docker")
        .args(["image", "inspect", image])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}
