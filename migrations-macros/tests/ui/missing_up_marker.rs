//! Compile error: a revision without `-- migrate:up`.

migrations_runtime::embed!("tests/fixtures/missing_up_marker");

fn main() {}
