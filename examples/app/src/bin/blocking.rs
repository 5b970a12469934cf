//! The application with the blocking `postgres` client: migrates the database at start-up.

use migrations_runtime::{DatabaseUrl, Target};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().init();

    let url = DatabaseUrl::from_env()?;
    // Not inside an async runtime: the blocking client starts one of its own.
    let mut client = url.connect()?;
    let report = app::migrations::runner().upgrade(&mut client, Target::Head)?;
    println!("{report}");

    let notes: i64 = client.query_one("SELECT count(*) FROM notes", &[])?.get(0);
    println!("{notes} notes");
    Ok(())
}
