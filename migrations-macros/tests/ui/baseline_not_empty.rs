//! Compile error: a baseline with SQL in its sections.

migrations_runtime::embed!("tests/fixtures/baseline_not_empty");

fn main() {}
