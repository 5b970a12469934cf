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
