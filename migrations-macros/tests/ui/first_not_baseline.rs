//! Compile error: a folder whose first revision is not a baseline.

migrations_runtime::embed!("tests/fixtures/first_not_baseline");

fn main() {}
