//! Compile error: a `-- lock-timeout:` that is not a timeout.

migrations_runtime::embed!("tests/fixtures/bad_timeout");

fn main() {}
