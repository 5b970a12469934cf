//! Compile error: a baseline that revises another revision.

migrations_runtime::embed!("tests/fixtures/baseline_revises");

fn main() {}
