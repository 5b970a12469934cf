//! The application with tokio-postgres: migrates the database at start-up, then uses it.

use migrations_runtime::{DatabaseUrl, Target};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A log line as each revision starts and finishes, and while another instance holds the lock.
    tracing_subscriber::fmt().init();

    // `DATABASE_URL`, as a URL or `key=value` pairs, with libpq's `sslmode`.
    let url = DatabaseUrl::from_env()?;
    let mut client = url.connect_async().await?;
    let report = app::migrations::runner()
        .upgrade_async(&mut client, Target::Head)
        .await?;
    println!("{report}");

    let notes: i64 = client
        .query_one("SELECT count(*) FROM notes", &[])
        .await?
        .get(0);
    println!("{notes} notes");
    Ok(())
}
