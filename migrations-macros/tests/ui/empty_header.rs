//! Compile error: a `-- message:` header without a value.

migrations_runtime::embed!("tests/fixtures/empty_header");

fn main() {}
