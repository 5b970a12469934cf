//! Prints how long the disposable PostgreSQL takes: server start, fresh database, template clone,
//! drop. `cargo run --release --example disposable_timings [-- ROUNDS]`; the backend follows the
//! environment like `DisposableServer::shared` (e.g. `DISPOSABLE_PG=local`).

use std::time::{Duration, Instant};

use migrations_disposable::{DisposableServer, ServerOptions};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn show(label: &str, samples: Vec<Duration>) {
    let (min, max) = (
        *samples.iter().min().unwrap(),
        *samples.iter().max().unwrap(),
    );
    println!(
        "{label:<34} median {:>7.1} ms   min {:>7.1} ms   max {:>7.1} ms   ({} runs)",
        median(samples.clone()).as_secs_f64() * 1e3,
        min.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3,
        samples.len()
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rounds: usize = std::env::args()
        .nth(1)
        .map(|text| text.parse())
        .transpose()?
        .unwrap_or(10);

    let mut starts = Vec::new();
    let mut stops = Vec::new();
    for _ in 0..rounds.min(5) {
        let started = Instant::now();
        let server = DisposableServer::start(ServerOptions::default())?;
        starts.push(started.elapsed());
        let stopped = Instant::now();
        drop(server);
        stops.push(stopped.elapsed());
    }
    show("server start (ready)", starts);
    show("server stop and removal", stops);

    let server = DisposableServer::start(ServerOptions::default())?;
    let (mut creates, mut drops) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let started = Instant::now();
        let database = server.create_db()?;
        creates.push(started.elapsed());
        let started = Instant::now();
        drop(database);
        drops.push(started.elapsed());
    }
    show("create_db (empty)", creates);
    show("drop database", drops);

    let started = Instant::now();
    let template = server.create_template(|database| {
        let mut client = database.connect()?;
        let mut script = String::new();
        for table in 0..50 {
            script.push_str(&format!(
                "CREATE TABLE t{table} (id bigserial PRIMARY KEY, name text, at timestamptz, doc jsonb{});\
                 CREATE INDEX ON t{table} (name);\
                 INSERT INTO t{table} (name, at, doc) SELECT 'n' || g, now(), '{{}}' FROM generate_series(1, 100) g;",
                if table > 0 { format!(", parent bigint REFERENCES t{} (id)", table - 1) } else { String::new() }
            ));
        }
        client.batch_execute(&script)?;
        Ok(())
    })?;
    println!(
        "{:<34} {:>14.1} ms",
        "template of 50 tables (build)",
        started.elapsed().as_secs_f64() * 1e3
    );
    let mut clones = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        let database = server.create_db_from(&template)?;
        clones.push(started.elapsed());
        drop(database);
    }
    show("create_db_from (50-table template)", clones);
    Ok(())
}
