//! Compile error: a revision without `-- revises:`.

migrations_runtime::embed!("tests/fixtures/missing_revises");

fn main() {}
