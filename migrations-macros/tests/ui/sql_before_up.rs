//! Compile error: SQL above the `-- migrate:up` marker.

migrations_runtime::embed!("tests/fixtures/sql_before_up");

fn main() {}
