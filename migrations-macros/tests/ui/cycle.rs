//! Compile error: two revisions that revise each other.

migrations_runtime::embed!("tests/fixtures/cycle");

fn main() {}
