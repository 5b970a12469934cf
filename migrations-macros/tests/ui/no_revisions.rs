//! Compile error: a `versions/` folder without revisions.

migrations_runtime::embed!("tests/fixtures/no_revisions");

fn main() {}
