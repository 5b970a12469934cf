//! Compile error: an unknown `-- key:` header.

migrations_runtime::embed!("tests/fixtures/unknown_header");

fn main() {}
