//! Shared helpers for the workspace integration tests: fixtures, databases, and what is in them.

use std::path::{Path, PathBuf};

use migrations_core::{RevisionSet, load_dir_as};
use migrations_disposable::{DisposableDb, DisposableServer};
use migrations_runtime::Runner;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

/// A folder of revisions under `tests/fixtures/`.
pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The revisions of a fixture folder, loaded the way `verify --migrations` loads them.
pub fn fixture(name: &str) -> RevisionSet {
    load_dir_as(&fixture_dir(name), &format!("fixtures/{name}"))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

pub fn runner(name: &str) -> Runner {
    Runner::new(fixture(name))
}

/// A fresh database on the process's disposable server.
pub fn database() -> DisposableDb {
    let server = DisposableServer::shared().unwrap_or_else(|e| panic!("{e}"));
    server.create_db().unwrap_or_else(|e| panic!("{e}"))
}

pub fn connect(db: &DisposableDb) -> postgres::Client {
    db.connect().unwrap_or_else(|e| panic!("{e}"))
}

/// The tables of the `public` schema, sorted.
pub fn tables(client: &mut postgres::Client) -> Vec<String> {
    let rows = client
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
            &[],
        )
        .expect("list tables");
    rows.iter().map(|r| r.get(0)).collect()
}

/// The history rows: (version, name, checksum).
pub fn history(client: &mut postgres::Client) -> Vec<(i64, String, String)> {
    let rows = client
        .query(
            "SELECT version, name, checksum FROM refinery_schema_history ORDER BY version",
            &[],
        )
        .expect("read history");
    rows.iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// The history rows a set's first `count` revisions should have.
pub fn expected_history(set: &RevisionSet, count: usize) -> Vec<(i64, String, String)> {
    set.revisions()[..count]
        .iter()
        .map(|r| (r.id().get(), r.slug().to_owned(), r.checksum().to_string()))
        .collect()
}

/// The rows of the fixtures' counter table, in order.
pub fn applications(client: &mut postgres::Client) -> Vec<String> {
    let rows = client
        .query("SELECT revision FROM applications ORDER BY applied_at", &[])
        .expect("read applications");
    rows.iter().map(|r| r.get(0)).collect()
}

/// Runs a script with psql, as an operator would after reviewing it, stopping at the first error.
pub fn psql(url: &str, script: &str) {
    static SCRIPTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let file = std::env::temp_dir().join(format!(
        "dry-run-{}-{}.sql",
        std::process::id(),
        SCRIPTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::write(&file, script).expect("write the script");
    let output = std::process::Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f"])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!("psql is needed for this test ({e}): install postgresql-client")
        });
    let _ = std::fs::remove_file(&file);
    assert!(
        output.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A finished run of a binary: exit code and output.
#[derive(Debug)]
pub struct Run {
    /// The exit code; -1 when a signal ended the process.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Everything the process printed, for checks that hold for both streams.
    pub fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// A `migrate` command line ready to run: `binary` is a test's `env!("CARGO_BIN_EXE_…")`, `folder`
/// the revisions `fixture-migrate` reads, `url` the `DATABASE_URL` (none: unset).
pub fn migrate_command(
    binary: &str,
    folder: Option<&Path>,
    url: Option<&str>,
    args: &[&str],
) -> std::process::Command {
    let mut command = std::process::Command::new(binary);
    command.args(args).env_remove("DATABASE_URL");
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    if let Some(folder) = folder {
        command.env("MIGRATE_FIXTURE_DIR", folder);
    }
    command
}

/// Runs a command to its end.
pub fn run(command: &mut std::process::Command) -> Run {
    finished(command.output().expect("run the binary"))
}

/// The run of a process that has ended.
pub fn finished(output: std::process::Output) -> Run {
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Waits until `condition` holds, checking every 20 ms; panics with `what` after `limit`.
pub fn wait_until(what: &str, limit: std::time::Duration, mut condition: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !condition() {
        assert!(
            started.elapsed() < limit,
            "gave up after {limit:?} waiting until {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Runs `work` on a `tokio-postgres` connection to `url`, on a runtime of its own, as an async
/// application would.
pub fn with_async_client<T>(
    url: &str,
    work: impl AsyncFnOnce(&mut tokio_postgres::Client) -> T,
) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let (mut client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        work(&mut client).await
    })
}

/// The schema of a database, without the history tables: what `verify` compares.
pub fn schema_snapshot(client: &mut postgres::Client) -> migrations_verify::SchemaSnapshot {
    let options = migrations_verify::SnapshotOptions {
        excluded_tables: migrations_core::HistoryTable::default()
            .tables()
            .iter()
            .map(|t| format!("public.{t}"))
            .collect(),
        ..migrations_verify::SnapshotOptions::default()
    };
    migrations_verify::SchemaSnapshot::capture(client, &options).expect("snapshot")
}

/// A fixture folder copied into a folder of its own, with the `schema.snapshot.json` that
/// `cargo xtask schema` would write, rendered on the process's disposable server (so on its
/// PostgreSQL version): `fixture-migrate` carries it as `embed!` does, for `migrate drift`.
pub fn fixture_with_schema_file(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let from = fixture_dir(name);
    for sub in ["versions", "repeatable"] {
        let Ok(entries) = std::fs::read_dir(from.join(sub)) else {
            continue;
        };
        std::fs::create_dir_all(dir.path().join(sub)).expect("create the folder");
        for entry in entries {
            let path = entry.expect("an entry").path();
            let file = path.file_name().expect("a file name").to_owned();
            std::fs::copy(&path, dir.path().join(sub).join(file)).expect("copy");
        }
    }
    let server = DisposableServer::shared().unwrap_or_else(|e| panic!("{e}"));
    let history = migrations_core::HistoryTable::default();
    let files = migrations_verify::schema_files::render_at_head(&fixture(name), server, &history)
        .unwrap_or_else(|e| panic!("{e}"));
    let snapshot = dir
        .path()
        .join(migrations_core::schema_file::SCHEMA_SNAPSHOT);
    std::fs::write(snapshot, files.snapshot_json).expect("write the schema snapshot");
    dir
}
