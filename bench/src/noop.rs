//! A no-op `migrate upgrade` at head as a whole process over TLS: connect with a password and
//! `sslmode=require`, take the lock, read the history, find nothing to do, exit.

use std::time::Instant;

use migrations_core::Target;
use migrations_disposable::{DisposableDb, DisposableServer};
use migrations_runtime::{DatabaseUrl, Runner};

use crate::apply::Workload;
use crate::process::run_migrate;
use crate::report::{Goal, Report, Row, Value};
use crate::sample::Samples;

/// The row of the whole process; the rows after it are its parts.
pub const NOOP_ROW: &str = "no-op migrate upgrade at head, TLS, whole process";

/// The rows of the parts, reported after [`NOOP_ROW`].
pub const PART_ROWS: [&str; 3] = [
    "no-op part: process start and exit (migrate --help)",
    "no-op part: connect, TLS and password (library)",
    "no-op part: upgrade at head on an open connection (library)",
];

/// The role the no-op connects as; it owns its database, as an application's role would.
const ROLE: &str = "bench_owner";

/// A TLS server with the bench's role, ready for databases at head.
pub struct TlsServer {
    server: DisposableServer,
    password: String,
}

impl TlsServer {
    pub fn start() -> anyhow::Result<TlsServer> {
        let server = DisposableServer::start(migrations_disposable::ServerOptions {
            tls: true,
            backend: Some(migrations_disposable::Backend::Local),
            ..Default::default()
        })?;
        let password = format!("bench-{:x}", std::process::id() ^ 0x5eed_cafe);
        server.create_role(ROLE, &password)?;
        Ok(TlsServer { server, password })
    }

    /// A database owned by the role, at head, and its TLS URL.
    fn database_at_head(&self, work: &Workload<'_>) -> anyhow::Result<(DisposableDb, String)> {
        let db = self.server.create_db()?;
        self.server
            .connect_admin()?
            .batch_execute(&format!("ALTER DATABASE {} OWNER TO {ROLE}", db.name()))?;
        let url = self
            .server
            .tcp_url(db.name(), ROLE, &self.password)?
            .with_param("sslmode", "require");
        let mut client = url.expose().parse::<DatabaseUrl>()?.connect()?;
        Runner::new(work.set.clone()).upgrade(&mut client, Target::Head)?;
        Ok((db, url.expose().to_owned()))
    }
}

pub fn noop(work: &Workload<'_>, tls: &TlsServer, report: &mut Report) -> anyhow::Result<()> {
    let (_db, url) = tls.database_at_head(work)?;
    let parsed: DatabaseUrl = url.parse()?;
    let runner = Runner::new(work.set.clone());
    let (mut whole, mut start, mut connect, mut upgrade) = (
        Samples::default(),
        Samples::default(),
        Samples::default(),
        Samples::default(),
    );
    for round in 0..work.repeat.total() {
        let finished = run_migrate(work.migrate, work.folder, &url, &["upgrade"])?;
        // The parts of the whole: a process that loads the folder and exits, a connection, and
        // the no-op itself on an open connection.
        let started_only = run_migrate(work.migrate, work.folder, &url, &["--help"])?;
        let started = Instant::now();
        let mut client = parsed.connect()?;
        let connected = started.elapsed();
        let started = Instant::now();
        runner.upgrade(&mut client, Target::Head)?;
        let upgraded = started.elapsed();
        if round >= work.repeat.warmup {
            whole.push(finished.elapsed);
            start.push(started_only.elapsed);
            connect.push(connected);
            upgrade.push(upgraded);
        }
    }
    let n = Some(work.n);
    report.push(Row::new(NOOP_ROW, n, Value::Time(whole)).with_goal(Goal::MillisAtMost(20.0)));
    report.push(Row::new(PART_ROWS[0], n, Value::Time(start)));
    report.push(Row::new(PART_ROWS[1], n, Value::Time(connect)));
    report.push(Row::new(PART_ROWS[2], n, Value::Time(upgrade)));
    Ok(())
}
