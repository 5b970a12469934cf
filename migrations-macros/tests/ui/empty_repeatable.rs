//! Compile error: a repeatable migration without SQL.

migrations_runtime::embed!("tests/fixtures/empty_repeatable");

fn main() {}
