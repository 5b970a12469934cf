//! Starts the disposable PostgreSQL the environment asks for and prints its backend and
//! `SELECT version()`, so that a run per major version shows which server the tests get:
//! `DISPOSABLE_PG_VERSION=18 cargo run -p migrations-disposable --example server_version`.

use std::time::Instant;

use migrations_disposable::DisposableServer;

fn main() {
    // Display, not Debug: the errors carry the fix in their message.
    if let Err(error) = run() {
        eprintln!("{error}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let server = DisposableServer::shared()?;
    let ready = started.elapsed();
    let db = server.create_db()?;
    let version: String = db.connect()?.query_one("SELECT version()", &[])?.get(0);
    println!("backend: {}", server.backend());
    println!("server_version_num: {}", server.server_version_num());
    println!("version(): {version}");
    println!("ready in {:.0} ms", ready.as_secs_f64() * 1e3);
    Ok(())
}
