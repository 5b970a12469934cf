//! Compile error: a hard-coded password in a revision.

migrations_runtime::embed!("tests/fixtures/credential");

fn main() {}
