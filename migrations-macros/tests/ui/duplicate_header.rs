//! Compile error: a `-- revises:` header written twice.

migrations_runtime::embed!("tests/fixtures/duplicate_header");

fn main() {}
