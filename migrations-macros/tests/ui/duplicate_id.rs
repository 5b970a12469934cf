//! Compile error: two revisions with the same timestamp.

migrations_runtime::embed!("tests/fixtures/duplicate_id");

fn main() {}
